# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Settings > AR Escalation: the sweep through OCA queue_job (administrators: Settings is theirs)."""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .ar_escalation_queue import CHANNEL_RE, DEFAULT_CHANNEL, PARAM_CHANNEL, PARAM_ENABLED


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_queue_available = fields.Boolean("queue_job installed", compute="_compute_ar_queue_available")
    ar_queue_job = fields.Boolean(
        "Spread the work over queue_job workers",
        config_parameter=PARAM_ENABLED,
        help="With OCA queue_job installed, the daily sweep enqueues its batches (whole customers) "
        "and their messages as jobs that every Odoo server's job runner takes, instead of running "
        "them one after the other in the scheduled action.",
    )
    ar_queue_channel = fields.Char(
        "Job channel",
        config_parameter=PARAM_CHANNEL,
        default=DEFAULT_CHANNEL,
        help="The parent channel of the ladder's jobs: the sweep's batches go to <channel>.sweep, "
        "their messages to <channel>.delivery, webhooks to <channel>.webhook. Size them in the job "
        "runner's configuration (e.g. channels = root:4,root.ar_escalation:2).",
    )

    @api.depends("company_id")
    def _compute_ar_queue_available(self):
        available = self.env["ar.escalation.queue"]._ar_queue_available()
        for settings in self:
            settings.ar_queue_available = available

    @api.constrains("ar_queue_channel")
    def _check_ar_queue_channel(self):
        for settings in self:
            if settings.ar_queue_channel and not CHANNEL_RE.match(settings.ar_queue_channel.strip()):
                raise ValidationError(
                    self.env._(
                        "The job channel must be root or a channel under it, such as "
                        "root.ar_escalation (letters, digits, _ and - between the dots)."
                    )
                )
