# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Applying a batch's plan: the invoices' values, the stage events, the cases, the closings, the messages.

``ar.escalation.apply`` decides nothing: the engine's :func:`~..engine.plan.build_plan`
has said what changes; this writes it through the ORM's batched paths
(``_ar_write_many`` groups equal values, ``ar.escalation.event._ar_log``
inserts keyed events once), lets the case model open and fill cases
(``ar_escalation_case_ladder.py``) and hands the messages due to
``ar.escalation.delivery``. A stage override and a closing by hand go through
here too, so that every stage change is recorded the same way.
"""

from typing import NamedTuple

from odoo import api, fields, models

from ..engine.plan import StageRef, build_plan


class Batch(NamedTuple):
    """A batch being applied: its company, invoices, stages by level, rows, history, day and time."""

    company: object
    moves: object
    stages: dict
    rows: dict
    history: dict
    today: object
    now: object


class ArEscalationApply(models.AbstractModel):
    _name = "ar.escalation.apply"
    _description = "AR escalation: apply a batch's decisions"

    @api.model
    def _ar_apply(self, company, moves, decisions, stages, data, today, now):
        """Write what ``decisions`` ask for the batch ``moves`` (of ``company``).

        ``stages`` maps stage levels to stage records; ``data`` is what the
        facts were read from (``rows``, the customers' ``history``).
        """
        refs = {level: StageRef(stage.id, stage.sequence, stage.channel) for level, stage in stages.items()}
        plan = build_plan(decisions, data["rows"], refs, now)
        for move_id, day in data.get("next_checks", {}).items():
            if day != data["rows"][move_id]["ar_next_check"]:
                plan.updates.setdefault(move_id, {})["ar_next_check"] = day
        batch = Batch(company, moves, stages, data["rows"], data["history"], today, now)
        self._ar_apply_plan(batch, plan)

    @api.model
    def _ar_apply_plan(self, batch, plan):
        moves = batch.moves
        # the columns the run reads from the invoices (events, cases, messages),
        # rather than every column of account.move at the first miss
        moves.fetch(self._ar_fetched_fields())
        by_id = {move.id: move for move in moves}  # records that share the batch's prefetch
        entering = {key: [by_id[i] for i in ids] for key, ids in plan.entering.items()}
        Case = self.env["ar.escalation.case"]
        # the cases entering invoices join, opened first: writing an invoice's
        # stage then finds its case (ar_case_id is computed, in batch)
        opened = Case._ar_open_for_run(batch.company, entering, batch.now) if entering else None
        old_case_ids = {move.ar_case_id.id for ms in entering.values() for move in ms if move.ar_case_id}
        # the portal links of the messages due need the invoices' access
        # tokens: given before the ladder's own values, so that both reach the
        # database in the same flush (one UPDATE per invoice row, not two)
        if plan.due:
            moves.filtered(
                lambda move: batch.rows[move.id]["commercial_partner_id"] in plan.due
            )._ar_ensure_access_tokens()
        # only what changed is written, invoices with equal values together:
        # an unchanged rerun writes nothing
        moves._ar_write_many(plan.updates)
        self.env["ar.escalation.event"]._ar_log(plan.stage_events)
        if entering:
            Case._ar_enter_for_run(
                batch.company,
                entering,
                batch.today,
                batch.now,
                history=batch.history,
                opened=opened,
                old_case_ids=old_case_ids,
            )
        if plan.closing:
            self._ar_close(moves.browse(plan.closing), "paid", "")
        if plan.fixing:
            fixing = {pid: [by_id[i] for i in ids] for pid, ids in plan.fixing.items()}
            Case._ar_raise_fixits(batch.company, fixing, batch.today, batch.now, history=batch.history)
        self._ar_apply_messages(batch, plan, by_id)

    @api.model
    def _ar_apply_messages(self, batch, plan, by_id):
        """The messages due go out; the contacts counted are corrected by what delivery did.

        What went otherwise than planned: no message (held for a higher
        stage's message, failed, or sent by an earlier run), or another
        channel than the stage's (SMS fallbacks).
        """
        due = {
            pid: [(by_id[i], level, cycle) for i, level, cycle in items] for pid, items in plan.due.items()
        }
        contacted = self.env["ar.escalation.delivery"]._ar_communicate(
            batch.company, due, plan.position, batch.stages, batch.today, batch.now
        )
        batch.moves._ar_write_many(plan.corrections(contacted))

    @api.model
    def _ar_fetched_fields(self):
        """The invoice fields a run reads for its events, cases and messages (hook)."""
        return [
            "company_id",
            "commercial_partner_id",
            "partner_id",
            "name",
            "move_type",
            "state",
            "ref",
            "date",
            "invoice_date_due",
            "currency_id",
            "amount_residual",
            "amount_residual_signed",
            "access_token",
            "ar_case_id",
            "ar_stage_id",
            "ar_stage_entries",
            "ar_hygiene",
            "ar_promise_state",
        ]

    # ------------------------------------------------------------------
    # by hand: a stage override, a closing
    # ------------------------------------------------------------------
    @api.model
    def _ar_override(self, moves, stage, reason):
        """Move ``moves`` to ``stage`` by hand, with the user's ``reason``: event, case, activity."""
        if not (reason or "").strip():
            raise ValueError(self.env._("A stage override needs a reason."))
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        Case = self.env["ar.escalation.case"]
        Event = self.env["ar.escalation.event"]
        for move in moves:
            old = move.ar_stage_id
            old_case_ids = {move.ar_case_id.id} - {False}
            Event._ar_log(
                [
                    Event._prepare_event_vals(
                        move,
                        "override",
                        stage,
                        reason,
                        from_stage_id=old.id,
                        to_stage_id=stage.id,
                        user_id=self.env.uid,  # who moved it; its owner comes with its case
                    )
                ]
            )
            entering = {(move.commercial_partner_id.id, stage.id): [move]}
            opened = Case._ar_open_for_run(move.company_id, entering, now)
            move._ar_write(
                {
                    "ar_stage_id": stage.id,
                    "ar_stage_date": now,
                    "ar_stage_entries": move.ar_stage_entries + 1,
                    "ar_contact_attempts": 0,
                    "ar_acknowledged_at": False,
                }
            )
            Case._ar_enter_for_run(
                move.company_id, entering, today, now, opened=opened, old_case_ids=old_case_ids
            )

    @api.model
    def _ar_close(self, moves, disposition, reason, user=None):
        """Close the invoices' escalation; ``user`` closes it by hand (the ladder when paid otherwise).

        What the closing records as recovered is the money received during the
        stay at the stage (trust, issue 12), never what was open.
        """
        now = fields.Datetime.now()
        Event = self.env["ar.escalation.event"]
        labels = dict(Event._fields["disposition"]._description_selection(self.env))
        received = self.env["account.move"]._ar_money_received(moves)
        events, dispositions = [], {}
        for move in moves:
            recovered = received.get(move.id, 0.0)
            kept = (
                "paid_plan"
                if disposition == "paid" and move.ar_promise_ids.filtered("is_plan")
                else disposition
            )
            events.append(
                Event._prepare_event_vals(
                    move,
                    "closed",
                    move.ar_stage_id,
                    reason or labels[kept],
                    disposition=kept,
                    amount=recovered,
                    amount_recovered=recovered,
                    case_id=move.ar_case_id.id,
                    user_id=user.id if user else False,
                )
            )
            dispositions[move.id] = {"ar_disposition": kept}
        moves._ar_write_many(dispositions)  # one write per disposition, not one per invoice
        Event._ar_log(events)
        old_cases = moves.ar_case_id
        moves._ar_write({"ar_closed_date": now})
        old_cases._ar_close_empty()
