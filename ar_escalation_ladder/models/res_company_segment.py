# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The company's segmentation settings and its last run."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_segment_min_size = fields.Integer(
        "Minimum segment size",
        default=10,
        help="A behaviour segment has at least this many customers; smaller groups join the nearest one.",
    )
    ar_segment_last_run = fields.Json("Last segmentation", readonly=True, copy=False)
    ar_segment_last_run_text = fields.Char(
        "Last segmentation run", compute="_compute_ar_segment_last_run_text"
    )

    @api.depends("ar_segment_last_run")
    @api.depends_context("lang")
    def _compute_ar_segment_last_run_text(self):
        Segment = self.env["ar.escalation.segment"]
        for company in self:
            company.ar_segment_last_run_text = Segment._ar_summary_text(company, company.ar_segment_last_run)

    @api.constrains("ar_segment_min_size")
    def _check_ar_segment_min_size(self):
        if any(company.ar_segment_min_size < 2 for company in self):
            raise ValidationError(self.env._("A segment needs at least 2 customers."))
