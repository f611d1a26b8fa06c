# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_sms_window_start = fields.Float(
        "SMS allowed from",
        default=8.0,
        help="Local time in the customer's time zone from which escalation SMS may be sent.",
    )
    ar_sms_window_end = fields.Float(
        "SMS allowed until",
        default=20.0,
        help="Local time in the customer's time zone after which escalation SMS wait for the next day.",
    )
    ar_sms_max_segments = fields.Integer(
        "Warn past SMS segments",
        default=2,
        help="SMS templates longer than this many segments show a warning.",
    )
