# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The escalation run next to common OCA modules, checked as core's own paths behave.

Each test drives the escalation the way production does (the scheduled
action, or *Escalate now* and *Acknowledge* on an invoice) and checks what a
user of the OCA module sees: the email the customer receives, the owner's
inbox, the activity's team and reminders, the audit log, the email tracking.
"""

from datetime import datetime, time, timedelta

from odoo import Command
from odoo.tests import tagged
from odoo.tools.mail import email_normalize_all, email_split

from odoo.addons.ar_escalation_ladder.tests.common import ArEscalationCommon
from odoo.addons.mail.tests.common import MockEmail


def addresses(*values):
    """The normalized email addresses in header values (strings or lists of them)."""
    found = set()
    for value in values:
        for item in value if isinstance(value, list | tuple) else [value]:
            if item:
                found.update(email_normalize_all(item))
    return found


@tagged("post_install", "-at_install")
class TestEcosystem(ArEscalationCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("ar_escalation_ladder.ir_cron_ar_escalation")
        cls.activity_type = cls.env.ref("ar_escalation_ladder.mail_activity_type_escalation")
        cls.case_model_id = cls.env["ir.model"]._get_id("ar.escalation.case")
        cls.move_model_id = cls.env["ir.model"]._get_id("account.move")
        # Managed (16-30 days overdue) is owned by the finance lead
        cls.owner = cls.user_finance
        cls.owner.write({"tz": "UTC", "notification_type": "inbox"})

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------
    def _scheduled_run(self):
        """The daily sweep, started as the scheduler starts it (its user, its context)."""
        self.cron.method_direct_trigger()
        self.env.invalidate_all()

    def _escalation_activities(self, cases):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "ar.escalation.case"),
                ("res_id", "in", cases.ids),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def _send_queued(self, messages):
        """What the mail queue does after the commit: send the emails still waiting."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "in", messages.ids), ("state", "=", "outgoing")])
        )
        mails.send()
        return self.env["mail.mail"].sudo().search([("mail_message_id", "in", messages.ids)])

    def _emails_of(self, message):
        """The emails that left through the (mocked) SMTP server for ``message``."""
        return [email for email in self._mails if email.get("message_id") == message.message_id]

    def _case_statement_report(self):
        """A PDF report on escalation cases, as an integrator adds to a stage's template."""
        self.env["ir.ui.view"].create(
            {
                "name": "ar_escalation_ecosystem.report_case_statement",
                "key": "ar_escalation_ecosystem.report_case_statement",
                "type": "qweb",
                "arch": """<t t-name="ar_escalation_ecosystem.report_case_statement">
                    <t t-foreach="docs" t-as="case"><p>Statement of <t t-out="case.partner_id.name"/></p></t>
                </t>""",
            }
        )
        return self.env["ir.actions.report"].create(
            {
                "name": "Statement of account",
                "model": "ar.escalation.case",
                "report_type": "qweb-pdf",
                "report_name": "ar_escalation_ecosystem.report_case_statement",
                "print_report_name": "'Statement - %s' % object.partner_id.name",
            }
        )

    # ------------------------------------------------------------------
    # mail.template: what the stage's template says reaches the customer
    # ------------------------------------------------------------------
    def _escalation_email_with_stage_template(self, **template_vals):
        """Escalate the customer at Managed with these template values; what left for the customer."""
        self.stage2.mail_template_id.write(template_vals)
        invoices = self._invoice(self.customer, 1000, 20) | self._invoice(self.customer, 2500, 25)
        with self.mock_mail_gateway():
            self._scheduled_run()
            self.assertEqual(invoices.ar_stage_id, self.stage2)
            message = self._customer_mails(self.customer)
            self.assertEqual(len(message), 1, "one message for the customer's invoices")
            self._send_queued(message)
        emails = self._emails_of(message)
        to_customer = [e for e in emails if "billing@acme.example.com" in addresses(e["email_to"])]
        self.assertEqual(len(to_customer), 1, "the customer receives the escalation email once")
        return message, emails, to_customer[0]

    def test_stage_template_reply_to_is_the_escalation_emails_reply_to(self):
        __, __, email = self._escalation_email_with_stage_template(
            reply_to='"Acme Collections" <collections@company.example.com>'
        )
        self.assertEqual(
            email_split(email["reply_to"]),
            ["collections@company.example.com"],
            "replies go where the stage's template says",
        )

    def test_stage_template_cc_receives_the_escalation_email(self):
        __, emails, __ = self._escalation_email_with_stage_template(email_cc="controller@acme.example.com")
        reached = set()
        for sent in emails:
            reached |= addresses(sent["email_to"], sent.get("email_cc"))
        self.assertIn("controller@acme.example.com", reached, "the template's Cc receives the email")

    def test_stage_template_report_is_attached_to_the_escalation_email(self):
        report = self._case_statement_report()
        message, __, email = self._escalation_email_with_stage_template(
            report_template_ids=[Command.set(report.ids)]
        )
        names = [attachment[0] for attachment in email.get("attachments") or []]
        self.assertTrue(
            any(name.startswith("Statement - Acme Standard") for name in names),
            f"the template's report is attached (attachments: {names})",
        )
        on_chatter = message.attachment_ids.mapped("name")
        self.assertTrue(
            any(name.startswith("Statement - Acme Standard") for name in on_chatter),
            "the chatter shows the attachment the customer got",
        )

    # ------------------------------------------------------------------
    # followers: the owner follows the case and sees the customer email
    # ------------------------------------------------------------------
    def test_owner_following_the_case_gets_the_customer_email_in_the_inbox(self):
        invoice = self._invoice(self.customer, 1000, 20)
        with self.mock_mail_gateway():
            self._scheduled_run()
        case = invoice.ar_case_id
        self.assertEqual(case.owner_id, self.owner)
        self.assertIn(self.owner.partner_id, case.message_partner_ids, "the owner follows the case")
        message = self._customer_mails(self.customer)
        self.assertEqual(len(message), 1)
        notification = self.env["mail.notification"].search(
            [("mail_message_id", "=", message.id), ("res_partner_id", "=", self.owner.partner_id.id)]
        )
        self.assertEqual(notification.mapped("notification_type"), ["inbox"])
        self.assertTrue(
            message.with_user(self.owner).needaction, "the customer email is in the owner's inbox"
        )
        self.assertIn(
            message,
            self.env["mail.message"].with_user(self.owner).search([("needaction", "=", True)]),
        )

    # ------------------------------------------------------------------
    # mail_activity_team
    # ------------------------------------------------------------------
    def test_escalation_activity_gets_the_owners_team(self):
        Team = self.env["mail.activity.team"]
        Team.create({"name": "Everyone", "member_ids": [Command.set((self.owner | self.user_am).ids)]})
        collections = Team.create(
            {
                "name": "Collections",
                "member_ids": [Command.set((self.owner | self.user_cfo).ids)],
                "res_model_ids": [Command.set([self.case_model_id])],
            }
        )
        invoices = self._invoice(self.customer, 1000, 20) | self._invoice(self.customer_b, 800, 22)
        self._scheduled_run()
        activities = self._escalation_activities(invoices.ar_case_id)
        self.assertEqual(len(activities), 2, "one activity per customer")
        for activity in activities:
            self.assertEqual(activity.user_id, self.owner)
            self.assertEqual(activity.team_id, collections, "the owner's team for escalation cases")
        self.assertEqual(
            self.env["ar.escalation.case"]
            .with_user(self.user_cfo)
            .search([("activity_team_user_ids", "=", self.user_cfo.id)]),
            invoices.ar_case_id,
            "the owner's teammates find the cases among their team's activities",
        )

    def test_escalation_activity_gets_the_activity_types_default_team(self):
        Team = self.env["mail.activity.team"]
        Team.create({"name": "Everyone", "member_ids": [Command.set((self.owner | self.user_am).ids)]})
        receivables = Team.create(
            {"name": "Receivables", "member_ids": [Command.set((self.owner | self.user_lead).ids)]}
        )
        self.activity_type.default_team_id = receivables
        invoice = self._invoice(self.customer, 1000, 20)
        self._scheduled_run()
        activity = self._escalation_activities(invoice.ar_case_id)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.team_id, receivables, "the activity type's default team")
        self.assertIn(self.owner, activity.team_id.member_ids)

    # ------------------------------------------------------------------
    # mail_activity_reminder
    # ------------------------------------------------------------------
    def _escalate_with_reminders(self):
        # an SLA of five days: the activity is due after the reminders below
        self.stage2.sla_hours = 120
        self.activity_type.reminders = "1"
        invoices = self._invoice(self.customer, 1000, 20) | self._invoice(self.customer_b, 800, 22)
        self._scheduled_run()
        activities = self._escalation_activities(invoices.ar_case_id)
        self.assertEqual(len(activities), 2, "one activity per customer")
        return activities

    def test_escalation_activity_deadline_and_next_reminder_are_computed(self):
        for activity in self._escalate_with_reminders():
            due = activity.date_deadline
            self.assertGreaterEqual(due, self.today + timedelta(days=4))
            self.assertTrue(activity.deadline, "the activity's deadline is computed")
            # the owner works in UTC: the deadline is the end of the due day
            end_of_day = datetime.combine(due, time(23, 59, 59))
            self.assertEqual(activity.deadline.replace(microsecond=0), end_of_day)
            self.assertEqual(
                activity.next_reminder,
                datetime.combine(due - timedelta(days=1), time.min),
                "reminded one day before the due day",
            )

    def test_editing_the_activity_types_reminders_after_a_run(self):
        activities = self._escalate_with_reminders()
        # an administrator changes the reminders: every open activity follows
        self.activity_type.write({"reminders": "3 1"})
        self.env.flush_all()
        for activity in activities:
            self.assertEqual(
                activity.next_reminder,
                datetime.combine(activity.date_deadline - timedelta(days=3), time.min),
                "reminded three days before the due day",
            )

    # ------------------------------------------------------------------
    # auditlog
    # ------------------------------------------------------------------
    def _audit_invoices(self):
        rule = self.env["auditlog.rule"].create(
            {
                "name": "Invoices",
                "model_id": self.move_model_id,
                "log_type": "full",
                "log_read": False,
                "log_write": True,
                "log_create": False,
                "log_unlink": False,
                "log_export_data": False,
            }
        )
        rule.subscribe()
        # the rule patches the registry's account.move class: undo it before the rollback
        self.addCleanup(rule.unsubscribe)
        return rule

    def _audit_lines(self, invoices, field_name):
        logs = self.env["auditlog.log"].search(
            [("model_id", "=", self.move_model_id), ("res_id", "in", invoices.ids), ("method", "=", "write")]
        )
        return logs.line_ids.filtered(lambda line: line.field_name == field_name)

    def test_audit_log_records_the_runs_stage_changes_and_acknowledge(self):
        self._audit_invoices()
        invoices = self._invoice(self.customer, 1000, 20) | self._invoice(self.customer, 2500, 25)
        invoices |= self._invoice(self.customer_b, 800, 40)
        self._scheduled_run()
        for invoice, stage in zip(invoices, (self.stage2, self.stage2, self.stage3), strict=True):
            self.assertEqual(invoice.ar_stage_id, stage)
            lines = self._audit_lines(invoice, "ar_stage_id").sorted("id")
            self.assertTrue(lines, f"{invoice.name}: the run's stage change is in the audit log")
            self.assertIn(stage.name, lines[-1].new_value_text)
            self.assertEqual(lines.log_id.user_id, self.cron.user_id, "by the scheduled action's user")
        # the owner acknowledges from an invoice
        first = invoices[0]
        first.with_user(self.owner).action_ar_acknowledge()
        self.assertTrue(first.ar_acknowledged_at)
        for invoice in first.ar_case_id.invoice_ids:
            lines = self._audit_lines(invoice, "ar_acknowledged_at")
            self.assertTrue(lines, f"{invoice.name}: Acknowledge is in the audit log")
            self.assertFalse(lines.sorted("id")[0].old_value, "from not acknowledged")
            self.assertTrue(lines.sorted("id")[-1].new_value, "to acknowledged")
            self.assertEqual(lines.log_id.user_id, self.owner)

    def test_audit_log_records_escalate_now(self):
        self._audit_invoices()
        invoice = self._invoice(self.customer, 1000, 20)
        other = self._invoice(self.customer, 400, 45)
        invoice.with_user(self.user_am).action_ar_escalate_now()
        self.assertEqual((invoice | other).ar_stage_id, self.stage2 | self.stage3)
        for move, stage in ((invoice, self.stage2), (other, self.stage3)):
            lines = self._audit_lines(move, "ar_stage_id")
            self.assertTrue(lines, f"{move.name}: Escalate now's stage change is in the audit log")
            self.assertIn(stage.name, lines.sorted("id")[-1].new_value_text)
            self.assertEqual(lines.log_id.user_id, self.user_am)

    # ------------------------------------------------------------------
    # mail_tracking
    # ------------------------------------------------------------------
    def test_sent_escalation_emails_are_tracked(self):
        invoices = self._invoice(self.customer, 1000, 20) | self._invoice(self.customer_b, 800, 40)
        with self.mock_mail_gateway():
            self._scheduled_run()
            messages = self._customer_mails(self.customer) | self._customer_mails(self.customer_b)
            self.assertEqual(len(messages), 2)
            mails = self._send_queued(messages)
        self.assertTrue(invoices.ar_case_id)
        to_customers = mails.filtered(lambda m: m.recipient_ids & (self.customer | self.customer_b))
        self.assertEqual(len(to_customers), 2)
        self.assertEqual(set(to_customers.mapped("state")), {"sent"})
        trackings = self.env["mail.tracking.email"].search([("mail_message_id", "in", messages.ids)])
        expected = ((self.customer, "billing@acme.example.com"), (self.customer_b, "ap@beta.example.com"))
        for customer, email in expected:
            tracking = trackings.filtered(lambda t, c=customer: t.partner_id == c)
            self.assertEqual(len(tracking), 1, f"the email to {customer.name} is tracked")
            self.assertEqual(tracking.state, "sent")
            self.assertEqual(addresses(tracking.recipient), {email})
            self.assertIn(tracking.mail_message_id, messages)
