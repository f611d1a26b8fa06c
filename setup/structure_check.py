#!/usr/bin/env python3
# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The addons' code stays findable: no module over MAX_FILE lines, no function over MAX_METHOD.

    python3 setup/structure_check.py [ROOT]

Reads the Python files of the three addons (their tests and migrations aside:
a test states a scenario, a migration runs once) and prints the method sizes
(median, 90th percentile, largest) with every module or function over its
limit. Exits 1 when one is over, so the test command's lint step fails.
Limits: AR_MAX_FILE_LINES (400), AR_MAX_METHOD_LINES (50).
"""

import ast
import os
import statistics
import sys
from pathlib import Path

ADDONS = ("ar_escalation_ladder", "ar_escalation_sms", "ar_escalation_reports")
SKIPPED_PARTS = {"tests", "migrations"}


def sources(root):
    for addon in ADDONS:
        for path in sorted((root / addon).rglob("*.py")):
            if not SKIPPED_PARTS & set(path.relative_to(root).parts):
                yield path


def main(argv):
    root = Path(argv[1] if len(argv) > 1 else Path(__file__).resolve().parent.parent)
    max_file = int(os.environ.get("AR_MAX_FILE_LINES", 400))
    max_method = int(os.environ.get("AR_MAX_METHOD_LINES", 50))
    sizes, over = [], []
    for path in sources(root):
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(root)
        lines = text.count("\n")
        if lines > max_file:
            over.append(f"{name}: {lines} lines (limit {max_file})")
        for node in ast.walk(ast.parse(text, filename=str(name))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                size = node.end_lineno - node.lineno + 1
                sizes.append(size)
                if size > max_method:
                    over.append(f"{name}:{node.lineno} {node.name}: {size} lines (limit {max_method})")
    sizes.sort()
    print(
        f"structure: {len(sizes)} functions, median {statistics.median(sizes):g} lines, "
        f"90th percentile {sizes[int(len(sizes) * 0.9)]}, largest {sizes[-1]}"
    )
    for line in over:
        print(f"structure: over the limit: {line}")
    if over:
        print("structure: split what is over the limit by responsibility (README, Repository layout)")
        return 1
    print("structure: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
