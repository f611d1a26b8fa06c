"""The rule engine routes invoices as an AR team expects (no database)."""

from dataclasses import fields
from datetime import date, timedelta
from typing import Literal

import pytest
from pydantic import Field
from shipped_ladder import shipped_ladder

from ar_escalation_ladder.engine import (
    ENGLISH,
    RULE_KINDS,
    CustomerHistory,
    InvoiceFacts,
    PolicyError,
    RuleSchema,
    aging_bucket,
    decide,
    load_policy,
    render,
    risk_signals,
)
from ar_escalation_ladder.engine.rules import match_stage
from ar_escalation_ladder.engine.vocabulary import Phrase

TODAY = date(2026, 11, 22)


@pytest.fixture(scope="module")
def ladder():
    """The ladder a new database gets (data/ar_escalation_stage_data.xml)."""
    return load_policy(shipped_ladder())


def said(decision):
    """The decision's reason as the English default words it."""
    return render(decision.reasons)


def facts(**kw):
    base = {"invoice_id": 1, "partner_id": 7, "days_overdue": 10, "residual": 1000.0}
    base.update(kw)
    return InvoiceFacts(**base)


@pytest.mark.parametrize(
    ("days", "stage"),
    [
        (-8, None),
        (-3, None),
        (0, None),
        (1, 1),
        (15, 1),
        (16, 2),
        (30, 2),
        (31, 3),
        (60, 3),
        (61, 4),
        (400, 4),
    ],
)
def test_days_overdue_boundaries(ladder, days, stage):
    assert decide(ladder, facts(days_overdue=days), TODAY).stage == stage


def test_reason_in_words(ladder):
    decision = decide(ladder, facts(days_overdue=34, broken_promises_invoice=2), TODAY)
    assert (decision.stage, said(decision)) == (3, "34 days overdue; 2 promises broken")
    assert said(decide(ladder, facts(days_overdue=1), TODAY)) == "1 day overdue"


def test_broken_promise_scopes(ladder):
    assert decide(ladder, facts(days_overdue=3, broken_promises_invoice=1), TODAY).stage == 2
    customer = decide(ladder, facts(days_overdue=3, broken_promises_customer=2), TODAY)
    assert customer.stage == 3
    assert "2 promises broken by the customer" in said(customer)
    assert decide(ladder, facts(days_overdue=3, broken_promises_customer=1), TODAY).stage == 1


def test_preventive_needs_due_soon_and_two_signals(ladder):
    risky = facts(days_overdue=-5, risk_signals=("late_payer", "broken_promise"))
    decision = decide(ladder, risky, TODAY)
    assert decision.stage == 0
    assert said(decision) == "due in 5 days; 2 risk signals (pays late on average, broke a promise before)"
    assert decide(ladder, facts(days_overdue=-5, risk_signals=("late_payer",)), TODAY).stage is None
    assert decide(ladder, facts(days_overdue=-9, risk_signals=("late_payer", "dispute")), TODAY).stage is None


def test_days_without_response_counts_only_from_its_stage(ladder):
    old = TODAY - timedelta(days=12)
    at_exec = facts(days_overdue=40, current_stage=3, unanswered_since={3: old})
    decision = decide(ladder, at_exec, TODAY)
    assert decision.stage == 4
    assert "no response for 12 days" in said(decision)
    only_early = facts(days_overdue=40, current_stage=3, unanswered_since={1: old})
    assert decide(ladder, only_early, TODAY).stage == 3
    assert decide(ladder, facts(days_overdue=40, current_stage=3), TODAY).stage == 3


@pytest.mark.parametrize(
    ("rule", "kw", "hit"),
    [
        ({"kind": "amount_residual", "min": 10000}, {"residual": 10000.0}, True),
        ({"kind": "amount_residual", "min": 10000}, {"residual": 9999.99}, False),
        ({"kind": "amount_residual", "max": 500}, {"residual": 0.0}, False),
        ({"kind": "customer_overdue", "min": 5000, "max": 9000}, {"customer_overdue": 5500.0}, True),
        ({"kind": "customer_overdue", "min": 5000, "max": 9000}, {"customer_overdue": 9000.01}, False),
        ({"kind": "over_credit_limit"}, {"over_credit_limit": True}, True),
        ({"kind": "over_credit_limit"}, {}, False),
        ({"kind": "open_dispute"}, {"open_dispute": True}, True),
        ({"kind": "account_tier", "tiers": ["strategic", "key"]}, {"account_tier": "key"}, True),
        ({"kind": "account_tier", "tiers": ["strategic"]}, {"account_tier": "small"}, False),
        ({"kind": "risk_signals", "min": 3}, {"risk_signals": ("a", "b", "c")}, True),
        ({"kind": "risk_signals", "min": 3}, {"risk_signals": ("a", "b")}, False),
    ],
)
def test_every_rule_kind_alone(rule, kw, hit):
    policy = load_policy({"stages": [{"sequence": 5, "name": "Special", "rules": [rule]}]})
    assert (decide(policy, facts(days_overdue=2, **kw), TODAY).stage == 5) is hit


def test_all_mode_needs_every_rule_any_mode_one():
    rules = [{"kind": "days_overdue", "min": 5}, {"kind": "account_tier", "tiers": ["key"]}]
    all_policy = load_policy({"stages": [{"sequence": 1, "name": "S", "rule_mode": "all", "rules": rules}]})
    any_policy = load_policy({"stages": [{"sequence": 1, "name": "S", "rule_mode": "any", "rules": rules}]})
    std = facts(days_overdue=6, account_tier="standard")
    key = facts(days_overdue=6, account_tier="key")
    assert decide(all_policy, std, TODAY).stage is None
    assert decide(all_policy, key, TODAY).stage == 1
    assert decide(any_policy, std, TODAY).stage == 1


def test_only_moves_up_and_paid_closes(ladder):
    held = decide(ladder, facts(days_overdue=3, current_stage=2), TODAY)
    assert (held.action, held.stage) == ("stay", 2)
    assert said(held).endswith("held at Managed (escalation only moves up)")
    assert decide(ladder, facts(days_overdue=40, current_stage=2), TODAY).action == "enter"
    assert decide(ladder, facts(paid=True, current_stage=2), TODAY).action == "close"
    assert decide(ladder, facts(residual=0.0), TODAY).action == "none"
    gone = decide(ladder, facts(days_overdue=3, current_stage=9), TODAY)
    assert (gone.action, gone.stage) == ("enter", 1), "a stage no longer in the policy counts as none"


def test_cadence_and_holds(ladder):
    entering = decide(ladder, facts(days_overdue=20), TODAY)
    assert (entering.send_external, entering.external_cycle) == (True, 0)
    recent = facts(
        days_overdue=20, current_stage=2, external_attempts=1, last_external=TODAY - timedelta(days=4)
    )
    assert ENGLISH.hold(decide(ladder, recent, TODAY).hold) == "next reminder not due yet"
    due = facts(
        days_overdue=20, current_stage=2, external_attempts=1, last_external=TODAY - timedelta(days=5)
    )
    assert (decide(ladder, due, TODAY).send_external, decide(ladder, due, TODAY).external_cycle) == (True, 1)
    done = facts(
        days_overdue=20, current_stage=2, external_attempts=3, last_external=TODAY - timedelta(days=30)
    )
    assert ENGLISH.hold(decide(ladder, done, TODAY).hold) == "cadence complete"
    for kw, hold in [
        ({"paused": True}, "paused"),
        ({"open_dispute": True}, "open dispute"),
        ({"promise_holds": True}, "promise to pay holds"),
        ({"hygiene_blockers": ("no email",)}, "not payable as sent"),
    ]:
        decision = decide(ladder, facts(days_overdue=20, **kw), TODAY)
        assert (decision.stage, decision.send_external, ENGLISH.hold(decision.hold)) == (2, False, hold)
    # the pre-default notice goes out even while a promise holds
    assert decide(ladder, facts(days_overdue=70, promise_holds=True), TODAY).send_external


def test_risk_signals_and_aging(ladder):
    history = CustomerHistory(
        avg_days_late_12m=12,
        avg_days_late_recent=20,
        avg_days_late_before=10,
        broken_promises=1,
        open_disputes=2,
        over_credit_limit=True,
    )
    assert risk_signals(history, ladder) == (
        "late_payer",
        "worsening",
        "broken_promise",
        "dispute",
        "over_credit_limit",
    )
    assert risk_signals(CustomerHistory(avg_days_late_12m=9.9), ladder) == ()
    assert [aging_bucket(d) for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91)] == [
        "current",
        "current",
        "1-30",
        "1-30",
        "31-60",
        "31-60",
        "61-90",
        "61-90",
        "90+",
    ]


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        (
            {
                "stages": [
                    {
                        "sequence": 2,
                        "name": "Managed",
                        "rules": [{"kind": "days_overdue", "min": 30, "max": 16}],
                    }
                ]
            },
            'Stage "Managed" (sequence 2), rule 1 (days_overdue): min (30) must be <= max (16)',
        ),
        (
            {
                "stages": [
                    {
                        "sequence": 1,
                        "name": "Early",
                        "rules": [{"kind": "days_overdue", "min": 1}, {"kind": "bogus"}],
                    }
                ]
            },
            'Stage "Early" (sequence 1), rule 2 (bogus)',
        ),
        (
            {"stages": [{"sequence": 1, "name": "Early", "rules": [{"kind": "amount_residual", "min": -5}]}]},
            "amounts cannot be negative",
        ),
        (
            {"stages": [{"sequence": 1, "name": "Early", "rules": [{"kind": "account_tier", "tiers": []}]}]},
            'Stage "Early" (sequence 1), rule 1 (account_tier)',
        ),
        (
            {"stages": [{"sequence": 1, "name": "A"}, {"sequence": 1, "name": "B"}]},
            'stages "A" and "B" share sequence 1',
        ),
        # owner and SLA are the Odoo stage's (users, the working calendar): not the engine's
        (
            {"stages": [{"sequence": 1, "name": "Early", "sla_hours": 8}]},
            'Stage "Early" (sequence 1), field sla_hours: Extra inputs are not permitted',
        ),
        (
            {"stages": [{"sequence": 1, "name": "Early", "cadence_days": 0, "cadence_max": 3}]},
            "cadence_days must be >= 1",
        ),
        ({"stages": []}, "stages"),
        ("not a dict", "expected a mapping"),
        (
            {"stages": [{"sequence": 1, "name": "Early", "colour": "red"}]},
            'Stage "Early" (sequence 1), field colour',
        ),
    ],
)
def test_bad_policies_are_refused_naming_stage_and_rule(policy, message):
    with pytest.raises(PolicyError) as err:
        load_policy(policy)
    assert message in str(err.value)


def test_the_shipped_ladder_is_read_from_its_data_file(ladder):
    """What a new database gets: five stages, with the rules and cadence of the data file."""
    by_name = {stage.name: stage for stage in ladder.stages}
    assert [stage.name for stage in ladder.stages] == [
        "Preventive",
        "Early",
        "Managed",
        "Executive",
        "Pre-default",
    ]
    assert (by_name["Preventive"].rule_mode, by_name["Preventive"].cadence_max) == ("all", 1)
    assert (by_name["Executive"].cadence_days, by_name["Executive"].cadence_max) == (5, 2)
    predefault = by_name["Pre-default"]
    assert (predefault.pause_on_promise, predefault.cadence_max) == (False, 1)
    assert [rule.kind for rule in by_name["Managed"].rules] == ["days_overdue", "broken_promises"]


class InCategoryRule(RuleSchema):
    """An addon's kind: the customer carries one of the partner categories."""

    kind: Literal["customer_in_category"] = "customer_in_category"
    category_ids: tuple[int, ...] = Field(min_length=1)


def _in_category(rule, facts, today):
    names = [name for cid, name in facts.extra.get("partner_categories", ()) if cid in rule.category_ids]
    return Phrase.of("customer_in_category", category=names[0]) if names else None


@pytest.fixture
def in_category():
    RULE_KINDS.register(InCategoryRule, reads=("extra.partner_categories",))(_in_category)
    yield RULE_KINDS["customer_in_category"]
    RULE_KINDS.remove("customer_in_category")


def _vip_policy():
    rules = [{"kind": "customer_in_category", "category_ids": [7]}, {"kind": "days_overdue", "min": 5}]
    return {"stages": [{"sequence": 2, "name": "VIP watch", "rule_mode": "all", "rules": rules}]}


def test_an_added_rule_kind_loads_and_matches(in_category):
    policy = load_policy(_vip_policy())
    vip = facts(days_overdue=6, extra={"partner_categories": ((7, "VIP"), (9, "Retail"))})
    assert match_stage(policy, vip, TODAY) == (
        2,
        [Phrase.of("customer_in_category", category="VIP"), Phrase.of("days_overdue", days=6)],
    )
    decision = decide(policy, vip, TODAY)
    assert (decision.action, decision.stage) == ("enter", 2)
    assert Phrase.of("customer_in_category", category="VIP") in decision.reasons
    retail = facts(days_overdue=6, extra={"partner_categories": ((9, "Retail"),)})
    assert decide(policy, retail, TODAY).stage is None
    assert RULE_KINDS.reads(policy) == {"extra.partner_categories", "days_overdue"}
    with pytest.raises(PolicyError) as err:
        load_policy({"stages": [{"sequence": 1, "name": "S", "rules": [{"kind": "customer_in_category"}]}]})
    assert 'Stage "S" (sequence 1), rule 1 (customer_in_category), field category_ids' in str(err.value)


def test_a_kind_not_registered_is_refused_naming_it():
    with pytest.raises(PolicyError) as err:
        load_policy(_vip_policy())
    assert 'Stage "VIP watch" (sequence 2), rule 1 (customer_in_category)' in str(err.value)


def test_every_kind_reads_facts_the_engine_has():
    known = {f.name for f in fields(InvoiceFacts)}
    for code, kind in RULE_KINDS.items():
        assert kind.schema.model_fields["kind"].default == code
        for name in kind.reads:
            assert name in known or name.startswith("extra."), (code, name)
