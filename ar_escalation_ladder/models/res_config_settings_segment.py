# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Settings > AR Escalation: customer segments."""

from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_segment_min_size = fields.Integer(related="company_id.ar_segment_min_size", readonly=False)
    ar_segment_last_run_text = fields.Char(related="company_id.ar_segment_last_run_text")
