"""Invariants over whole books, days of runs, broken policies and odd phone numbers (hypothesis).

``test_engine_properties.py`` checks one invoice against one policy. Here the
engine runs as the scheduled action uses it: a book of invoices of several
customers, evaluated day after day with each decision applied to the facts
of the next day, and policies damaged in every way a user or a file can
damage them.
"""

import copy
from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shipped_ladder import shipped_ladder

from ar_escalation_ladder.engine import InvoiceFacts, PolicyError, decide, load_policy, render
from ar_escalation_ladder.engine.vocabulary import ACCOUNT_TIERS
from ar_escalation_sms.tools import segments
from ar_escalation_sms.tools.numbers import e164_or_none, normalize

TODAY = date(2026, 11, 23)
TIERS = list(ACCOUNT_TIERS)

# the shipped ladder (data/ar_escalation_stage_data.xml) as the engine sees it
DEFAULT_POLICY = shipped_ladder()


@st.composite
def book(draw):
    """Invoices of a few customers, with their customer-level facts shared."""
    n_customers = draw(st.integers(1, 6))
    customers = [
        {
            "tier": draw(st.sampled_from(TIERS)),
            "broken": draw(st.integers(0, 3)),
            "signals": tuple(draw(st.lists(st.sampled_from(["late_payer", "worsening"]), unique=True))),
            "over_limit": draw(st.booleans()),
        }
        for __ in range(n_customers)
    ]
    invoices = []
    for i in range(draw(st.integers(1, 25))):
        pid = draw(st.integers(0, n_customers - 1))
        customer = customers[pid]
        invoices.append(
            InvoiceFacts(
                invoice_id=i + 1,
                partner_id=pid + 1,
                days_overdue=draw(st.integers(-20, 120)),
                residual=draw(st.floats(0, 50000, allow_nan=False)),
                over_credit_limit=customer["over_limit"],
                broken_promises_invoice=draw(st.integers(0, 2)),
                broken_promises_customer=customer["broken"],
                open_dispute=draw(st.booleans()),
                account_tier=customer["tier"],
                risk_signals=customer["signals"],
                paid=draw(st.booleans()),
                paused=draw(st.booleans()),
                promise_holds=draw(st.booleans()),
                hygiene_blockers=tuple(draw(st.lists(st.just("no email"), max_size=1))),
            )
        )
    return invoices


def apply(fact, decision, today):
    """The facts of the same invoice after the runner wrote ``decision`` (no payment, no override)."""
    if decision.action == "close":
        return replace(fact, current_stage=None)
    if decision.stage is None:
        return fact
    entering = decision.action == "enter"
    attempts = 0 if entering else fact.external_attempts
    unanswered = dict(fact.unanswered_since)
    if decision.send_external:
        unanswered.setdefault(decision.stage, today)
    return replace(
        fact,
        current_stage=decision.stage,
        external_attempts=attempts + (1 if decision.send_external else 0),
        last_external=today if decision.send_external else (None if entering else fact.last_external),
        unanswered_since=unanswered,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book(), st.randoms(use_true_random=False))
def test_a_book_is_decided_the_same_in_any_order(invoices, rnd):
    policy = load_policy(DEFAULT_POLICY)
    first = {fact.invoice_id: decide(policy, fact, TODAY) for fact in invoices}
    shuffled = list(invoices)
    rnd.shuffle(shuffled)
    assert {fact.invoice_id: decide(policy, fact, TODAY) for fact in shuffled} == first
    for fact in invoices:
        decision = first[fact.invoice_id]
        assert decision.invoice_id == fact.invoice_id
        assert decision.reasons, "every decision says why"
        age = decision.reasons[0]
        if fact.paid or fact.residual <= 0:
            assert render(decision.reasons) == "paid in full"
        else:
            assert age.code == "days_overdue" and age.get("days") == fact.days_overdue, "its age first"
        if fact.paid or fact.residual <= 0:
            assert decision.stage is None, "paid invoices never escalate"
        if decision.send_external:
            assert not (fact.paused or fact.open_dispute or fact.hygiene_blockers)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book())
def test_a_rerun_the_same_day_repeats_nothing(invoices):
    policy = load_policy(DEFAULT_POLICY)
    for fact in invoices:
        decision = decide(policy, fact, TODAY)
        again = decide(policy, apply(fact, decision, TODAY), TODAY)
        assert again.action in ("stay", "none"), (decision, again)
        assert again.stage == decision.stage
        assert not again.send_external, "no second message the same day"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book(), st.integers(1, 90), st.integers(0, 60))
def test_day_after_day_the_stage_only_moves_up_and_paid_closes_for_good(invoices, days, paid_on):
    policy = load_policy(DEFAULT_POLICY)
    for start in invoices:
        fact = replace(start, paid=False, residual=max(start.residual, 1.0))
        previous = None
        for day in range(days):
            today = TODAY + timedelta(days=day)
            fact = replace(fact, days_overdue=start.days_overdue + day, paid=day >= paid_on)
            decision = decide(policy, fact, today)
            if fact.paid:
                assert decision.stage is None
                assert decision.action == ("close" if fact.current_stage is not None else "none")
            elif previous is not None:
                assert decision.stage is not None and decision.stage >= previous, "only moves up"
            if decision.action == "enter":
                assert previous is None or decision.stage > previous
            fact = apply(fact, decision, today)
            previous = fact.current_stage


# ----------------------------------------------------------------------
# broken policies: refused with a message naming where, never another error
# ----------------------------------------------------------------------
def _stage(policy, rnd):
    return rnd.randrange(len(policy["stages"]))


def _rule(policy, rnd):
    i = rnd.choice([i for i, s in enumerate(policy["stages"]) if s["rules"]])
    return i, rnd.randrange(len(policy["stages"][i]["rules"]))


def damage_stage(policy, rnd):
    """Break one stage; return its index (the message must name that stage)."""
    i = _stage(policy, rnd)
    stage = policy["stages"][i]
    how = rnd.choice(
        [
            lambda: stage.update(sequence=-1 - rnd.randrange(5)),
            lambda: stage.update(rule_mode=rnd.choice(["either", "", "ANY", 3])),
            lambda: stage.update(owner_role=rnd.choice(["boss", "", None])),
            lambda: stage.update(channel=rnd.choice(["fax", "pigeon", ""])),
            lambda: stage.update(sla_hours=0, sla_same_business_day=False),
            lambda: stage.update(cadence_max=3, cadence_days=0),
            lambda: stage.update(cadence_days=-1),
            lambda: stage.update(colour="red"),
            lambda: stage.update(rules="days_overdue > 3"),
        ]
    )
    how()
    return i


def damage_rule(policy, rnd):
    i, r = _rule(policy, rnd)
    rule = policy["stages"][i]["rules"][r]
    how = rnd.choice(
        [
            lambda: rule.update(kind=rnd.choice(["days_late", "", "DAYS_OVERDUE", None])),
            lambda: rule.update(kind="days_overdue", min=50, max=10),
            lambda: rule.update(kind="days_overdue", min=None, max=None),
            lambda: rule.update(kind="days_overdue", min="ten"),
            lambda: rule.update(kind="amount_residual", min=-5, max=None),
            lambda: rule.update(kind="broken_promises", min=0),
            lambda: rule.update(kind="risk_signals", min=9),
            lambda: rule.update(kind="account_tier", tiers=["platinum"]),
            lambda: rule.update(kind="account_tier", tiers=[]),
            lambda: rule.update(kind="days_no_response", min=0),
            lambda: rule.update(surprise=True),
        ]
    )
    how()
    return i, r


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_a_damaged_stage_or_rule_is_refused_naming_it(rnd):
    policy = copy.deepcopy(DEFAULT_POLICY)
    if rnd.random() < 0.5:
        i = damage_stage(policy, rnd)
        rule_at = None
    else:
        i, r = damage_rule(policy, rnd)
        rule_at = f"rule {r + 1} ("
    stage = policy["stages"][i]
    with pytest.raises(PolicyError) as refused:
        load_policy(policy)
    message = str(refused.value)
    assert f'Stage "{stage["name"]}"' in message, message
    if rule_at:
        assert rule_at in message, message
    assert "Traceback" not in message and len(message) < 600


@pytest.mark.parametrize(
    "policy, where",
    [
        (None, "policy"),
        ([], "policy"),
        ("stages: []", "policy"),
        ({}, "stages"),
        ({"stages": []}, "stages"),
        ({"stages": "Early"}, "stages"),
        ({"stages": [DEFAULT_POLICY["stages"][1], DEFAULT_POLICY["stages"][1]]}, "share sequence 1"),
        ({**DEFAULT_POLICY, "promise_grace_days": -1}, "promise_grace_days"),
        ({**DEFAULT_POLICY, "risk": {"late_payer_days": -3}}, "risk.late_payer_days"),
        ({**DEFAULT_POLICY, "owner": "me"}, "owner"),
    ],
)
def test_a_broken_policy_is_refused_with_a_clear_message(policy, where):
    with pytest.raises(PolicyError) as refused:
        load_policy(policy)
    assert where in str(refused.value)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
        max_leaves=12,
    )
)
def test_random_data_is_either_a_policy_or_a_policy_error(data):
    """Whatever a YAML or JSON file holds, the loader answers with a policy or a PolicyError."""
    try:
        policy = load_policy(data)
    except PolicyError as err:
        assert str(err)
    else:
        assert policy.stages


def test_the_default_policy_itself_loads():
    policy = load_policy(DEFAULT_POLICY)
    assert [s.sequence for s in policy.stages] == [0, 1, 2, 3, 4]


# ----------------------------------------------------------------------
# phone numbers: whatever a customer record holds, the SMS channel never raises
# ----------------------------------------------------------------------
PHONE_CHARS = "+0123456789 ()-./x#*ext"
REGIONS = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["FR", "BE", "DE", "GB", "US", "CA", "IN", "BR", "fr", "ZZ", "XX", "001"]),
    st.text(max_size=3),
)


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=40),
        st.text(alphabet=PHONE_CHARS, max_size=25),
        st.builds(lambda body: "whatsapp:" + body, st.text(alphabet=PHONE_CHARS, max_size=20)),
        st.builds(lambda n: f"+33 6 {n:08d}"[:17], st.integers(0, 99999999)),
        st.none(),
    ),
    REGIONS,
)
def test_random_phone_strings_never_raise(raw, region):
    check = normalize(raw, region)
    if check.ok:
        assert check.e164.startswith("+") and check.e164[1:].isdigit(), check
        assert not check.problem
        assert normalize(check.e164).e164 == check.e164, "E.164 is a fixed point"
    else:
        assert check.problem and not check.e164, check
    found = e164_or_none(raw, region)
    assert found is None or (found.startswith("+") and found[1:].isdigit())


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_random_message_bodies_always_count_their_segments(body):
    counted = segments.count(body)
    assert counted.segments >= (1 if body else 0)
