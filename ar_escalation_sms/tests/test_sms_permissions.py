# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""README "Permissions", the SMS rows: credentials, the queue, the webhooks' input.

Over JSON-RPC as each role, and through real HTTP requests to the provider
callbacks, signed with the real secret.
"""

import json
import time
import uuid

from odoo import Command
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from odoo.addons.ar_escalation_sms.tools.signatures import twilio_signature, webhook_signature

from .common import ArSmsCommon
from .fake_provider import ACCOUNT_SID, AUTH_TOKEN, SECRET

SECRET_FIELDS = ["ar_sms_webhook_secret", "ar_sms_twilio_auth_token", "ar_sms_twilio_account_sid"]
STATUS = "/ar_escalation_sms/twilio/status"
WEBHOOK = "/ar_escalation_sms/webhook"


class ArSmsRolesCommon(ArSmsCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_provider("twilio")
        in_company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        billing = "base.group_user,account.group_account_invoice"
        cls.ar_user = new_test_user(
            cls.env, "ar_sms_perm_user", groups=f"{billing},ar_escalation_ladder.group_ar_user", **in_company
        )
        cls.ar_manager = new_test_user(
            cls.env,
            "ar_sms_perm_manager",
            groups=f"{billing},ar_escalation_ladder.group_ar_manager",
            **in_company,
        )
        cls.admin = new_test_user(
            cls.env, "ar_sms_perm_admin", groups="base.group_user,base.group_system", **in_company
        )
        cls.billing = new_test_user(cls.env, "ar_sms_perm_billing", groups=billing, **in_company)

    def _call(self, user, model, method, *args, **kwargs):
        self.authenticate(user.login, user.login)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw", {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        )
        self.env.invalidate_all()
        return result

    def _settings(self, user, method, *args):
        """What ``res.config.settings.<method>`` gives ``user``: its values, or {} when refused."""
        try:
            with mute_logger("odoo.http"):
                return self._call(user, "res.config.settings", method, *args) or {}
        except JsonRpcException as refused:
            self.assertEqual(str(refused), "odoo.exceptions.AccessError")
            return {}

    def assertRefused(self, user, model, method, *args, **kwargs):
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self._call(user, model, method, *args, **kwargs)
        self.assertEqual(str(caught.exception), "odoo.exceptions.AccessError")


@tagged("post_install", "-at_install")
class TestSmsPermissions(ArSmsRolesCommon):
    def test_row_16_provider_credentials_reach_administrators_only(self):
        secrets = {AUTH_TOKEN, ACCOUNT_SID, SECRET}
        for user in (self.ar_user, self.ar_manager, self.billing):
            # the route of the finding: default_get needs no access right
            values = self._settings(user, "default_get", SECRET_FIELDS)
            self.assertFalse(set(values) & set(SECRET_FIELDS), f"{user.login}: {values}")
            self.assertFalse(secrets & {str(v) for v in values.values()})
            values = self._settings(user, "get_values")
            self.assertFalse(secrets & {str(v) for v in values.values()})
            onchange = self._settings(user, "onchange", [], {}, [], {name: {} for name in SECRET_FIELDS})
            self.assertFalse(secrets & {str(v) for v in onchange.get("value", {}).values()})
            self.assertRefused(user, "res.config.settings", "create", {})
            self.assertRefused(user, "ir.config_parameter", "get_param", "ar_escalation_sms.webhook_secret")
        values = self._call(self.admin, "res.config.settings", "default_get", SECRET_FIELDS)
        self.assertEqual(
            (
                values["ar_sms_webhook_secret"],
                values["ar_sms_twilio_auth_token"],
                values["ar_sms_twilio_account_sid"],
            ),
            (SECRET, AUTH_TOKEN, ACCOUNT_SID),
            "an administrator reads and edits them in Settings",
        )

    def test_row_17_the_queue_is_read_by_ar_users_and_handled_by_managers(self):
        sms = self._sms(body="Permissions", state="error", note="provider down")
        waiting = self._sms(body="Permissions, waiting", state="outgoing")
        rows = self._call(self.ar_user, "ar.escalation.sms", "search_read", [("id", "=", sms.id)], ["state"])
        self.assertEqual(rows[0]["state"], "error")
        self.assertRefused(self.ar_user, "ar.escalation.sms", "action_retry", sms.ids)
        self.assertRefused(self.ar_user, "ar.escalation.sms", "action_cancel", waiting.ids)
        self.assertRefused(self.ar_user, "ar.escalation.sms", "write", sms.ids, {"body": "changed"})
        self.assertRefused(self.billing, "ar.escalation.sms", "search_read", [], ["state"])
        self.assertEqual((sms.state, waiting.state), ("error", "outgoing"))
        self._call(self.ar_manager, "ar.escalation.sms", "action_retry", sms.ids)
        self.assertEqual(sms.state, "outgoing")
        self._call(self.ar_manager, "ar.escalation.sms", "action_cancel", sms.ids)
        self.assertEqual(sms.state, "canceled")
        other = self._sms(body="Permissions, admin", state="error", note="provider down")
        self._call(self.admin, "ar.escalation.sms", "action_retry", other.ids)
        self.assertEqual(other.state, "outgoing")


@tagged("post_install", "-at_install")
class TestSignedButWrongWebhooks(ArSmsRolesCommon):
    """Row 19: behind a valid signature, a callback that does not say which message, or says it
    with values of the wrong type, is refused and changes nothing."""

    def setUp(self):
        super().setUp()
        self.invoice = self._invoice(self.customer_fr, 600, 20)
        self._run(self.invoice)
        # a message the provider has not named yet: what an id-less receipt used to hit
        self.unnamed = self._pending_sms(self.invoice, "Unnamed", "webhook")
        self.named = self._pending_sms(self.invoice, "Named", "webhook", provider_ref="SM" + uuid.uuid4().hex)

    def _webhook(self, payload):
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-AR-Signature": webhook_signature(raw, SECRET)}
        with mute_logger("odoo.addons.ar_escalation_sms.controllers.main"):
            return self.url_open(WEBHOOK, data=raw, headers=headers)

    def _twilio(self, params):
        headers = {"X-Twilio-Signature": twilio_signature(self.base_url() + STATUS, params, AUTH_TOKEN)}
        with mute_logger("odoo.addons.ar_escalation_sms.controllers.main"):
            return self.url_open(STATUS, data=params, headers=headers)

    def _receipt(self, **fields):
        return {
            "type": "status",
            "status": "failed",
            "timestamp": int(time.time()),
            "event_id": uuid.uuid4().hex,
            **fields,
        }

    def _unchanged(self):
        self.env.invalidate_all()
        self.assertEqual((self.unnamed.state, self.named.state), ("pending", "pending"))
        self.assertFalse(self._events(self.invoice, "error"))

    def test_not_a_number_timestamp_is_refused(self):
        for stamp in ("NaN", "Infinity", "-Infinity", "nan", "soon", True, None, [1], {"t": 1}):
            payload = self._receipt(id=self.named.provider_ref, timestamp=stamp)
            self.assertEqual(self._webhook(payload).status_code, 403, stamp)
        # JSON's own NaN (Python's json writes it, and reads it back)
        raw = (
            b'{"type": "status", "id": "%s", "status": "failed", "timestamp": NaN}'
            % self.named.provider_ref.encode()
        )
        headers = {"Content-Type": "application/json", "X-AR-Signature": webhook_signature(raw, SECRET)}
        with mute_logger("odoo.addons.ar_escalation_sms.controllers.main"):
            self.assertEqual(self.url_open(WEBHOOK, data=raw, headers=headers).status_code, 403)
        self._unchanged()

    def test_receipt_without_reference_or_id_is_refused(self):
        for payload in (
            self._receipt(),
            self._receipt(reference="", id=""),
            self._receipt(reference=None, id=None),
        ):
            self.assertEqual(self._webhook(payload).status_code, 400)
        self._unchanged()

    def test_reference_or_id_of_the_wrong_type_is_refused(self):
        for extra in (
            {"reference": [self.unnamed.idempotency_key]},
            {"reference": {"ilike": "%"}},
            {"reference": 12},
            {"id": [self.named.provider_ref]},
            {"id": True},
            {"id": self.named.provider_ref, "status": ["failed"]},
            {"id": self.named.provider_ref, "error": {"x": 1}},
        ):
            self.assertEqual(self._webhook(self._receipt(**extra)).status_code, 400, extra)
        inbound = {"type": "inbound", "from": ["+33612345678"], "text": "STOP", "timestamp": int(time.time())}
        self.assertEqual(self._webhook(inbound).status_code, 400)
        self.assertFalse(self.env["phone.blacklist"].sudo().search([("number", "=", "+33612345678")]))
        self._unchanged()
        # the same receipt, well formed, is applied
        self.assertEqual(self._webhook(self._receipt(id=self.named.provider_ref)).status_code, 200)
        self.assertEqual(self.named.state, "error")

    def test_twilio_status_without_message_sid_is_refused(self):
        self.unnamed.provider = "twilio"
        for params in ({"MessageStatus": "failed"}, {"MessageSid": "", "MessageStatus": "failed"}):
            self.assertEqual(self._twilio(params).status_code, 400)
        self._unchanged()
