# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Texts sent by a queue_job job of their own, where the ladder's work goes through queue_job.

The outbox rows are written as before (in the transaction that records their
events); a job on the ladder's delivery channel then sends them, each claimed
in a short transaction of its own (``ar_escalation_sms_send.py``), so that
the queue's cron and the job never send one message twice.
"""

from odoo import api, fields, models


class ArEscalationDelivery(models.AbstractModel):
    _inherit = "ar.escalation.delivery"

    @api.model
    def _ar_sms_queued(self, sms):
        """Hand the texts just queued to a job on the delivery channel (queue_job on)."""
        queue = self.env["ar.escalation.queue"]
        if sms and queue._ar_queue_enabled():
            sms.with_delay(
                channel=queue._ar_channel("delivery"),
                description=self.env._("AR escalation: send %s texts", len(sms)),
            )._ar_job_send()


class ArEscalationSms(models.Model):
    _inherit = "ar.escalation.sms"

    @api.model_create_multi
    def create(self, vals_list):
        queued = super().create(vals_list)
        self.env["ar.escalation.delivery"]._ar_sms_queued(queued)
        return queued

    def _ar_job_send(self):
        """Send these texts now (those still due: another sender may have taken some)."""
        texts = self.exists()
        texts._ar_send(fields.Datetime.now())
        return self.env._("%s texts handled", len(texts))
