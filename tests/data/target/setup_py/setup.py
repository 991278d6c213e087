import os

from setuptools import find_packages, setup

# Never executed by kefix: this import would fail without the package.
from mypkg.version import __version__

REQUIRED = [
    "torch>=2.0",
    "transformers>=4.36.0,<4.38",
    "accelerate",
]

EXTRAS = {
    "dev": ["pytest", "ruff"],
}

setup(
    name="mypkg",
    version=__version__,
    packages=find_packages(),
    install_requires=REQUIRED + ["sentencepiece"],
    extras_require=EXTRAS,
    python_requires=">=3.8",
)
