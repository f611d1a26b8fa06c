# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.ar_escalation_dispute import DISPUTE_CODES, DISPUTE_OUTCOMES


class ArEscalationDisputeWizard(models.TransientModel):
    """*Log a dispute* and *Resolve a dispute*: two dialogs (views) of one wizard."""

    _name = "ar.escalation.dispute.wizard"
    _description = "Log or resolve a dispute"

    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, default=lambda self: self.env.context.get("active_id")
    )
    mode = fields.Selection([("log", "Log"), ("resolve", "Resolve")], default="log", required=True)
    code = fields.Selection(DISPUTE_CODES)
    open_dispute_id = fields.Many2one(
        "ar.escalation.dispute", "Dispute", compute="_compute_open_dispute", help="The open dispute resolved."
    )
    open_code = fields.Selection(string="About", related="open_dispute_id.code")
    open_note = fields.Text("The customer said", related="open_dispute_id.note")
    outcome = fields.Selection(DISPUTE_OUTCOMES, help="How the dispute ends.")
    note = fields.Text(required=True, help="What is wrong (or, to resolve: what was done).")

    @api.depends("move_id")
    def _compute_open_dispute(self):
        for wizard in self:
            wizard.open_dispute_id = wizard.move_id.ar_dispute_ids.filtered(lambda d: d.state == "open")[:1]

    def action_confirm(self):
        self.ensure_one()
        note = (self.note or "").strip()
        if not note:
            raise UserError(self.env._("Say what is wrong, or what was done, in the note."))
        if self.mode == "resolve":
            if self.move_id.ar_dispute_state != "open":
                raise UserError(self.env._("%s has no open dispute.", self.move_id.name))
            if not self.outcome:
                raise UserError(self.env._("Choose how the dispute ends."))
            self.move_id._ar_resolve_disputes(note, outcome=self.outcome)
        else:
            if not self.code:
                raise UserError(self.env._("Choose what the dispute is about."))
            self.move_id._ar_log_dispute(self.code, note)
        return {"type": "ir.actions.act_window_close"}
