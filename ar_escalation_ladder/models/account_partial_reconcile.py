# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        partials._ar_touch_invoices()
        return partials

    def unlink(self):
        moves = self._ar_invoices()
        result = super().unlink()
        moves.exists()._ar_payment_changed()
        return result

    def _ar_invoices(self):
        moves = (self.debit_move_id | self.credit_move_id).move_id
        return moves.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")

    def _ar_touch_invoices(self):
        self._ar_invoices()._ar_payment_changed()


class AccountMove(models.Model):
    _inherit = "account.move"

    def _ar_payment_changed(self):
        """A payment or credit note changed what is open: settle promises, re-evaluate now."""
        moves = self._ar_escalation_scope()
        if not moves or self.env.context.get("ar_no_reevaluate"):
            return
        moves.flush_recordset()
        today = fields.Date.context_today(self)
        promises = moves.ar_promise_ids.filtered(lambda p: p.state == "open")
        if promises:
            promises._ar_settle_and_log(today)
        moves._ar_customer_responded()
        self.env["ar.escalation.runner"]._ar_process_safely(moves)
