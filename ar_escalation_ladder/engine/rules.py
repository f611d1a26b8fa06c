# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The kinds of a stage's entry rules: each one's schema, the facts it reads, its matcher.

A kind is registered once in :data:`RULE_KINDS`: its pydantic schema (the
rule's settings, with a ``kind`` literal), the :class:`~.evaluate.InvoiceFacts`
attributes it reads (``"extra.<key>"`` for a fact an addon gathers itself, in
``facts.extra``) and its matcher ``(rule, facts, today) -> Phrase | None``: the
phrase of the reason when the rule matches, ``None`` when it does not. The
policy's rules validate against every registered kind (:mod:`.policy`), and
:func:`match_stage` asks each rule's matcher, so an addon adds a kind with::

    class InCategoryRule(RuleSchema):
        kind: Literal["customer_in_category"] = "customer_in_category"
        category_ids: tuple[int, ...] = Field(min_length=1)

    @RULE_KINDS.register(InCategoryRule, reads=("extra.partner_category_ids",))
    def _in_category(rule, facts, today):
        ...

On the Odoo side the addon adds the kind's label to
``ar.escalation.rule._get_rule_kinds``, a rule field named as each setting of
its own (``_prepare_policy_rule`` / ``_prepare_rule_vals`` serialise it, the
policy file carries it), its facts in ``ar.escalation.facts._get_extra_facts``
and the words of its phrase in ``ar.escalation.event._ar_phrase_text``
(tests/odoo_addons/ar_escalation_rule_category does all four). A built-in
kind is added here, with its label in ``_get_rule_kinds`` and its phrase's
words (``vocabulary.REASON_CODES``, ``Words``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from .vocabulary import ACCOUNT_TIERS, Phrase

if TYPE_CHECKING:
    from .evaluate import InvoiceFacts
    from .policy import Policy, Stage


class Strict(BaseModel):
    """A settings mapping: no key it does not know, immutable once validated."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleSchema(Strict):
    """The settings of a rule; a kind's schema adds ``kind: Literal["<code>"] = "<code>"``."""


class RangeRule(RuleSchema):
    """A rule on a number between ``min`` and ``max`` (either may be left open)."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _check_range(self):
        if self.min is None and self.max is None:
            raise PydanticCustomError("range_empty", "set min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise PydanticCustomError(
                "range_inverted",
                "min ({min_text}) must be <= max ({max_text})",
                {"min": self.min, "max": self.max, "min_text": f"{self.min:g}", "max_text": f"{self.max:g}"},
            )
        return self

    def contains(self, value: float) -> bool:
        if self.min is not None and value < self.min:
            return False
        return self.max is None or value <= self.max


Matcher = Callable[[RuleSchema, "InvoiceFacts", date], Phrase | None]


@dataclass(frozen=True, slots=True)
class RuleKind:
    code: str
    schema: type[RuleSchema]
    matcher: Matcher
    reads: tuple[str, ...] = ()  # InvoiceFacts attributes, "extra.<key>" for facts.extra


def _code_of(schema: type[RuleSchema]) -> str:
    field = schema.model_fields.get("kind")
    code = field.default if field is not None else None
    if not isinstance(code, str) or not code:
        raise TypeError(f"{schema.__name__} needs a field kind: Literal['<code>'] = '<code>'")
    return code


class RuleKindRegistry(Mapping[str, RuleKind]):
    """Every kind of rule a policy may use, by code, in the order they were registered."""

    def __init__(self):
        self._kinds: dict[str, RuleKind] = {}

    def register(self, schema: type[RuleSchema], *, reads: Iterable[str] = ()):
        """Decorator over a matcher: registers the kind of ``schema`` (a later one replaces it)."""

        def decorate(matcher: Matcher) -> Matcher:
            self._kinds[_code_of(schema)] = RuleKind(_code_of(schema), schema, matcher, tuple(reads))
            return matcher

        return decorate

    def remove(self, code: str) -> RuleKind | None:
        """Forget a kind (an addon's test that registered one for its duration)."""
        return self._kinds.pop(code, None)

    def __getitem__(self, code: str) -> RuleKind:
        return self._kinds[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def schemas(self) -> tuple[type[RuleSchema], ...]:
        return tuple(kind.schema for kind in self._kinds.values())

    def reads(self, policy: Policy) -> frozenset[str]:
        """The facts the policy's rules read (the Odoo side gathers only those extras)."""
        return frozenset(
            name for stage in policy.stages for rule in stage.rules for name in self[rule.kind].reads
        )


@functools.cache
def rule_union(schemas: tuple[type[RuleSchema], ...]):
    """The type of a rule: any of ``schemas``, told apart by their ``kind``."""
    if len(schemas) == 1:
        return schemas[0]
    return Annotated[Union[schemas], Field(discriminator="kind")]  # noqa: UP007 (a tuple of types)


RULE_KINDS = RuleKindRegistry()


# the built-in kinds ------------------------------------------------------------
class DaysOverdueRule(RangeRule):
    """Days past the due date; negative values are days before it."""

    kind: Literal["days_overdue"] = "days_overdue"


@RULE_KINDS.register(DaysOverdueRule, reads=("days_overdue",))
def _days_overdue(rule, facts, today):
    if rule.contains(facts.days_overdue):
        return Phrase.of("days_overdue", days=facts.days_overdue)
    return None


class AmountResidualRule(RangeRule):
    """The invoice's open amount, in company currency."""

    kind: Literal["amount_residual"] = "amount_residual"

    @model_validator(mode="after")
    def _check_positive(self):
        if (self.min or 0) < 0 or (self.max or 0) < 0:
            value = self.min if (self.min or 0) < 0 else self.max
            raise PydanticCustomError("amount_negative", "amounts cannot be negative", {"value": value})
        return self


def _open_amount(rule, amount, code):
    """The phrase ``code`` for an open ``amount`` within the rule's range (nothing open: no match)."""
    return Phrase.of(code, amount=amount) if amount > 0 and rule.contains(amount) else None


@RULE_KINDS.register(AmountResidualRule, reads=("residual",))
def _amount_residual(rule, facts, today):
    return _open_amount(rule, facts.residual, "open_on_invoice")


class CustomerOverdueRule(AmountResidualRule):
    """The customer's total overdue amount, in company currency."""

    kind: Literal["customer_overdue"] = "customer_overdue"


@RULE_KINDS.register(CustomerOverdueRule, reads=("customer_overdue",))
def _customer_overdue(rule, facts, today):
    return _open_amount(rule, facts.customer_overdue, "overdue_for_customer")


class OverCreditLimitRule(RuleSchema):
    """The customer's receivable is above its credit limit (a limit is set)."""

    kind: Literal["over_credit_limit"] = "over_credit_limit"


@RULE_KINDS.register(OverCreditLimitRule, reads=("over_credit_limit",))
def _over_credit_limit(rule, facts, today):
    return Phrase.of("over_credit_limit") if facts.over_credit_limit else None


class BrokenPromisesRule(RuleSchema):
    kind: Literal["broken_promises"] = "broken_promises"
    min: int = Field(1, ge=1)
    scope: Literal["invoice", "customer"] = "invoice"


@RULE_KINDS.register(BrokenPromisesRule, reads=("broken_promises_invoice", "broken_promises_customer"))
def _broken_promises(rule, facts, today):
    if rule.scope == "customer":
        count, code = facts.broken_promises_customer, "promises_broken_customer"
    else:
        count, code = facts.broken_promises_invoice, "promises_broken"
    return Phrase.of(code, count=count) if count >= rule.min else None


class OpenDisputeRule(RuleSchema):
    kind: Literal["open_dispute"] = "open_dispute"


@RULE_KINDS.register(OpenDisputeRule, reads=("open_dispute",))
def _open_dispute(rule, facts, today):
    return Phrase.of("open_dispute") if facts.open_dispute else None


class AccountTierRule(RuleSchema):
    kind: Literal["account_tier"] = "account_tier"
    tiers: tuple[Literal[ACCOUNT_TIERS], ...] = Field(min_length=1)


@RULE_KINDS.register(AccountTierRule, reads=("account_tier",))
def _account_tier(rule, facts, today):
    return Phrase.of("account_tier", tier=facts.account_tier) if facts.account_tier in rule.tiers else None


class RiskSignalsRule(RuleSchema):
    kind: Literal["risk_signals"] = "risk_signals"
    min: int = Field(1, ge=1, le=5)


@RULE_KINDS.register(RiskSignalsRule, reads=("risk_signals",))
def _risk_signals(rule, facts, today):
    if len(facts.risk_signals) >= rule.min:
        return Phrase.of("risk_signals", signals=tuple(facts.risk_signals))
    return None


class DaysNoResponseRule(RuleSchema):
    """Days since the first external message that the customer left unanswered.

    ``since_stage`` counts only messages sent at that stage or above, so that
    "no response to executive outreach for 10 days" can be expressed.
    """

    kind: Literal["days_no_response"] = "days_no_response"
    min: int = Field(ge=1)
    since_stage: int = Field(0, ge=0)


@RULE_KINDS.register(DaysNoResponseRule, reads=("unanswered_since",))
def _days_no_response(rule, facts, today):
    dates = [d for seq, d in facts.unanswered_since.items() if seq >= rule.since_stage and d]
    if dates and (today - min(dates)).days >= rule.min:
        return Phrase.of("no_response", days=(today - min(dates)).days)
    return None


# matching ------------------------------------------------------------------------
def _rule_match(rule: RuleSchema, facts: InvoiceFacts, today: date) -> Phrase | None:
    """The rule's phrase when it matches, else None."""
    kind = RULE_KINDS.get(rule.kind)
    if kind is None:
        raise ValueError(f"unknown rule kind {rule.kind!r}: register it in RULE_KINDS")
    return kind.matcher(rule, facts, today)


def stage_match(stage: Stage, facts: InvoiceFacts, today: date) -> list[Phrase] | None:
    """The phrases of the stage's matching rules, or None when the stage does not apply."""
    if not stage.rules:
        return None
    phrases = [_rule_match(rule, facts, today) for rule in stage.rules]
    hits = [p for p in phrases if p is not None]
    if stage.rule_mode == "all":
        return hits if len(hits) == len(phrases) else None
    return hits or None


def match_stage(policy: Policy, facts: InvoiceFacts, today: date) -> tuple[int | None, list[Phrase]]:
    """The highest stage whose rules match, with the phrases that made it match."""
    for stage in policy.descending():
        hits = stage_match(stage, facts, today)
        if hits is not None:
            return stage.sequence, hits
    return None, []
