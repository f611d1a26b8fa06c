# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError


class ArEscalationReopenWizard(models.TransientModel):
    """Reopen a case closed off the ladder (agency, legal, written off), with a reason."""

    _name = "ar.escalation.reopen.wizard"
    _description = "AR escalation: reopen a closed case"

    move_ids = fields.Many2many(
        "account.move", string="Invoices", default=lambda self: self.env.context.get("active_ids")
    )
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        # the dialog is an AR manager's (ir.model.access); said again in words for a direct call
        if not self.env.user.has_group("ar_escalation_ladder.group_ar_manager"):
            raise UserError(self.env._("Only an AR manager can reopen a closed case."))
        if not (self.reason or "").strip():
            raise UserError(self.env._("A reason is required."))
        if not self.move_ids:
            raise UserError(self.env._("Choose the invoices."))
        self.move_ids._ar_reopen(self.reason)
        return {"type": "ir.actions.act_window_close"}
