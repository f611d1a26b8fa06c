# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer statement and the letters that can be sent (issue 13)."""

import re
from datetime import timedelta
from unittest import skipIf

from odoo.tests import tagged
from odoo.tools import format_date

from odoo.addons.base.models.ir_actions_report import wkhtmltopdf_state

from .common import ArReportsCommon

STATEMENT = "ar_escalation_reports.action_report_customer_statement"
NOTICE = "ar_escalation_reports.action_report_formal_notice"


def text(html):
    """What a reader sees of a piece of the report: its text, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", "", html).replace("\xa0", " ").split())


@tagged("post_install", "-at_install")
class TestCustomerStatement(ArReportsCommon):
    """Customer S (in Lyon): s1 1,000 due 30 days ago; s2 2,000 due 10 days ago, 500 paid (1,500
    open); s3 700 due in 15 days; s4 400 due 20 days ago, paid. Open 3,200, overdue 2,500."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.S = cls._customer(
            "Statement Customer",
            "standard",
            "ap@statement.example.com",
            street="12 Rue de la Paix",
            zip="69001",
            city="Lyon",
        )
        cls.s1 = cls._invoice(cls.S, 1000, 30)
        cls.s2 = cls._invoice(cls.S, 2000, 10)
        cls.s3 = cls._invoice(cls.S, 700, -15)
        cls.s4 = cls._invoice(cls.S, 400, 20)
        cls.bank = cls.env["res.partner.bank"].create(
            {"acc_number": "FR7630006000011234567890189", "partner_id": cls.company.partner_id.id}
        )

    def setUp(self):
        super().setUp()
        self._pay_quietly(self.s2, 500.0)
        self._pay_quietly(self.s4)

    def _html(self, xmlid, records):
        content, file_type = self.env["ir.actions.report"]._render_qweb_html(xmlid, records.ids)
        self.assertEqual(file_type, "html")
        return content.decode()

    def test_statement_lists_every_open_invoice_totals_and_how_to_pay(self):
        html = self._html(STATEMENT, self.S)
        self.assertIn("Statement of account", html)
        self.assertEqual(html.count('class="ar_statement_line"'), 3, "s1, s2 and s3, not the paid s4")
        for move in (self.s1, self.s2, self.s3):
            self.assertIn(move.name, html)
        self.assertNotIn(self.s4.name, html)
        self.assertLess(html.index(self.s1.name), html.index(self.s3.name), "oldest due date first")
        self.assertIn("not yet due", html)
        overdue = text(html[html.index('class="ar_statement_overdue"') :])[:100]
        self.assertIn("Overdue $ 2,500.00", overdue)
        outstanding = text(html[html.index('class="ar_statement_outstanding"') :])[:100]
        self.assertIn("Total outstanding $ 3,200.00", outstanding)
        recipient = html[html.index("ar_letter_recipient") :][:600]
        self.assertIn("Statement Customer", recipient)
        self.assertIn("12 Rue de la Paix", recipient, "the customer's postal address")
        self.assertIn("Lyon", recipient)
        details = html[html.index("ar_payment_details") :]
        self.assertIn("FR7630006000011234567890189", details, "the bank account")
        for move in (self.s1, self.s2, self.s3):
            self.assertIn(f"/my/invoices/{move.id}?access_token={move.access_token}", details, "its pay link")

    def test_printable_from_the_customer(self):
        report = self.env.ref(STATEMENT)
        self.assertEqual(report.binding_model_id.model, "res.partner")
        self.assertEqual(report.report_type, "qweb-pdf")
        self.assertIn(self.env.ref("ar_escalation_ladder.group_ar_user"), report.groups_id)
        arch = self.env["res.partner"].get_view(view_type="form")["arch"]
        self.assertIn(f'name="{report.id}"', arch, "a Print statement button on the customer")
        self.assertIn("Print statement", arch)

    def test_an_invoice_under_a_promise_says_so(self):
        self.s1._ar_log_promise([(self.today + timedelta(days=7), self.s1.amount_residual)])
        html = self._html(STATEMENT, self.S)
        line = text(html[html.index(self.s1.name) :])[:200]
        self.assertIn(f"promised for {format_date(self.env, self.today + timedelta(days=7))}", line)

    @skipIf(wkhtmltopdf_state != "ok", "wkhtmltopdf is not installed: the HTML rendering is tested above")
    def test_pdf(self):
        text = self._print_pdf(STATEMENT, self.S)
        self.assertIn("Statement of account", text)
        self.assertIn("3,200.00", text)
        self.assertIn("FR7630006000011234567890189", text)

    def test_a_stage_email_carries_the_statement(self):
        """Named in a stage template's reports, the statement goes with the run's email."""
        case_report = self.env.ref("ar_escalation_reports.action_report_customer_statement_case")
        self.stage2.mail_template_id.report_template_ids = [(4, case_report.id)]
        self._run(self.s1 | self.s2 | self.s3)
        self.assertEqual(self.s1.ar_stage_id, self.stage2)
        [message] = self._customer_mails(self.S)
        [statement] = message.attachment_ids
        self.assertTrue(statement.name.startswith("Statement - Statement Customer"))
        html = statement.raw.decode(errors="ignore")
        for move in (self.s1, self.s2, self.s3):
            self.assertIn(move.name, html, "every open invoice, rendered for the case (HTML under tests)")
        self.assertIn("3,200.00", html)


@tagged("post_install", "-at_install")
class TestFormalNoticeCanBeSent(ArReportsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.L = cls._customer(
            "Letter Customer", "standard", "ap@letter.example.com", street="5 High Street", city="Leeds"
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Paula Payables", "parent_id": cls.L.id, "email": "paula@letter.example.com"}
        )
        cls.L.ar_escalation_contact_id = cls.contact
        cls.l1 = cls._invoice(cls.L, 1000, 70)
        cls.l2 = cls._invoice(cls.L, 600, 40)
        cls.env["res.partner.bank"].create(
            {"acc_number": "GB33BUKB20201555555555", "partner_id": cls.company.partner_id.id}
        )

    def _html(self, moves):
        content, __ = self.env["ir.actions.report"]._render_qweb_html(NOTICE, moves.ids)
        return content.decode()

    def test_the_notice_carries_the_address_and_how_to_pay(self):
        html = self._html(self.l1)
        recipient = html[html.index("ar_letter_recipient") :][:800]
        self.assertIn("Letter Customer", recipient)
        self.assertIn("Attn: <span>Paula Payables</span>", recipient, "the escalation contact, by name")
        self.assertIn("5 High Street", recipient, "the customer's postal address")
        self.assertIn("Leeds", recipient)
        details = html[html.index("ar_payment_details") :]
        self.assertIn("GB33BUKB20201555555555", details)
        self.assertIn(f"/my/invoices/{self.l1.id}?access_token=", details)

    def test_an_invoice_under_a_promise_that_holds_is_not_in_default(self):
        promised = self.today + timedelta(days=5)
        self.l2._ar_log_promise([(promised, self.l2.amount_residual)])
        html = self._html(self.l1)
        self.assertEqual(html.count('class="ar_notice_line"'), 1, "only l1 is listed as defaulted")
        total = text(html[html.index('class="ar_notice_total"') :])[:100]
        self.assertIn("Total due $ 1,000.00", total, "the promised 600 is not in the total due")
        apart = text(html[html.index("ar_notice_promised") :])[:300]
        self.assertIn(
            f"Not included above, as you promised to pay them and the promise still holds: "
            f"{self.l2.name} (promised for {format_date(self.env, promised)}).",
            apart,
        )
        # once the promise is broken (date and grace past), the invoice is in default again
        notices = self.env["report.ar_escalation_reports.report_formal_notice"]._ar_notices(
            self.l1, today=promised + timedelta(days=self.company.ar_promise_grace_days + 1)
        )
        self.assertEqual({line["invoice"] for line in notices[0]["lines"]}, {self.l1, self.l2})
