# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The queue's sending: the cron, the claim of each message, its own short transactions.

What happens to one claimed message before and after the provider call is in
:mod:`.ar_escalation_sms_outcome`.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from odoo import api, fields, models
from odoo.modules import module
from odoo.tools import SQL

from .ar_escalation_sms import CONCURRENCY_ERRORS

_logger = logging.getLogger(__name__)


class ArEscalationSms(models.Model):
    _inherit = "ar.escalation.sms"

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
