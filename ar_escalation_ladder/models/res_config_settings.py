# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_escalation_enabled = fields.Boolean(related="company_id.ar_escalation_enabled", readonly=False)
    ar_operator_user_id = fields.Many2one(related="company_id.ar_operator_user_id", readonly=False)
    ar_lead_user_id = fields.Many2one(related="company_id.ar_lead_user_id", readonly=False)
    ar_finance_lead_user_id = fields.Many2one(related="company_id.ar_finance_lead_user_id", readonly=False)
    ar_cfo_user_id = fields.Many2one(related="company_id.ar_cfo_user_id", readonly=False)
    ar_promise_grace_days = fields.Integer(related="company_id.ar_promise_grace_days", readonly=False)
    ar_hygiene_require_email = fields.Boolean(related="company_id.ar_hygiene_require_email", readonly=False)
    ar_hygiene_require_ref = fields.Boolean(related="company_id.ar_hygiene_require_ref", readonly=False)
    ar_late_payer_days = fields.Float(related="company_id.ar_late_payer_days", readonly=False)
    ar_worsening_days = fields.Float(related="company_id.ar_worsening_days", readonly=False)
