# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class ArEscalationPromiseWizard(models.TransientModel):
    """*Log a promise to pay*: one dated amount, or a plan of instalments.

    From one invoice the dialog takes instalments (dates and amounts summing
    to at most what is open); from a selection of invoices (the list's
    *Action* menu) it takes one date, and each invoice is promised in full.
    """

    _name = "ar.escalation.promise.wizard"
    _description = "Log a promise to pay"

    move_id = fields.Many2one("account.move", "Invoice")
    move_ids = fields.Many2many("account.move", string="Invoices")
    is_bulk = fields.Boolean(compute="_compute_is_bulk")
    currency_id = fields.Many2one(related="move_id.currency_id")
    residual = fields.Monetary(related="move_id.amount_residual", string="Open amount")
    line_ids = fields.One2many("ar.escalation.promise.wizard.line", "wizard_id", "Instalments")
    total = fields.Monetary("Total promised", compute="_compute_total", currency_field="currency_id")
    date = fields.Date(
        "Promised date", help="From a selection: the date every invoice is promised by, in full."
    )
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
        ctx = self.env.context
        Move = self.env["account.move"]
        if not values.get("move_id") and not values.get("move_ids"):
            ids = ctx.get("active_ids") if ctx.get("active_model", "account.move") == "account.move" else None
            ids = ids or ([ctx["active_id"]] if ctx.get("active_id") else [])
            if len(ids) == 1:
                values["move_id"] = ids[0]
            elif ids:
                values["move_ids"] = [Command.set(ids)]
        move = Move.browse(values.get("move_id"))
        if move:
            values.setdefault("move_ids", [Command.set(move.ids)])
            if "line_ids" in fields_list and not values.get("line_ids"):
                today = fields.Date.context_today(self)
                values["line_ids"] = [Command.create({"date": today, "amount": move.amount_residual})]
        elif values.get("move_ids"):
            values.setdefault("date", fields.Date.context_today(self) + timedelta(days=7))
        return values

    @api.depends("move_id")
    def _compute_is_bulk(self):
        for wizard in self:
            wizard.is_bulk = not wizard.move_id

    @api.depends("line_ids.amount")
    def _compute_total(self):
        for wizard in self:
            wizard.total = sum(wizard.line_ids.mapped("amount"))

    def _ar_refuse_lines(self, lines, move):
        """Refuse, in words, a plan the ladder would not keep: dates to come, amounts that fit."""
        today = fields.Date.context_today(self)
        currency = move.currency_id
        if not lines:
            raise UserError(self.env._("Give the promised date and amount."))
        if any(not date for date, __ in lines):
            raise UserError(self.env._("Each instalment needs its date."))
        if any(date < today for date, __ in lines):
            raise UserError(self.env._("The promised date cannot be in the past."))
        if any(currency.compare_amounts(amount, 0.0) <= 0 for __, amount in lines):
            raise UserError(self.env._("The promised amount must be positive."))
        if len({date for date, __ in lines}) != len(lines):
            raise UserError(self.env._("Two instalments fall on the same date: merge them into one."))
        total = sum(amount for __, amount in lines)
        if currency.compare_amounts(total, move.amount_residual) > 0:
            raise UserError(
                self.env._(
                    "The instalments add up to %(total)s, more than is open on %(invoice)s (%(open)s).",
                    total=currency.format(total),
                    invoice=move.name,
                    open=currency.format(move.amount_residual),
                )
                if len(lines) > 1
                else self.env._(
                    "The promised amount cannot exceed what is open on the invoice (%s).",
                    currency.format(move.amount_residual),
                )
            )

    def action_confirm(self):
        self.ensure_one()
        if self.move_id:
            lines = sorted((line.date, line.amount) for line in self.line_ids)
            self._ar_refuse_lines(lines, self.move_id)
            self.move_id._ar_log_promise(
                lines, contact=self.contact_id, confidence=self.confidence, note=self.note
            )
            return {"type": "ir.actions.act_window_close"}
        return self._ar_confirm_selection()

    def _ar_confirm_selection(self):
        """From a selection: each open customer invoice promised in full by the date, one by one."""
        moves = self.move_ids.filtered(
            lambda m: (
                m.move_type == "out_invoice"
                and m.state == "posted"
                and m.payment_state in ("not_paid", "partial")
            )
        )
        if not moves:
            raise UserError(self.env._("None of the selected invoices is an open customer invoice."))
        if not self.date or self.date < fields.Date.context_today(self):
            raise UserError(self.env._("The promised date cannot be in the past."))
        for move in moves:
            move._ar_log_promise(
                [(self.date, move.amount_residual)], confidence=self.confidence, note=self.note
            )
        skipped = self.move_ids - moves
        lines = [
            self.env._(
                "Promise to pay by %(date)s logged on %(invoices)s.",
                date=format_date(self.env, self.date),
                invoices=", ".join(moves[:10].mapped("display_name")),
            )
        ]
        if skipped:
            lines.append(
                self.env._("Left alone, not open: %s", ", ".join(skipped[:10].mapped("display_name")))
            )
        return self.env["ar.escalation.everyday"]._ar_notify(self.env._("Log promise"), lines, in_dialog=True)


class ArEscalationPromiseWizardLine(models.TransientModel):
    _name = "ar.escalation.promise.wizard.line"
    _description = "Log a promise to pay: an instalment"
    _order = "date, id"

    wizard_id = fields.Many2one("ar.escalation.promise.wizard", required=True, ondelete="cascade")
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    amount = fields.Monetary(required=True, currency_field="currency_id")
