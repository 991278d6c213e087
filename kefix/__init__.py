"""kefix: find and fix inconsistent HuggingFace Trainer launch configurations."""

__version__ = "0.1.0"
