# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Provider callbacks through real HTTP requests to Odoo: signed or refused."""

import json
import time
import uuid
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.ar_escalation_sms.tools.signatures import twilio_signature, webhook_signature

from .common import ArSmsCommon, WorkerKilled
from .fake_provider import AUTH_TOKEN, SECRET

STATUS = "/ar_escalation_sms/twilio/status"
INBOUND = "/ar_escalation_sms/twilio/inbound"
WEBHOOK = "/ar_escalation_sms/webhook"


@tagged("post_install", "-at_install")
class TestSmsWebhooks(ArSmsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_provider("twilio")

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(self.customer_fr, 600, 20)
        self._run(self.invoice)
        self.sms = self._pending_sms(
            self.invoice,
            "Receipt test",
            "twilio",
            stage_id=self.stage2.id,
            provider_ref="SM" + uuid.uuid4().hex,
        )

    # helpers ---------------------------------------------------------
    def _twilio_post(self, path, params, signature=None):
        headers = {}
        if signature is None:
            signature = twilio_signature(self.base_url() + path, params, AUTH_TOKEN)
        if signature:
            headers["X-Twilio-Signature"] = signature
        return self.url_open(path, data=params, headers=headers)

    def _webhook_post(self, payload, signature=None):
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature is None:
            signature = webhook_signature(raw, SECRET)
        if signature:
            headers["X-AR-Signature"] = signature
        return self.url_open(WEBHOOK, data=raw, headers=headers)

    def _delivered_params(self):
        return {"MessageSid": self.sms.provider_ref, "MessageStatus": "delivered", "To": self.sms.number}

    # Twilio status callbacks ------------------------------------------
    def test_twilio_receipt_with_valid_signature_updates_sms_and_event(self):
        response = self._twilio_post(STATUS, self._delivered_params())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.sms.state, "sent")
        event = self._events(self.invoice, "delivery").filtered(lambda e: e.sms_id == self.sms)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.sms_state, "sent")
        self.assertIn("SMS delivered to +33612345678", str(event.message_id.body))

    def test_twilio_undelivered_receipt_records_the_error(self):
        params = {
            "MessageSid": self.sms.provider_ref,
            "MessageStatus": "undelivered",
            "ErrorCode": "30006",
            "ErrorMessage": "Landline or unreachable carrier",
        }
        self.assertEqual(self._twilio_post(STATUS, params).status_code, 200)
        self.assertEqual(self.sms.state, "error")
        self.assertIn("30006", self.sms.note)
        self.assertIn("Landline or unreachable carrier", self._events(self.invoice, "error")[0].reason)

    def test_twilio_missing_wrong_and_replayed_signatures_get_403(self):
        params = self._delivered_params()
        self.assertEqual(self._twilio_post(STATUS, params, signature="").status_code, 403, "missing")
        self.assertEqual(self._twilio_post(STATUS, params, signature="bm90IGEgc2lnbmF0dXJl").status_code, 403)
        forged = twilio_signature(self.base_url() + STATUS, params, "not-the-token")
        self.assertEqual(self._twilio_post(STATUS, params, signature=forged).status_code, 403, "wrong key")
        tampered = dict(params, MessageStatus="failed")
        signed_for_other = twilio_signature(self.base_url() + STATUS, params, AUTH_TOKEN)
        self.assertEqual(self._twilio_post(STATUS, tampered, signature=signed_for_other).status_code, 403)
        self.assertEqual(self.sms.state, "pending", "nothing changed")
        self.assertFalse(self._events(self.invoice, "delivery").filtered(lambda e: e.sms_id == self.sms))
        # a valid one, then the very same request again
        self.assertEqual(self._twilio_post(STATUS, params).status_code, 200)
        self.sms.write({"state": "pending"})
        self.assertEqual(self._twilio_post(STATUS, params).status_code, 403, "replayed")
        self.assertEqual(self.sms.state, "pending", "the replay changed nothing")

    def test_twilio_callback_names_the_message_a_dead_worker_left_sending(self):
        """The key in the callback URL adopts Twilio's id when the worker died before recording it."""
        self.sms.write(
            {"state": "sending", "provider_ref": False, "idempotency_key": f"ar-1-{uuid.uuid4().hex}-sms"}
        )
        sid = "SM" + uuid.uuid4().hex
        path = f"{STATUS}?ref={self.sms.idempotency_key}"
        params = {"MessageSid": sid, "MessageStatus": "delivered", "To": self.sms.number}
        self.assertEqual(self._twilio_post(path, params).status_code, 200)
        self.assertEqual((self.sms.state, self.sms.provider_ref), ("sent", sid))
        events = self._events(self.invoice, "delivery").filtered(lambda e: e.sms_id == self.sms)
        self.assertEqual(len(events), 2, "accepted, then delivered")

    def test_crash_recovery_through_odoo_test_cursor(self):
        """With the registry in test mode the separate transactions run on Odoo's TestCursor."""
        self.assertTrue(self.registry.in_test_mode())
        sms = self._sms(body="Crash under TestCursor", key="testcursor", move_ids=[(6, 0, self.invoice.ids)])
        now = fields.Datetime.now()
        queue_class = type(self.env["ar.escalation.sms"])
        with patch.object(queue_class, "_ar_record", side_effect=WorkerKilled):
            self._until_killed(self.env["ar.escalation.sms"]._cron_send, now=now)
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "sending")
        self.assertEqual(len(self.provider.delivered()), 1)
        self.env["ar.escalation.sms"]._cron_send(now=now + timedelta(minutes=10))
        sms.invalidate_recordset()
        self.assertEqual(sms.state, "pending")
        self.assertEqual(sms.provider_ref, self.provider.delivered()[0]["sid"])
        counts = (len(self.provider.delivered()), self.provider.posts, self.provider.lookups)
        self.assertEqual(counts, (1, 1, 1), "one message, one send, one lookup")

    def test_inbound_stop_blacklists_and_start_lifts(self):
        queued = self._sms(body="Waiting", key="inbound")
        response = self._twilio_post(INBOUND, {"From": "+33612345678", "Body": "Stop", "MessageSid": "SMin1"})
        self.assertEqual(response.status_code, 200)
        blacklist = self.env["phone.blacklist"].sudo().search([("number", "=", "+33612345678")])
        self.assertTrue(blacklist.active)
        self.assertIn("no longer receives SMS", str(self.customer_fr.message_ids[0].body))
        self.assertEqual(queued.state, "canceled", "what waited in the queue is not sent")
        self._twilio_post(INBOUND, {"From": "+33612345678", "Body": "START", "MessageSid": "SMin2"})
        blacklist.invalidate_recordset()
        self.assertFalse(blacklist.active)
        self.assertIn("receives SMS again", str(self.customer_fr.message_ids[0].body))

    def test_inbound_unsigned_is_refused_and_conversation_is_not_an_opt_out(self):
        params = {"From": "+33612345678", "Body": "STOP", "MessageSid": "SMin3"}
        self.assertEqual(self._twilio_post(INBOUND, params, signature="").status_code, 403)
        self.assertFalse(self.env["phone.blacklist"].sudo().search([("number", "=", "+33612345678")]))
        params = {"From": "+33612345678", "Body": "please stop calling at lunch", "MessageSid": "SMin4"}
        self.assertEqual(self._twilio_post(INBOUND, params).status_code, 200)
        self.assertFalse(self.env["phone.blacklist"].sudo().search([("number", "=", "+33612345678")]))

    # generic webhook ---------------------------------------------------
    def _status_payload(self, status="delivered", **extra):
        return {
            "type": "status",
            "reference": self.sms.idempotency_key,
            "status": status,
            "timestamp": int(time.time()),
            "event_id": uuid.uuid4().hex,
            **extra,
        }

    def test_webhook_receipt_signed_accepted_forged_and_replayed_refused(self):
        self.sms.provider = "webhook"
        payload = self._status_payload()
        self.assertEqual(self._webhook_post(payload, signature="").status_code, 403, "missing")
        self.assertEqual(self._webhook_post(payload, signature="0" * 64).status_code, 403, "wrong")
        raw_other = json.dumps(dict(payload, status="failed")).encode()
        forged = webhook_signature(raw_other, "guessed-secret")
        self.assertEqual(
            self._webhook_post(dict(payload, status="failed"), signature=forged).status_code, 403
        )
        stale = self._status_payload(timestamp=int(time.time()) - 3600)
        self.assertEqual(self._webhook_post(stale).status_code, 403, "outside the replay window")
        self.assertEqual(self.sms.state, "pending", "nothing changed")
        self.assertEqual(self._webhook_post(payload).status_code, 200)
        self.assertEqual(self.sms.state, "sent")
        self.sms.write({"state": "pending"})
        self.assertEqual(self._webhook_post(payload).status_code, 403, "replayed")
        self.assertEqual(self.sms.state, "pending")

    def test_webhook_failure_receipt_and_inbound_stop(self):
        payload = self._status_payload("rejected", error="Carrier rejected the message")
        self.assertEqual(self._webhook_post(payload).status_code, 200)
        self.assertEqual(self.sms.state, "error")
        self.assertIn("Carrier rejected the message", self.sms.note)
        inbound = {
            "type": "inbound",
            "from": "+33612345678",
            "text": "UNSUBSCRIBE",
            "timestamp": int(time.time()),
            "event_id": uuid.uuid4().hex,
        }
        self.assertEqual(self._webhook_post(inbound).status_code, 200)
        self.assertTrue(self.env["phone.blacklist"].sudo().search([("number", "=", "+33612345678")]))
