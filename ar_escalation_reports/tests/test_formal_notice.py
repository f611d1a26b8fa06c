# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta
from unittest import skipIf
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import format_date

from odoo.addons.base.models.ir_actions_report import IrActionsReport, wkhtmltopdf_state

from .common import ArReportsCommon

REPORT = "ar_escalation_reports.action_report_formal_notice"


@tagged("post_install", "-at_install")
class TestFormalNotice(ArReportsCommon):
    """The stage-4 notice: the customer's overdue invoices, their total and the final deadline.

    Customer N: n1 1,000 due 70 days ago; n2 2,500 due 40 days ago with 500 paid (2,000
    open); n3 800 due 15 days ago; n4 900 due 50 days ago, paid; n5 1,200 due in 5 days.
    The notice lists n1, n2, n3 (oldest first), total 3,800, deadline today + 10 days (the
    pre-default stage's notice window).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.N = cls._customer("Notice Customer", "standard", "ap@notice.example.com")
        cls.n1 = cls._invoice(cls.N, 1000, 70)
        cls.n2 = cls._invoice(cls.N, 2500, 40)
        cls.n3 = cls._invoice(cls.N, 800, 15)
        cls.n4 = cls._invoice(cls.N, 900, 50)
        cls.n5 = cls._invoice(cls.N, 1200, -5)
        cls.deadline = cls.today + timedelta(days=10)

    def setUp(self):
        super().setUp()
        self._pay_quietly(self.n2, 500.0)
        self._pay_quietly(self.n4)

    def _html(self, moves):
        content, file_type = self.env["ir.actions.report"]._render_qweb_html(REPORT, moves.ids)
        self.assertEqual(file_type, "html")
        return content.decode()

    def test_notice_lists_overdue_invoices_total_and_deadline(self):
        notices = self.env["report.ar_escalation_reports.report_formal_notice"]._ar_notices(self.n1)
        self.assertEqual(len(notices), 1)
        [notice] = notices
        self.assertEqual([line["invoice"] for line in notice["lines"]], [self.n1, self.n2, self.n3])
        self.assertEqual([line["days_overdue"] for line in notice["lines"]], [70, 40, 15])
        self.assertEqual([(c, t) for c, t in notice["totals"]], [(self.company.currency_id, 3800.0)])
        self.assertEqual(notice["deadline"], self.deadline)

        html = self._html(self.n1)
        for move in (self.n1, self.n2, self.n3):
            self.assertIn(move.name, html)
        for move in (self.n4, self.n5):
            self.assertNotIn(move.name, html)
        self.assertEqual(html.count('class="ar_notice_line"'), 3)
        self.assertIn("3,800.00", html)
        self.assertIn("2,000.00", html, "n2's open amount")
        deadline = html[html.index("Final deadline:") :][:200]
        self.assertIn(f">{format_date(self.env, self.deadline)}</span>", deadline)
        self.assertIn("collection", html, "the consequences")
        self.assertIn("payment plan", html, "the options left")
        letterhead = html[html.index("ar_notice_letterhead") : html.index("ar_notice_recipient")]
        self.assertIn(self.company.name, letterhead, "company letterhead")

    def test_one_notice_per_customer(self):
        other = self._invoice(self.customer, 4000, 65)
        html = self._html(self.n1 | self.n2 | other)
        self.assertEqual(html.count("Formal notice before further action"), 2, "N once, Acme once")
        self.assertEqual(html.count('class="ar_notice_total"'), 2)

    def test_printed_invoice_not_yet_due_is_listed(self):
        notices = self.env["report.ar_escalation_reports.report_formal_notice"]._ar_notices(self.n5)
        self.assertEqual(
            [line["invoice"] for line in notices[0]["lines"]], [self.n1, self.n2, self.n3, self.n5]
        )

    def test_printable_from_the_invoice(self):
        report = self.env.ref(REPORT)
        self.assertEqual(report.binding_model_id.model, "account.move")
        self.assertEqual(report.report_type, "qweb-pdf")

    @skipIf(wkhtmltopdf_state != "ok", "wkhtmltopdf is not installed: the HTML rendering is tested above")
    def test_pdf(self):
        text = self._print_pdf(REPORT, self.n1)
        for move in (self.n1, self.n2, self.n3):
            self.assertIn(move.name, text)
        self.assertNotIn(self.n4.name, text)
        self.assertIn("3,800.00", text)
        self.assertIn(f"Final deadline: {format_date(self.env, self.deadline)}", text)
        # Debian's wkhtmltopdf drops header pages: the letterhead is in the page itself
        self.assertIn(self.company.name, text, "the letterhead")
        self.assertIn("Formal notice before further action", text)


@tagged("post_install", "-at_install")
class TestNoticeAttachedToStage4Email(ArReportsCommon):
    def test_the_pre_default_template_carries_the_notice_report(self):
        """Core's composer renders the notice from the template's reports: an administrator
        sees it on the template and may move it."""
        case_report = self.env.ref("ar_escalation_reports.action_report_formal_notice_case")
        self.assertIn(case_report, self.stage4.mail_template_id.report_template_ids)
        self.assertNotIn(case_report, self.stage3.mail_template_id.report_template_ids)

    def test_a_custom_formal_stage_sets_its_own_deadline(self):
        """A formal stage other than pre-default carries the notice with its own window, as its email."""
        self.stage3.write({"tone": "formal", "notice_days": 5})
        case_report = self.env.ref("ar_escalation_reports.action_report_formal_notice_case")
        self.stage3.mail_template_id.report_template_ids = [(4, case_report.id)]
        move = self._invoice(self.customer, 1000, 40)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage3)
        [message] = self._customer_mails(self.customer)
        html = message.attachment_ids.raw.decode()
        deadline = html[html.index("Final deadline:") :][:200]
        self.assertIn(f">{format_date(self.env, self.today + timedelta(days=5))}</span>", deadline)

    def test_stage_4_email_carries_the_notice(self):
        move = self._invoice(self.customer, 1500, 70)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage4)
        [message] = self._customer_mails(self.customer)
        self.assertEqual(len(message.attachment_ids), 1)
        notice = message.attachment_ids
        self.assertTrue(notice.name.startswith("Formal notice - Acme Standard"))
        self.assertEqual((notice.res_model, notice.res_id), ("ar.escalation.case", move.ar_case_id.id))
        self.assertIn(
            move.name, notice.raw.decode(errors="ignore"), "rendered for its invoices (HTML under tests)"
        )

    def test_lower_stage_email_has_no_notice(self):
        move = self._invoice(self.customer, 1500, 40)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage3)
        [message] = self._customer_mails(self.customer)
        self.assertFalse(message.attachment_ids)

    @skipIf(wkhtmltopdf_state != "ok", "wkhtmltopdf is not installed: the HTML attachment is tested above")
    def test_stage_4_email_carries_the_real_pdf(self):
        """Outside tests Odoo renders the PDF: force it and read the attached file's text."""
        self._no_styles()
        move = self._invoice(self.customer, 1500, 70)
        self.runner = self.runner.with_context(force_report_rendering=True)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage4)
        [message] = self._customer_mails(self.customer)
        notice = message.attachment_ids
        self.assertEqual(len(notice), 1)
        self.assertEqual(notice.mimetype, "application/pdf")
        self.assertTrue(notice.name.endswith(".pdf"))
        text = self._pdf_text(notice.raw)
        self.assertIn(move.name, text)
        self.assertIn("1,500.00", text)
        deadline = format_date(self.env, self.today + timedelta(days=self.stage4.notice_days))
        self.assertIn(f"Final deadline: {deadline}", text)

    def test_without_wkhtmltopdf_the_notice_goes_as_html(self):
        move = self._invoice(self.customer, 1500, 70)
        with patch.object(IrActionsReport, "get_wkhtmltopdf_state", return_value="install"):
            self._run(move)
        [message] = self._customer_mails(self.customer)
        notice = message.attachment_ids
        self.assertEqual(len(notice), 1, "the customer still receives the notice")
        self.assertEqual(notice.mimetype, "text/html")
        self.assertTrue(notice.name.endswith(".html"))
        html = notice.raw.decode()
        self.assertIn(move.name, html)
        self.assertIn("Final deadline:", html)
