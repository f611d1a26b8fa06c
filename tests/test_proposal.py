"""A segment's drafted track (engine/proposal.py): the README's "Drafted tracks" rules, stated.

The base track is the default ladder of the addon's data file (its tone, owner
and SLA read from the same records), never a copy kept here.
"""

from datetime import date

import pytest
from shipped_ladder import _records, _value, shipped_ladder

from ar_escalation_ladder.engine import InvoiceFacts, load_policy, match_stage
from ar_escalation_ladder.engine.proposal import (
    CHECK,
    SEASONAL,
    Choice,
    Thresholds,
    engine_stage,
    propose,
    timeline,
    traits,
)
from ar_escalation_ladder.engine.proposal_words import ENGLISH_PROPOSAL, PROPOSAL_CODES, choice_text

TODAY = date(2026, 12, 1)
NEUTRAL = {
    "avg_days_late": 6.0,
    "spread_days_late": 4.0,
    "trend_days": 0.0,
    "seasonality": 0.1,
    "peak_month": None,
    "avg_invoice": 4000.0,
    "tenure_months": 30.0,
    "dispute_rate": 0.02,
    "broken_promise_rate": 0.0,
    "early_share": 0.2,
    "size": 40,
}


def base_stages():
    """The shipped ladder's stages with their case keys (tone, owner, SLA) from the data file."""
    stages = shipped_ladder()["stages"]
    case = {}
    for __, fields in _records("ar.escalation.stage"):
        case[int(fields["sequence"].text)] = {
            "tone": fields["tone"].text.strip(),
            "owner_role": fields["owner_role"].text.strip(),
            "sla_hours": _value(fields["sla_hours"], 0.0),
        }
    return [{**stage, **case[stage["sequence"]]} for stage in stages]


def draft(**profile):
    return propose({**NEUTRAL, **profile}, base_stages(), "Default")


def by_origin(proposal, origin):
    return next(stage for stage in proposal.stages if stage["origin"] == origin)


def days_rule(stage):
    return next(rule for rule in stage["rules"] if rule["kind"] == "days_overdue")


def stage_for(proposal, days, signals=("late_payer", "worsening"), **extra):
    """The drafted track's stage of an invoice ``days`` overdue (its customer with two risk signals: the
    shipped pre-due stage is for customers with a risk signal)."""
    policy = load_policy({"stages": [engine_stage(stage) for stage in proposal.stages]})
    facts = InvoiceFacts(1, 1, days, 100.0, risk_signals=signals, extra=extra)
    return match_stage(policy, facts, TODAY)[0]


def aspects(proposal):
    return {(choice.aspect, choice.stage) for choice in proposal.choices}


def test_a_segment_paying_like_everybody_keeps_the_default_track_and_says_so():
    proposal = draft()
    assert [engine_stage(s) for s in proposal.stages] == [engine_stage(s) for s in base_stages()]
    assert proposal.traits == ()
    texts = [choice_text(choice)[0] for choice in proposal.choices]
    assert texts[0].startswith("stages copied from Default")
    assert texts[1] == "nothing in the segment's behaviour calls for a change"


def test_the_base_stages_are_not_changed():
    stages = base_stages()
    propose(
        {**NEUTRAL, "avg_days_late": 30, "dispute_rate": 0.4, "peak_month": 8, "seasonality": 0.8}, stages
    )
    assert stages == base_stages()


def test_timeline_reads_the_pre_due_and_overdue_stages_from_days_overdue():
    pre, overdue = timeline(base_stages())
    assert pre["name"] == "Preventive"
    assert [s["name"] for s in overdue] == ["Early", "Managed", "Executive", "Pre-default"]


def test_chronic_late_payers_get_an_earlier_pre_due_reminder_sooner_stages_and_shorter_cadence():
    proposal = draft(avg_days_late=24)
    assert proposal.traits == ("chronic_late",)
    assert days_rule(by_origin(proposal, 0))["min"] == -14
    assert stage_for(proposal, -14) == 0 and stage_for(proposal, -15) is None
    # each overdue stage after the first entered at 3/4 of its day, the ranges adjoining
    assert [days_rule(by_origin(proposal, level))["min"] for level in (1, 2, 3, 4)] == [1, 12, 23, 46]
    assert [stage_for(proposal, d) for d in (11, 12, 22, 23, 45, 46)] == [1, 2, 2, 3, 3, 4]
    assert [by_origin(proposal, level)["cadence_days"] for level in (1, 2, 3, 4)] == [4, 3, 3, 4]
    assert by_origin(proposal, 1)["tone"] == "firm"
    timing = next(c for c in proposal.choices if c.aspect == "timing" and c.stage == 0)
    assert choice_text(timing) == (
        "first reminder 14 days before the due date (was 7 days)",
        "pays 24 days late on average",
    )


def test_punctual_payers_get_a_light_touch():
    proposal = draft(avg_days_late=0.5, early_share=0.7)
    assert proposal.traits == ("punctual",)
    assert days_rule(by_origin(proposal, 0))["min"] == -3
    assert by_origin(proposal, 1)["tone"] == "courteous"
    why = next(c for c in proposal.choices if c.aspect == "timing")
    assert choice_text(why)[1] == "pays on time on average; pays 70% of its invoices early"


def test_dispute_prone_customers_get_an_invoice_check_and_an_owner_task_before_any_message():
    proposal = draft(dispute_rate=0.3)
    check = proposal.stages[0]
    assert check["origin"] == CHECK and check["sequence"] == 0
    assert check["channel"] == "none" and check["owner_role"] == "account_manager"
    assert [s["sequence"] for s in proposal.stages] == list(range(6))
    # before the pre-due reminder's window, the invoice is at the check; no message stage earlier
    assert stage_for(proposal, -30) == 0 and stage_for(proposal, -8) == 0 and stage_for(proposal, -7) == 1
    # the shipped pre-due stage asks for its timing and a risk signal: nothing to drop
    assert proposal.stages[1]["rules"] == base_stages()[0]["rules"]
    assert proposal.stages[2]["tone"] == "collaborative"
    what, why = choice_text(next(c for c in proposal.choices if c.aspect == "stage"))
    assert "before any message" in what and why == "disputes 30% of its invoices"
    assert ("rules", 1) not in aspects(proposal)


def test_with_the_check_a_pre_due_stage_entered_by_any_rule_enters_by_its_timing_only():
    stages = base_stages()
    stages[0]["rule_mode"] = "any"  # a risk signal alone would send the reminder before the check
    proposal = propose({**NEUTRAL, "dispute_rate": 0.3}, stages, "Default")
    assert [r["kind"] for r in proposal.stages[1]["rules"]] == ["days_overdue"]
    assert stage_for(proposal, -20) == 0
    rules = next(c for c in proposal.choices if c.aspect == "rules")
    assert rules.stage == 1
    assert (
        choice_text(rules)[0]
        == "entered by its timing only, so that the check comes first (dropped: risk_signals)"
    )


def test_seasonal_payers_get_a_reminder_timed_to_their_month():
    proposal = draft(seasonality=0.7, peak_month=8)
    seasonal = by_origin(proposal, SEASONAL)
    assert seasonal["sequence"] == 0 and seasonal["rule_mode"] == "all"
    assert {"kind": "due_month", "month": 8} in seasonal["rules"]
    # 21 days before an August due date: the seasonal reminder; another month: nothing yet
    assert stage_for(proposal, -21, due_month=8) == 0
    assert stage_for(proposal, -21, due_month=9) is None
    assert stage_for(proposal, -7, due_month=8) == 1
    what, why = choice_text(next(c for c in proposal.choices if c.aspect == "stage"))
    assert what == "invoices due in August: a reminder 21 days before the due date"
    assert why == "pays latest in August (seasonality 70%)"


def test_seasonal_and_dispute_prone_the_check_comes_before_the_seasonal_reminder():
    proposal = draft(seasonality=0.7, peak_month=3, dispute_rate=0.2)
    assert [s["origin"] for s in proposal.stages[:3]] == [CHECK, SEASONAL, 0]
    assert stage_for(proposal, -22, due_month=3) == 0
    assert stage_for(proposal, -21, due_month=3) == 1


def test_deteriorating_customers_get_an_earlier_human_review():
    proposal = draft(trend_days=12)
    assert proposal.traits == ("deteriorating",)
    assert by_origin(proposal, 0)["owner_role"] == "account_manager"
    owner = next(c for c in proposal.choices if c.aspect == "owner")
    assert choice_text(owner) == (
        "owner: Account manager (was AR operator)",
        "paying 12 days later than in the months before",
    )


def test_promise_breakers_are_reminded_while_a_promise_holds_from_the_second_overdue_stage():
    proposal = draft(broken_promise_rate=0.4)
    assert [by_origin(proposal, level)["pause_on_promise"] for level in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]


def test_invoice_size_sets_the_channel_or_the_owner():
    small = draft(avg_invoice=120)
    assert by_origin(small, 0)["channel"] == "email_sms" and by_origin(small, 1)["channel"] == "email_sms"
    assert by_origin(small, 2)["channel"] == "email"
    large = draft(avg_invoice=50000)
    assert by_origin(large, 1)["owner_role"] == "account_manager"  # already: no change, no choice
    assert ("owner", 1) not in aspects(large)


def test_unknown_values_trigger_no_rule():
    profile = dict.fromkeys(NEUTRAL)
    assert traits(profile) == {}
    proposal = propose(profile, base_stages(), "Default")
    assert len(proposal.choices) == 2


def test_thresholds_are_settings():
    assert "chronic_late" not in draft(avg_days_late=12).traits
    proposal = propose(
        {**NEUTRAL, "avg_days_late": 12}, base_stages(), limits=Thresholds(chronic_late_days=10)
    )
    assert "chronic_late" in proposal.traits


@pytest.mark.parametrize(
    "profile",
    [
        {"avg_days_late": 40, "dispute_rate": 0.5, "seasonality": 0.9, "peak_month": 12, "trend_days": 20},
        {"avg_days_late": 0, "early_share": 1.0, "avg_invoice": 10, "broken_promise_rate": 1.0},
        {"avg_days_late": 90, "avg_invoice": 1e6},
    ],
)
def test_every_draft_is_a_valid_policy_and_every_choice_is_worded(profile):
    proposal = draft(**profile)
    load_policy({"stages": [engine_stage(stage) for stage in proposal.stages]})
    levels = {stage["sequence"] for stage in proposal.stages}
    assert len(levels) == len(proposal.stages)
    for choice in proposal.choices:
        assert choice.stage is None or choice.stage in levels
        assert Choice.from_json(choice.to_json()) == choice
        for phrase in (choice.decision, *choice.because):
            assert phrase.code in PROPOSAL_CODES
            assert "=" not in ENGLISH_PROPOSAL.phrase(phrase)


def test_deteriorating_on_a_track_without_owner_tasks_the_first_stage_gets_one():
    stages = [{**stage, "owner_task": stage["sequence"] >= 2} for stage in base_stages()]
    proposal = propose({**NEUTRAL, "trend_days": 9}, stages, "SMB automated")
    assert proposal.stages[0]["owner_task"] is True
    assert proposal.stages[1]["owner_task"] is False
    texts = [choice_text(c)[0] for c in proposal.choices if c.aspect == "owner"]
    assert texts == ["owner: Account manager (was AR operator)", "the owner gets a task at this stage"]


def test_a_trait_counts_from_the_floor_the_segments_name_says_it_from():
    segment_model = pytest.importorskip("ar_escalation_ladder.engine.segment_model")
    floors = {key: floor for key, floor, *__ in segment_model.TRAITS}
    limits = Thresholds()
    assert limits.deteriorating_days == floors["trend_days"]
    assert limits.seasonality == floors["seasonality"]
    assert limits.dispute_rate == floors["dispute_rate"]
    assert limits.broken_promise_rate == floors["broken_promise_rate"]


@pytest.mark.parametrize("month", [8.0, 8])
def test_a_peak_month_read_back_from_json_as_a_float_is_a_month(month):
    assert by_origin(draft(seasonality=0.5, peak_month=month), SEASONAL)["rules"][0] == {
        "kind": "due_month",
        "month": 8,
    }


@pytest.mark.parametrize("month", [0, 13, 7.5, "8", True])
def test_no_month_no_seasonal_reminder(month):
    assert "seasonal" not in draft(seasonality=0.9, peak_month=month).traits


def test_the_choices_read_stage_by_stage():
    proposal = draft(avg_days_late=30, dispute_rate=0.3, avg_invoice=100, trend_days=10)
    levels = [choice.stage for choice in proposal.choices[1:]]
    assert levels == sorted(levels) and proposal.choices[0].aspect == "track"


def test_where_the_segments_name_is_given_its_traits_decide_the_four_it_can_say():
    # the planted book's dispute-prone group: its seasonality averages 0.41 with a peak in August,
    # but its name says "frequent disputes", not "late around August"
    profile = {**NEUTRAL, "avg_days_late": 12, "dispute_rate": 0.38, "seasonality": 0.41, "peak_month": 8}
    named = propose(profile, base_stages(), named={"pays_late", "disputes"})
    assert named.traits == ("dispute_prone",)
    assert set(propose(profile, base_stages()).traits) == {"dispute_prone", "seasonal"}
    # lateness and invoice size are read from the figures either way
    assert "chronic_late" in propose({**NEUTRAL, "avg_days_late": 30}, base_stages(), named=set()).traits
