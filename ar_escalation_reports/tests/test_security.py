# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ArReportsCommon

REPORTS = (
    "ar.escalation.report.book",
    "ar.escalation.report.case",
    "ar.escalation.report.sla",
    "ar.escalation.report.stage",
    "ar.escalation.report.reach",
    "ar.escalation.report.dso",
    "ar.escalation.report.cause",
)


@tagged("post_install", "-at_install")
class TestReportSecurity(ArReportsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        groups = "base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_user"
        cls.user_a = new_test_user(
            cls.env,
            "ar_rep_company_a",
            groups=groups,
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.user_plain = new_test_user(
            cls.env,
            "ar_rep_plain",
            groups="base.group_user,account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _book_in(self, company, amount):
        move = (
            self.env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": self.today - timedelta(days=70),
                    "invoice_date_due": self.today - timedelta(days=70),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []}
                        )
                    ],
                }
            )
        )
        move.action_post()
        move.invoice_date_due = self.today - timedelta(days=70)
        self.runner.with_company(company)._ar_process_safely(move)
        self.assertEqual(move.ar_stage_id, self.stage4)
        # sudo: a dispute as the ladder logs it (a plain create is refused)
        self.env["ar.escalation.dispute"].sudo().create(
            {"move_id": move.id, "code": "pricing", "note": "Too high"}
        )
        return move

    def test_each_report_keeps_companies_apart(self):
        move_a = self._book_in(self.company, 100)
        move_b = self._book_in(self.company_b, 200)
        self.env.flush_all()
        for model in REPORTS:
            everything = self.env[model].search([])
            self.assertEqual(
                everything.company_id & (self.company | self.company_b),
                self.company | self.company_b,
                f"{model}: the superuser sees both companies",
            )
            mine = self.env[model].with_user(self.user_a).search([])
            self.assertTrue(mine, f"{model}: the AR user reads their company")
            self.assertEqual(mine.company_id, self.company, f"{model}: and nothing of company B")
        Book = self.env["ar.escalation.report.book"].with_user(self.user_a)
        self.assertEqual(Book.search([]).move_id, move_a)
        [(total,)] = Book._read_group([], [], ["amount_residual:sum"])
        self.assertEqual(total, 100.0, "aggregates honour the rule too")
        self.assertNotIn(move_b, Book.search([]).move_id)

    def test_reports_need_the_ar_user_group(self):
        for model in REPORTS:
            with self.assertRaises(AccessError, msg=model):
                self.env[model].with_user(self.user_plain).search([])

    def test_menu_under_invoicing_reporting(self):
        menu = self.env.ref("ar_escalation_reports.menu_ar_escalation_analysis")
        self.assertEqual(menu.parent_id, self.env.ref("account.menu_finance_reports"))
        self.assertEqual(len(menu.child_id), 10)
        for child in menu.child_id:
            action = child.action
            views = self.env[action.res_model].get_views(
                [(False, mode) for mode in action.view_mode.split(",")]
            )
            self.assertTrue(views["views"], f"{child.name}: its views load")
