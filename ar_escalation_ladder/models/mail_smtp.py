# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What an SMTP session did with each email of a batch, and what an error means.

Pure Python (no Odoo model): :class:`SmtpWatch` wraps the batch's session,
:func:`classify` turns what smtplib raised into an outcome (:data:`RETRY`,
:data:`CHECK`, :data:`REFUSED`; :data:`GAVE_UP` once retries are exhausted).
The mail queue's handling of escalation emails is in :mod:`.mail_mail`.
"""

import smtplib
import traceback
from collections import Counter

RETRY, CHECK, REFUSED, GAVE_UP = "retry", "to_check", "refused", "gave_up"


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
