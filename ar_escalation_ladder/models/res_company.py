# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize


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
    ar_reply_to = fields.Selection(
        [
            ("catchall", "The company's catchall address (replies land on the case)"),
            ("owner", "The case owner's email"),
            ("address", "A given address"),
        ],
        "Replies go to",
        default="catchall",
        required=True,
        help="Reply-To of the customer messages. The catchall address lets Odoo's mail gateway put "
        "the customer's reply on the escalation case, notify its owner and count it as a response. "
        "Without an alias domain (or an address), replies go to the case owner, else to the "
        "company's email.",
    )
    ar_reply_to_address = fields.Char(
        "Reply address", help="Where customers' replies go when 'Replies go to' is 'A given address'."
    )
    # what a customer may promise from the portal (security: a promise of 0.01
    # dated years ahead would silence the reminders of an invoice for good)
    ar_portal_promise_horizon_days = fields.Integer(
        "Portal promises up to (days ahead)",
        default=90,
        help="A customer can commit on the portal to pay within this many days, not later.",
    )
    ar_portal_promise_min_percent = fields.Float(
        "Portal promises cover at least (%)",
        default=10.0,
        help="Share of the invoice's open amount a promise made on the portal must cover at least.",
    )

    @api.constrains("ar_portal_promise_horizon_days", "ar_portal_promise_min_percent")
    def _check_ar_portal_promise_bounds(self):
        for company in self:
            if not 1 <= company.ar_portal_promise_horizon_days <= 3650:
                raise ValidationError(self.env._("Portal promises: the horizon is 1 to 3650 days."))
            if not 0 <= company.ar_portal_promise_min_percent <= 100:
                raise ValidationError(self.env._("Portal promises: the share to cover is 0 to 100 %."))

    @api.constrains("ar_reply_to", "ar_reply_to_address")
    def _check_ar_reply_to_address(self):
        for company in self:
            # an empty address falls back to the catchall; a wrong one is refused
            if company.ar_reply_to_address and not email_normalize(company.ar_reply_to_address):
                raise ValidationError(
                    self.env._(
                        "Replies of %(company)s's customers: “%(address)s” is not a valid email address.",
                        company=company.name,
                        address=company.ar_reply_to_address or "",
                    )
                )
