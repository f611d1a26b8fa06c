# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The sweep through OCA queue_job: jobs per batch, the same outcome, nothing twice.

:class:`TestQueueSettings` runs everywhere. :class:`TestQueueJobSweep` needs
queue_job installed in the test database: the ecosystem suite of
``setup/test.sh`` installs it (from PyPI); elsewhere it is skipped, saying so.
"""

import unittest
from contextlib import contextmanager
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.modules.registry import Registry
from odoo.tests import Form, tagged
from odoo.tests.common import get_db_name

from .common import ArEscalationCommon

NO_QUEUE_JOB = (
    "OCA queue_job is not installed in this database: the queue_job sweep is tested by the "
    "ecosystem suite of setup/test.sh, which installs it"
)


def queue_job_installed():
    return "queue.job" in Registry(get_db_name())


@contextmanager
def trapped_jobs():
    """queue_job's own ``trap_jobs`` (``odoo.addons.queue_job.tests.common``).

    That module registers its patcher in ``odoo.tests.common.SETATTR_SOURCES``,
    which Odoo 18 builds from before mid-2025 do not have (it only quiets a
    warning): an empty one stands in for it there.
    """
    from odoo.tests import common  # pylint: disable=import-outside-toplevel

    if not hasattr(common, "SETATTR_SOURCES"):
        common.SETATTR_SOURCES = {}
    # pylint: disable=import-outside-toplevel,odoo-addons-relative-import
    from odoo.addons.queue_job.tests.common import trap_jobs

    with trap_jobs() as trap:
        yield trap


@tagged("post_install", "-at_install", "ar_queue_job")
class TestQueueSettings(ArEscalationCommon):
    """The administrator's setting and the channel names, with or without queue_job."""

    def test_channels_are_named_under_the_setting(self):
        Queue = self.env["ar.escalation.queue"]
        self.assertEqual(Queue._ar_channel("sweep"), "root.ar_escalation.sweep")
        if Queue._ar_queue_available():
            settings = Form(self.env["res.config.settings"])
            settings.ar_queue_job = True
            settings.ar_queue_channel = "root.collections"
            settings.save().execute()
        else:  # the setting is shown only where queue_job is installed: what it stores
            param = self.env["ir.config_parameter"].sudo()
            param.set_param("ar_escalation.queue_channel", "root.collections")
        self.assertEqual(Queue._ar_channel("delivery"), "root.collections.delivery")
        self.assertEqual(Queue._ar_channel("webhook"), "root.collections.webhook")
        with self.assertRaises(ValueError):
            Queue._ar_channel("anything")

    def test_a_channel_outside_root_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"ar_queue_channel": "collections fast"})

    def test_without_queue_job_the_scheduled_action_runs_the_batch_itself(self):
        if queue_job_installed():
            self.skipTest("queue_job is installed here: TestQueueJobSweep covers the sweep")
        self.env["ir.config_parameter"].sudo().set_param("ar_escalation.queue_job", "True")
        self.assertFalse(self.env["ar.escalation.queue"]._ar_queue_available())
        queue = self.env["ar.escalation.queue"]
        self.assertFalse(queue._ar_queue_enabled(), "the setting alone is not enough")
        move = self._invoice(self.customer, 100, 20)
        self.runner._cron_run()
        self.assertEqual(move.ar_stage_id, self.stage2, "evaluated by the scheduled action, as before")
        self.assertEqual(len(self._events(move, "external")), 1)


@tagged("post_install", "-at_install", "ar_queue_job")
class TestQueueJobSweep(ArEscalationCommon):
    """With queue_job and the setting on, the sweep's batches and messages are jobs."""

    @classmethod
    def setUpClass(cls):
        if not queue_job_installed():
            raise unittest.SkipTest(NO_QUEUE_JOB)
        super().setUpClass()
        cls.customer_c = cls._customer("Gamma Standard", "standard", "ap@gamma.example.com")
        cls.env["ir.config_parameter"].sudo().set_param("ar_escalation.queue_job", "True")
        cls.env["ir.config_parameter"].sudo().set_param("ar_escalation.queue_channel", "root.ar_test")
        cls.Queue = cls.env["ar.escalation.queue"]

    def _book(self):
        """Three customers, the first with two invoices: batches of two take it alone."""
        return [
            self._invoice(self.customer, 1000, 20),
            self._invoice(self.customer, 800, 45),
            self._invoice(self.customer_b, 500, 10),
            self._invoice(self.customer_c, 300, 70),
        ]

    def _sweep(self, batch_size=2):
        calls = 0
        while self.runner._cron_run(batch_size=batch_size):
            calls += 1
        return calls

    def _seen(self, moves):
        """What a user sees: each invoice's stage, events, contact and chatter, each customer's emails."""
        self.env.flush_all()
        self.env.invalidate_all()
        invoices = [
            (
                move.ar_stage_id.name,
                sorted(self._events(move).mapped("kind")),
                move.ar_contact_attempts,
                move.ar_last_contact_channel,
                len(move.message_ids),
            )
            for move in moves
        ]
        customers = (self.customer, self.customer_b, self.customer_c)
        mails = [len(self._customer_mails(partner)) for partner in customers]
        return invoices, mails

    def _cron_outcome(self, moves):
        """The scheduled action's outcome on the same book, rolled back afterwards."""
        param = self.env["ir.config_parameter"].sudo()
        savepoint = self.env.cr.savepoint()
        param.set_param("ar_escalation.queue_job", False)
        self._sweep()
        outcome = self._seen(moves)
        savepoint.close()  # rolled back: the queue_job path starts from the same book
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        self.assertTrue(self.Queue._ar_queue_enabled(), "the setting is back on")
        return outcome

    def test_each_batch_is_a_job_on_the_sweep_channel_with_the_cron_path_outcome(self):
        moves = self._book()
        expected = self._cron_outcome(moves)
        self.assertEqual(expected[1], [1, 1, 1], "the scheduled action sent each customer one email")
        with trapped_jobs() as trap:
            self._sweep()
            self.assertFalse(moves[0].ar_stage_id, "nothing evaluated in the scheduled action's thread")
            trap.assert_jobs_count(2, only=self.Queue._ar_job_sweep)
            today = str(self.today)
            trap.assert_enqueued_job(
                self.Queue._ar_job_sweep,
                args=(sorted([moves[0].id, moves[1].id]), today),
                properties={"channel": "root.ar_test.sweep"},
            )
            trap.assert_enqueued_job(
                self.Queue._ar_job_sweep,
                args=(sorted([moves[2].id, moves[3].id]), today),
                properties={"channel": "root.ar_test.sweep"},
            )
            trap.perform_enqueued_jobs()
            self.assertEqual(moves[0].ar_stage_id, self.stage2, "the job evaluated the batch")
            self.assertEqual(self._seen(moves)[1], [0, 0, 0], "the messages wait for their own job")
            trap.assert_jobs_count(2, only=self.Queue._ar_job_deliver)
            for job in trap.enqueued_jobs:
                self.assertEqual(job.channel, "root.ar_test.delivery")
            trap.perform_enqueued_jobs()
        self.assertEqual(self._seen(moves), expected)

    def test_a_job_run_again_or_enqueued_again_sends_nothing_twice(self):
        moves = self._book()
        with trapped_jobs() as trap:
            self._sweep()
            sweeps = list(trap.enqueued_jobs)
            trap.perform_enqueued_jobs()
            deliveries = list(trap.enqueued_jobs)
            trap.perform_enqueued_jobs()
            done = self._seen(moves)
            # queue_job runs a job again after a worker died in it, or when a user requeues it
            for job in sweeps + deliveries:
                job.perform()
            trap.perform_enqueued_jobs()
        self.assertEqual(self._seen(moves), done, "no event, message or contact counted twice")
        self.assertEqual(done[1], [1, 1, 1])

    def test_a_batch_waiting_in_the_queue_is_not_enqueued_twice(self):
        moves = self._book()
        ids = [moves[2].id, moves[3].id]
        Job = self.env["queue.job"].sudo()  # sudo: the job queue is its managers', not an AR user's
        before = Job.search_count([])
        self.Queue._ar_enqueue_sweep(ids, self.today)
        self.Queue._ar_enqueue_sweep(list(reversed(ids)), self.today)
        self.assertEqual(Job.search_count([]) - before, 1, "the identity key keeps one job per batch")
        job = Job.search([], order="id desc", limit=1)
        self.assertEqual((job.channel, job.state), ("root.ar_test.sweep", "pending"))

    def test_a_failing_record_is_on_its_invoice_and_the_others_proceed(self):
        moves = self._book()
        bad = moves[2]
        facts_model = type(self.env["ar.escalation.facts"])
        original = facts_model._ar_hygiene_blockers

        def explode(facts, move, company, row=None):
            if move == bad:
                raise ValueError("corrupt partner data")
            return original(facts, move, company, row)

        with trapped_jobs() as trap, patch.object(facts_model, "_ar_hygiene_blockers", explode):
            self._sweep()
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        self.assertIn("corrupt partner data", bad.ar_error)
        self.assertEqual(self._events(bad).mapped("kind"), ["error"])
        self.assertEqual(moves[3].ar_stage_id, self.stage4, "the same batch's other customer proceeds")
        self.assertEqual(self._seen(moves)[1], [1, 0, 1])

    def test_a_message_that_fails_in_its_job_is_on_its_invoices(self):
        moves = self._book()
        self.stage4.mail_template_id.body_html = "<p><t t-out='object.no_such_field'/></p>"
        with trapped_jobs() as trap:
            self._sweep()
            trap.perform_enqueued_jobs()
            trap.perform_enqueued_jobs()
        self.env.invalidate_all()
        failed = moves[3]
        self.assertEqual(failed.ar_stage_id, self.stage4, "the stage change stands")
        self.assertIn("Message to the customer at", self._events(failed, "error").reason)
        self.assertEqual(failed.ar_contact_attempts, 0, "no message went out: none counted")
        self.assertEqual(moves[2].ar_contact_attempts, 1, "the batch's other customer got its message")

    def _perform(self, record):
        """Run a stored job as queue_job's runner does: started, performed, done."""
        # pylint: disable=import-outside-toplevel,odoo-addons-relative-import
        from odoo.addons.queue_job.job import Job

        job = Job.load(self.env, record.uuid)
        job.set_started()
        job.store()
        job.perform()
        job.set_done()
        job.store()
        self.env.flush_all()
        self.env.invalidate_all()

    def test_the_run_ends_when_its_jobs_are_done(self):
        """Runs screen: running while its jobs wait, its count growing, ended by its closing job."""
        # pylint: disable=import-outside-toplevel,odoo-addons-relative-import
        from odoo.addons.queue_job.exception import RetryableJobError
        from odoo.addons.queue_job.job import Job as QueuedJob

        self._book()
        self._sweep()  # not trapped: the jobs are stored, as the job runner finds them
        Run, Job = self.env["ar.escalation.run"], self.env["queue.job"].sudo()
        run = Run.search([("date", "=", self.today)])
        self.assertEqual(run.total, 4)
        self.assertEqual((run.queued, run.evaluated_count, run.state), (4, 0, "running"))
        self.assertTrue(run.queued_at, "every batch handed over")
        self.assertFalse(run.finished_at, "handed over is not ended")
        self.assertEqual(run.job_waiting_count, 2, "two sweep jobs wait")
        close = Job.search([("method_name", "=", "_ar_job_close_run")])
        self.assertEqual(len(close), 1, "one closing job")
        with self.assertRaises(RetryableJobError):
            QueuedJob.load(self.env, close.uuid).perform()  # jobs wait: it comes back later

        def pending(method):
            return Job.search([("method_name", "=", method), ("state", "=", "pending")], order="id")

        self._perform(pending("_ar_job_sweep")[0])
        self.assertEqual((run.evaluated_count, run.progress), (2, 50.0), "the first batch's two of four")
        self.assertIn("2 of 4 invoices evaluated", Run.ar_board_status()["text"])
        self.assertEqual(run.job_waiting_count, 2, "a sweep job and the first one's delivery")
        while pending("_ar_job_sweep") or pending("_ar_job_deliver"):
            self._perform((pending("_ar_job_sweep") or pending("_ar_job_deliver"))[0])
        self.assertEqual(run.state, "running", "until the closing job has counted")
        self._perform(close)
        self.assertEqual((run.evaluated_count, run.state, run.progress), (4, "done", 100.0))
        self.assertEqual(run.evaluated, 4, "recorded on the run")
        self.assertTrue(run.finished_at)
        self.assertEqual(run.job_failed_count, 0)
        self.assertIn("Last run ended", Run.ar_board_status()["text"])
