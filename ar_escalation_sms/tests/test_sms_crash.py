# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A worker killed around the provider call: nothing sent twice, nothing lost.

The kill is simulated where it hurts: after the message was recorded as
*sending* and the provider took it, before its outcome was recorded (the
worker's ``_ar_record`` never returns), or before the request reached the
provider (the API's ``send`` never returns). The next runs talk to the real
test provider on 127.0.0.1, which counts what it receives.
"""

import time
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlencode

from psycopg2 import errors

from odoo import fields
from odoo.tests import tagged

from odoo.addons.ar_escalation_sms.models.ar_escalation_sms import MAX_ATTEMPTS
from odoo.addons.ar_escalation_sms.tools.provider import TwilioApi, WebhookApi

from .common import ArSmsCommon, WorkerKilled

API = {"twilio": TwilioApi, "webhook": WebhookApi}


@tagged("post_install", "-at_install")
class TestSmsCrash(ArSmsCommon):
    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(self.customer_fr, 700, 20)
        self._run(self.invoice)

    def _queued(self, provider, body="Invoice INV/7 is overdue", **vals):
        return self._sms(
            body=body, key=f"{provider}-{vals.pop('key', '')}", move_ids=[(6, 0, self.invoice.ids)], **vals
        )

    def _killed(self, now):
        self._until_killed(self._send, now=now)
        self.env.invalidate_all()

    def _kill_after_the_provider_took_it(self, now):
        with patch.object(type(self.queue), "_ar_record", side_effect=WorkerKilled):
            self._killed(now)

    def _kill_before_the_provider_got_it(self, provider, now):
        with patch.object(API[provider], "send", side_effect=WorkerKilled):
            self._killed(now)

    def _accepted_lines(self, sms):
        return self._events(self.invoice, "delivery").filtered(lambda e: e.sms_id == sms)

    def test_killed_after_the_provider_took_it_is_adopted_not_resent(self):
        for provider in ("twilio", "webhook"):
            with self.subTest(provider=provider):
                self._reset_provider()
                self._use_provider(provider)
                sms = self._queued(provider)
                now = fields.Datetime.now()
                self._kill_after_the_provider_took_it(now)
                self.assertEqual(sms.state, "sending", "recorded before the call, survives the kill")
                self.assertEqual(sms.last_try, now)
                self.assertFalse(sms.provider_ref, "the provider's answer was lost with the worker")
                [message] = self.provider.delivered()
                self.assertEqual(self.provider.posts, 1)
                self._send(now=now + timedelta(minutes=1))
                self.assertEqual(sms.state, "sending", "a live worker may still be in the call: not touched")
                self.assertEqual((self.provider.posts, self.provider.lookups), (1, 0))
                self._send(now=now + timedelta(minutes=10))
                self.assertEqual(sms.state, "pending")
                self.assertEqual(sms.provider_ref, message["sid"])
                self.assertEqual(len(self.provider.delivered()), 1, "never a second message")
                if provider == "twilio":
                    self.assertEqual(self.provider.posts, 1, "Twilio was asked, not sent to again")
                    self.assertEqual(self.provider.lookups, 1)
                else:
                    self.assertEqual(self.provider.posts, 2, "the same Idempotency-Key once more")
                    self.assertEqual(self.provider.lookups, 0)
                lines = self._accepted_lines(sms)
                self.assertEqual(len(lines), 1)
                self.assertIn("accepted by the provider", str(lines.message_id.body))
                self._send(now=now + timedelta(hours=2))
                self.assertEqual(len(self.provider.delivered()), 1)

    def _queued_and_killed_before_the_provider_got_it(self, provider):
        """A message of ``provider`` queued, then the worker killed before the provider got it."""
        self._reset_provider()
        self._use_provider(provider)
        sms = self._queued(provider)
        now = fields.Datetime.now()
        self._kill_before_the_provider_got_it(provider, now)
        return sms, now

    def test_killed_before_the_provider_got_it_is_sent_once(self):
        for provider in ("twilio", "webhook"):
            with self.subTest(provider=provider):
                sms, now = self._queued_and_killed_before_the_provider_got_it(provider)
                self.assertEqual(sms.state, "sending")
                self.assertEqual(self.provider.posts, 0)
                self._send(now=now + timedelta(minutes=10))
                self.assertEqual(sms.state, "pending", "nothing lost")
                [message] = self.provider.delivered()
                self.assertEqual(sms.provider_ref, message["sid"])
                self.assertEqual(self.provider.posts, 1, "sent exactly once")
                self.assertEqual(self.provider.lookups, 1 if provider == "twilio" else 0)
                self.assertEqual(len(self._accepted_lines(sms)), 1)
                self._send(now=now + timedelta(hours=2))
                self.assertEqual(len(self.provider.delivered()), 1)

    def test_identical_text_already_at_twilio_is_not_taken_for_it(self):
        """Two identical bodies to the same number on the same day are two messages."""
        self._use_provider("twilio")
        # the same text, sent by an earlier message of the queue: its id is known
        first = self._queued("twilio", key="first")
        self._send()
        self.assertEqual(first.state, "pending")
        # and the same text again, sent three hours ago from outside this queue
        self.provider._accept("+33612345678", "+15005550006", first.body)
        self.provider.messages[-1]["date_created"] = time.strftime(
            "%a, %d %b %Y %H:%M:%S +0000", time.gmtime(time.time() - 3 * 3600)
        )
        second = self._queued("twilio", key="second")
        now = fields.Datetime.now()
        self._kill_before_the_provider_got_it("twilio", now)
        self.assertEqual(second.state, "sending")
        self._send(now=now + timedelta(minutes=10))
        self.assertEqual(second.state, "pending")
        self.assertEqual(len(self.provider.delivered()), 3, "the second one was sent, once")
        self.assertEqual(self.provider.posts, 2)
        self.assertNotIn(second.provider_ref, (first.provider_ref, self.provider.messages[1]["sid"]))
        self.assertEqual(second.provider_ref, self.provider.messages[2]["sid"])

    def test_twilio_callback_url_carries_the_key(self):
        self._use_provider("twilio")
        sms = self._queued("twilio")
        self._send()
        [message] = self.provider.delivered()
        query = urlencode({"ref": sms.idempotency_key})
        self.assertTrue(message["callback"].endswith(f"/ar_escalation_sms/twilio/status?{query}"))

    def test_provider_that_cannot_be_asked_keeps_it_then_sends_it_to_review(self):
        self._use_provider("twilio")
        sms = self._queued("twilio")
        now = fields.Datetime.now()
        self._kill_after_the_provider_took_it(now)
        self.provider.down = True
        self._send(now=now + timedelta(minutes=10))
        self.assertEqual(sms.state, "sending", "not resent blindly")
        self.assertIn("503", sms.note)
        self.assertEqual((self.provider.posts, self.provider.lookups), (1, 1))
        sms.write({"attempts": MAX_ATTEMPTS - 1})
        self._send(now=now + timedelta(days=1))
        self.assertEqual(sms.state, "error")
        self.assertIn("Outcome unknown, not resent", sms.note)
        event = self._events(self.invoice, "error").filtered(lambda e: e.sms_id == sms)
        self.assertEqual(len(event), 1)
        self.assertIn("Outcome unknown, not resent", str(event.message_id.body), "on the invoice chatter")
        self.assertEqual(self.provider.posts, 1, "sent once, never twice")

    def test_provider_changed_since_the_crash_goes_to_review(self):
        self._use_provider("twilio")
        sms = self._queued("twilio")
        now = fields.Datetime.now()
        self._kill_after_the_provider_took_it(now)
        self._use_provider("webhook")
        self._send(now=now + timedelta(minutes=10))
        self.assertEqual(sms.state, "error")
        self.assertIn("Outcome unknown", sms.note)
        self.assertIn("twilio", sms.note)
        self.assertEqual(self.provider.posts, 1)
        event = self._events(self.invoice, "error").filtered(lambda e: e.sms_id == sms)
        self.assertIn("Outcome unknown", str(event.message_id.body))

    def test_odoo_sms_is_handed_over_in_one_transaction(self):
        """Odoo's SMS: the outbox row and the queue's state commit together, nothing is *sending*."""
        self._use_provider("odoo")
        sms = self._queued("odoo", body="Odoo SMS handed over once")
        self._send()
        self.assertEqual(sms.state, "pending")
        self.assertTrue(sms.sms_sms_id)
        self._send(now=fields.Datetime.now() + timedelta(hours=1))
        self.assertEqual(self.env["sms.sms"].sudo().search_count([("body", "=", sms.body)]), 1)

    def test_opted_out_while_sending_is_not_sent_again(self):
        for provider in ("twilio", "webhook"):
            with self.subTest(provider=provider):
                sms, now = self._queued_and_killed_before_the_provider_got_it(provider)
                blacklist = self.env["phone.blacklist"].sudo()
                blacklist._add([sms.number])
                self._send(now=now + timedelta(minutes=10))
                self.assertEqual(sms.state, "canceled")
                self.assertEqual(self.provider.posts, 0, "STOP is respected")
                self.assertEqual(self.provider.lookups, 1 if provider == "twilio" else 0)
                event = sms.event_ids.filtered(lambda e: e.kind == "error")
                self.assertEqual(event.move_id, self.invoice)
                self.assertIn("opted out (STOP) while it was being sent", str(event.message_id.body))
                blacklist._remove([sms.number])

    def test_a_message_another_worker_holds_is_skipped_not_failed(self):
        self._use_provider("twilio")
        sms = self._queued("twilio")
        race = errors.SerializationFailure("could not serialize access due to concurrent update")
        with patch.object(type(self.queue), "_ar_prepare", side_effect=race):
            self._send()
        self.assertEqual((sms.state, sms.note, sms.attempts), ("outgoing", False, 0), "left to the other")
        self.assertEqual(self.provider.posts, 0)
        self._send()
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(self.provider.delivered()), 1)
