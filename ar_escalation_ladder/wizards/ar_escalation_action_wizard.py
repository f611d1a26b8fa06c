# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError

from ..models.ar_escalation_event import DISPOSITIONS


class ArEscalationActionWizard(models.TransientModel):
    """Pause, override the stage of, or close the escalation of invoices."""

    _name = "ar.escalation.action.wizard"
    _description = "AR escalation: pause, override or close"

    action = fields.Selection(
        [("pause", "Pause"), ("override", "Override stage"), ("close", "Close the case")],
        required=True,
        default="pause",
    )
    move_ids = fields.Many2many(
        "account.move", string="Invoices", default=lambda self: self.env.context.get("active_ids")
    )
    until = fields.Date("Paused until")
    stage_id = fields.Many2one("ar.escalation.stage", "New stage")
    disposition = fields.Selection(DISPOSITIONS)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required."))
        moves = self.move_ids
        if not moves:
            raise UserError(self.env._("Choose the invoices."))
        if self.action == "pause":
            if not self.until or self.until <= fields.Date.context_today(self):
                raise UserError(self.env._("Pause until a date in the future."))
            moves._ar_pause(self.until, reason)
        elif self.action == "override":
            if not self.env.user.has_group("ar_escalation_ladder.group_ar_manager"):
                raise UserError(self.env._("Only an AR manager can override a stage."))
            if not self.stage_id:
                raise UserError(self.env._("Choose the stage."))
            moves._ar_override(self.stage_id, reason)
        else:
            if not self.disposition:
                raise UserError(self.env._("Choose how the case closes."))
            # refused as Paid while money is open; recorded as the user's
            moves._ar_close_by_hand(self.disposition, reason)
        return {"type": "ir.actions.act_window_close"}
