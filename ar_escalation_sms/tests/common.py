# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import uuid

from odoo import Command

from odoo.addons.ar_escalation_ladder.tests.common import ArEscalationCommon

from .fake_provider import ACCOUNT_SID, AUTH_TOKEN, SECRET, FakeProvider

SENDER = "+15005550006"


class WorkerKilled(BaseException):
    """Stands for a killed worker (SIGKILL): no ``except Exception`` catches it."""


class ArSmsCommon(ArEscalationCommon):
    """The ladder's fixtures, a French customer with a mobile, and a fake provider."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = FakeProvider().start()
        cls.addClassCleanup(cls.provider.stop)
        cls.france = cls.env.ref("base.fr")
        cls.customer_fr = cls._customer(
            "Durand SA",
            "standard",
            "compta@durand.example.com",
            country_id=cls.france.id,
            mobile="06 12 34 56 78",
            tz="Europe/Paris",
        )
        # quiet hours are tested on their own; elsewhere any hour is fine
        cls.company.write({"ar_sms_window_start": 0.0, "ar_sms_window_end": 0.0})
        cls.queue = cls.env["ar.escalation.sms"]

    def setUp(self):
        super().setUp()
        self.provider.messages.clear()
        self.provider.by_key.clear()
        self.provider.script.clear()
        self.provider.posts = 0
        self.provider.lookups = 0
        self.provider.abandoned = 0
        self.provider.down = False
        self.provider.down_after = None

    @classmethod
    def _use_provider(cls, name, timeout="10"):
        params = cls.env["ir.config_parameter"].sudo()
        values = {
            "provider": name,
            "timeout": timeout,
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_sender": SENDER,
            "twilio_whatsapp_sender": "+14155238886",
            "twilio_endpoint": cls.provider.url,
            "webhook_url": f"{cls.provider.url}/webhook/send",
            "webhook_secret": SECRET,
        }
        for key, value in values.items():
            params.set_param(f"ar_escalation_sms.{key}", value)

    def _send(self, now=None, limit=100):
        batch = self.queue._cron_send(limit=limit, now=now)
        self.env.flush_all()
        return batch

    def _until_killed(self, run, **kwargs):
        """Call ``run`` until the worker is killed (``WorkerKilled``).

        Not ``assertRaises``: Odoo's rolls back to a savepoint, and what a
        killed worker had committed before dying must stay.
        """
        killed = False
        try:
            run(**kwargs)
        except WorkerKilled:
            killed = True
        self.assertTrue(killed, "the worker was killed")

    def _reset_provider(self):
        self.provider.messages.clear()
        self.provider.by_key.clear()
        self.provider.posts = 0
        self.provider.lookups = 0

    def _sms(self, partner=None, number="+33612345678", body="Reminder", **vals):
        partner = partner or self.customer_fr
        return self.queue.create(
            [
                {
                    "company_id": self.company.id,
                    "partner_id": partner.id,
                    "customer_id": partner.id,
                    "number": number,
                    "body": body,
                    "idempotency_key": f"test-{number}-{body}-{vals.pop('key', '')}",
                    **vals,
                }
            ]
        )

    def _pending_sms(self, move, label, provider, **vals):
        """A text message about ``move`` that ``provider`` has taken and not reported on yet."""
        return self._sms(
            body=f"{label} {uuid.uuid4().hex}",
            move_ids=[Command.set(move.ids)],
            state="pending",
            provider=provider,
            **vals,
        )
