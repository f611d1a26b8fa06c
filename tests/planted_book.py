# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A generated receivables book with planted payment behaviour, to prove the segmentation on.

    from planted_book import planted_book, as_records
    book = planted_book(per_group=60)          # 300 customers, two years of monthly invoices
    records = as_records(book)                 # the engine's CustomerRecord list

Five groups, each customer's behaviour drawn from its group's model (days
late = settlement date - due date; a settlement on or after ``today`` leaves
the invoice open):

- ``punctual``: about on time, most paid a day or two early;
- ``chronic_late``: 28-45 days late, every month;
- ``deteriorating``: on time until six months ago, then later every month
  (up to 15-20 days). Their last due invoice is settled and the next falls due
  within 2-8 days: technically current, the early-risk flag should catch them;
- ``seasonal``: on time, except about 35 days late around their peak month
  (July or August) every year;
- ``dispute_prone``: a third of their invoices disputed and paid ~25 days late,
  promises broken.

As in a real book the groups blur a little: any customer's invoice is disputed
now and then (2 %), a chronic late payer may have broken a promise.

Plain Python and deterministic for a seed: the database-free tests, the Odoo
test (which posts the same book in Odoo) and setup/segment_check.py use it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

GROUPS = ("punctual", "chronic_late", "deteriorating", "seasonal", "dispute_prone")
TODAY = date(2026, 12, 1)
TERMS = 30  # days from invoice to due date


@dataclass(slots=True)
class PlantedInvoice:
    issued: date
    due: date
    amount: float
    paid: date | None  # settled in full on that date; None: open today
    disputed: bool = False


@dataclass(slots=True)
class PlantedCustomer:
    key: int
    group: str
    invoices: list[PlantedInvoice] = field(default_factory=list)
    broken_promises: int = 0

    @property
    def name(self):
        return f"Planted {self.group.replace('_', ' ')} {self.key:04d}"


@dataclass(slots=True)
class PlantedBook:
    today: date
    customers: list[PlantedCustomer]

    def groups(self):
        return [customer.group for customer in self.customers]


class _Lateness:
    """Days late of one customer's invoice due on a date, by its group's model."""

    def __init__(self, group, rng, today):
        self.group, self.rng, self.today = group, rng, today
        self.base = rng.uniform(28, 45)
        self.end = rng.uniform(15, 20)
        self.peak = rng.choice((7, 8))
        self.cut = today - timedelta(days=182)

    def __call__(self, due, disputed):
        rng, group = self.rng, self.group
        if group == "chronic_late":
            return max(5, rng.gauss(self.base, 7))
        if group == "deteriorating" and due >= self.cut:
            frac = (due - self.cut).days / (self.today - self.cut).days
            return 5 + (self.end - 5) * frac + rng.gauss(0, 1.5)
        if group == "seasonal" and min(abs(due.month - self.peak), 12 - abs(due.month - self.peak)) <= 1:
            return rng.gauss(35, 6)
        if group == "dispute_prone":
            return rng.gauss(25, 8) if disputed else rng.gauss(3, 3)
        if group == "punctual":
            return rng.gauss(-2, 2.5)
        return rng.gauss(1, 2.5)


def _customer(key, group, rng, today, months, every_days):
    """One customer's invoices: every ``every_days`` (± 3), the next one falling due after ``today``."""
    customer = PlantedCustomer(key, group)
    late_of = _Lateness(group, rng, today)
    # the next invoice falls due after today; a deteriorating customer's within
    # 2-8 days, its previous one settled already (its lateness stays below the gap)
    next_due = today + timedelta(days=rng.randint(2, 8) if group == "deteriorating" else rng.randint(2, 28))
    start = today - timedelta(days=int(rng.uniform(0.75, 1.0) * months * 30.44))
    amount = rng.lognormvariate(7.3, 0.6)
    due, dues = next_due, []
    while due - timedelta(days=TERMS) >= start:
        dues.append(due)
        due -= timedelta(days=every_days + (rng.randint(-3, 3) if due != next_due else 0))
    for due in reversed(dues):
        disputed = rng.random() < (0.35 if group == "dispute_prone" else 0.02)
        paid = due + timedelta(days=round(late_of(due, disputed)))
        customer.invoices.append(
            PlantedInvoice(
                issued=due - timedelta(days=TERMS),
                due=due,
                amount=round(amount * rng.uniform(0.8, 1.2), 2),
                paid=paid if paid < today else None,
                disputed=disputed,
            )
        )
    if group == "dispute_prone":
        customer.broken_promises = rng.randint(2, 4)
    elif group == "chronic_late":
        customer.broken_promises = rng.randint(0, 1)
    return customer


def planted_book(per_group=60, months=24, seed=7, today=TODAY, every_days=30, groups=GROUPS):
    """``per_group`` customers of each planted group with ``months`` of history up to ``today``."""
    rng = random.Random(seed)
    customers = []
    for index in range(per_group * len(groups)):
        group = groups[index % len(groups)]
        customers.append(_customer(index + 1, group, rng, today, months, every_days))
    return PlantedBook(today, customers)


def as_records(book, key_of=None):
    """The book as the engine's :class:`CustomerRecord` list (``key_of`` maps a customer to its id)."""
    from ar_escalation_ladder.engine.segment import CustomerRecord, InvoiceRecord

    return [
        CustomerRecord(
            key_of(customer) if key_of else customer.key,
            [
                InvoiceRecord(inv.due, inv.amount, inv.issued, inv.paid, inv.disputed)
                for inv in customer.invoices
            ],
            customer.broken_promises,
        )
        for customer in book.customers
    ]


def adjusted_rand_index(truth, found):
    """The adjusted Rand index of two labelings (Hubert & Arabie), without scikit-learn."""
    from collections import Counter
    from math import comb

    pairs = Counter(zip(truth, found, strict=True))
    sum_cells = sum(comb(n, 2) for n in pairs.values())
    sum_truth = sum(comb(n, 2) for n in Counter(truth).values())
    sum_found = sum(comb(n, 2) for n in Counter(found).values())
    total = comb(len(truth), 2)
    expected = sum_truth * sum_found / total if total else 0.0
    maximum = (sum_truth + sum_found) / 2
    return (sum_cells - expected) / (maximum - expected) if maximum != expected else 1.0
