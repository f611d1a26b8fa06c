# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Database-free escalation engine: policy validation and rule evaluation."""

from .evaluate import (  # noqa: F401
    AGING_BUCKETS,
    ENGLISH,
    CustomerHistory,
    Decision,
    InvoiceFacts,
    aging_bucket,
    decide,
    external_plan,
    match_stage,
    render,
    risk_signals,
    Words,
)
from .next_change import next_change  # noqa: F401
from .policy import ACCOUNT_TIERS, Policy, PolicyError, load_policy, policy_model  # noqa: F401
from .rules import RULE_KINDS, RangeRule, RuleKind, RuleSchema  # noqa: F401
from .vocabulary import HOLD_CODES, REASON_CODES, RISK_SIGNALS, Phrase  # noqa: F401
from . import due_month  # noqa: F401 (registers the rule kind a seasonal drafted track uses)
