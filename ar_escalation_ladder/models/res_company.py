# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_escalation_enabled = fields.Boolean("AR escalation", default=True)
    ar_operator_user_id = fields.Many2one("res.users", "AR operator")
    ar_lead_user_id = fields.Many2one("res.users", "AR lead")
    ar_finance_lead_user_id = fields.Many2one("res.users", "Finance lead")
    ar_cfo_user_id = fields.Many2one("res.users", "CFO")
    ar_promise_grace_days = fields.Integer("Promise grace (days)", default=3)
    ar_hygiene_require_email = fields.Boolean("Require a billing email before dunning", default=True)
    ar_hygiene_require_ref = fields.Boolean(
        "Require the customer reference where the customer asks for one", default=True
    )
    ar_late_payer_days = fields.Float("Late payer threshold (avg days late)", default=10)
    ar_worsening_days = fields.Float("Worsening trend threshold (days)", default=5)
