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
from .vocabulary import ACCOUNT_TIER_SELECTION, HOLD_SELECTION, REASON_CODES, RISK_SIGNAL_SELECTION, Phrase

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
    early_risk: bool = False  # current but deteriorating (the last segmentation run, engine/segment.py)


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
    message_approved: bool = False  # the account manager approved the current stage's messages
    external_attempts: int = 0  # external messages sent at the current stage
    last_external: date | None = None  # last one at the current stage
    extra: Mapping[str, object] = field(default_factory=dict)  # an addon's rule kinds' facts
    # the dates behind the facts above, read only by next_change.next_change
    paused_until: date | None = None  # last day of the pause that holds
    promise_until: date | None = None  # last day the promise holds (its date + the grace)
    stage_since: date | None = None  # the day it entered its stage, when it climbs from the go-live cap
    customer_changes_on: date | None = None  # next day the customer's history windows move


@dataclass(slots=True)
class Decision:
    invoice_id: int
    action: str  # "none" (no stage), "enter" (moves up), "stay", "close" (paid)
    stage: int | None
    previous: int | None
    reasons: tuple[Phrase, ...]  # why, as phrases: worded by render() or the Odoo side
    matched: int | None = None  # the stage the rules alone point to
    send_external: bool = False
    external_cycle: int = 0  # index of the message at this stage (0 = first)
    hold: str = ""  # why nothing goes out although the stage has a channel (HOLD_CODES)
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
    if history.early_risk:
        out.append("early_risk")
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
    """The engine's phrases and holds in English, with plain amounts.

    The engine knows no language, currency or time zone: a decision's reasons
    are :class:`~.vocabulary.Phrase` codes with their values, worded when they
    are shown. :func:`render` words them with this default (what the engine's
    own tests and tools read); the Odoo side subclasses it with translated
    phrases and amounts in the company's currency
    (models/ar_escalation_format.py). A method per code of ``REASON_CODES``
    takes the phrase's parameters; a code it does not know (an added rule
    kind's) goes to :meth:`unknown`.
    """

    codes = REASON_CODES

    def phrase(self, phrase: Phrase) -> str:
        if phrase.code in self.codes:
            return getattr(self, phrase.code)(**dict(phrase.params))
        return self.unknown(phrase)

    def unknown(self, phrase: Phrase) -> str:
        """A phrase of a code these words do not know: its text if it has one, else its code."""
        text = phrase.get("text")
        if text is not None:
            return str(text)
        values = ", ".join(f"{name}={value}" for name, value in phrase.params)
        return f"{phrase.code} ({values})" if values else phrase.code

    def join(self, texts: list[str]) -> str:
        return "; ".join(texts)

    def amount(self, amount: float) -> str:
        return f"{amount:,.2f}"

    def tier_label(self, tier: str) -> str:
        return dict(ACCOUNT_TIER_SELECTION).get(tier, tier)

    def signal(self, signal: str) -> str:
        return dict(RISK_SIGNAL_SELECTION).get(signal, signal)

    def hold(self, hold: str) -> str:
        """A hold code (``HOLD_CODES``) in words: "next reminder not due yet"."""
        return dict(HOLD_SELECTION).get(hold, hold)

    # one method per phrase code ------------------------------------------------
    def days_overdue(self, days: int) -> str:
        """The invoice's age: "5 days overdue", "due today", "due in 3 days"."""
        if days > 0:
            return f"{_plural(days, 'day')} overdue"
        if days == 0:
            return "due today"
        return f"due in {_plural(-days, 'day')}"

    def open_on_invoice(self, amount: float) -> str:
        return f"{self.amount(amount)} open on the invoice"

    def overdue_for_customer(self, amount: float) -> str:
        return f"{self.amount(amount)} overdue for the customer"

    def over_credit_limit(self) -> str:
        return "over credit limit"

    def promises_broken(self, count: int) -> str:
        return f"{_plural(count, 'promise')} broken"

    def promises_broken_customer(self, count: int) -> str:
        return f"{_plural(count, 'promise')} broken by the customer"

    def open_dispute(self) -> str:
        return "open dispute"

    def account_tier(self, tier: str) -> str:
        return f"{self.tier_label(tier).lower()} account"

    def risk_signals(self, signals: tuple[str, ...]) -> str:
        labels = ", ".join(self.signal(s) for s in signals)
        return f"{_plural(len(signals), 'risk signal')} ({labels})"

    def no_response(self, days: int) -> str:
        return f"no response for {_plural(days, 'day')}"

    def paid(self) -> str:
        return "paid in full"

    def held_at(self, stage: str) -> str:
        return f"held at {stage} (escalation only moves up)"

    def go_live_held(self, stage: str) -> str:
        return f"climbing from the go-live cap: stays at {stage} until its cadence completes"

    def go_live_entered(self, stage: str) -> str:
        return f"entered at {stage} (go-live cap), climbing by the cadence"

    def set_by_hand(self, text: str) -> str:
        return f"Set by hand: {text}"

    def escalated_to(self, owner: str) -> str:
        return f"Escalated to {owner}"

    def message_approved(self, user: str) -> str:
        return f"Message approved by {user}"

    def text(self, text: str) -> str:
        return text


ENGLISH = Words()


def render(phrases, words: Words = ENGLISH) -> str:
    """A reason's phrases in words, joined: "34 days overdue; 2 promises broken"."""
    return words.join([words.phrase(phrase) for phrase in phrases])


def _reasons(facts: InvoiceFacts, hits: list[Phrase]) -> tuple[Phrase, ...]:
    """The reason: days overdue, what made the stage match, and what else weighs."""
    phrases = [Phrase.of("days_overdue", days=facts.days_overdue)]
    notable = []
    if facts.broken_promises_invoice:
        notable.append(Phrase.of("promises_broken", count=facts.broken_promises_invoice))
    if facts.open_dispute:
        notable.append(Phrase.of("open_dispute"))
    for phrase in [*hits, *notable]:
        if phrase not in phrases:
            phrases.append(phrase)
    return tuple(phrases)


def external_plan(stage: Stage, facts: InvoiceFacts, entering: bool, today: date):
    """Whether the customer is contacted now at ``stage``: (send, cycle, hold code)."""
    if stage.channel == "none":
        return False, 0, "no_channel"
    if facts.paused:
        return False, 0, "paused"
    if facts.open_dispute:
        return False, 0, "open_dispute"
    if facts.promise_holds and stage.pause_on_promise:
        return False, 0, "promise_holds"
    if facts.hygiene_blockers:
        return False, 0, "not_payable"
    if stage.needs_approval and (entering or not facts.message_approved):
        return False, 0, "awaiting_approval"
    attempts = 0 if entering else facts.external_attempts
    if attempts >= max(stage.cadence_max, 1):
        return False, attempts, "cadence_complete"
    if attempts and facts.last_external is not None:
        if (today - facts.last_external).days < stage.cadence_days:
            return False, attempts, "not_due_yet"
    return True, attempts, ""


def decide(policy: Policy, facts: InvoiceFacts, today: date) -> Decision:
    """The stage an invoice belongs at today, and what to tell the customer.

    Escalation only moves up on its own: when the rules point below the
    current stage, the invoice stays where it is. A paid invoice closes.
    The reasons are phrases (codes with values), worded where they are shown.
    """
    current = facts.current_stage
    if facts.paid or facts.residual <= 0:
        action = "close" if current is not None else "none"
        return Decision(facts.invoice_id, action, None, current, (Phrase.of("paid"),))
    matched, hits = match_stage(policy, facts, today)
    stages = policy.by_sequence
    if current is not None and current not in stages:
        current = None  # the stage was removed from the policy
    reasons = _reasons(facts, hits)
    if matched is None and current is None:
        return Decision(facts.invoice_id, "none", None, None, reasons)
    if current is not None and (matched is None or matched <= current):
        target, action = current, "stay"
        if matched is not None and matched < current:
            reasons = (*reasons, Phrase.of("held_at", stage=stages[current].name))
    else:
        target, action = matched, "enter"
    send, cycle, hold = external_plan(stages[target], facts, action == "enter", today)
    return Decision(
        facts.invoice_id,
        action,
        target,
        facts.current_stage,
        reasons,
        matched,
        send,
        cycle,
        hold,
        facts.hygiene_blockers,
    )
