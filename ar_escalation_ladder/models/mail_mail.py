# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Escalation emails through an SMTP outage: retried when nothing went, flagged when it may have.

Odoo's mail queue marks an email failed whatever stopped it, and it stays so
until someone presses *Retry*. For the customer communication of a case
(a ``mail.mail`` whose message is on ``ar.escalation.case``) what stopped it
decides what happens next:

- **refused before any of it was transmitted** (no connection, a timeout or
  an error at connect, EHLO or AUTH, a 4xx at ``MAIL FROM`` or at every
  ``RCPT TO``, the connection cut before ``DATA``): nothing reached the
  server, so the email goes back to the queue with a scheduled date
  (backoff: ``ar_escalation.mail_retry_delays`` minutes) and the mail queue's
  scheduled action is triggered at that time, until it goes or
  ``ar_escalation.mail_retry_limit`` retries were refused;
- **the server may have it** (the connection cut after ``DATA`` started, any
  reply to ``DATA``, an email that reached some of its recipients): it is
  never sent again by itself; it stays failed, and its invoices and case say
  so for a person to check;
- **refused for good** (5xx at ``RCPT TO`` or ``MAIL FROM``, no valid
  address, a message that cannot be built), or retries exhausted: it stays
  failed, its invoices get a clear error, and nothing counts as contact (the
  invoice's contact count and date are restored and the external event
  becomes an error, so a later run sends again).

Core's methods run as they are: ``_send`` hands core the batch's SMTP
session through a watcher that notes what each email's transactions did (the
session itself does the work; ``_prepare_outgoing_list`` tells it which email
comes next), and ``_postprocess_sent_message`` (core's hook after each
email, and after a failed connection for the whole batch) takes the emails
put back in the queue out of core's failure handling. When the connection
dies, core marks the email in flight failed and stops the batch without that
hook: ``_send`` gives it its verdict.

The other emails (not an escalation case's) keep core's behaviour.
"""

import logging
import smtplib
from collections import defaultdict
from datetime import timedelta

from odoo import fields, models, tools

from .ar_escalation_format import format_reader_datetime
from .mail_smtp import CHECK, GAVE_UP, REFUSED, RETRY, SmtpWatch, classify, smtp_error_text

_logger = logging.getLogger(__name__)

CASE_MODEL = "ar.escalation.case"
WATCH_KEY = "ar_smtp_watch"
DEFAULT_DELAYS = (5.0, 15.0, 60.0, 240.0)  # minutes; the last one repeats
DEFAULT_LIMIT = 10  # automatic retries after a refusal


class MailMail(models.Model):
    _inherit = "mail.mail"

    ar_send_attempts = fields.Integer(
        "Refused attempts",
        copy=False,
        readonly=True,
        help="How many times the mail server refused this escalation email before any of it was "
        "sent; it goes back to the queue with a delay until it is sent.",
    )
    ar_last_error = fields.Char("Last refusal", copy=False, readonly=True)
    ar_delivery_issue = fields.Selection(
        [
            (RETRY, "Waiting to retry"),
            (CHECK, "May have been delivered: to check"),
            (REFUSED, "Refused"),
            (GAVE_UP, "Not delivered: retries exhausted"),
        ],
        "Escalation delivery issue",
        copy=False,
        readonly=True,
    )

    # ------------------------------------------------------------------
    # core's sending, watched
    # ------------------------------------------------------------------
    def _send(self, auto_commit=False, raise_exception=False, smtp_session=None, **kwargs):
        if smtp_session is None or not self._ar_escalation_mails():
            return super()._send(
                auto_commit=auto_commit, raise_exception=raise_exception, smtp_session=smtp_session, **kwargs
            )
        watch = SmtpWatch(smtp_session)
        mails = self.with_context(**{WATCH_KEY: watch})
        try:
            return super(MailMail, mails)._send(
                auto_commit=auto_commit, raise_exception=raise_exception, smtp_session=watch, **kwargs
            )
        except smtplib.SMTPServerDisconnected as exc:
            # core marks the email in flight failed and stops the batch
            # without its post-processing: give it its verdict here
            mails._ar_connection_lost(watch, exc)
            raise

    def _prepare_outgoing_list(self, mail_server=False, recipients_follower_status=None):
        watch = self.env.context.get(WATCH_KEY)
        if watch is not None:
            watch.begin(self.id)
        return super()._prepare_outgoing_list(
            mail_server=mail_server, recipients_follower_status=recipients_follower_status
        )

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        escalation = self._ar_escalation_mails()
        delivered = escalation.filtered(lambda mail: mail.state == "sent" and mail.ar_delivery_issue)
        if delivered:
            delivered.write({"ar_delivery_issue": False})
        failed = escalation.filtered(lambda mail: mail.state == "exception")
        if not failed:
            return super()._postprocess_sent_message(
                success_pids, failure_reason=failure_reason, failure_type=failure_type
            )
        watch = self.env.context.get(WATCH_KEY)
        verdicts = {mail: mail._ar_verdict(failure_type, watch) for mail in failed}
        deferred = failed._ar_defer(verdicts)
        notes = (failed - deferred)._ar_flag_notes(verdicts)
        rest = self - deferred
        result = True
        if rest:
            # the emails put back in the queue have not failed: core's failure
            # handling (notifications in error, failure notice) is not for them
            result = super(MailMail, rest)._postprocess_sent_message(
                success_pids, failure_reason=failure_reason, failure_type=failure_type
            )
        if notes:
            self._ar_flag(notes)
        return result

    def _ar_connection_lost(self, watch, exc):
        inflight = self._ar_escalation_mails().filtered(
            lambda mail: mail.id == watch.current and mail.state == "exception"
        )
        if inflight:
            inflight._postprocess_sent_message(
                success_pids=[], failure_reason=tools.exception_to_unicode(exc), failure_type="unknown"
            )
        now = fields.Datetime.now()
        waiting = self._ar_escalation_mails().filtered(
            lambda mail: mail.state == "outgoing" and not (mail.scheduled_date and mail.scheduled_date > now)
        )
        if waiting:
            # the rest of the batch was not tried: it goes at the first retry time
            self._ar_trigger_queue([now + timedelta(minutes=self._ar_retry_delays()[0])])

    # ------------------------------------------------------------------
    # verdicts
    # ------------------------------------------------------------------
    def _ar_escalation_mails(self):
        """The customer communications of escalation cases among these emails."""
        return self.filtered(lambda mail: mail.model == CASE_MODEL and mail.res_id)

    def _ar_verdict(self, failure_type, watch):
        """(outcome, what happened in words, the technical error) for one failed email."""
        self.ensure_one()
        _ = self.env._
        if failure_type == "mail_smtp":
            # core's failed connection (refused, timeout, 4xx/5xx at connect,
            # EHLO, STARTTLS or AUTH): nothing of the batch was transmitted
            return RETRY, _("the mail server could not be reached"), self._ar_one_line(self.failure_reason)
        sent = watch.sent.get(self.id, 0) if watch else 0
        exc = watch.failed.get(self.id) if watch else None
        error = smtp_error_text(exc) if exc is not None else self._ar_one_line(self.failure_reason)
        if sent:
            return CHECK, _("it reached some of its recipients, not all (%s)", error), error
        if exc is not None:
            outcome = classify(exc)
            if outcome == CHECK:
                words = _("the connection to the mail server broke while the message was being handed over")
                if isinstance(exc, smtplib.SMTPDataError):
                    words = _("the mail server answered with an error after receiving the message")
            elif outcome == REFUSED and isinstance(exc, smtplib.SMTPRecipientsRefused):
                words = _("the mail server refused the address")
            elif outcome == REFUSED and isinstance(exc, smtplib.SMTPSenderRefused):
                words = _("the mail server refused the sender address")
            elif outcome == REFUSED:
                words = _("the mail server would not take it")
            else:
                words = _("the mail server refused it for now")
            return outcome, words, error
        if failure_type in ("mail_from_invalid", "mail_from_missing"):
            return REFUSED, _("the sender address is not valid"), error
        if failure_type in (None, "mail_email_invalid", "mail_email_missing"):
            return REFUSED, _("it has no valid recipient address"), error
        if watch is None:
            # no session was watched: whether anything went is unknown
            return CHECK, _("the mail server's answer is unknown"), error
        return REFUSED, _("it could not be prepared for sending"), error

    @staticmethod
    def _ar_one_line(text):
        return " ".join((text or "").split())[:1000]

    def _ar_retry_delays(self):
        """Minutes to wait before each retry (``ar_escalation.mail_retry_delays``; the last repeats)."""
        raw = self.env["ir.config_parameter"].sudo().get_param("ar_escalation.mail_retry_delays", "")
        try:
            delays = tuple(float(part) for part in raw.split(",") if part.strip())
        except ValueError:
            delays = ()
        return delays if delays and all(delay > 0 for delay in delays) else DEFAULT_DELAYS

    def _ar_retry_limit(self):
        raw = self.env["ir.config_parameter"].sudo().get_param("ar_escalation.mail_retry_limit", "")
        try:
            return max(int(raw), 0)
        except ValueError:
            return DEFAULT_LIMIT

    def _ar_defer(self, verdicts):
        """Put back in the queue the emails refused before transmission; return them.

        Each goes at its backoff time, its refusal counted and its error kept
        (:meth:`_ar_requeue`). One past the retry limit is left failed (its
        verdict becomes GAVE_UP).
        """
        delays, limit = self._ar_retry_delays(), self._ar_retry_limit()
        now = fields.Datetime.now()
        groups = defaultdict(list)
        for mail in self:
            outcome, __, error = verdicts[mail]
            if outcome != RETRY:
                continue
            attempts = mail.ar_send_attempts + 1
            if attempts > limit:
                verdicts[mail] = (
                    GAVE_UP,
                    self.env._(
                        "the mail server refused it %(count)s times since %(since)s",
                        count=attempts,
                        # in the reader's date format and time zone, the zone named
                        since=format_reader_datetime(self.env, mail.create_date),
                    ),
                    error,
                )
                continue
            at = now + timedelta(minutes=delays[min(attempts, len(delays)) - 1])
            groups[(attempts, at, error)].append(mail.id)
        return self._ar_requeue(groups)

    def _ar_requeue(self, groups):
        """The emails of ``groups`` ({(attempts, at, error): ids}) back in the queue; return them.

        Their notifications are ready again and the mail queue's scheduled
        action is triggered at their times.
        """
        deferred = self.browse([mail_id for ids in groups.values() for mail_id in ids])
        if not deferred:
            return deferred
        for (attempts, at, error), ids in groups.items():
            self.browse(ids).write(
                {
                    "state": "outgoing",
                    "scheduled_date": at,
                    "failure_type": False,
                    "failure_reason": False,
                    "ar_send_attempts": attempts,
                    "ar_last_error": error,
                    "ar_delivery_issue": RETRY,
                }
            )
            _logger.info(
                "AR escalation: %s email(s) refused before sending (%s); retry %s at %s UTC",
                len(ids),
                error,
                attempts,
                at,
            )
        # sudo: the notifications of the outbox, written as core's mail queue does
        self.env["mail.notification"].sudo().search(
            [
                ("mail_mail_id", "in", deferred.ids),
                ("notification_type", "=", "email"),
                ("notification_status", "not in", ("ready", "sent", "canceled")),
            ]
        ).write({"notification_status": "ready", "failure_type": False, "failure_reason": False})
        self._ar_trigger_queue([at for __, at, __ in groups])
        return deferred

    def _ar_trigger_queue(self, times):
        # sudo: the mail queue's scheduled action is admin data; waking it at
        # a given time is what ir.cron._trigger is for
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action", raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger(at=sorted(set(times)))
