# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import format_amount, format_date


class ArEscalationCase(models.Model):
    _inherit = "ar.escalation.case"

    ar_sms_invoice_text = fields.Char(
        compute="_compute_ar_sms_texts",
        help="For SMS templates: the invoices of the message with amount and due date, in one line.",
    )
    ar_sms_amount_text = fields.Char(
        compute="_compute_ar_sms_texts", help="For SMS templates: the total due."
    )
    ar_sms_portal_url = fields.Char(
        compute="_compute_ar_sms_texts", help="For SMS templates: the customer's link to pay or answer."
    )

    @api.depends_context("ar_invoice_map")
    def _compute_ar_sms_texts(self):
        for case in self:
            invoices = case.message_invoice_ids
            parts = []
            for inv in invoices[:3]:
                amount = format_amount(self.env, abs(inv.amount_residual), inv.currency_id)
                parts.append(f"{inv.name} {amount} due {format_date(self.env, inv.invoice_date_due)}")
            if len(invoices) > 3:
                parts.append(self.env._("+%s more", len(invoices) - 3))
            case.ar_sms_invoice_text = "; ".join(parts)
            case.ar_sms_amount_text = format_amount(
                self.env, sum(abs(inv.amount_residual_signed) for inv in invoices), case.company_currency_id
            )
            if len(invoices) == 1:
                case.ar_sms_portal_url = invoices.get_base_url() + invoices.get_portal_url()
            else:
                case.ar_sms_portal_url = f"{case.get_base_url()}/my/invoices"
