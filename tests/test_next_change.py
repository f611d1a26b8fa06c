"""Evaluating only the invoices whose next check has come decides as evaluating them all (hypothesis).

Two copies of a random book live through 60 consecutive days under a random
policy, with random events (payments, promises, disputes, pauses, answers,
stages set by hand) on random days. The first is evaluated whole every day;
the second, as the daily sweep does, only where an invoice's next check
(:func:`next_change`) has come or an event marked it, each customer whole.
Every decision taken agrees; an invoice left alone would have been decided
as it last was, with nothing to do; the two books stay the same.
"""

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from test_engine_properties import rules

from ar_escalation_ladder.engine import InvoiceFacts, decide, load_policy, next_change
from ar_escalation_ladder.engine.next_change import HORIZON, applied
from ar_escalation_ladder.engine.vocabulary import RISK_SIGNALS

START = date(2026, 11, 2)
DAYS = 60
EVENTS = ("pay", "promise", "dispute", "settle", "pause", "respond", "override")


@st.composite
def timed_rules(draw):
    """Rules that time moves across: day counts in the 60 days' reach, the customer's overdue total."""
    kind = draw(st.sampled_from(["days_overdue", "days_overdue", "days_no_response", "customer_overdue"]))
    if kind == "days_no_response":
        return {"kind": kind, "min": draw(st.integers(1, 15)), "since_stage": draw(st.integers(0, 3))}
    if kind == "customer_overdue":
        return {"kind": kind, "min": draw(st.sampled_from([1, 800, 5000, 40000]))}
    low = draw(st.one_of(st.none(), st.integers(-40, 120)))
    high = draw(st.one_of(st.none(), st.integers(low if low is not None else -40, 150)))
    if low is None and high is None:
        low = draw(st.integers(-40, 120))
    return {"kind": kind, "min": low, "max": high}


@st.composite
def policies(draw):
    levels = draw(st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True))
    stages = []
    for level in levels:
        cadence_max = draw(st.integers(0, 4))
        stages.append(
            {
                "sequence": level,
                "name": f"S{level}",
                "rule_mode": draw(st.sampled_from(["any", "all"])),
                "rules": draw(st.lists(st.one_of(timed_rules(), timed_rules(), rules()), max_size=3)),
                "channel": draw(st.sampled_from(["email", "email", "sms", "none"])),
                "cadence_days": draw(st.integers(1 if cadence_max > 1 else 0, 10)),
                "cadence_max": cadence_max,
                "pause_on_promise": draw(st.booleans()),
                "needs_approval": draw(st.integers(0, 4)) == 0,
            }
        )
    return load_policy({"stages": stages, "promise_grace_days": draw(st.integers(0, 5))})


@dataclass
class Invoice:
    """An invoice's facts that events and decisions change, and the ones that stay."""

    partner: int
    due: date
    residual: float
    static: dict
    stage: int | None = None
    stage_since: date | None = None
    attempts: int = 0
    last_external: date | None = None
    unanswered: dict = field(default_factory=dict)
    paused_until: date | None = None
    promised: date | None = None
    dispute: bool = False
    broken: int = 0
    closed: bool = False


@st.composite
def books(draw):
    partners = draw(st.integers(1, 4))
    book = []
    for __ in range(draw(st.integers(1, 8))):
        book.append(
            Invoice(
                partner=draw(st.integers(1, partners)),
                due=START + timedelta(days=draw(st.integers(-120, 45))),
                residual=draw(st.sampled_from([50.0, 800.0, 5000.0, 40000.0])),
                static={
                    "over_credit_limit": draw(st.booleans()),
                    "account_tier": draw(st.sampled_from(["standard", "key", "strategic"])),
                    "risk_signals": tuple(draw(st.lists(st.sampled_from(RISK_SIGNALS), unique=True))),
                    "message_approved": draw(st.booleans()),
                    "hygiene_blockers": ("no email",) if draw(st.integers(0, 5)) == 0 else (),
                },
            )
        )
    events = draw(
        st.lists(
            st.tuples(st.integers(0, DAYS - 1), st.integers(0, len(book) - 1), st.sampled_from(EVENTS)),
            max_size=12,
        )
    )
    return book, events


def _facts(book, index, today, grace):
    inv = book[index]
    overdue = sum(
        other.residual
        for other in book
        if other.partner == inv.partner and not other.closed and (today - other.due).days >= 1
    )
    broken_customer = sum(other.broken for other in book if other.partner == inv.partner)
    paused = inv.paused_until is not None and inv.paused_until >= today
    promise_until = inv.promised + timedelta(days=grace) if inv.promised else None
    return InvoiceFacts(
        invoice_id=index,
        partner_id=inv.partner,
        days_overdue=(today - inv.due).days,
        residual=inv.residual,
        customer_overdue=overdue,
        broken_promises_invoice=inv.broken,
        broken_promises_customer=broken_customer,
        open_dispute=inv.dispute,
        unanswered_since=dict(inv.unanswered),
        current_stage=inv.stage,
        paid=inv.residual <= 0,
        paused=paused,
        promise_holds=bool(promise_until and promise_until >= today),
        external_attempts=inv.attempts if inv.stage is not None else 0,
        last_external=inv.last_external,
        extra={"due_month": inv.due.month},
        paused_until=inv.paused_until if paused else None,
        promise_until=promise_until,
        **inv.static,
    )


def _apply(inv, decision, today):
    """What the run writes for a decision: the new stage, the message counted, the closing."""
    if decision.action == "close":
        inv.closed = True
        return
    if decision.action == "enter":
        inv.stage, inv.stage_since, inv.attempts = decision.stage, today, 0
    if decision.send_external:
        inv.attempts += 1
        inv.last_external = today
        inv.unanswered.setdefault(decision.stage, today)


def _event(inv, kind, today, levels):
    """A fact that changes on its own (a user's or the customer's doing)."""
    if kind == "pay":
        inv.residual = 0.0
    elif kind == "promise":
        inv.promised = today + timedelta(days=7)
    elif kind == "dispute":
        inv.dispute = not inv.dispute
    elif kind == "settle":
        inv.promised, inv.broken = None, inv.broken + 1
    elif kind == "pause":
        inv.paused_until = today + timedelta(days=5)
    elif kind == "respond":
        inv.unanswered = {}
    elif kind == "override":
        inv.stage, inv.stage_since, inv.attempts = levels[today.toordinal() % len(levels)], today, 0


def _key(decision):
    return (
        decision.action,
        decision.stage,
        decision.matched,
        decision.send_external,
        decision.external_cycle,
        decision.hold,
        decision.blockers,
    )


def _open(book):
    return [i for i, inv in enumerate(book) if not inv.closed]


@settings(max_examples=400, deadline=None)
@given(policies(), books())
def test_only_due_invoices_decide_as_all_of_them(policy, generated):
    book, events = generated
    full = [replace(inv, unanswered=dict(inv.unanswered)) for inv in book]
    lazy = [replace(inv, unanswered=dict(inv.unanswered)) for inv in book]
    levels = sorted(policy.by_sequence)
    grace = policy.promise_grace_days
    next_check = dict.fromkeys(range(len(book)))  # None: due (never evaluated, or marked)
    last = {}
    for day in range(DAYS):
        today = START + timedelta(days=day)
        for event_day, index, kind in events:
            if event_day == day:
                _event(full[index], kind, today, levels)
                _event(lazy[index], kind, today, levels)
                next_check[index] = None  # the event marks its invoice due
        decided = {i: decide(policy, _facts(full, i, today, grace), today) for i in _open(full)}
        due_partners = {
            lazy[i].partner for i in _open(lazy) if next_check[i] is None or next_check[i] <= today
        }
        taken = [i for i in _open(lazy) if lazy[i].partner in due_partners]
        taken_today = {}
        for i in taken:
            facts = _facts(lazy, i, today, grace)
            decision = decide(policy, facts, today)
            assert _key(decision) == _key(decided[i]), (day, i)
            check = next_change(policy, facts, decision, today)
            assert today < check <= today + HORIZON
            next_check[i], taken_today[i] = check, decision
            # what a rerun today would decide, from what this decision writes
            last[i] = decide(policy, applied(facts, decision, today), today)
        for i, decision in decided.items():
            if i not in taken:
                # left alone: decided as it last was, with nothing to do
                assert decision.action in ("stay", "none") and not decision.send_external, (day, i)
                assert _key(decision) == _key(last[i]), (day, i)
        for i, decision in decided.items():
            _apply(full[i], decision, today)
        for i in taken:
            _apply(lazy[i], taken_today[i], today)
        assert full == lazy, day


def test_a_quiet_invoice_is_checked_again_on_the_day_a_threshold_is_crossed():
    policy = load_policy(
        {
            "stages": [
                {"sequence": 1, "name": "Reminder", "rules": [{"kind": "days_overdue", "min": 1, "max": 30}]},
                {"sequence": 2, "name": "Firm", "rules": [{"kind": "days_overdue", "min": 31}]},
            ]
        }
    )
    today = date(2026, 11, 2)
    facts = InvoiceFacts(
        invoice_id=1,
        partner_id=1,
        days_overdue=10,
        residual=100.0,
        current_stage=1,
        external_attempts=3,
        last_external=today - timedelta(days=2),
    )
    decision = decide(policy, facts, today)
    assert decision.action == "stay" and decision.hold == "cadence_complete"
    # 31 days overdue on the 21st day from now: the Firm stage's threshold
    assert next_change(policy, facts, decision, today) == today + timedelta(days=21)
    paused = replace(facts, paused=True, paused_until=today + timedelta(days=4))
    assert next_change(policy, paused, decide(policy, paused, today), today) == today + timedelta(days=5)
