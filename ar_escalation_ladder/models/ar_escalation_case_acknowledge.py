# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Acknowledging an escalation: its owner, or an AR manager on the owner's behalf, on time or late."""

from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import UserError

from .ar_escalation_access import ladder_context
from .ar_escalation_format import format_reader_datetime


class ArEscalationCase(models.Model):
    _inherit = "ar.escalation.case"

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_acknowledge(self):
        self._ar_acknowledge()
        return True

    def _ar_may_acknowledge(self):
        """Whether the current user may acknowledge this open case: its owner, or an AR manager."""
        self.ensure_one()
        if self.state != "open":
            return False
        env = self.env
        return bool(
            env.su or self.owner_id == env.user or env.user.has_group("ar_escalation_ladder.group_ar_manager")
        )

    def _ar_check_acknowledge(self):
        """Refuse, in words, an acknowledgement by someone else than the owner or an AR manager."""
        others = self.filtered(lambda c: c.state == "open" and not c._ar_may_acknowledge())
        if others:
            case = others[0]
            raise UserError(
                self.env._(
                    "Only %(owner)s, who owns the escalation “%(case)s”, or an AR manager can "
                    "acknowledge it.",
                    owner=case.owner_id.name or self.env._("its owner"),
                    case=case.name,
                )
            )

    def _ar_acknowledge_reason(self, user, now):
        """The acknowledgement in words: by whom, for whom, on time or late."""
        self.ensure_one()
        _ = self.env._
        late = bool(self.sla_deadline and now > self.sla_deadline)
        if user == self.owner_id or not self.owner_id:
            return _("Acknowledged late, after its SLA deadline") if late else _("Acknowledged on time")
        if late:
            return _("Acknowledged late, after its SLA deadline, on behalf of %s", self.owner_id.name)
        return _("Acknowledged on time, on behalf of %s", self.owner_id.name)

    def _ar_acknowledge(self, from_activity=False):
        self._ar_check_acknowledge()
        cases = self.filtered(lambda c: c.state == "open")
        if not cases:
            return
        now = fields.Datetime.now()
        user = self.env.user
        reasons = {case.id: case._ar_acknowledge_reason(user, now) for case in cases}
        if not from_activity:
            activities = cases.activity_ref_id.exists()
            activities.with_context(ar_escalation_ack=True).action_feedback(
                feedback=self.env._("Acknowledged")
            )
        cases.with_context(**ladder_context()).write(
            {"state": "acknowledged", "acknowledged_at": now, "acknowledged_by_id": user.id}
        )
        # the case says who acknowledged it, for whom, and whether in time
        cases._message_log_batch(
            bodies={
                case.id: escape(
                    self.env._("%(reason)s — by %(user)s", reason=reasons[case.id], user=user.name)
                    + (
                        " — "
                        + self.env._(
                            "SLA deadline: %s",
                            format_reader_datetime(self.env, case.sla_deadline, case.owner_id),
                        )
                        if case.sla_deadline
                        else ""
                    )
                )
                for case in cases
            }
        )
        self._ar_acknowledge_invoices(cases, user, now, reasons)

    @api.model
    def _ar_acknowledge_invoices(self, cases, user, now, reasons):
        """The cases' invoices acknowledged with them, an event and chatter line on each."""
        events = []
        for case in cases:
            invoices = case.invoice_ids
            invoices._ar_write({"ar_acknowledged_at": now})
            for move in invoices:
                events.append(
                    {
                        "kind": "acknowledged",
                        "move_id": move.id,
                        "partner_id": case.partner_id.id,
                        "company_id": case.company_id.id,
                        "case_id": case.id,
                        "stage_id": case.stage_id.id,
                        "owner_id": case.owner_id.id,
                        "user_id": user.id,
                        "sla_deadline": case.sla_deadline,
                        "acknowledged_at": now,
                        "amount": move.amount_residual_signed,
                        "reason": reasons[case.id],
                    }
                )
        self.env["ar.escalation.event"]._ar_log(events)
