# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ArEscalationStage(models.Model):
    _inherit = "ar.escalation.stage"

    sms_template_id = fields.Many2one(
        "sms.template",
        "SMS template",
        domain=[("model", "=", "ar.escalation.case")],
        help="The text sent by SMS or WhatsApp at this stage, rendered per customer.",
    )
