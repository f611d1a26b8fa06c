# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Decide, for each open invoice, its ladder stage and whether to contact the customer.

Plain Python, no database: the Odoo side gathers :class:`InvoiceFacts` for a
whole batch with a constant number of queries, calls :func:`decide` for each
and writes the results back in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from .policy import Policy, Stage
from .rules import _rule_match, match_stage, stage_match  # noqa: F401 (the engine's API)

ROLLUP_CHAIN = {
    "ar_operator": "ar_lead",
    "account_manager": "ar_lead",
    "ar_lead": "finance_lead",
    "finance_lead": "cfo",
    "cfo": None,
}

RISK_SIGNAL_LABELS = {
    "late_payer": "pays late on average",
    "worsening": "payment delays worsening",
    "broken_promise": "broke a promise before",
    "dispute": "open dispute",
    "over_credit_limit": "over credit limit",
}

TIER_LABELS = {
    "strategic": "strategic account",
    "key": "key account",
    "standard": "standard account",
    "small": "small account",
}

AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")


@dataclass(slots=True)
class CustomerHistory:
    """What the customer's own history says; amounts of days are averages."""

    avg_days_late_12m: float | None = None
    avg_days_late_recent: float | None = None  # last 3 months
    avg_days_late_before: float | None = None  # the 9 months before
    broken_promises: int = 0
    open_disputes: int = 0
    over_credit_limit: bool = False


@dataclass(slots=True)
class InvoiceFacts:
    invoice_id: int
    partner_id: int
    days_overdue: int
    residual: float  # company currency
    customer_overdue: float = 0.0  # company currency, all the customer's overdue
    over_credit_limit: bool = False
    broken_promises_invoice: int = 0
    broken_promises_customer: int = 0
    open_dispute: bool = False
    account_tier: str = "standard"
    risk_signals: tuple[str, ...] = ()
    # stage sequence -> date of the first external message at that stage
    # that the customer has not answered since
    unanswered_since: Mapping[int, date] = field(default_factory=dict)
    current_stage: int | None = None
    paid: bool = False
    paused: bool = False
    promise_holds: bool = False
    hygiene_blockers: tuple[str, ...] = ()
    external_attempts: int = 0  # external messages sent at the current stage
    last_external: date | None = None  # last one at the current stage
    extra: Mapping[str, object] = field(default_factory=dict)  # an addon's rule kinds' facts


@dataclass(slots=True)
class Decision:
    invoice_id: int
    action: str  # "none" (no stage), "enter" (moves up), "stay", "close" (paid)
    stage: int | None
    previous: int | None
    reason: str
    matched: int | None = None  # the stage the rules alone point to
    send_external: bool = False
    external_cycle: int = 0  # index of the message at this stage (0 = first)
    hold: str = ""  # why nothing goes out although the stage has a channel
    blockers: tuple[str, ...] = ()


def aging_bucket(days_overdue: int) -> str:
    if days_overdue <= 0:
        return "current"
    if days_overdue <= 30:
        return "1-30"
    if days_overdue <= 60:
        return "31-60"
    if days_overdue <= 90:
        return "61-90"
    return "90+"


def risk_signals(history: CustomerHistory, policy: Policy) -> tuple[str, ...]:
    """Signals drawn from the customer's history, in a stable order."""
    out = []
    avg = history.avg_days_late_12m
    if avg is not None and avg >= policy.risk.late_payer_days:
        out.append("late_payer")
    recent, before = history.avg_days_late_recent, history.avg_days_late_before
    if recent is not None and before is not None:
        if recent - before >= policy.risk.worsening_days:
            out.append("worsening")
    if history.broken_promises:
        out.append("broken_promise")
    if history.open_disputes:
        out.append("dispute")
    if history.over_credit_limit:
        out.append("over_credit_limit")
    return tuple(out)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Words:
    """The phrases of a decision's reason, in English with plain amounts.

    The engine knows no language, currency or time zone: the Odoo side passes
    :func:`decide` its own ``Words`` (translated phrases, amounts in the
    company's currency, models/ar_escalation_words.py); this default is what
    the engine's own tests and tools read.
    """

    def days(self, days: int) -> str:
        """The invoice's age: "5 days overdue", "due today", "due in 3 days"."""
        if days > 0:
            return f"{_plural(days, 'day')} overdue"
        if days == 0:
            return "due today"
        return f"due in {_plural(-days, 'day')}"

    def amount(self, amount: float) -> str:
        return f"{amount:,.2f}"

    def open_on_invoice(self, amount: float) -> str:
        return f"{self.amount(amount)} open on the invoice"

    def overdue_for_customer(self, amount: float) -> str:
        return f"{self.amount(amount)} overdue for the customer"

    def over_credit_limit(self) -> str:
        return "over credit limit"

    def promises_broken(self, count: int, by_customer: bool = False) -> str:
        where = " by the customer" if by_customer else ""
        return f"{_plural(count, 'promise')} broken{where}"

    def open_dispute(self) -> str:
        return "open dispute"

    def tier(self, tier: str) -> str:
        return TIER_LABELS.get(tier, tier)

    def signal(self, signal: str) -> str:
        return RISK_SIGNAL_LABELS.get(signal, signal)

    def risk_signals(self, signals: tuple[str, ...]) -> str:
        labels = ", ".join(self.signal(s) for s in signals)
        return f"{_plural(len(signals), 'risk signal')} ({labels})"

    def no_response(self, days: int) -> str:
        return f"no response for {_plural(days, 'day')}"

    def paid(self) -> str:
        return "paid in full"

    def held_at(self, stage_name: str) -> str:
        return f"held at {stage_name} (escalation only moves up)"

    def join(self, phrases: list[str]) -> str:
        return "; ".join(phrases)


ENGLISH = Words()


# the English words of a rule's phrase, until the engine's render() reads them all
_PHRASE_WORDS = {
    "days_overdue": lambda words, p: words.days(p.get("days")),
    "open_on_invoice": lambda words, p: words.open_on_invoice(p.get("amount")),
    "overdue_for_customer": lambda words, p: words.overdue_for_customer(p.get("amount")),
    "over_credit_limit": lambda words, p: words.over_credit_limit(),
    "promises_broken": lambda words, p: words.promises_broken(p.get("count")),
    "promises_broken_customer": lambda words, p: words.promises_broken(p.get("count"), by_customer=True),
    "open_dispute": lambda words, p: words.open_dispute(),
    "account_tier": lambda words, p: words.tier(p.get("tier")),
    "risk_signals": lambda words, p: words.risk_signals(p.get("signals")),
    "no_response": lambda words, p: words.no_response(p.get("days")),
}


def _phrase_words(phrase, words: Words) -> str:
    known = _PHRASE_WORDS.get(phrase.code)
    return known(words, phrase) if known else phrase.code


def _reason(facts: InvoiceFacts, hits: list[str], words: Words = ENGLISH) -> str:
    """The reason in words: days overdue, what made the stage match, and what else weighs."""
    phrases = [words.days(facts.days_overdue)]
    notable = []
    if facts.broken_promises_invoice:
        notable.append(words.promises_broken(facts.broken_promises_invoice))
    if facts.open_dispute:
        notable.append(words.open_dispute())
    for phrase in [*hits, *notable]:
        if phrase not in phrases:
            phrases.append(phrase)
    return words.join(phrases)


def external_plan(stage: Stage, facts: InvoiceFacts, entering: bool, today: date):
    """Whether the customer is contacted now at ``stage``: (send, cycle, hold)."""
    if stage.channel == "none":
        return False, 0, "no external channel"
    if facts.paused:
        return False, 0, "paused"
    if facts.open_dispute:
        return False, 0, "open dispute"
    if facts.promise_holds and stage.pause_on_promise:
        return False, 0, "promise to pay holds"
    if facts.hygiene_blockers:
        return False, 0, "not payable as sent"
    attempts = 0 if entering else facts.external_attempts
    if attempts >= max(stage.cadence_max, 1):
        return False, attempts, "cadence complete"
    if attempts and facts.last_external is not None:
        if (today - facts.last_external).days < stage.cadence_days:
            return False, attempts, "next reminder not due yet"
    return True, attempts, ""


def decide(policy: Policy, facts: InvoiceFacts, today: date, words: Words = ENGLISH) -> Decision:
    """The stage an invoice belongs at today, and what to tell the customer.

    Escalation only moves up on its own: when the rules point below the
    current stage, the invoice stays where it is. A paid invoice closes.
    ``words`` writes the reason (English with plain amounts by default).
    """
    current = facts.current_stage
    if facts.paid or facts.residual <= 0:
        return Decision(
            facts.invoice_id,
            "close" if current is not None else "none",
            None,
            current,
            words.paid(),
        )
    matched, phrases = match_stage(policy, facts, today)
    hits = [_phrase_words(phrase, words) for phrase in phrases]
    stages = policy.by_sequence
    if current is not None and current not in stages:
        current = None  # the stage was removed from the policy
    if matched is None and current is None:
        return Decision(facts.invoice_id, "none", None, None, _reason(facts, [], words))
    if current is not None and (matched is None or matched <= current):
        target, action = current, "stay"
        reason = _reason(facts, hits, words)
        if matched is not None and matched < current:
            reason = words.join([reason, words.held_at(stages[current].name)])
    else:
        target, action = matched, "enter"
        reason = _reason(facts, hits, words)
    send, cycle, hold = external_plan(stages[target], facts, action == "enter", today)
    return Decision(
        facts.invoice_id,
        action,
        target,
        facts.current_stage,
        reason,
        matched,
        send,
        cycle,
        hold,
        facts.hygiene_blockers,
    )
