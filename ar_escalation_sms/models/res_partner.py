# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from ..tools import numbers


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_sms_number = fields.Char(
        "SMS number", compute="_compute_ar_sms_number", help="The mobile number escalation SMS go to (E.164)."
    )
    ar_sms_number_problem = fields.Char("SMS number problem", compute="_compute_ar_sms_number")

    @api.depends("mobile", "phone", "country_id", "commercial_partner_id.country_id")
    def _compute_ar_sms_number(self):
        for partner in self:
            raw = partner.mobile or partner.phone
            if not raw:
                partner.ar_sms_number = False
                partner.ar_sms_number_problem = False
                continue
            country = (
                partner.country_id or partner.commercial_partner_id.country_id or self.env.company.country_id
            )
            check = numbers.normalize(raw, country.code)
            if not check.ok and partner.mobile and partner.phone:
                alternative = numbers.normalize(partner.phone, country.code)
                check = alternative if alternative.ok else check
            partner.ar_sms_number = check.e164 or False
            partner.ar_sms_number_problem = (
                False
                if check.ok
                else self.env._(
                    "No SMS can go to %(number)s: %(problem)s.", number=raw, problem=check.problem
                )
            )
