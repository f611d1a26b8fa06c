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
import traceback
from collections import Counter, defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models, tools
from odoo.tools import SQL

from .ar_escalation_format import format_reader_datetime

_logger = logging.getLogger(__name__)

CASE_MODEL = "ar.escalation.case"
WATCH_KEY = "ar_smtp_watch"
RETRY, CHECK, REFUSED, GAVE_UP = "retry", "to_check", "refused", "gave_up"
DEFAULT_DELAYS = (5.0, 15.0, 60.0, 240.0)  # minutes; the last one repeats
DEFAULT_LIMIT = 10  # automatic retries after a refusal


class SmtpWatch:
    """The SMTP session of one batch, noting what each email's transactions did.

    Core's ``ir.mail_server.send_email`` calls ``send_message`` on the
    session it is given; everything else goes to the session itself. The
    email being sent is told by :meth:`MailMail._prepare_outgoing_list`
    (core prepares each email right before handing it over): ``sent`` counts
    the transactions accepted per email (one per recipient partner, one for
    ``email_to``/``email_cc``), ``failed`` keeps the error of the one that
    failed as smtplib raised it (with its traceback), ``current`` is the
    email being sent. Emails are keyed by id: the emails of one message share
    its Message-Id.
    """

    def __init__(self, session):
        self._session = session
        self.sent = Counter()
        self.failed = {}
        self.current = None

    def __getattr__(self, name):
        return getattr(self._session, name)

    def begin(self, mail_id):
        self.current = mail_id

    def send_message(self, msg, *args, **kwargs):
        mail_id = self.current
        try:
            result = self._session.send_message(msg, *args, **kwargs)
        except Exception as exc:
            self.failed[mail_id] = exc
            raise
        self.sent[mail_id] += 1
        return result


def smtp_phase(exc):
    """The SMTP command an error interrupted, from smtplib's frames in its traceback.

    ``"data"`` once the ``DATA`` command was issued (the message may be at
    the server), ``"rcpt"``, ``"mail"``, or ``""`` (before ``MAIL FROM``).
    """
    names = {
        frame.f_code.co_name
        for frame, __ in traceback.walk_tb(exc.__traceback__)
        if frame.f_globals.get("__name__") == "smtplib"
    }
    return next((phase for phase in ("data", "rcpt", "mail") if phase in names), "")


def _reply_text(reply):
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)


def smtp_error_text(exc):
    """An SMTP error in one line: the server's code and words, or the exception."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {_reply_text(reply)}" for rcpt, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_reply_text(exc.smtp_error)}"
    return f"{type(exc).__name__}: {exc}"


def classify(exc):
    """What an error raised while handing one email to the server means: RETRY, CHECK or REFUSED."""
    if isinstance(exc, smtplib.SMTPDataError):
        return CHECK  # the server answered DATA: it had (part of) the message
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, __ in exc.recipients.values()]
        return RETRY if codes and all(400 <= code < 500 for code in codes) else REFUSED
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return REFUSED  # the message needs an extension the server lacks (SMTPUTF8)
    if isinstance(exc, smtplib.SMTPResponseException):  # MAIL FROM refused, EHLO, ...
        if smtp_phase(exc) == "data":
            return CHECK
        return RETRY if 400 <= exc.smtp_code < 500 else REFUSED
    if isinstance(exc, OSError):  # connection cut or timed out (SMTPServerDisconnected is one)
        return CHECK if smtp_phase(exc) == "data" else RETRY
    return REFUSED  # the message could not be built or handed over (encoding, ...)


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

        Each goes at its backoff time, its refusal counted and its error kept;
        its notifications are ready again and the mail queue's scheduled
        action is triggered at that time. One past the retry limit is left
        failed (its verdict becomes GAVE_UP).
        """
        delays, limit = self._ar_retry_delays(), self._ar_retry_limit()
        now = fields.Datetime.now()
        groups = defaultdict(list)
        for mail in self:
            outcome, words, error = verdicts[mail]
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

    # ------------------------------------------------------------------
    # flags on the invoices and the case
    # ------------------------------------------------------------------
    def _ar_flag_notes(self, verdicts):
        """What to tell about each email left failed, read before core's post-processing.

        (core deletes an auto-deleted email whose address is invalid.) The
        invoices are those whose external events record the message: the
        events link the customer's email, and a message also gives an email
        to each internal follower notified by email (the case's owner), whose
        failure is said on the case only.
        """
        if not self:
            return []
        # sudo: whoever runs the mail queue (the scheduled action runs as superuser, an
        # administrator may press "Send now") reads the ladder's record of the message
        events = (
            self.env["ar.escalation.event"]
            .sudo()
            .search([("mail_id.mail_message_id", "in", self.mail_message_id.ids), ("kind", "=", "external")])
        )
        events_of = defaultdict(list)
        for event in events:
            events_of[event.mail_id.mail_message_id.id].append(event.id)
        notes = []
        for mail in self:
            outcome, words, error = verdicts[mail]
            recipients = mail.recipient_ids.mapped("email") + tools.mail.email_split(mail.email_to or "")
            customer = mail._ar_is_customer_copy()
            notes.append(
                {
                    "mail_id": mail.id,
                    "outcome": outcome,
                    "words": words,
                    "error": error,
                    "subject": mail.subject or "",
                    "to": ", ".join(email for email in recipients if email),
                    "case_id": mail.res_id,
                    "customer": customer,
                    "event_ids": events_of[mail.mail_message_id.id] if customer else [],
                }
            )
        return notes

    def _ar_is_customer_copy(self):
        """Whether this email of a case message goes to the customer (not only to internal users)."""
        self.ensure_one()
        return bool(self.email_to or self.email_cc) or any(self.recipient_ids.mapped("partner_share"))

    def _ar_flag(self, notes):
        """Say on the invoices and the case what became of these emails; the mail queue goes on."""
        try:
            with self.env.cr.savepoint():
                # sudo: the ladder's bookkeeping of its own email (invoice error, events, case
                # note), written whoever runs the mail queue, as the scheduled run writes it
                self.sudo()._ar_write_flags(notes)
        except Exception:
            _logger.exception("AR escalation: could not flag failed escalation emails %s", notes)

    def _ar_sentence(self, note):
        _ = self.env._
        values = {"subject": note["subject"], "to": note["to"] or _("the customer"), "why": note["words"]}
        if not note["customer"]:
            if note["outcome"] == CHECK:
                return _(
                    "The copy of the email “%(subject)s” for %(to)s (not the customer's) may not have "
                    "arrived: %(why)s.",
                    **values,
                )
            return _(
                "The copy of the email “%(subject)s” for %(to)s (not the customer's) was not delivered: "
                "%(why)s.",
                **values,
            )
        if note["outcome"] == CHECK:
            return _(
                "The email “%(subject)s” to %(to)s may or may not have reached the customer: %(why)s. "
                "It is not sent again automatically: check with the customer before sending it again.",
                **values,
            )
        if note["outcome"] == REFUSED:
            return _(
                "The email “%(subject)s” to %(to)s was not delivered: %(why)s. It does not count as a "
                "contact; correct the address or the mail settings, the next run sends it again.",
                **values,
            )
        return _(
            "The email “%(subject)s” to %(to)s was not delivered: %(why)s. It does not count as a "
            "contact; the next run sends it again.",
            **values,
        )

    def _ar_write_flags(self, notes):
        Event = self.env["ar.escalation.event"]
        new_events, undo_events, invoice_vals, case_bodies = [], Event, {}, defaultdict(list)
        for note in notes:
            sentence = self._ar_sentence(note)
            _logger.warning("AR escalation: email %s: %s (%s)", note["mail_id"], sentence, note["error"])
            mail = self.browse(note["mail_id"]).exists()
            if mail:
                mail.write(
                    {
                        "ar_delivery_issue": note["outcome"],
                        "ar_last_error": note["error"],
                        "failure_reason": f"{sentence}\n\n{note['error']}",
                    }
                )
                # sudo: the notifications of the outbox, as core writes them
                self.env["mail.notification"].sudo().search(
                    [("mail_mail_id", "=", mail.id), ("notification_status", "in", ("exception", "bounce"))]
                ).write({"failure_reason": sentence})
            case_bodies[note["case_id"]].append(sentence)
            events = Event.browse(note["event_ids"]).exists()
            for event in events:
                invoice_vals[event.move_id.id] = {"ar_error": sentence[:1000]}
            if note["outcome"] == CHECK:
                # it may have gone: the contact stands, an error event says what to check
                erred = events
            else:
                undo_events |= events.filtered(lambda event: event.channel == "email")
                # an SMS of the same communication went: only the email is in error
                erred = events.filtered(lambda event: event.channel != "email")
            new_events += [
                Event._prepare_event_vals(
                    event.move_id, "error", event.stage_id, sentence, channel="email", case_id=note["case_id"]
                )
                for event in erred
            ]
        for move_id, vals in self._ar_undo_contact(undo_events).items():
            invoice_vals[move_id].update(vals)
        if undo_events:
            # not delivered: the external event becomes the error, which frees
            # its key (invoice, stage, entry, cycle) for the next run's message
            reasons = {event_id: self._ar_sentence(note) for note in notes for event_id in note["event_ids"]}
            for event in undo_events:
                event.write({"kind": "error", "reason": reasons[event.id], "message_id": False})
            undo_events.flush_recordset()
            undo_events._ar_post_chatter()
        self.env["account.move"]._ar_write_many(invoice_vals)
        Event._ar_log(new_events)
        cases = self.env[CASE_MODEL].browse(list(case_bodies)).exists()
        if cases:
            cases._message_log_batch(
                bodies={
                    case.id: Markup("<br/>").join(Markup("<p>%s</p>") % line for line in case_bodies[case.id])
                    for case in cases
                }
            )

    def _ar_undo_contact(self, events):
        """The invoices' contact fields as they were before these (undelivered) external events.

        Only for an invoice whose contact count is still the one the event
        made (same stage and entry, count = cycle + 1): its count goes back
        to the event's cycle, its last contact to the one before (the latest
        other external event), and a stage level that started waiting for an
        answer with this message stops waiting.
        """
        if not events:
            return {}
        self.env["ar.escalation.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT ON (move_id) move_id, date, channel FROM ar_escalation_event
                    WHERE move_id IN %s AND kind = 'external' AND id NOT IN %s
                 ORDER BY move_id, date DESC, id DESC""",
                tuple(events.move_id.ids),
                tuple(events.ids),
            )
        )
        before = {move_id: (date, channel) for move_id, date, channel in self.env.cr.fetchall()}
        vals_by_move = {}
        for event in events:
            move = event.move_id
            counted = (
                move.ar_stage_id == event.stage_id
                and move.ar_stage_entries == event.entry
                and move.ar_contact_attempts == event.cycle + 1
            )
            if not counted:
                continue
            date, channel = before.get(move.id, (False, False))
            vals = {
                "ar_contact_attempts": event.cycle,
                "ar_last_contact_date": date or False,
                "ar_last_contact_channel": channel or False,
            }
            unanswered = dict(move.ar_unanswered_since or {})
            level = str(event.stage_id.sequence)
            if event.cycle == 0 and unanswered.get(level) == fields.Date.to_string(event.date.date()):
                del unanswered[level]
                vals["ar_unanswered_since"] = unanswered or False
            vals_by_move[move.id] = vals
        return vals_by_move
