#!/usr/bin/env python3
# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Does the behaviour segmentation recover planted groups? Prints the adjusted Rand index.

    python setup/segment_check.py [PER_GROUP] [SEED]      (defaults: 60 customers a group, seed 7)

Generates the planted book of tests/planted_book.py (five behaviour groups,
two years of monthly invoices), segments it with the engine
(ar_escalation_ladder/engine/segment.py, no database) and prints each segment's
name and size, how the planted groups fell into them, the adjusted Rand index
against the planted groups (1.0: recovered exactly) and how many deteriorating
customers the early-risk flag caught. Exits 1 when the index is under 0.8.
Needs scikit-learn (requirements.txt) in the Python that runs it.
"""

import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests")]
import conftest  # noqa: E402,F401  (the addons' engines importable without Odoo)
from planted_book import adjusted_rand_index, as_records, planted_book  # noqa: E402

from ar_escalation_ladder.engine.segment import segment_book  # noqa: E402
from ar_escalation_ladder.engine.segment_words import segment_name  # noqa: E402


def main(argv):
    per_group = int(argv[1]) if len(argv) > 1 else 60
    seed = int(argv[2]) if len(argv) > 2 else 7
    book = planted_book(per_group=per_group, seed=seed)
    start = time.perf_counter()
    result = segment_book(as_records(book), book.today, min_size=10)
    elapsed = time.perf_counter() - start
    print(f"{len(book.customers)} customers, {sum(len(c.invoices) for c in book.customers)} invoices")
    print(f"status: {result.status} {segment_name(result.reason)}".rstrip())
    print(f"model: k={result.model.get('k')} (lowest BIC), {elapsed:.2f} s")
    for segment in result.segments:
        print(f"  segment {segment.key}: {len(segment.members):4d}  {segment_name(segment.traits)}")
    found = result.labels([c.key for c in book.customers])
    for (group, key), count in sorted(Counter(zip(book.groups(), found, strict=True)).items()):
        print(f"  planted {group:14s} -> segment {key}: {count}")
    ari = adjusted_rand_index(book.groups(), found)
    deteriorating = [c.key for c in book.customers if c.group == "deteriorating"]
    caught = sum(result.customers[key].early_risk for key in deteriorating)
    flagged = sum(c.early_risk for c in result.customers.values())
    print(f"early risk: {caught}/{len(deteriorating)} deteriorating caught, {flagged - caught} others")
    print(f"adjusted Rand index: {ari:.3f}")
    return 0 if ari >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
