# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Escalation emails through a mail server outage, against a real SMTP server on 127.0.0.1.

The server below speaks enough SMTP for smtplib and can misbehave the way
real ones do: 421 at connect, 421 at ``MAIL FROM``, the connection cut at
``MAIL FROM`` or after the message's ``DATA``, 550 at ``RCPT TO``. It counts
every message whose ``DATA`` it received, so "sent exactly once" is counted
where it matters. The emails are queued the way production queues them (a
run of the ladder) and sent by Odoo's mail queue, for real: Odoo does not
open SMTP connections while a test runs, so that guard is lifted around the
queue run only.
"""

import email.parser
import socketserver
import threading
from collections import Counter
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

import odoo
from odoo import fields
from odoo.tests import freeze_time, tagged
from odoo.tools import mute_logger

from .common import ArEscalationCommon


class _SmtpHandler(socketserver.StreamRequestHandler):
    timeout = 10
    # the commands answered the same in every mode
    REPLIES = {
        "EHLO": "250-test.localhost\r\n250-8BITMIME\r\n250 SIZE 52428800",
        "HELO": "250 test.localhost",
        "RSET": "250 2.0.0 OK",
        "NOOP": "250 2.0.0 OK",
    }

    def say(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        self.mode = self.server.mode  # the server's mode when the connection opened
        self.server.connections += 1
        if self.mode == "refuse":
            self.say("421 4.3.2 test: service not available, try again later")
            return
        self.say("220 test.localhost ESMTP")
        self.recipients = []
        commands = {"MAIL": self._mail, "RCPT": self._rcpt, "DATA": self._data, "QUIT": self._quit}
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("latin-1").strip()[:4].upper()
            if verb in self.REPLIES:
                self.say(self.REPLIES[verb])
            elif verb not in commands:
                self.say("502 5.5.2 not implemented")
            elif not commands[verb](line):
                return  # the server closes the connection

    # each command answers and says whether the connection goes on
    def _mail(self, line):
        if self.mode == "drop_at_mail":
            return False  # the server dies without a reply
        if self.mode == "mail_from_421":
            self.say("421 4.7.0 test: too many connections, try again later")
            return False
        self.recipients = []
        self.say("250 2.1.0 OK")
        return True

    def _rcpt(self, line):
        address = line.decode("latin-1").split(":", 1)[1].strip().strip("<>").lower()
        if self.mode == "rcpt_550" and address == self.server.target:
            self.say("550 5.1.1 test: no such mailbox")
            return True
        self.recipients.append(address)
        self.say("250 2.1.5 OK")
        return True

    def _data(self, line):
        server = self.server
        self.say("354 go ahead")
        chunks = []
        while True:
            chunk = self.rfile.readline()
            if chunk in (b".\r\n", b".\n", b""):
                break
            chunks.append(chunk)
        headers = email.parser.BytesHeaderParser().parsebytes(b"".join(chunks))
        with server.lock:
            server.received.extend((headers.get("Message-Id", "").strip(), rcpt) for rcpt in self.recipients)
        if self.mode == "drop_after_data" and server.target in self.recipients:
            return False  # the message is here, its acknowledgement never leaves
        self.say("250 2.0.0 queued")
        return True

    def _quit(self, line):
        self.say("221 2.0.0 bye")
        return False


class SmtpTestServer(socketserver.ThreadingTCPServer):
    """An SMTP server on a free port of 127.0.0.1 whose ``mode`` the test switches."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.port = self.server_address[1]
        self.mode = "accept"
        # the address that the modes of one recipient (rcpt_550, drop_after_data) are about
        self.target = None
        self.received = []  # (Message-Id, recipient) of every DATA received
        self.connections = 0
        self.lock = threading.Lock()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self):
        self._thread.start()

    def stop(self):
        self.shutdown()
        self.server_close()

    def data_count(self, message_id, recipient):
        """How many times the server received the message for ``recipient``."""
        return Counter(self.received)[(message_id, recipient)]


@tagged("post_install", "-at_install")
class TestMailOutage(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = SmtpTestServer()
        cls.smtp.start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.env["ir.mail_server"].search([]).write({"active": False})
        cls.env["ir.mail_server"].create(
            {
                "name": "Test SMTP on loopback",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
                "sequence": 1,
            }
        )
        cls.mail_cron = cls.env.ref("mail.ir_cron_mail_scheduler_action")
        cls.Mail = cls.env["mail.mail"]

    def setUp(self):
        super().setUp()
        self.smtp.mode = "accept"
        self.smtp.target = "billing@acme.example.com"
        self.smtp.received.clear()
        self.smtp.connections = 0

    # ------------------------------------------------------------------
    def _escalate(self, partner=None, days_overdue=10):
        """An overdue invoice, escalated by the ladder: its customer email is queued."""
        move = self._invoice(partner or self.customer, 1000, days_overdue)
        move.action_ar_escalate_now()
        self.env.flush_all()
        mail = self._customer_mail(move)
        self.assertEqual(mail.state, "outgoing", "the run queues the email, the mail queue sends it")
        return move, mail

    def _customer_mail(self, move):
        """The customer's email of the invoice's case (the case's owner may get a copy of their own)."""
        case = move.ar_case_id
        self.assertTrue(case, "the invoice is on a case")
        mails = self.Mail.search([("model", "=", "ar.escalation.case"), ("res_id", "=", case.id)])
        mails = mails.filtered(
            lambda mail: move.commercial_partner_id in mail.recipient_ids.commercial_partner_id
        )
        self.assertEqual(len(mails), 1, "one customer email per case")
        return mails

    @contextmanager
    def _real_smtp(self):
        """Let Odoo connect to the SMTP server during the test (it never does in test mode)."""
        with patch.object(odoo.modules.module, "current_test", False):
            yield

    def _run_queue(self, at=None):
        """The mail queue's scheduled action, now or at ``at`` (UTC)."""
        # core logs each failed email as an error; the ladder's own lines are warnings and stay
        with self._real_smtp(), mute_logger("odoo.addons.mail.models.mail_mail"):
            if at:
                with freeze_time(at):
                    self.Mail.process_email_queue()
            else:
                self.Mail.process_email_queue()
        self.env.flush_all()
        self.env.invalidate_all()

    def _delivered(self, mail, address="billing@acme.example.com"):
        return self.smtp.data_count(mail.message_id, address)

    def _escalate_into(self, mode):
        """An escalation email the mail queue meets the server in ``mode`` with: nothing arrives."""
        move, mail = self._escalate()
        self.smtp.mode = mode
        self._run_queue()
        self.assertFalse(self.smtp.received, "nothing of it reached the server")
        self.assertEqual(mail.state, "outgoing", "it waits in the queue")
        return move, mail

    def _server_back(self, mail, at):
        """The server accepts again; the mail queue runs at ``at``: the email goes, once."""
        self.smtp.mode = "accept"
        self._run_queue(at=at)
        self.assertEqual(mail.state, "sent")
        self.assertEqual(self._delivered(mail), 1, "sent once")

    def _triggers(self, at):
        return self.env["ir.cron.trigger"].search([("cron_id", "=", self.mail_cron.id), ("call_at", "=", at)])

    def _case_notes(self, case):
        return case.message_ids.filtered(lambda m: m.message_type == "notification")

    # ------------------------------------------------------------------
    def test_refused_at_connect_waits_then_goes_once(self):
        move, mail = self._escalate()
        self.assertEqual(move.ar_contact_attempts, 1)
        contacted_on = move.ar_last_contact_date
        self.smtp.mode = "refuse"
        before = fields.Datetime.now()
        self._run_queue()

        # nothing reached the server: the email waits in the queue, for later
        self.assertFalse(self.smtp.received)
        self.assertEqual(self.smtp.connections, 1)
        self.assertEqual(mail.state, "outgoing", "not failed: it goes back to the queue")
        self.assertGreaterEqual(mail.scheduled_date, before + timedelta(minutes=5))
        self.assertLess(mail.scheduled_date, before + timedelta(minutes=6))
        self.assertEqual(mail.ar_send_attempts, 1)
        self.assertEqual(mail.ar_delivery_issue, "retry")
        self.assertIn("421", mail.ar_last_error)
        self.assertEqual(len(self._triggers(mail.scheduled_date)), 1, "the mail queue runs at that time")
        notification = mail.notification_ids.filtered(lambda n: n.mail_mail_id == mail)
        self.assertEqual(notification.notification_status, "ready", "no failure shows in the chatter")
        # the customer was not contacted yet, and nothing is flagged
        self.assertFalse(move.ar_error)
        self.assertEqual(move.ar_contact_attempts, 1)
        self.assertEqual(move.ar_last_contact_date, contacted_on)

        # an earlier queue run leaves it alone; at its time, the server still refuses: longer wait
        self._run_queue()
        self.assertEqual(self.smtp.connections, 1, "not due yet: no connection")
        first_retry = mail.scheduled_date
        self._run_queue(at=first_retry)
        self.assertEqual(mail.state, "outgoing")
        self.assertEqual(mail.ar_send_attempts, 2)
        self.assertGreaterEqual(mail.scheduled_date, first_retry + timedelta(minutes=15))

        # the server is back: at the retry time the email goes, once
        self._server_back(mail, mail.scheduled_date)
        self.assertFalse(mail.ar_delivery_issue)
        self._run_queue(at=mail.scheduled_date + timedelta(hours=5))
        self.assertEqual(self._delivered(mail), 1, "never twice")
        self.assertFalse(move.ar_error)

    def test_421_at_mail_from_is_retried(self):
        move, mail = self._escalate_into("mail_from_421")
        self.assertTrue(mail.scheduled_date > fields.Datetime.now())
        # the first email of the session met the 421 (the server then closes the connection: the
        # case owner's copy, if it went first, leaves the customer's to meet a closed session)
        case_mails = self.Mail.search(
            [("model", "=", "ar.escalation.case"), ("res_id", "=", move.ar_case_id.id)]
        )
        self.assertIn("421", " ".join(case_mails.mapped("ar_last_error")))
        self.assertEqual(set(case_mails.mapped("state")), {"outgoing"})
        self.assertTrue(self._triggers(mail.scheduled_date))
        self._server_back(mail, mail.scheduled_date)
        self.assertFalse(move.ar_error)

    def test_connection_cut_before_data_is_retried(self):
        __, mail = self._escalate_into("drop_at_mail")  # cut at MAIL FROM: nothing of it was sent
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", self.mail_cron.id)]))
        self._server_back(mail, fields.Datetime.now() + timedelta(minutes=6))

    def test_connection_cut_after_data_is_flagged_not_resent(self):
        move, mail = self._escalate()
        case = move.ar_case_id
        notes_before = len(self._case_notes(case))
        self.smtp.mode = "drop_after_data"
        self._run_queue()

        # the server has the message but never said so: it may have gone
        self.assertEqual(self._delivered(mail), 1)
        self.assertEqual(mail.state, "exception", "it stays failed")
        self.assertEqual(mail.ar_delivery_issue, "to_check")
        self.assertIn("may or may not have reached the customer", mail.failure_reason)
        notification = mail.notification_ids.filtered(lambda n: n.mail_mail_id == mail)
        self.assertEqual(notification.notification_status, "exception")
        # the invoice says so in words, in its error and its chatter, and so does the case
        self.assertIn("may or may not have reached the customer", move.ar_error)
        self.assertIn("check with the customer", move.ar_error)
        error = self._events(move, "error")
        self.assertEqual(len(error), 1)
        self.assertIn("billing@acme.example.com", error.reason)
        self.assertIn("may or may not have reached the customer", error.message_id.body)
        self.assertEqual(error.message_id.res_id, move.id)
        notes = self._case_notes(case)
        self.assertEqual(len(notes), notes_before + 1)
        self.assertIn("check with the customer", notes[0].body)
        # it may have been a contact: the count stands, the external event stays
        self.assertEqual(move.ar_contact_attempts, 1)
        self.assertEqual(len(self._events(move, "external")), 1)

        # not resent: neither by the queue nor at any retry time
        self.smtp.mode = "accept"
        self._run_queue(at=fields.Datetime.now() + timedelta(days=2))
        self.assertEqual(self._delivered(mail), 1)
        self.assertEqual(mail.state, "exception")

    def test_recipient_refused_for_good_is_not_a_contact(self):
        move, mail = self._escalate()
        other_move, other_mail = self._escalate(self.customer_b, days_overdue=20)
        self.assertEqual(move.ar_contact_attempts, 1)
        self.smtp.mode = "rcpt_550"
        self._run_queue()

        # the other customer's email of the same batch goes
        self.assertEqual(other_mail.state, "sent")
        self.assertEqual(self._delivered(other_mail, "ap@beta.example.com"), 1)
        self.assertFalse(other_move.ar_error)

        self.assertFalse(self._delivered(mail))
        self.assertEqual(mail.state, "exception", "not retried")
        self.assertEqual(mail.ar_delivery_issue, "refused")
        self.assertIn("550", mail.ar_last_error)
        self.assertIn("was not delivered: the mail server refused the address", move.ar_error)
        # nothing counts as contact: the count and date are back, the event is an error
        self.assertEqual(move.ar_contact_attempts, 0)
        self.assertFalse(move.ar_last_contact_date)
        self.assertFalse(move.ar_unanswered_since)
        self.assertFalse(self._events(move, "external"))
        error = self._events(move, "error")
        self.assertEqual(len(error), 1)
        self.assertIn("does not count as a contact", error.reason)
        self.assertIn("was not delivered", error.message_id.body)
        self.assertIn("was not delivered", self._case_notes(move.ar_case_id)[0].body)

        # the address is fixed: the next run sends a new message (the refused one is not reused)
        self.customer.email = "accounts@acme.example.com"
        self.smtp.mode = "accept"
        move.action_ar_escalate_now()
        self.env.flush_all()
        mails = self.Mail.search([("model", "=", "ar.escalation.case"), ("res_id", "=", move.ar_case_id.id)])
        new = mails.filtered(
            lambda m: m.state == "outgoing" and move.commercial_partner_id in m.recipient_ids
        )
        self.assertEqual(len(new), 1)
        self.assertEqual(len(self._events(move, "external")), 1)
        self.assertEqual(move.ar_contact_attempts, 1)
        self._run_queue()
        self.assertEqual(new.state, "sent")
        self.assertEqual(self._delivered(new, "accounts@acme.example.com"), 1)
        self.assertFalse(self._delivered(mail), "nothing ever went to the refused address")
        self.assertEqual(mail.state, "exception", "the refused email stays as it was")

    def test_retries_stop_at_the_limit(self):
        self.env["ir.config_parameter"].sudo().set_param("ar_escalation.mail_retry_limit", "2")
        self.env["ir.config_parameter"].sudo().set_param("ar_escalation.mail_retry_delays", "1,2")
        move, mail = self._escalate()
        self.smtp.mode = "refuse"
        self._run_queue()
        self.assertEqual((mail.state, mail.ar_send_attempts), ("outgoing", 1))
        self._run_queue(at=mail.scheduled_date)
        self.assertEqual((mail.state, mail.ar_send_attempts), ("outgoing", 2))
        self._run_queue(at=mail.scheduled_date)
        self.assertEqual(self.smtp.connections, 3)
        self.assertEqual(mail.state, "exception", "the third refusal ends the retries")
        self.assertEqual(mail.ar_delivery_issue, "gave_up")
        self.assertIn("refused it 3 times", move.ar_error)
        self.assertEqual(move.ar_contact_attempts, 0, "never delivered: not a contact")
        self._run_queue(at=fields.Datetime.now() + timedelta(days=1))
        self.assertEqual(self.smtp.connections, 3, "no more attempts")

    def test_other_emails_keep_cores_behaviour(self):
        """Only the escalation emails are retried: an ordinary email fails as in core."""
        __, mail = self._escalate()
        other = self.Mail.create(
            {
                "subject": "Hello",
                "body_html": "<p>Hello</p>",
                "email_from": "ar@company.example.com",
                "email_to": "someone@example.com",
                "model": "res.partner",
                "res_id": self.customer.id,
            }
        )
        self.smtp.mode = "refuse"
        self._run_queue()
        self.assertEqual(other.state, "exception")
        self.assertIn("421", other.failure_reason)
        self.assertFalse(other.ar_delivery_issue)
        self.assertEqual(mail.state, "outgoing")

    def test_email_that_reached_some_recipients_is_not_resent(self):
        """One email, two recipients: the first got it, the second was refused; nobody gets it twice."""
        self.stage1.contact = "both"
        self.customer.ar_escalation_contact_id = self.env["res.partner"].create(
            {"name": "Zed Treasurer", "parent_id": self.customer.id, "email": "treasurer@acme.example.com"}
        )
        move, mail = self._escalate()
        self.assertEqual(
            sorted(mail.recipient_ids.mapped("email")),
            ["billing@acme.example.com", "treasurer@acme.example.com"],
        )
        # the mail queue sends to each recipient in turn and stops at the first refusal: the
        # second one in its order is refused (their order in the database is core's, not ours)
        mail.invalidate_recordset(["recipient_ids"])
        first, second = mail.recipient_ids.mapped("email")
        self.smtp.mode = "rcpt_550"
        self.smtp.target = second
        self._run_queue()
        self.assertEqual(self._delivered(mail, first), 1)
        self.assertEqual(mail.state, "exception")
        self.assertEqual(mail.ar_delivery_issue, "to_check")
        self.assertIn("it reached some of its recipients, not all", move.ar_error)
        self.assertEqual(move.ar_contact_attempts, 1, "the first recipient got it: a contact")
        self.smtp.mode = "accept"
        self._run_queue(at=fields.Datetime.now() + timedelta(days=1))
        self.assertEqual(self._delivered(mail, first), 1, "never twice")
        self.assertFalse(self._delivered(mail, second))

    def test_internal_copy_refused_is_said_on_the_case_only(self):
        """A case message also emails its internal followers; their copy failing is no customer matter."""
        move, mail = self._escalate()
        case = move.ar_case_id
        owner = case.owner_id
        self.assertTrue(owner.email)
        owner.notification_type = "email"
        note = case.with_context(mail_notify_force_send=False).message_post(
            body="Please call them today.",
            subject="Call Acme",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=owner.partner_id.ids,
        )
        internal = self.Mail.search([("mail_message_id", "=", note.id)])
        self.assertEqual(internal.recipient_ids, owner.partner_id)
        self.smtp.mode = "rcpt_550"
        self.smtp.target = owner.email.lower()
        self._run_queue()
        self.assertEqual(mail.state, "sent", "the customer's email went")
        self.assertEqual(internal.state, "exception")
        self.assertEqual(internal.ar_delivery_issue, "refused")
        self.assertIn("not the customer's", self._case_notes(case)[0].body)
        # the customer's side is untouched
        self.assertFalse(move.ar_error)
        self.assertEqual(move.ar_contact_attempts, 1)
        self.assertEqual(len(self._events(move, "external")), 1)
        self.assertFalse(self._events(move, "error"))
