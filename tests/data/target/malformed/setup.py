from setuptools import setup
setup(name="x", install_requires=["transformers==4.40.2",
