# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a run does to cases: open the customer's case at a stage, put invoices in it, close it empty,
and open the fix-it case of an invoice not payable as sent.

Called by ``ar.escalation.apply`` for a whole batch at once: one search for
the open cases, one create for the missing ones, one activity per new case
(``mail.activity.create(vals_list)``), the owners' notes of joined cases in
one flush.
"""

from datetime import timedelta

from odoo import api, models

from ..engine.vocabulary import Phrase
from .ar_escalation_access import ladder_context


class ArEscalationCaseLadder(models.Model):
    _inherit = "ar.escalation.case"

    @api.model
    def _ar_open_for_run(self, company, entering, now):
        """The open case of each (customer, stage) of ``entering``, opened where missing.

        ``entering`` maps (customer id, stage id) to the invoices entering.
        Returns ``({(customer id, stage id): case}, new cases)``.
        """
        Case = self.with_context(mail_create_nosubscribe=True)
        partner_ids = list({pid for pid, __ in entering})
        stage_ids = list({sid for __, sid in entering})
        existing = Case.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partner_ids),
                ("stage_id", "in", stage_ids),
                ("state", "!=", "closed"),
                ("kind", "=", "escalation"),
            ]
        )
        cases = {(case.partner_id.id, case.stage_id.id): case for case in existing}
        to_create = [key for key in entering if key not in cases]
        new_cases = (
            Case._ar_create_for_run(self._ar_new_case_vals(company, to_create, now)) if to_create else Case
        )
        for case in new_cases:
            cases[(case.partner_id.id, case.stage_id.id)] = case
        return cases, new_cases

    @api.model
    def _ar_new_case_vals(self, company, keys, now):
        """The values of the cases to open for ``keys`` [(customer id, stage id)]: owner, role, SLA."""
        partners = {p.id: p for p in self.env["res.partner"].browse({pid for pid, __ in keys})}
        stages = {s.id: s for s in self.env["ar.escalation.stage"].browse({sid for __, sid in keys})}
        deadlines = {
            sid: self.env["account.move"]._ar_sla_deadline(stage, company, now)
            for sid, stage in stages.items()
        }
        vals_list = []
        for pid, sid in keys:
            owner, role = self._ar_resolve_owner(stages[sid].owner_role, partners[pid], company)
            vals_list.append(
                {
                    "partner_id": pid,
                    "company_id": company.id,
                    "stage_id": sid,
                    "owner_id": owner.id,
                    "owner_role": role,
                    # a stage without a task for its owner runs on its own: no SLA to miss
                    "sla_deadline": deadlines[sid] if stages[sid].owner_task else False,
                }
            )
        return vals_list

    @api.model
    def _ar_enter_for_run(self, company, entering, today, now, history=None, opened=None, old_case_ids=None):
        """Put entering invoices in their customer's open case for the stage.

        One case (and one activity for its owner) per customer and stage.
        ``opened`` is what :meth:`_ar_open_for_run` returned when the caller
        wrote the invoices' case with their stage already.
        """
        if opened is None:
            old_case_ids = {move.ar_case_id.id for moves in entering.values() for move in moves} - {False}
            opened = self._ar_open_for_run(company, entering, now)
            self.env["account.move"].concat(*entering.values())._ar_refresh_case()
        cases, new_cases = opened
        events = self._ar_entry_events(cases, entering)
        joined = self.browse({cases[key].id for key in entering} - set(new_cases.ids)).filtered(
            "activity_ref_id"
        )
        self._ar_tell_owners(company, new_cases, joined, today, history)
        self.env["ar.escalation.event"]._ar_log(events)
        self.browse(old_case_ids - set(new_cases.ids))._ar_close_empty()

    @api.model
    def _ar_entry_events(self, cases, entering):
        """One "escalated to the owner" event per invoice entering its case."""
        Event = self.env["ar.escalation.event"]
        events = []
        for key, moves in entering.items():
            case = cases[key]
            if not case.stage_id.owner_task:
                continue  # nobody is asked to act at this stage (automated nudges)
            reason = Phrase.of("escalated_to", owner=case.owner_id.name)  # worded when read
            events += [
                Event._prepare_event_vals(
                    move,
                    "activity",
                    case.stage_id,
                    reason,
                    case_id=case.id,
                    owner_id=case.owner_id.id,
                    sla_deadline=case.sla_deadline,
                )
                for move in moves
            ]
        return events

    @api.model
    def _ar_tell_owners(self, company, new_cases, joined, today, history):
        """An activity for each new case's owner; the note of a joined case lists its new invoices.

        One existence query for the joined cases' activities; their notes are
        flushed in one UPDATE.
        """
        touched = new_cases | joined
        if not touched:
            return
        context_cache = self.env["res.partner"]._ar_context_batch(
            touched.partner_id.ids, company, today, history=history
        )
        tasked = new_cases.filtered("stage_id.owner_task")
        if tasked:
            tasked.with_context(ar_context_cache=context_cache)._ar_schedule_activity({})
        live = set(joined.activity_ref_id.exists().ids)
        notes = joined.with_context(ar_context_cache=context_cache)._ar_activity_notes().values()
        self._ar_set_activity_notes(
            {
                case.activity_ref_id.id: note
                for case, note in zip(joined, notes, strict=True)
                if case.activity_ref_id.id in live
            }
        )

    def _ar_close_empty(self):
        """Close the cases of ``self`` no invoice is in any more (and their owner's activity)."""
        cases = self.exists().filtered(lambda c: c.state != "closed")
        if not cases:
            return
        counts = dict(
            self.env["account.move"]._read_group(
                [("ar_case_id", "in", cases.ids)], ["ar_case_id"], ["__count"]
            )
        )
        empty = cases.filtered(lambda c: not counts.get(c))
        if empty:
            empty.activity_ref_id.exists().with_context(ar_escalation_ack=True).unlink()
            empty.with_context(**ladder_context()).write({"state": "closed"})  # the ladder's own write

    @api.model
    def _ar_fixit_vals(self, company, partner_ids, now):
        """The fix-it cases to open: one per customer that has none open, for its AR operator, 24 h."""
        have = self.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partner_ids),
                ("kind", "=", "hygiene"),
                ("state", "!=", "closed"),
            ]
        ).partner_id
        stage = self.env["ar.escalation.stage"].search([], limit=1)
        vals_list = []
        for partner in self.env["res.partner"].browse(partner_ids) - have:
            owner, role = self._ar_resolve_owner("ar_operator", partner, company)
            vals_list.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "stage_id": stage.id,
                    "kind": "hygiene",
                    "owner_id": owner.id,
                    "owner_role": role,
                    "sla_deadline": now + timedelta(hours=24),
                }
            )
        return vals_list

    @api.model
    def _ar_raise_fixits(self, company, fixing, today, now, history=None):
        """Not payable as sent: an internal task to fix the invoice instead of a reminder.

        ``fixing`` maps customer ids to the invoices that cannot be paid as
        sent. One hygiene event per invoice (never twice), one open fix-it case
        per customer with an activity for its AR operator.
        """
        Event = self.env["ar.escalation.event"]
        logged = Event._ar_log(
            [
                Event._prepare_event_vals(move, "hygiene", move.ar_stage_id, move.ar_hygiene or "")
                for moves in fixing.values()
                for move in moves
            ]
        )
        partner_ids = logged.partner_id.ids
        if not partner_ids:
            return
        Case = self.with_context(mail_create_nosubscribe=True)
        vals_list = Case._ar_fixit_vals(company, partner_ids, now)
        if not vals_list:
            return
        new_cases = Case._ar_create_for_run(vals_list)
        context_cache = self.env["res.partner"]._ar_context_batch(
            new_cases.partner_id.ids, company, today, history=history
        )
        new_cases.with_context(ar_context_cache=context_cache)._ar_schedule_activity(
            {
                case.id: self.env._("Fix before dunning: %s", case.partner_id.display_name)
                for case in new_cases
            }
        )
