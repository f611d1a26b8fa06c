# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Texts through queue_job: a send job of their own on the ladder's delivery channel.

Needs queue_job installed in the test database (the ecosystem suite of
``setup/test.sh``); elsewhere the class is skipped, saying so.
"""

import unittest

from odoo.tests import tagged

from odoo.addons.ar_escalation_ladder.tests.test_queue_job import (
    NO_QUEUE_JOB,
    queue_job_installed,
    trapped_jobs,
)

from .common import ArSmsCommon


@tagged("post_install", "-at_install", "ar_queue_job")
class TestSmsQueueJob(ArSmsCommon):
    @classmethod
    def setUpClass(cls):
        if not queue_job_installed():
            raise unittest.SkipTest(NO_QUEUE_JOB)
        super().setUpClass()
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("ar_escalation.queue_job", "True")
        params.set_param("ar_escalation.queue_channel", "root.ar_test")

    def test_the_sweep_texts_through_a_send_job_on_the_delivery_channel_once(self):
        self._use_provider("webhook")
        self.stage2.channel = "sms"
        invoice = self._invoice(self.customer_fr, 1000, 20)
        with trapped_jobs() as trap:
            while self.runner._cron_run(batch_size=10):
                pass
            trap.perform_enqueued_jobs()  # the batch
            trap.perform_enqueued_jobs()  # its messages: the text is queued
            sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
            self.assertEqual(len(sms), 1)
            self.assertFalse(self.provider.delivered(), "queued, not sent yet")
            trap.assert_jobs_count(1, only=sms._ar_job_send)
            self.assertEqual(trap.enqueued_jobs[0].channel, "root.ar_test.delivery")
            send = trap.enqueued_jobs[0]
            trap.perform_enqueued_jobs()
            self.env.flush_all()
            self.assertEqual(sms.state, "pending", "accepted by the provider")
            self.assertEqual(len(self.provider.delivered()), 1)
            send.perform()  # queue_job runs it again (a requeue): nothing resent
            self.queue._cron_send()  # nor by the queue's own scheduled action
        self.assertEqual(len(self.provider.delivered()), 1)
        self.assertEqual(len(self._events(invoice, "external")), 1)
