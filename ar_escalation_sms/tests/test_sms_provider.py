# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The queue against a real HTTP provider on 127.0.0.1: answers, errors, retries."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import SENDER, ArSmsCommon


@tagged("post_install", "-at_install")
class TestSmsProvider(ArSmsCommon):
    def test_twilio_success(self):
        self._use_provider("twilio")
        sms = self._sms(body="Invoice INV/1 is overdue")
        self._send()
        self.assertEqual(sms.state, "pending", "Twilio's 'queued' is Odoo's 'Sent'")
        [message] = self.provider.delivered()
        self.assertEqual(message["to"], "+33612345678")
        self.assertEqual(message["from"], SENDER)
        self.assertEqual(message["body"], "Invoice INV/1 is overdue")
        self.assertEqual(sms.provider_ref, message["sid"])
        self.assertEqual(sms.attempts, 1)

    def test_webhook_success_sends_the_idempotency_key(self):
        self._use_provider("webhook")
        sms = self._sms()
        self._send()
        [message] = self.provider.delivered()
        self.assertEqual(message["key"], sms.idempotency_key)
        self.assertEqual((sms.state, sms.provider_ref), ("pending", message["sid"]))

    def test_500_then_success_on_retry_sends_once(self):
        for provider in ("twilio", "webhook"):
            with self.subTest(provider=provider):
                self._reset_provider()
                self._use_provider(provider)
                self.provider.script.append(("status", 500, {"message": "Internal error", "code": 20500}))
                sms = self._sms(key=provider)
                now = fields.Datetime.now()
                self._send(now=now)
                self.assertEqual(sms.state, "outgoing")
                self.assertEqual(sms.attempts, 1)
                self.assertIn("500", sms.note)
                self.assertIn("Internal error", sms.note)
                self.assertEqual(sms.next_try, now + timedelta(minutes=5), "backoff: 5 minutes first")
                self.assertFalse(self.provider.delivered())
                self._send(now=now + timedelta(minutes=1))
                self.assertEqual(sms.state, "outgoing", "not before the backoff")
                self._send(now=now + timedelta(minutes=6))
                self.assertEqual(sms.state, "pending")
                self.assertEqual(len(self.provider.delivered()), 1)
                self.assertEqual(self.provider.posts, 2)
                self._send(now=now + timedelta(hours=1))
                self.assertEqual(len(self.provider.delivered()), 1, "never a second message")

    def test_timeout_after_the_provider_got_it_is_not_sent_twice(self):
        for provider in ("twilio", "webhook"):
            with self.subTest(provider=provider):
                self._reset_provider()
                # Odoo's test mode raises any timeout under 10 s to 10 s: the
                # provider takes the message, then answers after 11 s, when
                # the client has given up
                self._use_provider(provider, timeout="10")
                self.provider.script.append(("slow", 11))
                sms = self._sms(key=provider)
                now = fields.Datetime.now()
                self._send(now=now)
                self.assertEqual(sms.state, "outgoing")
                self.assertIn("timeout", sms.note)
                self.assertEqual(len(self.provider.delivered()), 1, "the provider has it")
                self._send(now=now + timedelta(minutes=10))
                self.assertEqual(sms.state, "pending")
                self.assertEqual(sms.provider_ref, self.provider.delivered()[0]["sid"])
                self.assertEqual(len(self.provider.delivered()), 1, "found at the provider, not resent")

    def test_400_is_final_with_the_providers_error_text(self):
        self._use_provider("twilio")
        inv = self._invoice(self.customer_fr, 500, 20)
        self._run(inv)
        sms = self._sms(number="33612345678", move_ids=[(6, 0, inv.ids)], stage_id=self.stage2.id)
        self._send()
        self.assertEqual(sms.state, "error")
        self.assertIn("400", sms.note)
        self.assertIn("is not a valid phone number", sms.note)
        self.assertIn("21211", sms.note)
        event = self._events(inv, "error").filtered(lambda e: e.sms_id == sms)
        self.assertEqual(len(event), 1)
        self.assertIn("is not a valid phone number", event.reason)
        self.assertIn("is not a valid phone number", str(event.message_id.body), "on the invoice chatter")
        self._send(now=fields.Datetime.now() + timedelta(days=1))
        self.assertEqual(self.provider.posts, 1, "a 4xx is not retried")

    def test_provider_down_for_half_a_batch_of_1000_then_back(self):
        for provider in ("webhook", "twilio"):
            with self.subTest(provider=provider):
                self._reset_provider()
                self._use_provider(provider)
                self.provider.down_after = 500
                # distinct numbers: Twilio is asked, before each resend, what it holds for the number
                messages = self.queue.create(
                    [
                        {
                            "company_id": self.company.id,
                            "partner_id": self.customer_fr.id,
                            "number": f"+336{10000000 + i}",
                            "body": f"Message {i}",
                            "idempotency_key": f"bulk-{provider}-{i}",
                        }
                        for i in range(1000)
                    ]
                )
                now = fields.Datetime.now()
                self._send(now=now, limit=1000)
                self.assertEqual(len(messages.filtered(lambda s: s.state == "pending")), 500)
                waiting = messages.filtered(lambda s: s.state == "outgoing")
                self.assertEqual(len(waiting), 500)
                self.assertTrue(all("503" in s.note for s in waiting))
                self.provider.down_after = None  # back
                self._send(now=now + timedelta(minutes=10), limit=1000)
                self.assertEqual(set(messages.mapped("state")), {"pending"})
                delivered = self.provider.delivered()
                self.assertEqual(len(delivered), 1000)
                self.assertEqual(
                    sorted(m["body"] for m in delivered), sorted(messages.mapped("body")), "each exactly once"
                )
                self.assertEqual(sorted(m["sid"] for m in delivered), sorted(messages.mapped("provider_ref")))

    def test_rate_limit_is_retried_and_missing_settings_keep_the_queue(self):
        self._use_provider("twilio")
        self.provider.script.append(("status", 429, {"message": "Too Many Requests", "code": 20429}))
        sms = self._sms()
        now = fields.Datetime.now()
        self._send(now=now)
        self.assertEqual((sms.state, sms.attempts), ("outgoing", 1))
        self.assertIn("Too Many Requests", sms.note)
        self.env["ir.config_parameter"].sudo().set_param("ar_escalation_sms.twilio_auth_token", "")
        self._send(now=now + timedelta(minutes=6))
        self.assertEqual((sms.state, sms.attempts), ("outgoing", 1), "not an attempt")
        self.assertIn("not configured", sms.note)
        self.assertEqual(self.provider.posts, 1)

    def test_provider_unreachable_is_retried(self):
        self._use_provider("webhook")
        # a port nothing listens on: connection refused
        self.env["ir.config_parameter"].sudo().set_param(
            "ar_escalation_sms.webhook_url", "http://127.0.0.1:9/send"
        )
        sms = self._sms()
        now = fields.Datetime.now()
        self._send(now=now)
        self.assertEqual((sms.state, sms.attempts), ("outgoing", 1))
        self.assertIn("unreachable", sms.note)
        self._use_provider("webhook")
        self._send(now=now + timedelta(minutes=6))
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(self.provider.delivered()), 1)
