# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re

from odoo import api, fields, models

from ..tools import segments

# a placeholder's rendered length is unknown: it counts as this many characters
PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.S)


class SmsTemplate(models.Model):
    _inherit = "sms.template"

    ar_sms_length = fields.Integer("Characters", compute="_compute_ar_sms_segments")
    ar_sms_segments = fields.Integer("SMS segments", compute="_compute_ar_sms_segments")
    ar_sms_encoding = fields.Char("Encoding", compute="_compute_ar_sms_segments")
    ar_sms_too_long = fields.Boolean(compute="_compute_ar_sms_segments")
    ar_sms_max_segments = fields.Integer(compute="_compute_ar_sms_segments")

    @api.depends("body")
    @api.depends_context("company")
    def _compute_ar_sms_segments(self):
        limit = self.env.company.ar_sms_max_segments
        for template in self:
            # the fixed text only: placeholders are rendered per customer
            count = segments.count(PLACEHOLDER.sub("", template.body or ""))
            template.ar_sms_length = count.length
            template.ar_sms_segments = count.segments
            template.ar_sms_encoding = count.encoding
            template.ar_sms_max_segments = limit
            template.ar_sms_too_long = bool(limit) and count.segments > limit
