# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a batch's decisions ask the Odoo side to do, as plain data: the plan.

:func:`decide` says per invoice where it belongs and whether to contact the
customer; :func:`build_plan` turns a batch of decisions and the invoices' rows
(the columns the facts were read from) into a :class:`Plan`: the invoice
values to write, the stage events to record, the invoices entering a stage
(their customer's case and its owner's activity), the messages due per
customer, the invoices to fix before dunning and the ones to close. The Odoo
side applies it (``ar.escalation.apply``) without deciding anything again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from .evaluate import Decision
from .vocabulary import TRACK_HOLDS

# an invoice still stands for its stage on the customer's external track when
# its next reminder is not due yet or its cadence is complete (TRACK_HOLDS);
# under a dispute, a promise, a pause or not payable as sent it does not

# the invoice fields a new stage clears, where they hold something
CLEARED_ON_ENTRY = ("ar_acknowledged_at", "ar_closed_date", "ar_disposition")


class StageRef(NamedTuple):
    """What the plan needs of a stage: its record id, level and channel."""

    id: int
    sequence: int
    channel: str


@dataclass(slots=True)
class Plan:
    """The effects of a batch's decisions, keyed by record ids."""

    updates: dict[int, dict] = field(default_factory=dict)  # invoice id -> values to write
    stage_events: list[dict] = field(default_factory=list)  # "stage" events to record
    entering: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    due: dict[int, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    position: dict[int, int] = field(default_factory=dict)  # customer -> highest level on the track
    fixing: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    closing: list[int] = field(default_factory=list)
    # invoice id -> (channel planned, values to restore when no message goes out)
    contacts: dict[int, tuple[str, dict]] = field(default_factory=dict)

    def corrections(self, contacted: Mapping[int, str]) -> dict[int, dict]:
        """The invoice values to write once delivery said who was contacted, on which channel.

        An invoice counted as contacted whose message did not go out (held for
        a higher stage's message, failed, sent by an earlier run) gets its
        values back; one contacted on another channel (an SMS fallback) says so.
        """
        out = {}
        for move_id, (channel, restore) in self.contacts.items():
            used = contacted.get(move_id)
            if used is None:
                out[move_id] = restore
            elif used != channel:
                out[move_id] = {"ar_last_contact_channel": used}
        return out


def contact_values(
    attempts: int, unanswered: Mapping | None, level: int, channel: str, now: datetime
) -> dict:
    """An invoice's contact fields once a message at stage ``level`` went out on ``channel``.

    ``attempts`` and ``unanswered`` are its values before: the count goes up
    and the stage's level starts waiting for an answer (unless it was).
    """
    waiting = dict(unanswered or {})
    waiting.setdefault(str(level), now.date().isoformat())
    return {
        "ar_contact_attempts": attempts + 1,
        "ar_last_contact_date": now,
        "ar_last_contact_channel": channel,
        "ar_unanswered_since": waiting,
    }


def _entry(plan: Plan, decision: Decision, row: Mapping, stage: StageRef, stages, now, vals: dict) -> None:
    """An invoice entering ``stage``: its values and its stage event."""
    pid = row["commercial_partner_id"]
    plan.entering[(pid, stage.id)].append(row["id"])
    residual = abs(row["amount_residual_signed"] or 0.0)
    entry = (row["ar_stage_entries"] or 0) + 1
    vals.update(ar_stage_id=stage.id, ar_stage_date=now, ar_stage_entries=entry, ar_contact_attempts=0)
    vals.update((name, False) for name in CLEARED_ON_ENTRY if row[name])
    previous = False
    if not row["ar_closed_date"]:
        # the stage it leaves: of its track, or of its customer's former track
        level = row["stage_level"]
        previous = stages[level].id if level in stages else row.get("ar_stage_id") or False
    recovered = max((row["ar_stage_residual"] or 0.0) - residual, 0.0) if previous else 0.0
    plan.stage_events.append(
        {
            "kind": "stage",
            "move_id": row["id"],
            "partner_id": pid,
            "company_id": row["company_id"],
            "stage_id": stage.id,
            "amount": residual,
            "reason": decision.reasons,
            "from_stage_id": previous,
            "to_stage_id": stage.id,
            "entry": entry,
            "amount_recovered": recovered,
        }
    )


def _contact(plan: Plan, decision: Decision, row: Mapping, stage: StageRef, now, vals: dict) -> None:
    """A message is due for the invoice: counted now with the stage's values (one write, not two)."""
    plan.due[row["commercial_partner_id"]].append((row["id"], decision.stage, decision.external_cycle))
    attempts = vals.get("ar_contact_attempts", row["ar_contact_attempts"] or 0)
    unanswered = row["ar_unanswered_since"] or {}
    plan.contacts[row["id"]] = (
        stage.channel,
        {
            "ar_contact_attempts": attempts,
            "ar_last_contact_date": row["ar_last_contact_date"] or False,
            "ar_last_contact_channel": row["ar_last_contact_channel"] or False,
            "ar_unanswered_since": unanswered or False,
        },
    )
    vals.update(contact_values(attempts, unanswered, stage.sequence, stage.channel, now))


def _housekeeping(decision: Decision, row: Mapping) -> dict:
    """The error of an earlier run goes; the hygiene blockers are written when they changed."""
    vals = {}
    if row["ar_error"]:
        vals["ar_error"] = False
    blockers = "; ".join(decision.blockers) or False
    if blockers != (row["ar_hygiene"] or False):
        vals["ar_hygiene"] = blockers
    return vals


def build_plan(
    decisions: Iterable[Decision], rows: Mapping[int, Mapping], stages: Mapping[int, StageRef], now: datetime
) -> Plan:
    """The plan of a batch: ``rows`` by invoice id, ``stages`` by level (sequence)."""
    plan = Plan()
    for decision in decisions:
        row = rows[decision.invoice_id]
        pid = row["commercial_partner_id"]
        vals = _housekeeping(decision, row)
        if decision.action == "close":
            plan.closing.append(decision.invoice_id)
        elif decision.action == "enter":
            _entry(plan, decision, row, stages[decision.stage], stages, now, vals)
        if decision.stage is not None:
            if decision.hold in TRACK_HOLDS:
                plan.position[pid] = max(plan.position.get(pid, decision.stage), decision.stage)
            if decision.send_external:
                _contact(plan, decision, row, stages[decision.stage], now, vals)
            elif decision.hold == "not_payable":
                plan.fixing[pid].append(decision.invoice_id)
        if vals:
            plan.updates[decision.invoice_id] = vals
    return plan
