# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Escalation events pushed to a CRM: a real receiver on 127.0.0.1 checks every signature."""

import unittest
from datetime import timedelta
from urllib.parse import urlsplit

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged
from odoo.tests.common import _super_send

from .common import ArEscalationCommon
from .test_queue_job import NO_QUEUE_JOB, queue_job_installed, trapped_jobs
from .webhook_receiver import Receiver

SECRET = "s3cret-shared-with-the-crm"


@tagged("post_install", "-at_install")
class TestWebhooks(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls._user("ar_webhook_admin", "base.group_user,base.group_system")
        cls.manager = cls._user(
            "ar_webhook_manager",
            "base.group_user,account.group_account_manager,ar_escalation_ladder.group_ar_manager",
        )
        cls.Delivery = cls.env["ar.escalation.webhook.delivery"]
        cls.move = cls._invoice(cls._customer("Gamma CRM Ltd", ref="CRM-0042"), 1500.0, days_overdue=12)

    @classmethod
    def _request_handler(cls, session, request, /, **kw):
        """Core's test guard, except that the receiver on 127.0.0.1 keeps the subscription's timeout.

        (Core raises any timeout under 10 s to 10 s in tests; the timeout test needs its own.)
        """
        if urlsplit(request.url).hostname == "127.0.0.1":
            return _super_send(session, request, **kw)
        return super()._request_handler(session, request, **kw)

    def setUp(self):
        super().setUp()
        self.receiver = Receiver(SECRET).start()
        self.addCleanup(self.receiver.stop)

    # -- helpers ----------------------------------------------------------
    def _subscribe(self, kinds=("promise", "stage"), secret=SECRET, activate=True, **vals):
        """A subscription as an administrator makes it on its form."""
        form = Form(self.env["ar.escalation.webhook"].with_user(self.admin))
        form.name = vals.pop("name", "Sales CRM")
        form.url = vals.pop("url", self.receiver.url)
        for code in kinds:
            form.kind_ids.add(self.env.ref(f"ar_escalation_ladder.webhook_kind_{code}"))
        form.secret_input = secret
        for name, value in vals.items():
            setattr(form, name, value)
        webhook = form.save()
        if activate:
            webhook.action_activate()
        return webhook

    def _record(self, kind="promise", move=None, count=1):
        move = move or self.move
        Event = self.env["ar.escalation.event"]
        vals = [
            Event._prepare_event_vals(move, kind, move.ar_stage_id, "test", cycle=i, owner_id=self.user_am.id)
            for i in range(count)
        ]
        return Event._ar_log(vals, post=False)

    def _deliveries(self, events):
        return self.Delivery.search([("event_id", "in", events.ids)], order="id")

    def _send(self):
        """The scheduled action, until nothing due is left."""
        while self.Delivery._cron_send():
            pass
        self.env.invalidate_all()

    def _time_passes(self, deliveries):
        """Their next attempt falls due (as the backoff's wait would have ended)."""
        deliveries.write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})

    def _key(self, delivery):
        return delivery.idempotency_key

    # -- tests ------------------------------------------------------------
    def test_receiver_down_then_back_gets_each_event_once(self):
        self._subscribe()
        events = self._record(count=3)
        deliveries = self._deliveries(events)
        self.assertEqual(len(deliveries), 3, "each event is queued with it, in its transaction")
        self.receiver.stop()
        self._send()
        self.assertEqual(set(deliveries.mapped("state")), {"pending"})
        self.assertIn("unreachable", deliveries[0].last_error)
        self.assertGreater(deliveries[0].next_attempt_at, fields.Datetime.now(), "retried later (backoff)")
        self.receiver.start()
        self._time_passes(deliveries)
        self._send()
        self._send()  # nothing due is sent again
        self.assertEqual(set(deliveries.mapped("state")), {"sent"})
        self.assertEqual(self.receiver.stored_events(), sorted(events.ids))
        self.assertEqual(set(self.receiver.received.values()), {1}, "each event reached the receiver once")
        self.assertEqual(self.receiver.rejected, 0, "every signature checked out")

    def test_forged_secret_is_rejected_by_the_receivers_check(self):
        self._subscribe(secret="not-the-crms-secret")
        delivery = self._deliveries(self._record())
        self._send()
        self.assertEqual(self.receiver.rejected, 1)
        self.assertEqual(self.receiver.stored, {}, "nothing forged is stored")
        self.assertEqual(delivery.state, "failed", "a 401 is not retried")
        self.assertEqual(delivery.last_status, 401)
        self.assertIn("Refused by the receiver with HTTP 401", delivery.last_error)

    def test_server_error_then_success(self):
        self._subscribe()
        delivery = self._deliveries(self._record())
        self.receiver.plan = [503]
        self._send()
        self.assertEqual((delivery.state, delivery.last_status, delivery.attempts), ("pending", 503, 1))
        self.assertIn("HTTP 503", delivery.last_error)
        self._time_passes(delivery)
        self._send()
        self.assertEqual((delivery.state, delivery.attempts), ("sent", 2))
        self.assertTrue(delivery.sent_at)
        self.assertEqual(list(self.receiver.received.values()), [2])
        self.assertEqual(len(self.receiver.stored), 1)

    def test_too_many_requests_waits_as_the_receiver_asks(self):
        self._subscribe()
        delivery = self._deliveries(self._record())
        self.receiver.plan = [429]
        before = fields.Datetime.now()
        self._send()
        self.assertEqual((delivery.state, delivery.last_status), ("pending", 429))
        self.assertGreaterEqual(delivery.next_attempt_at, before + timedelta(seconds=119), "Retry-After: 120")
        self.assertIn("asked to wait 120 s", delivery.last_error)

    def test_timeout_after_the_receiver_stored_it_repeat_is_dropped(self):
        self._subscribe(timeout=0.5)
        delivery = self._deliveries(self._record())
        self.receiver.plan = [("slow", 1.5)]
        self._send()
        self.assertEqual(delivery.state, "pending", "no answer in time: tried again later")
        self.assertEqual(delivery.last_status, 0)
        self.assertIn("No answer within the timeout", delivery.last_error)
        self._time_passes(delivery)
        self._send()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(self.receiver.received, {self._key(delivery): 2}, "the same key both times")
        self.assertEqual(self.receiver.repeats, 1, "the receiver dropped the repeat by its key")
        self.assertEqual(len(self.receiver.stored), 1)

    def test_client_error_fails_at_once_with_its_reason(self):
        self._subscribe()
        delivery = self._deliveries(self._record())
        self.receiver.plan = [422]
        self._send()
        self.assertEqual((delivery.state, delivery.attempts, delivery.last_status), ("failed", 1, 422))
        self.assertIn("HTTP 422: planned failure. Not retried", delivery.last_error)
        self.assertFalse(delivery.next_attempt_at)
        failed = self.Delivery.with_user(self.admin).search([("state", "in", ("failed", "given_up"))])
        self.assertIn(delivery, failed, "the log's Failed filter lists it")

    def test_gives_up_after_the_configured_time(self):
        webhook = self._subscribe(give_up_hours=2)
        delivery = self._deliveries(self._record())
        self.assertAlmostEqual(
            delivery.give_up_at, delivery.create_date + timedelta(hours=2), delta=timedelta(seconds=5)
        )
        self.receiver.plan = [503, 503]
        self._send()
        self.assertEqual(delivery.state, "pending")
        self.assertLessEqual(
            delivery.next_attempt_at, delivery.give_up_at, "never retried past the give-up time"
        )
        delivery.write({"give_up_at": fields.Datetime.now() - timedelta(minutes=1)})  # two hours later
        self._time_passes(delivery)
        self._send()
        self.assertEqual((delivery.state, delivery.attempts), ("given_up", 2))
        self.assertIn("Given up after 2 attempts: HTTP 503", delivery.last_error)
        self.assertEqual(webhook.failed_count, 1)
        self.assertEqual(self.receiver.stored, {})

    def test_retry_button_sends_a_failed_delivery_again(self):
        self._subscribe()
        delivery = self._deliveries(self._record())
        self.receiver.plan = [400]
        self._send()
        self.assertEqual(delivery.state, "failed")
        delivery.with_user(self.admin).action_retry()
        self.assertEqual(delivery.state, "pending")
        self.assertGreater(delivery.give_up_at, fields.Datetime.now(), "a new give-up time")
        self._send()
        self.assertEqual(delivery.state, "sent")
        self.assertEqual(list(self.receiver.received.values()), [2], "the same idempotency key again")
        self.assertEqual(len(self.receiver.stored), 1)

    def test_only_subscribed_kinds_of_its_company_after_activation(self):
        before = self._record("dispute")
        webhook = self._subscribe(kinds=("dispute",), activate=False)
        unsent = self._record("dispute", count=1)
        self.assertFalse(self._deliveries(before | unsent), "nothing is queued before activation")
        webhook.action_activate()
        dispute = self._record("dispute")
        promise = self._record("promise")
        other = self.setup_other_company(name="Other Co")["company"]
        other_move = self._invoice(self._customer("Other customer"), company=other)
        foreign = self._record("dispute", move=other_move)
        self._send()
        self.assertEqual(self.receiver.stored_events(), dispute.ids, "only its kind, only its company")
        self.assertFalse(self._deliveries(promise | foreign))
        webhook.action_pause()
        paused = self._record("dispute")
        self.assertFalse(self._deliveries(paused), "a paused subscription takes no new events")

    def test_a_ladder_run_queues_its_stage_events_with_a_full_body(self):
        self._subscribe(kinds=("stage",))
        self._run(self.move)
        delivery = self.Delivery.search([("move_id", "=", self.move.id)])
        self.assertEqual(delivery.kind, "stage")
        self._send()
        body = self.receiver.stored[self._key(delivery)]
        self.assertEqual(body["event_id"], delivery.event_id.id)
        self.assertEqual(body["invoice"]["name"], self.move.name)
        self.assertEqual(body["invoice"]["amount_residual"], 1500.0)
        self.assertEqual(body["customer"]["reference"], "CRM-0042")
        self.assertEqual(body["stage"]["id"], self.move.ar_stage_id.id)
        self.assertEqual(body["owner"]["id"], self.move.ar_owner_id.id)
        self.assertEqual(body["company_currency"], self.company.currency_id.name)
        self.assertTrue(body["occurred_at"].endswith("Z"))

    def test_rolled_back_event_leaves_nothing_to_send(self):
        self._subscribe()
        with self.assertRaises(RuntimeError):  # Odoo's assertRaises rolls back what it wraps
            self._record()
            raise RuntimeError("the run fails after recording")
        self.assertFalse(self.Delivery.search([]), "the outbox row went with its event")

    def test_ar_manager_cannot_read_subscriptions_or_secrets(self):
        webhook = self._subscribe()
        self._record()
        with self.assertRaises(AccessError):
            self.env["ar.escalation.webhook"].with_user(self.manager).search_read([], ["name", "url"])
        with self.assertRaises(AccessError):
            webhook.with_user(self.manager).read(["secret"])
        with self.assertRaises(AccessError):
            self.Delivery.with_user(self.manager).search([])
        form = Form(webhook.with_user(self.admin))
        self.assertTrue(form.secret_set)
        self.assertFalse(form.secret_input, "the secret is not shown back on the form")
        self.assertNotIn("secret", form._view["fields"])


@tagged("post_install", "-at_install", "ar_queue_job")
class TestWebhooksQueueJob(TestWebhooks):
    """With queue_job and the ladder's queue setting on, the deliveries are jobs on the webhook channel.

    Every scenario of :class:`TestWebhooks` runs again through the jobs.
    """

    allow_inherited_tests_method = True

    @classmethod
    def setUpClass(cls):
        if not queue_job_installed():
            raise unittest.SkipTest(NO_QUEUE_JOB)
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param("ar_escalation.queue_job", "True")
        cls.env["ir.config_parameter"].sudo().set_param("ar_escalation.queue_channel", "root.ar_test")

    def setUp(self):
        super().setUp()
        # every job the test makes is trapped, also those a savepoint's precommit hooks enqueue
        self.trap = self.enterContext(trapped_jobs())

    def _send(self):
        """The scheduled action enqueues the due rows; the job runner runs them."""
        self.Delivery._cron_send()
        while self.trap.enqueued_jobs:
            for job in self.trap.enqueued_jobs:
                self.assertEqual(job.channel, "root.ar_test.webhook")
            self.trap.perform_enqueued_jobs()
        self.env.invalidate_all()

    def test_a_commit_enqueues_its_deliveries_and_a_job_run_twice_sends_nothing_twice(self):
        self._subscribe()
        events = self._record(count=3)
        self.Delivery._ar_dispatch()  # what the commit that recorded the events runs
        self.trap.assert_jobs_count(1, only=self.Delivery._ar_send_ids)
        job = self.trap.enqueued_jobs[0]
        self.trap.perform_enqueued_jobs()
        job.perform()  # queue_job runs a job again after a worker died in it
        self.assertEqual(self.receiver.stored_events(), sorted(events.ids))
        self.assertEqual(set(self.receiver.received.values()), {1}, "each event posted once")
        self.assertEqual(set(self._deliveries(events).mapped("state")), {"sent"})
