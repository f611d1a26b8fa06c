# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


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
