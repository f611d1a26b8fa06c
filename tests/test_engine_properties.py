"""Invariants of the rule engine on random books and random policies (hypothesis)."""

import json
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from ar_escalation_ladder.engine import RULE_KINDS, InvoiceFacts, PolicyError, decide, load_policy, render
from ar_escalation_ladder.engine.vocabulary import (
    ACCOUNT_TIERS,
    HOLD_CODES,
    REASON_CODES,
    RISK_SIGNALS,
    phrases_from_json,
    phrases_to_json,
)

TODAY = date(2026, 11, 22)
TIERS = list(ACCOUNT_TIERS)


@st.composite
def rules(draw):
    kind = draw(st.sampled_from(tuple(RULE_KINDS)))
    if kind in ("days_overdue", "amount_residual", "customer_overdue"):
        low = draw(st.integers(-30 if kind == "days_overdue" else 0, 200))
        high = draw(st.integers(low, 400))
        return {"kind": kind, "min": low, "max": high}
    if kind == "broken_promises":
        return {
            "kind": kind,
            "min": draw(st.integers(1, 3)),
            "scope": draw(st.sampled_from(["invoice", "customer"])),
        }
    if kind == "account_tier":
        return {"kind": kind, "tiers": draw(st.lists(st.sampled_from(TIERS), min_size=1, unique=True))}
    if kind == "risk_signals":
        return {"kind": kind, "min": draw(st.integers(1, 5))}
    if kind == "days_no_response":
        return {"kind": kind, "min": draw(st.integers(1, 20)), "since_stage": draw(st.integers(0, 4))}
    if kind == "due_month":
        return {"kind": kind, "month": draw(st.integers(1, 12))}
    return {"kind": kind}


@st.composite
def policies(draw):
    levels = draw(st.lists(st.integers(0, 6), min_size=1, max_size=5, unique=True))
    return load_policy(
        {
            "stages": [
                {
                    "sequence": level,
                    "name": f"S{level}",
                    "rule_mode": draw(st.sampled_from(["any", "all"])),
                    "rules": draw(st.lists(rules(), max_size=3)),
                    "cadence_days": 3,
                    "cadence_max": 2,
                }
                for level in levels
            ]
        }
    )


@st.composite
def invoices(draw):
    return InvoiceFacts(
        invoice_id=1,
        partner_id=1,
        days_overdue=draw(st.integers(-30, 400)),
        residual=draw(st.floats(0, 1e6, allow_nan=False)),
        customer_overdue=draw(st.floats(0, 1e7, allow_nan=False)),
        over_credit_limit=draw(st.booleans()),
        broken_promises_invoice=draw(st.integers(0, 3)),
        broken_promises_customer=draw(st.integers(0, 5)),
        open_dispute=draw(st.booleans()),
        account_tier=draw(st.sampled_from(TIERS)),
        risk_signals=tuple(draw(st.lists(st.sampled_from(RISK_SIGNALS), unique=True))),
        unanswered_since={
            lvl: TODAY - timedelta(days=d)
            for lvl, d in draw(st.dictionaries(st.integers(0, 6), st.integers(0, 40), max_size=3)).items()
        },
        current_stage=draw(st.one_of(st.none(), st.integers(0, 6))),
        paid=draw(st.booleans()),
        paused=draw(st.booleans()),
        promise_holds=draw(st.booleans()),
        hygiene_blockers=tuple(draw(st.lists(st.just("no email"), max_size=1))),
        external_attempts=draw(st.integers(0, 4)),
        last_external=draw(st.one_of(st.none(), st.just(TODAY - timedelta(days=4)))),
    )


@settings(max_examples=300, deadline=None)
@given(policies(), invoices())
def test_decisions_keep_their_invariants(policy, fact):
    decision = decide(policy, fact, TODAY)
    assert decide(policy, fact, TODAY) == decision, "deterministic"
    levels = {stage.sequence for stage in policy.stages}
    if fact.paid or fact.residual <= 0:
        assert decision.stage is None and decision.action in ("close", "none"), "paid never escalates"
        return
    if fact.current_stage in levels:
        assert decision.stage is not None and decision.stage >= fact.current_stage, "only moves up"
    if decision.stage is not None:
        assert decision.stage in levels
        assert decision.reasons, "every decision says why"
    if fact.paused or fact.open_dispute or fact.hygiene_blockers:
        assert not decision.send_external
    assert decision.hold in ("", *HOLD_CODES), "a hold is a code of the vocabulary"
    assert bool(decision.hold) != decision.send_external or decision.stage is None


@settings(max_examples=300, deadline=None)
@given(policies(), invoices())
def test_reasons_are_codes_that_read_and_store(policy, fact):
    """What an invoice's reason shows: every phrase a known code, in words, the same after storing."""
    reasons = decide(policy, fact, TODAY).reasons
    assert {phrase.code for phrase in reasons} <= set(REASON_CODES)
    text = render(reasons)
    assert text and "None" not in text and "_" not in text, "words, not codes"
    assert len(text.split("; ")) == len(reasons), "one phrase, one part of the sentence"
    stored = json.loads(json.dumps(phrases_to_json(reasons)))  # as the event's reason_data holds it
    assert phrases_from_json(stored) == reasons
    assert render(phrases_from_json(stored)) == text


@settings(max_examples=200, deadline=None)
@given(st.integers(-50, 500), st.integers(1, 50), st.text(min_size=1, max_size=12))
def test_inverted_ranges_are_refused_with_a_clear_message(high, gap, name):
    policy = {
        "stages": [
            {"sequence": 1, "name": name, "rules": [{"kind": "days_overdue", "min": high + gap, "max": high}]}
        ]
    }
    try:
        load_policy(policy)
    except PolicyError as err:
        assert 'Stage "' in str(err) and "rule 1 (days_overdue)" in str(err)
    else:
        raise AssertionError("an inverted range was accepted")
