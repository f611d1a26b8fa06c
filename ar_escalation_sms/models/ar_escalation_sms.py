# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The durable queue of escalation SMS and WhatsApp messages.

The ladder queues a message in the same transaction as the external events
that record it; the cron sends it later. Each message carries an idempotency
key derived from its first event (unique in the database), kept across
retries: the generic provider receives it as ``Idempotency-Key``, and before
resending to Twilio after an unknown outcome the queue asks Twilio whether
the message is already there.

A message is recorded as *sending* in a committed transaction of its own
before the provider is called, and its outcome in another: a killed worker
leaves it *sending*, and the next run resolves it (adopts, sends once, or
sends it to review) before anything is resent.

This file holds the message, its provider settings and what is recorded
about it (events, receipts, opt-outs); the sending is in
:mod:`.ar_escalation_sms_send`, one message's way through the provider in
:mod:`.ar_escalation_sms_outcome`.
"""

from datetime import timedelta
from urllib.parse import urlencode

from psycopg2 import errors

from odoo import api, fields, models

from ..tools import segments
from ..tools.provider import TwilioApi, WebhookApi

STATES = [
    ("outgoing", "In queue"),
    ("sending", "Sending"),
    ("pending", "Sent"),
    ("sent", "Delivered"),
    ("error", "Error"),
    ("canceled", "Cancelled"),
]
MAX_ATTEMPTS = 8
# the claim of a message lost a race with another worker
CONCURRENCY_ERRORS = (errors.SerializationFailure, errors.LockNotAvailable, errors.DeadlockDetected)
PARAM = "ar_escalation_sms."


def backoff(attempts):
    """Wait before attempt ``attempts + 1``: 5 min, 10, 20, … up to 6 h."""
    return timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 360))


class ArEscalationSms(models.Model):
    _name = "ar.escalation.sms"
    _description = "Escalation text message"
    _order = "id desc"
    _rec_name = "number"

    company_id = fields.Many2one("res.company", required=True, index=True)
    case_id = fields.Many2one("ar.escalation.case", index="btree_not_null", ondelete="set null")
    stage_id = fields.Many2one("ar.escalation.stage")
    partner_id = fields.Many2one("res.partner", "Recipient", required=True, index=True)
    customer_id = fields.Many2one("res.partner", index=True)
    move_ids = fields.Many2many("account.move", string="Invoices")
    event_ids = fields.One2many("ar.escalation.event", "sms_id")
    channel = fields.Selection([("sms", "SMS"), ("whatsapp", "WhatsApp")], default="sms", required=True)
    number = fields.Char(required=True, help="E.164")
    body = fields.Text(required=True)
    segments = fields.Integer(compute="_compute_segments", store=True)
    provider = fields.Selection(
        [("odoo", "Odoo SMS"), ("twilio", "Twilio"), ("webhook", "Webhook")], readonly=True
    )
    state = fields.Selection(STATES, default="outgoing", required=True, index=True)
    idempotency_key = fields.Char(required=True, copy=False, readonly=True)
    provider_ref = fields.Char("Provider id", index="btree_not_null", copy=False, readonly=True)
    attempts = fields.Integer(readonly=True)
    first_try = fields.Datetime(readonly=True)
    last_try = fields.Datetime(
        "Last attempt", readonly=True, help="When the provider was last called for this message."
    )
    next_try = fields.Datetime(default=fields.Datetime.now, index=True)
    note = fields.Char(help="Why the message waits, or the provider's error.")
    sms_sms_id = fields.Many2one("sms.sms", "Odoo SMS", readonly=True, ondelete="set null")

    _sql_constraints = [
        ("idempotency_key_uniq", "unique(idempotency_key)", "A message is queued only once."),
    ]

    @api.depends("body")
    def _compute_segments(self):
        for sms in self:
            sms.segments = segments.count(sms.body).segments

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Put failed messages back in the queue (same key: never sent twice)."""
        self.filtered(lambda s: s.state == "error").write(
            {"state": "outgoing", "next_try": fields.Datetime.now(), "note": False}
        )

    def action_cancel(self):
        self.filtered(lambda s: s.state == "outgoing").write({"state": "canceled"})

    # ------------------------------------------------------------------
    # provider
    # ------------------------------------------------------------------
    @api.model
    def _ar_param(self, name, default=""):
        # sudo: provider settings and credentials are system parameters,
        # readable by administrators only; the cron and webhooks need them
        return self.env["ir.config_parameter"].sudo().get_param(PARAM + name, default) or default

    @api.model
    def _ar_provider(self):
        return self._ar_param("provider", "odoo")

    @api.model
    def _ar_api(self, provider=None):
        provider = provider or self._ar_provider()
        timeout = float(self._ar_param("timeout", "10"))
        if provider == "twilio":
            return TwilioApi(
                self._ar_param("twilio_account_sid"),
                self._ar_param("twilio_auth_token"),
                self._ar_param("twilio_sender"),
                endpoint=self._ar_param("twilio_endpoint", "https://api.twilio.com"),
                whatsapp_sender=self._ar_param("twilio_whatsapp_sender"),
                timeout=timeout,
            )
        if provider == "webhook":
            return WebhookApi(
                self._ar_param("webhook_url"), self._ar_param("webhook_secret"), timeout=timeout
            )
        return None

    @api.model
    def _ar_callback_url(self, provider, key=None):
        base = self.get_base_url()
        if provider == "twilio":
            # the message's key in the callback URL: a status callback names
            # its message even when a crash lost the provider's id
            query = f"?{urlencode({'ref': key})}" if key else ""
            return f"{base}/ar_escalation_sms/twilio/status{query}"
        if provider == "webhook":
            return f"{base}/ar_escalation_sms/webhook"
        return None

    def _ar_words(self):
        return {
            "channel": dict(self._fields["channel"]._description_selection(self.env))[self.channel],
            "number": self.number,
        }

    def _ar_log(self, kind, reason):
        """An event and a chatter line on each invoice of the message."""
        vals = [
            self.env["ar.escalation.event"]._prepare_event_vals(
                move, kind, self.stage_id, reason, channel=self.channel, case_id=self.case_id.id
            )
            for move in self.move_ids
        ]
        events = self.env["ar.escalation.event"]._ar_log(vals)
        if events:
            # sudo: events are the ladder's audit trail, read-only to every user
            events.sudo().write({"sms_id": self.id})
        return events

    # ------------------------------------------------------------------
    # receipts
    # ------------------------------------------------------------------
    def _ar_receipt(self, state, error=""):
        """Apply a provider's status callback."""
        for sms in self:
            if sms.state == state or sms.state in ("sent", "canceled"):
                continue  # duplicates and late, out-of-order receipts change nothing
            sms.write({"state": state, "note": error or sms.note})
            if state == "sent":
                sms._ar_log("delivery", self.env._("%(channel)s delivered to %(number)s.", **sms._ar_words()))
            elif state == "error":
                sms._ar_log(
                    "error",
                    self.env._(
                        "%(channel)s to %(number)s not delivered: %(error)s",
                        error=error or self.env._("no reason given"),
                        **sms._ar_words(),
                    ),
                )

    # ------------------------------------------------------------------
    # opt-out
    # ------------------------------------------------------------------
    @api.model
    def _ar_opt(self, number, word, body):
        """STOP puts ``number`` on the phone blacklist, START takes it off; logged on the customers."""
        blacklist = self.env["phone.blacklist"]
        if word == "stop":
            message = self.env._(
                "Replied “%(body)s” by text message: %(number)s no longer receives SMS.",
                body=body,
                number=number,
            )
            blacklist._add([number], message=message)
        else:
            message = self.env._(
                "Replied “%(body)s” by text message: %(number)s receives SMS again.", body=body, number=number
            )
            blacklist._remove([number], message=message)
        partners = self.env["res.partner"].search(
            ["|", ("phone_sanitized", "=", number), ("phone_mobile_search", "=", number)]
        )
        for customer in partners | partners.commercial_partner_id:
            customer.message_post(body=message, subtype_xmlid="mail.mt_note")
        if word == "stop":
            pending = self.search([("number", "=", number), ("state", "=", "outgoing")])
            pending.write({"state": "canceled", "note": self.env._("Opted out")})
            for sms in pending:
                sms._ar_log(
                    "error",
                    self.env._("%(channel)s not sent: %(number)s has opted out (STOP).", **sms._ar_words()),
                )
        return partners
