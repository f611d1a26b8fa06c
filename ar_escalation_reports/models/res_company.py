# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_digest_user_ids = fields.Many2many(
        "res.users",
        "ar_escalation_digest_user_rel",
        "company_id",
        "user_id",
        "Weekly escalation digest to",
        help="Who receives the weekly escalation digest of this company. Nobody: no digest.",
    )
