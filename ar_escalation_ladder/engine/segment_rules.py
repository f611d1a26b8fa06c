# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Rule-based segments beside the behaviour ones: aging band, account tier, invoice value.

A rule segment is a set of conditions, each optional: the aging band of the
customer's oldest open invoice, its account tier, a range of its average
invoice value (company currency). Rule segments are tried in their order;
the first whose conditions all hold is the customer's. Plain Python: the Odoo
side reads the facts in batch (models/res_partner_segment.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .evaluate import aging_bucket

# the aging bands, as the reports' aging buckets (engine/evaluate.py)
AGING_BAND_SELECTION = [
    ("current", "Nothing overdue"),
    ("1-30", "1-30 days overdue"),
    ("31-60", "31-60 days overdue"),
    ("61-90", "61-90 days overdue"),
    ("90+", "Over 90 days overdue"),
]


@dataclass(frozen=True, slots=True)
class RuleSegment:
    key: int
    aging_band: str | None = None
    account_tier: str | None = None
    min_invoice: float | None = None
    max_invoice: float | None = None


@dataclass(frozen=True, slots=True)
class RuleFacts:
    """What the rules read of a customer: its tier, its oldest open invoice's age, its invoices' average."""

    account_tier: str = "standard"
    oldest_open_days: int | None = None  # days overdue of the oldest open invoice (None: nothing open)
    avg_invoice: float | None = None

    @property
    def aging_band(self):
        return None if self.oldest_open_days is None else aging_bucket(self.oldest_open_days)


def matches(rule: RuleSegment, facts: RuleFacts) -> bool:
    if rule.aging_band and facts.aging_band != rule.aging_band:
        return False
    if rule.account_tier and facts.account_tier != rule.account_tier:
        return False
    if rule.min_invoice is not None and (facts.avg_invoice is None or facts.avg_invoice < rule.min_invoice):
        return False
    if rule.max_invoice is not None and (facts.avg_invoice is None or facts.avg_invoice > rule.max_invoice):
        return False
    return True


def rule_segment(rules, facts: RuleFacts) -> int | None:
    """The key of the first rule segment ``facts`` meet, in the rules' order (None: none)."""
    return next((rule.key for rule in rules if matches(rule, facts)), None)
