"""The plan of a batch: what the decisions ask the Odoo side to write, open, send and close.

``engine/plan.py`` is where a batch's decisions become effects; the Odoo
side applies the plan without deciding again. These tests read the plan as
the ladder applies it: which invoices enter which customer's case, which
customers are due a message at which level, what is written on each invoice,
and what is put back when a message does not go.
"""

from datetime import date, datetime

from shipped_ladder import shipped_ladder

from ar_escalation_ladder.engine import InvoiceFacts, decide, load_policy
from ar_escalation_ladder.engine.plan import StageRef, build_plan, contact_values

TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 6, 0)
POLICY = load_policy(shipped_ladder())
# stage records as the Odoo side gives them: id 100 + level
STAGES = {s.sequence: StageRef(100 + s.sequence, s.sequence, s.channel) for s in POLICY.stages}


def row(invoice_id, partner_id, residual=1000.0, **values):
    """An invoice's columns as ar.escalation.facts reads them, nothing set."""
    base = {
        "id": invoice_id,
        "company_id": 1,
        "commercial_partner_id": partner_id,
        "amount_residual_signed": residual,
        "ar_stage_entries": 0,
        "ar_contact_attempts": 0,
        "ar_last_contact_date": None,
        "ar_last_contact_channel": None,
        "ar_unanswered_since": None,
        "ar_closed_date": None,
        "ar_hygiene": None,
        "ar_error": None,
        "ar_stage_residual": None,
        "ar_acknowledged_at": None,
        "ar_disposition": None,
        "stage_level": None,
    }
    return {**base, **values}


def facts(invoice_id, partner_id, days, residual=1000.0, **values):
    return InvoiceFacts(
        invoice_id=invoice_id, partner_id=partner_id, days_overdue=days, residual=residual, **values
    )


def plan_of(*pairs):
    """The plan of ``(facts, row)`` pairs decided today."""
    decisions = [decide(POLICY, fact, TODAY) for fact, __ in pairs]
    return build_plan(decisions, {r["id"]: r for __, r in pairs}, STAGES, NOW), decisions


def emailing_level():
    """The lowest level of the shipped ladder that emails the customer, and an age that lands there."""
    for days in range(0, 200):
        decision = decide(POLICY, facts(1, 1, days), TODAY)
        if decision.stage is not None and decision.send_external:
            return decision.stage, days
    raise AssertionError("the shipped ladder emails nobody")


def test_an_invoice_entering_a_stage_is_written_recorded_and_joins_its_customers_case():
    level, days = emailing_level()
    plan, (decision,) = plan_of((facts(7, 3, days), row(7, 3)))
    assert decision.action == "enter"
    assert plan.entering == {(3, STAGES[level].id): [7]}
    values = plan.updates[7]
    assert values["ar_stage_id"] == STAGES[level].id
    assert values["ar_stage_entries"] == 1
    assert values["ar_stage_date"] == NOW
    (event,) = plan.stage_events
    assert event["kind"] == "stage" and event["move_id"] == 7 and event["to_stage_id"] == STAGES[level].id
    assert event["reason"] == decision.reasons  # the phrases, worded where they are shown


def test_a_message_due_is_counted_at_once_and_put_back_when_it_does_not_go():
    level, days = emailing_level()
    plan, __ = plan_of((facts(7, 3, days), row(7, 3)))
    assert plan.due == {3: [(7, level, 0)]}
    assert plan.position == {3: level}
    assert plan.updates[7]["ar_contact_attempts"] == 1
    assert plan.updates[7]["ar_unanswered_since"] == {str(level): "2026-11-23"}
    # the message went by email: nothing to correct
    assert plan.corrections({7: STAGES[level].channel}) == {}
    # it did not go: the invoice gets its contact values back
    assert plan.corrections({}) == {
        7: {
            "ar_contact_attempts": 0,
            "ar_last_contact_date": False,
            "ar_last_contact_channel": False,
            "ar_unanswered_since": False,
        }
    }
    # it went by another channel (an SMS fallback to email): the channel is said
    assert plan.corrections({7: "sms"}) == (
        {} if STAGES[level].channel == "sms" else {7: {"ar_last_contact_channel": "sms"}}
    )


def test_an_invoice_not_payable_as_sent_gets_a_fix_it_not_a_message():
    __, days = emailing_level()
    blockers = ("the customer's reference (PO) is missing",)
    plan, (decision,) = plan_of((facts(7, 3, days, hygiene_blockers=blockers), row(7, 3)))
    assert decision.hold == "not_payable"
    assert plan.fixing == {3: [7]}
    assert not plan.due
    assert plan.updates[7]["ar_hygiene"] == blockers[0]


def test_a_paid_invoice_closes_and_an_unchanged_one_writes_nothing():
    __, days = emailing_level()
    level = decide(POLICY, facts(1, 1, days), TODAY).stage
    on_stage = {
        "stage_level": level,
        "ar_stage_entries": 1,
        "ar_contact_attempts": POLICY.by_sequence[level].cadence_max,
    }
    paid, __ = plan_of((facts(8, 4, days, paid=True, current_stage=level), row(8, 4, **on_stage)))
    assert paid.closing == [8]
    assert not paid.entering and not paid.due
    cadence_done = facts(
        9,
        5,
        days,
        current_stage=level,
        external_attempts=POLICY.by_sequence[level].cadence_max,
        last_external=TODAY,
    )
    unchanged, (decision,) = plan_of((cadence_done, row(9, 5, **on_stage)))
    assert decision.action == "stay" and not decision.send_external
    assert unchanged.updates == {}
    assert unchanged.position == {5: level}  # it still stands for its stage in the customer's eyes


def test_a_rerun_clears_the_last_runs_error_and_a_new_stage_clears_acknowledgement():
    level, days = emailing_level()
    plan, __ = plan_of((facts(7, 3, days), row(7, 3, ar_error="boom", ar_acknowledged_at=NOW)))
    assert plan.updates[7]["ar_error"] is False
    assert plan.updates[7]["ar_acknowledged_at"] is False


def test_contact_values_count_one_more_and_keep_the_first_unanswered_day():
    values = contact_values(2, {"1": "2026-11-01"}, 1, "email", NOW)
    assert values["ar_contact_attempts"] == 3
    assert values["ar_unanswered_since"] == {"1": "2026-11-01"}
    values = contact_values(0, None, 2, "sms", NOW)
    assert values == {
        "ar_contact_attempts": 1,
        "ar_last_contact_date": NOW,
        "ar_last_contact_channel": "sms",
        "ar_unanswered_since": {"2": "2026-11-23"},
    }
