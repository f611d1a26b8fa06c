# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's segments: from its payment behaviour, and by rule."""

from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_segment_id = fields.Many2one(
        "ar.escalation.segment", "Behaviour segment", readonly=True, copy=False, index=True
    )
    ar_rule_segment_id = fields.Many2one(
        "ar.escalation.segment", "Rule segment", readonly=True, copy=False, index=True
    )
