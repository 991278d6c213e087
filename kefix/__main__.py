"""``python -m kefix``."""

from kefix.cli import main

main()
