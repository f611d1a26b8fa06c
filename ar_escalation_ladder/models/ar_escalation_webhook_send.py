# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Sending the webhook outbox: through queue_job where installed, else the scheduled action.

A batch takes the due rows with ``FOR UPDATE SKIP LOCKED`` (two workers never
send one row at once), builds the bodies with a constant number of queries,
posts them (:mod:`..tools.webhook`, a few at a time in threads that touch no
database) and records every outcome in one statement. What is not delivered
is retried with exponential backoff until its give-up time.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.tools import SQL

from ..tools import webhook as hook

_logger = logging.getLogger(__name__)

DEFAULT_BATCH = 200
DEFAULT_PARALLEL = 4
REQUEUE_AFTER = timedelta(minutes=15)  # a queued row whose job never ran is queued again


class ArEscalationWebhookDelivery(models.Model):
    _inherit = "ar.escalation.webhook.delivery"

    # ------------------------------------------------------------------
    # entry points
    # ------------------------------------------------------------------
    @api.model
    def _cron_send(self, batch_size=None):
        """Scheduled action: send one batch of due deliveries (or queue them as jobs).

        The cron framework calls again at once while due rows remain
        (``_notify_progress``); the next retry time wakes it (``_trigger``).
        """
        batch_size = batch_size or self._ar_param("ar_escalation.webhook_batch_size", DEFAULT_BATCH)
        if self._ar_use_queue():
            return self._ar_enqueue_due(batch_size)
        done = self._ar_send_due(batch_size)
        remaining = self._ar_due_count() if done == batch_size else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if not remaining:
            self._ar_schedule_next()
        return done

    @api.model
    def _ar_dispatch(self):
        """New rows in the outbox: queue them as jobs, or wake the scheduled action."""
        if self._ar_use_queue():
            self._ar_enqueue_due()
        else:
            self.env.ref("ar_escalation_ladder.ir_cron_ar_webhook_send")._trigger()

    @api.model
    def _ar_use_queue(self):
        """Whether deliveries go through queue_job: installed here and the ladder's setting on.

        The ladder's queue API (models/ar_escalation_queue.py) answers, as it does for the sweep.
        """
        return self.env["ar.escalation.queue"]._ar_queue_enabled()

    @api.model
    def _ar_param(self, key, default):
        # sudo: the sender's tuning is a system parameter
        return int(self.env["ir.config_parameter"].sudo().get_param(key, default) or default)

    # ------------------------------------------------------------------
    # which rows
    # ------------------------------------------------------------------
    def _ar_due_where(self):
        return SQL(
            """d.state = 'pending' AND d.next_attempt_at <= %s
               AND d.webhook_id IN (SELECT id FROM ar_escalation_webhook WHERE enabled AND active)""",
            fields.Datetime.now(),
        )

    @api.model
    def _ar_due_count(self):
        self.env.cr.execute(
            SQL("SELECT count(*) FROM ar_escalation_webhook_delivery d WHERE %s", self._ar_due_where())
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _ar_send_due(self, limit):
        """Lock up to ``limit`` due rows (rows another worker holds are skipped) and send them."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT d.id FROM ar_escalation_webhook_delivery d WHERE %s
                    ORDER BY d.next_attempt_at, d.id LIMIT %s FOR UPDATE OF d SKIP LOCKED""",
                self._ar_due_where(),
                limit,
            )
        )
        deliveries = self.browse([row[0] for row in self.env.cr.fetchall()])
        deliveries._ar_send()
        return len(deliveries)

    @api.model
    def _ar_send_ids(self, ids):
        """A queue job: send those of ``ids`` still due and not held by another worker."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT d.id FROM ar_escalation_webhook_delivery d WHERE d.id = ANY(%s) AND %s
                    ORDER BY d.id FOR UPDATE OF d SKIP LOCKED""",
                list(ids),
                self._ar_due_where(),
            )
        )
        deliveries = self.browse([row[0] for row in self.env.cr.fetchall()])
        deliveries._ar_send()
        self._ar_schedule_next()
        return len(deliveries)

    @api.model
    def _ar_enqueue_due(self, batch_size=None):
        """Queue the due rows not queued lately as jobs of ``batch_size`` rows on the webhook channel.

        Rows a job is sending right now are skipped (SKIP LOCKED): the ladder's
        transaction that queued new events never waits for a receiver.
        """
        batch_size = batch_size or self._ar_param("ar_escalation.webhook_batch_size", DEFAULT_BATCH)
        now = fields.Datetime.now()
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_webhook_delivery SET queued_at = %s
                    WHERE id IN (SELECT d.id FROM ar_escalation_webhook_delivery d
                                  WHERE %s AND (d.queued_at IS NULL OR d.queued_at < %s)
                                    FOR UPDATE OF d SKIP LOCKED)
                RETURNING id""",
                now,
                self._ar_due_where(),
                now - REQUEUE_AFTER,
            )
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        self.invalidate_model(["queued_at"])
        channel = self.env["ar.escalation.queue"]._ar_channel("webhook")
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            self.with_delay(
                channel=channel, description=self.env._("Send %(count)s webhook deliveries", count=len(chunk))
            )._ar_send_ids(chunk)
        self._ar_schedule_next()
        return len(ids)

    @api.model
    def _ar_schedule_next(self):
        """Wake the scheduled action when the next retry falls due."""
        self.env.cr.execute(
            """SELECT min(next_attempt_at) FROM ar_escalation_webhook_delivery
                WHERE state = 'pending' AND next_attempt_at > now() AT TIME ZONE 'UTC'"""
        )
        at = self.env.cr.fetchone()[0]
        if at:
            self.env.ref("ar_escalation_ladder.ir_cron_ar_webhook_send")._trigger(at)

    # ------------------------------------------------------------------
    # one batch
    # ------------------------------------------------------------------
    def _ar_send(self):
        """Post these (locked) deliveries and record what each attempt did."""
        if not self:
            return
        requests_ = self._ar_requests()
        parallel = max(self._ar_param("ar_escalation.webhook_parallel", DEFAULT_PARALLEL), 1)
        outcomes = _post_all(requests_, parallel)
        self._ar_record(outcomes)

    def _ar_requests(self):
        """``{delivery id: (url, body, secret, key, kind, timeout)}``, or an Outcome if it cannot go."""
        payloads = self._ar_payloads()
        requests_ = {}
        for delivery in self:
            # sudo: the secret signs the body; only the sender reads it back
            webhook = delivery.webhook_id.sudo()
            if not webhook.secret:
                requests_[delivery.id] = hook.Outcome("failed", error="secret")
                continue
            key = self._ar_key(webhook.id, delivery.event_id.id)
            body = hook.encode(payloads[delivery.id])
            requests_[delivery.id] = (webhook.url, body, webhook.secret, key, delivery.kind, webhook.timeout)
        return requests_


def _post_all(requests_, parallel):
    """``{delivery id: Outcome}``: the requests posted, ``parallel`` at a time; no database here."""
    local = threading.local()
    sessions = []

    def send(item):
        key, request = item
        if isinstance(request, hook.Outcome):
            return key, request
        if not hasattr(local, "session"):
            local.session = requests.Session()
            sessions.append(local.session)
        url, body, secret, idempotency_key, kind, timeout = request
        # signed as it leaves: the timestamp is the sending time, within the receiver's window
        head = hook.headers(secret, time.time(), body, idempotency_key, kind)
        try:
            return key, hook.post(local.session, url, body, head, timeout)
        except Exception as exc:  # a bug must not lose the batch's other outcomes
            _logger.exception("AR escalation webhook: delivery %s", key)
            return key, hook.Outcome("retry", error="bug", detail=exc.__class__.__name__)

    try:
        with ThreadPoolExecutor(max_workers=min(parallel, max(len(requests_), 1))) as pool:
            return dict(pool.map(send, requests_.items()))
    finally:
        for session in sessions:
            session.close()
