"""Print the README's rule table, generated from the rules' docstrings; --write updates README.md.

    python scripts/rules_table.py          # print the table
    python scripts/rules_table.py --write  # replace the table in README.md

tests/test_project.py fails when README.md's table differs from what this prints.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kefix.report.rule_docs import replace_rules_table, rules_table_markdown

README = Path(__file__).resolve().parent.parent / "README.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    if parser.parse_args().write:
        README.write_text(replace_rules_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(rules_table_markdown(), end="")


if __name__ == "__main__":
    main()
