# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The first day after today on which :func:`~.evaluate.decide` could decide otherwise.

With nothing but time passing, an invoice's decision changes only when a day
count crosses a rule's threshold or a date of its own arrives: a cadence's
next message, the end of a pause or of a promise's grace, a no-response
count, the day it falls overdue (its customer's overdue total moves), a
customer's history window letting a paid invoice go, the go-live climb's time
at a stage. :func:`next_change` gives the earliest of these, never later: a
day too early costs one evaluation, a day too late would be a decision
missed. What changes a fact (a payment, a promise, a dispute, a pause, an
override, a policy edit) is not a date: the Odoo side marks the invoice due
when it happens (models/ar_escalation_next_check.py).

A decision that changes something (enters a stage, contacts the customer)
is followed from the facts it writes (the new stage, the message counted):
the next check is the day the decision taken from those can change.

An added rule kind tells when its rule can next match otherwise by
registering a clock (``@clock("my_kind")``: ``(rule, facts, today) -> date |
None``, None for never by time alone); a kind that registers none and is not
known to be timeless is checked again every day.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import date, timedelta

from .evaluate import Decision, InvoiceFacts, decide
from .policy import Policy

# an invoice whose decision nothing dated can change is still looked at once a year
HORIZON = timedelta(days=365)
ONE_DAY = timedelta(days=1)

# rule kinds whose match reads no date nor day count (their facts change by events)
TIMELESS_KINDS = frozenset(
    {
        "amount_residual",
        "customer_overdue",
        "over_credit_limit",
        "broken_promises",
        "open_dispute",
        "account_tier",
        "risk_signals",
        "due_month",
    }
)

Clock = Callable[[object, InvoiceFacts, date], date | None]
CLOCKS: dict[str, Clock] = {}


def clock(code: str):
    """Decorator: the clock of the rule kind ``code`` (when its rule can next match otherwise)."""

    def decorate(fn: Clock) -> Clock:
        CLOCKS[code] = fn
        return fn

    return decorate


@clock("days_overdue")
def _days_overdue_clock(rule, facts, today):
    """The day the count enters the range (``min``) or leaves it (``max`` + 1)."""
    steps = []
    if rule.min is not None:
        steps.append(math.ceil(rule.min))
    if rule.max is not None:
        steps.append(math.floor(rule.max) + 1)
    ahead = [step - facts.days_overdue for step in steps if step > facts.days_overdue]
    return today + timedelta(days=min(ahead)) if ahead else None


@clock("days_no_response")
def _days_no_response_clock(rule, facts, today):
    """The day the first unanswered message counted by the rule is ``min`` days old."""
    dates = [d for seq, d in facts.unanswered_since.items() if seq >= rule.since_stage and d]
    if not dates:
        return None
    day = min(dates) + timedelta(days=rule.min)
    return day if day > today else None


def _rule_dates(policy: Policy, facts: InvoiceFacts, today: date):
    """The days a rule of the policy can next match otherwise."""
    for stage in policy.stages:
        for rule in stage.rules:
            kind_clock = CLOCKS.get(rule.kind)
            if kind_clock is not None:
                yield kind_clock(rule, facts, today)
            elif rule.kind not in TIMELESS_KINDS:
                yield today + ONE_DAY  # an added kind without a clock: every day


def _after(day: date | None, today: date) -> date | None:
    """The day after ``day`` (when a state that holds through ``day`` ends), if after today."""
    if day is None:
        return None
    return max(day + ONE_DAY, today + ONE_DAY)


def _hold_dates(policy: Policy, facts: InvoiceFacts, decision: Decision, today: date):
    """The days a hold on the customer's messages can end: a pause, a promise, a cadence."""
    if facts.paused:
        yield _after(facts.paused_until, today) if facts.paused_until else today + ONE_DAY
    if facts.promise_holds:
        yield _after(facts.promise_until, today) if facts.promise_until else today + ONE_DAY
    stages = policy.by_sequence
    for level in {decision.stage, facts.current_stage} - {None}:
        stage = stages.get(level)
        if stage is None:
            continue
        wait = timedelta(days=stage.cadence_days)
        # the next message of the cadence (the go-live climb waits for the last one's)
        more = facts.external_attempts < max(stage.cadence_max, 1) or facts.stage_since is not None
        if facts.last_external is not None and more and facts.last_external + wait > today:
            yield facts.last_external + wait
        # the go-live climb from a stage without messages: its time there
        if facts.stage_since is not None and facts.stage_since + wait > today:
            yield facts.stage_since + wait


def _acts(decision: Decision) -> bool:
    """Whether applying the decision changes a fact of the next one (a stage, a message, a closing)."""
    return decision.action in ("enter", "close") or decision.send_external


def applied(facts: InvoiceFacts, decision: Decision, contacted_on: date) -> InvoiceFacts:
    """The invoice's facts once the run applied ``decision`` (what its next evaluation reads).

    ``contacted_on``: the day the run records a message on (its date in UTC).
    """
    after = dataclasses.replace(facts, unanswered_since=dict(facts.unanswered_since))
    if decision.action == "enter":
        after.current_stage, after.external_attempts = decision.stage, 0
    if decision.send_external:
        after.external_attempts += 1
        after.last_external = contacted_on
        after.unanswered_since.setdefault(decision.stage, contacted_on)
    return after


def _settles(policy: Policy, decision: Decision) -> bool:
    """Whether the facts after ``decision`` are all the engine's own (no approval, no go-live mark)."""
    if decision.action == "close" or any(p.code.startswith("go_live") for p in decision.reasons):
        return False
    stage = policy.by_sequence.get(decision.stage)
    return not (decision.action == "enter" and stage is not None and stage.needs_approval)


def next_change(
    policy: Policy, facts: InvoiceFacts, decision: Decision, today: date, contacted_on: date | None = None
) -> date:
    """The first day after ``today`` on which ``decide(policy, facts, day)`` may differ from ``decision``.

    ``decision`` is today's (after the go-live cap, when one applies). A
    decision that acts (enters, closes, contacts) is followed from the facts
    it leaves (:func:`applied`): a rerun the same day decides from those. When
    they are not all the engine's to know (a stage awaiting approval, the
    go-live climb), or would act again, the next check is tomorrow. Never
    later than ``today`` + :data:`HORIZON`.
    """
    if _acts(decision):
        if not _settles(policy, decision):
            return today + ONE_DAY
        facts = applied(facts, decision, contacted_on or today)
        decision = decide(policy, facts, today)
        if _acts(decision):
            return today + ONE_DAY
    days = [today + HORIZON, facts.customer_changes_on]
    if facts.days_overdue < 1:
        # the day it falls overdue: its customer's overdue total changes for its other invoices
        days.append(today + timedelta(days=1 - facts.days_overdue))
    if not (facts.paid or facts.residual <= 0):
        days.extend(_rule_dates(policy, facts, today))
        days.extend(_hold_dates(policy, facts, decision, today))
    return min(day for day in days if day is not None and day > today)
