# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare


class ArEscalationPromiseWizard(models.TransientModel):
    _name = "ar.escalation.promise.wizard"
    _description = "Log a promise to pay"

    move_id = fields.Many2one("account.move", "Invoice", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    residual = fields.Monetary(related="move_id.amount_residual", string="Open amount")
    date = fields.Date("Promised date", required=True, default=fields.Date.context_today)
    amount = fields.Monetary(required=True, currency_field="currency_id")
    contact_id = fields.Many2one(
        "res.partner", "Promised by", domain="['|', ('id', '=', partner_id), ('parent_id', '=', partner_id)]"
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id")
    confidence = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], default="medium", required=True
    )
    note = fields.Text()

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        move = self.env["account.move"].browse(values.get("move_id") or self.env.context.get("active_id"))
        if move:
            values.setdefault("move_id", move.id)
            values.setdefault("amount", move.amount_residual)
        return values

    def action_confirm(self):
        self.ensure_one()
        today = fields.Date.context_today(self)
        if self.date < today:
            raise UserError(self.env._("The promised date cannot be in the past."))
        rounding = self.currency_id.rounding
        if float_compare(self.amount, 0.0, precision_rounding=rounding) <= 0:
            raise UserError(self.env._("The promised amount must be positive."))
        if float_compare(self.amount, self.residual, precision_rounding=rounding) > 0:
            raise UserError(
                self.env._(
                    "The promised amount cannot exceed what is open on the invoice (%s).", self.residual
                )
            )
        self.move_id._ar_log_promise(
            [(self.date, self.amount)], contact=self.contact_id, confidence=self.confidence, note=self.note
        )
        return {"type": "ir.actions.act_window_close"}
