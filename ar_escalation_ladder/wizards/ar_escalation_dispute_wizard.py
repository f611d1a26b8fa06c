# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..models.ar_escalation_dispute import DISPUTE_CODES


class ArEscalationDisputeWizard(models.TransientModel):
    _name = "ar.escalation.dispute.wizard"
    _description = "Log or resolve a dispute"

    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, default=lambda self: self.env.context.get("active_id")
    )
    mode = fields.Selection([("log", "Log"), ("resolve", "Resolve")], default="log", required=True)
    code = fields.Selection(DISPUTE_CODES)
    note = fields.Text(required=True, help="What is wrong (or, to resolve: what was done).")

    def action_confirm(self):
        self.ensure_one()
        note = (self.note or "").strip()
        if not note:
            raise UserError(self.env._("Say what is wrong, or what was done, in the note."))
        if self.mode == "resolve":
            if self.move_id.ar_dispute_state != "open":
                raise UserError(self.env._("%s has no open dispute.", self.move_id.name))
            self.move_id._ar_resolve_disputes(note)
        else:
            if not self.code:
                raise UserError(self.env._("Choose what the dispute is about."))
            self.move_id._ar_log_dispute(self.code, note)
        return {"type": "ir.actions.act_window_close"}
