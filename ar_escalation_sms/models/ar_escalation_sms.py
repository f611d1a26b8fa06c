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
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

import pytz
from psycopg2 import errors

from odoo import api, fields, models
from odoo.modules import module
from odoo.tools import SQL

from ..tools import quiet, segments
from ..tools.provider import TWILIO_TO_STATE, WEBHOOK_TO_STATE, ProviderError, TwilioApi, WebhookApi

_logger = logging.getLogger(__name__)

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

    # ------------------------------------------------------------------
    # sending
    # ------------------------------------------------------------------
    @contextmanager
    def _ar_transaction(self):
        """An environment on a short transaction of its own, committed on exit.

        Each message is claimed, marked *sending* and given its outcome in
        transactions of its own, never in the job's: a worker killed after the
        provider took a message leaves that one message in *sending*, not a
        batch rolled back to *In queue*. Under a test that runs in a single
        uncommitted transaction (``TransactionCase``, registry not in test
        mode) a second connection would not see the test's data: there, and
        only there, a savepoint of the job's cursor stands in for it. A test
        with the registry in test mode gets Odoo's ``TestCursor``: the same
        code path as production.
        """
        registry = self.env.registry
        testing = getattr(threading.current_thread(), "testing", False) or module.current_test
        if testing and not registry.in_test_mode():
            with self.env.cr.savepoint():
                yield self.env
            return
        try:
            with registry.cursor() as cr:
                yield self.env(cr=cr)
        finally:
            self.env.invalidate_all()  # what the other transaction wrote is not in this cache

    @api.model
    def _ar_stale_after(self):
        """How long a message may stay *sending* before its worker is presumed dead.

        A live worker is in a provider call for at most one timeout.
        """
        return max(timedelta(minutes=5), timedelta(seconds=3 * float(self._ar_param("timeout", "10"))))

    @api.model
    def _ar_due_domain_sql(self, now):
        return SQL(
            """(state = 'outgoing' AND next_try <= %(now)s)
               OR (state = 'sending' AND next_try <= %(now)s AND last_try <= %(stale)s)""",
            now=now,
            stale=now - self._ar_stale_after(),
        )

    @api.model
    def _cron_send(self, limit=100, now=None):
        """Send what is due, ``limit`` messages per call.

        Each message is claimed with ``FOR UPDATE SKIP LOCKED`` in a
        transaction of its own (two workers never send the same message) and
        recorded as *sending* before the provider is called; a message found
        *sending* from a dead worker is resolved before any resend.
        """
        now = now or fields.Datetime.now()
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM ar_escalation_sms WHERE %s ORDER BY next_try, id LIMIT %s",
                self._ar_due_domain_sql(now),
                limit,
            )
        )
        batch = self.browse([row[0] for row in self.env.cr.fetchall()])
        batch._ar_send(now)
        with self._ar_transaction() as env:
            env.cr.execute(
                SQL("SELECT count(*) FROM ar_escalation_sms WHERE %s", self._ar_due_domain_sql(now))
            )
            remaining = env.cr.fetchone()[0]
            if not remaining:
                queue = self.with_env(env)
                queue._ar_sync_odoo()
                queue._ar_schedule_next()
                env["ar.escalation.sms.nonce"]._ar_vacuum()
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)
        return batch

    @api.model
    def _ar_sync_odoo(self, limit=1000):
        """Carry the outcome of messages handed to Odoo's SMS service over to the queue.

        Odoo's service reports failures (credit, number format, …) on its
        ``sms.sms``; it deletes the sent ones, whose delivery receipts only
        reach Odoo's own notifications.
        """
        handed = self.search(
            [("provider", "=", "odoo"), ("state", "=", "pending"), ("sms_sms_id", "!=", False)], limit=limit
        )
        failures = dict(self.env["sms.sms"]._fields["failure_type"]._description_selection(self.env))
        for sms in handed:
            # sudo: Odoo's SMS outbox is technical, read here only for its state
            odoo_sms = sms.sms_sms_id.sudo()
            if odoo_sms.state == "error":
                sms._ar_receipt("error", failures.get(odoo_sms.failure_type) or "")
            elif odoo_sms.state in ("sent", "canceled"):
                sms._ar_receipt(odoo_sms.state)

    @api.model
    def _ar_schedule_next(self):
        # a message left *sending* is due again once its worker is presumed dead
        self.env.cr.execute(
            SQL(
                """SELECT min(CASE WHEN state = 'sending' THEN greatest(next_try, last_try + %s)
                                   ELSE next_try END)
                     FROM ar_escalation_sms WHERE state IN ('outgoing', 'sending')""",
                self._ar_stale_after(),
            )
        )
        nxt = self.env.cr.fetchone()[0]
        cron = self.env.ref("ar_escalation_sms.ir_cron_send", raise_if_not_found=False)
        if nxt and cron:
            cron._trigger(max(nxt, fields.Datetime.now()))

    def _ar_send(self, now):
        provider = self._ar_provider()
        api_ = self._ar_api(provider)
        if api_ is not None and not api_.configured():
            # nothing is sent, nothing is lost: the messages wait for the settings
            _logger.warning(
                "AR escalation SMS: the %s provider is not configured; %s waiting", provider, len(self)
            )
            with self._ar_transaction() as env:
                self.with_env(env).filtered(lambda s: s.state in ("outgoing", "sending")).write(
                    {
                        "next_try": now + timedelta(hours=1),
                        "note": self.env._("The SMS provider is not configured in Settings."),
                    }
                )
            return
        blacklisted = set(
            self.env["phone.blacklist"]
            .sudo()
            .search([("number", "in", self.mapped("number"))])
            .mapped("number")
        )  # sudo: the blacklist is marketing data a collector may not read; only membership is used
        for sms_id in self.ids:
            try:
                self._ar_process(sms_id, now, provider, api_, blacklisted)
            except CONCURRENCY_ERRORS:
                # another worker took or changed the message meanwhile: it is theirs
                _logger.info("AR escalation SMS %s: taken by another worker, skipped", sms_id)
            except Exception as exc:  # noqa: BLE001 - one message's bug must not stop the others
                _logger.exception("AR escalation SMS %s could not be processed", sms_id)
                with self._ar_transaction() as env:
                    sms = self.with_env(env).browse(sms_id)
                    if sms.state == "sending":
                        sms._ar_review(self.env._("Error after the provider was called: %s", exc))
                    else:
                        sms._ar_fail(self.env._("Could not be sent: %s", exc))

    @api.model
    def _ar_process(self, sms_id, now, provider, api_, blacklisted):
        """Claim, mark *sending*, call the provider, record: three short transactions."""
        with self._ar_transaction() as env:
            env.cr.execute(
                SQL(
                    "SELECT id FROM ar_escalation_sms WHERE id = %s AND (%s) FOR UPDATE SKIP LOCKED",
                    sms_id,
                    self._ar_due_domain_sql(now),
                )
            )
            if not env.cr.fetchone():
                return  # another worker has it, or it is no longer due
            sms = self.with_env(env).browse(sms_id)
            if not sms._ar_prepare(now, provider, api_, blacklisted):
                return
            # durable before the provider is called: a crash from here on
            # leaves the message *sending*, resolved before any resend
            sms.write({"state": "sending", "last_try": now, "provider": provider})
            key, number, body, channel = sms.idempotency_key, sms.number, sms.body, sms.channel
            callback = sms._ar_callback_url(provider, key)
        result = api_.send(key, number, body, channel, callback)
        with self._ar_transaction() as env:
            self.with_env(env).browse(sms_id)._ar_record(now, provider, result)

    def _ar_prepare(self, now, provider, api_, blacklisted):
        """Everything before the provider call; True when the message must be sent."""
        self.ensure_one()
        if self.state == "sending":
            return self._ar_resolve_sending(now, provider, api_, self.number in blacklisted)
        if self.number in blacklisted:
            self.write({"state": "canceled", "note": self.env._("Opted out")})
            self._ar_log(
                "error",
                self.env._("%(channel)s not sent: %(number)s has opted out (STOP).", **self._ar_words()),
            )
            return False
        company = self.company_id
        partner = self.partner_id
        tz = quiet.customer_timezone(
            partner.tz or self.customer_id.tz,
            (partner.country_id or self.customer_id.country_id).code,
            pytz.country_timezones,
        )
        when = quiet.next_send_time(now, tz, company.ar_sms_window_start, company.ar_sms_window_end)
        if when > now:
            self.write(
                {
                    "next_try": when,
                    "note": self.env._(
                        "Quiet hours in %(tz)s: waits until %(when)s UTC",
                        tz=tz,
                        when=fields.Datetime.to_string(when),
                    ),
                }
            )
            return False
        vals = {"provider": provider, "first_try": self.first_try or now}
        if provider == "odoo":
            # handed to Odoo's outbox in this same transaction: no unknown outcome
            self._ar_send_odoo(vals)
            return False
        self.write(vals)
        if self.attempts and provider == "twilio":
            return self._ar_lookup(now, api_)
        return True

    def _ar_lookup(self, now, api_):
        """Ask Twilio whether it holds the message; adopt it, or True to send."""
        try:
            found = api_.find_sent(
                self.idempotency_key,
                self.number,
                self.body,
                self.channel,
                since=self.first_try,
                exclude=self._ar_known_refs(),
            )
        except ProviderError as exc:
            if self.state == "sending":
                self._ar_retry_lookup(now, str(exc))
            else:
                self._ar_retry(now, {}, str(exc))
            return False
        if found:
            self._ar_adopt(found)
            return False
        return True

    def _ar_known_refs(self):
        """Provider ids already held by other messages to the same number: never adopted twice."""
        others = self.search(
            [("number", "=", self.number), ("provider_ref", "!=", False), ("id", "!=", self.id)]
        )
        return set(others.mapped("provider_ref"))

    def _ar_adopt(self, provider_ref):
        self.write(
            {"state": "pending", "provider_ref": provider_ref, "attempts": self.attempts + 1, "note": False}
        )
        self._ar_log(
            "delivery",
            self.env._("%(channel)s to %(number)s accepted by the provider.", **self._ar_words()),
        )

    def _ar_resolve_sending(self, now, provider, api_, opted_out=False):
        """A message a dead worker left *sending*: did the provider take it?

        Twilio is asked (the messages to the number since the first attempt);
        the webhook provider is sent the same ``Idempotency-Key``, which it
        answers without sending twice. Anything else cannot be established:
        the message goes to review, never resent blindly. A number that
        opted out (STOP) meanwhile is not sent to again.
        """
        self.ensure_one()
        if opted_out:
            if provider == "twilio" and self.provider == provider and not self._ar_lookup(now, api_):
                return False  # Twilio had it (adopted), or could not be asked (asked again later)
            self.write({"state": "canceled", "note": self.env._("Opted out")})
            self._ar_log(
                "error",
                self.env._(
                    "%(channel)s not sent again: %(number)s has opted out (STOP) while it was being "
                    "sent; the provider may have received it before.",
                    **self._ar_words(),
                ),
            )
            return False
        if self.provider != provider:
            self._ar_review(
                self.env._(
                    "it was being sent through %(was)s and the provider is now %(now)s",
                    was=self.provider or "?",
                    now=provider,
                )
            )
            return False
        if provider == "webhook":
            return True
        if provider == "twilio":
            return self._ar_lookup(now, api_)
        self._ar_review(self.env._("the %s provider cannot be asked", provider))
        return False

    def _ar_retry_lookup(self, now, error):
        """The provider could not be asked: ask again later, never resend blindly."""
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.write({"attempts": attempts})
            self._ar_review(self.env._("the provider could not be asked: %s", error))
            return
        self.write({"attempts": attempts, "next_try": now + backoff(attempts), "note": error})

    def _ar_review(self, why):
        """Outcome unknown: an error to review, on the message and the invoices."""
        self._ar_fail(
            self.env._(
                "Outcome unknown, not resent: %(why)s. Check the provider's log for %(number)s "
                "since %(since)s before retrying.",
                why=why,
                number=self.number,
                since=fields.Datetime.to_string(self.last_try or self.first_try),
            )
        )

    def _ar_record(self, now, provider, result):
        """The provider's answer to a send, in a transaction of its own."""
        self.ensure_one()
        if self.state != "sending":
            return  # already resolved meanwhile (a status callback adopted it)
        vals = {"provider": provider}
        if result.outcome == "sent":
            table = TWILIO_TO_STATE if provider == "twilio" else WEBHOOK_TO_STATE
            state = table.get(result.status, "pending")
            self.write(
                {
                    **vals,
                    "state": state,
                    "provider_ref": result.provider_ref,
                    "attempts": self.attempts + 1,
                    "note": False,
                }
            )
            self._ar_log(
                "delivery",
                self.env._("%(channel)s to %(number)s accepted by the provider.", **self._ar_words()),
            )
        elif result.outcome == "retry":
            self._ar_retry(now, {**vals, "state": "outgoing"}, result.error)
        else:
            self.write({**vals, "attempts": self.attempts + 1})
            self._ar_fail(result.error)

    def _ar_send_odoo(self, vals):
        if self.channel == "whatsapp":
            self.write(vals)
            self._ar_fail(self.env._("Odoo's SMS service does not carry WhatsApp messages."))
            return
        # sudo: sms.sms is Odoo's technical outbox, written as Odoo's own SMS composer does
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create({"number": self.number, "body": self.body, "partner_id": self.partner_id.id})
        )
        self.write(
            {**vals, "state": "pending", "sms_sms_id": sms.id, "provider_ref": sms.uuid, "attempts": 1}
        )
        self._ar_log(
            "delivery",
            self.env._("%(channel)s to %(number)s handed to Odoo's SMS service.", **self._ar_words()),
        )

    def _ar_retry(self, now, vals, error):
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.write({**vals, "attempts": attempts})
            self._ar_fail(self.env._("Gave up after %(n)s attempts: %(error)s", n=attempts, error=error))
            return
        self.write({**vals, "attempts": attempts, "next_try": now + backoff(attempts), "note": error})

    def _ar_fail(self, error):
        self.write({"state": "error", "note": (error or "")[:500]})
        self._ar_log(
            "error",
            self.env._("%(channel)s to %(number)s failed: %(error)s", error=error, **self._ar_words()),
        )

    def _ar_words(self):
        return {"channel": dict(self._fields["channel"].selection)[self.channel], "number": self.number}

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
