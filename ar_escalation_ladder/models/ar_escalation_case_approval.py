# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Approving a stage's customer messages, on a track that asks for it (human review).

On such a track ("Strategic — human review") nothing goes to the customer at
a stage until the account manager (or the case's owner, or an AR manager)
approved the stage's message on the escalation. The approval is logged as an
event of each invoice and in the case's chatter; the invoices are evaluated
again at once, so the approved message goes out with the next run.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..engine.vocabulary import Phrase


class ArEscalationCase(models.Model):
    _inherit = "ar.escalation.case"

    needs_approval = fields.Boolean(
        "Messages need approval",
        compute="_compute_needs_approval",
        help="The case's track asks the account manager to approve a stage's message before it goes out.",
    )
    can_approve = fields.Boolean(compute="_compute_can_approve")
    message_approved_at = fields.Datetime("Message approved on", readonly=True, copy=False)
    message_approved_by_id = fields.Many2one("res.users", "Message approved by", readonly=True, copy=False)

    @api.depends("kind", "stage_id.channel", "stage_id.track_id.external_approval")
    def _compute_needs_approval(self):
        for case in self:
            stage = case.stage_id
            case.needs_approval = bool(
                case.kind == "escalation" and stage.channel != "none" and stage.track_id.external_approval
            )

    @api.depends_context("uid")
    @api.depends("needs_approval", "message_approved_at", "state", "owner_id")
    def _compute_can_approve(self):
        for case in self:
            case.can_approve = bool(
                case.needs_approval
                and not case.message_approved_at
                and case.state != "closed"
                and case._ar_may_approve()
            )

    def _ar_may_approve(self):
        """The customer's account manager, the case's owner, or an AR manager."""
        self.ensure_one()
        user = self.env.user
        return bool(
            self.env.su
            or user in (self.owner_id | self.partner_id.ar_account_manager_id)
            or user.has_group("ar_escalation_ladder.group_ar_manager")
        )

    def action_approve_message(self):
        """*Approve message*: the stage's customer messages may go out (logged, evaluated again)."""
        for case in self:
            if not case.needs_approval or case.message_approved_at:
                raise UserError(
                    self.env._("The escalation “%s” has no message waiting for approval.", case.name)
                )
            if case.state == "closed":
                raise UserError(self.env._("The escalation “%s” is closed.", case.name))
            if not case._ar_may_approve():
                raise UserError(
                    self.env._(
                        "Only the account manager of %(customer)s, the escalation's owner or an AR manager "
                        "can approve its message.",
                        customer=case.partner_id.display_name,
                    )
                )
        now = fields.Datetime.now()
        # sudo: the approval fields are the system's record of who approved, not editable by hand
        self.sudo().write({"message_approved_at": now, "message_approved_by_id": self.env.user.id})
        Event = self.env["ar.escalation.event"]
        reason = Phrase.of("message_approved", user=self.env.user.name)
        events = [
            Event._prepare_event_vals(move, "approved", case.stage_id, reason, case_id=case.id)
            for case in self
            for move in case.invoice_ids
        ]
        Event._ar_log(events)
        for case in self:
            case.message_post(
                body=self.env._(
                    "Message approved by %s: it goes to the customer with the next run.", self.env.user.name
                )
            )
        self.env["ar.escalation.pending"]._ar_mark(self.invoice_ids)
        return True
