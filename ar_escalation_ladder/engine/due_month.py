# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""*Falls due in month*: the rule kind a seasonal payer's drafted track enters its reminder by.

Registered in :data:`.rules.RULE_KINDS` as an added kind is (its Odoo side:
models/ar_escalation_rule_due_month.py); the fact it reads, the invoice's due
month, is ``facts.extra["due_month"]``.
"""

from typing import Literal

from pydantic import Field

from .rules import RULE_KINDS, RuleSchema
from .vocabulary import Phrase


class DueMonthRule(RuleSchema):
    """The invoice falls due in ``month`` (1..12)."""

    kind: Literal["due_month"] = "due_month"
    month: int = Field(ge=1, le=12)


@RULE_KINDS.register(DueMonthRule, reads=("extra.due_month",))
def _due_month(rule, facts, today):
    month = facts.extra.get("due_month")
    return Phrase.of("due_month", month=month) if month == rule.month else None
