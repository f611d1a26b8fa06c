# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ladder's demo AR book (demo/ar_escalation_demo.py): what a user of a
database created with demo data finds on the ladder."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestDemoBook(AccountTestInvoicingCommon):
    # the book is built as a database is loaded with demo data: chatter on
    default_env_context = ArEscalationCommon.default_env_context

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.today = fields.Date.context_today(cls.env.user)
        Chart = cls.env["account.chart.template"]
        cls.built = Chart._ar_escalation_demo_book(cls.company, demo_loading=True)
        cls.built_again = Chart._ar_escalation_demo_book(cls.company, demo_loading=True)
        cls.customers = (
            cls.env["res.partner"]
            .search([("ar_account_tier", "!=", False), ("is_company", "=", True)])
            .filtered(lambda p: p.ar_account_manager_id.login == "account.manager")
        )
        cls.moves = cls.env["account.move"].search(
            [("partner_id", "in", cls.customers.ids), ("move_type", "=", "out_invoice")]
        )

    def test_book_once_with_every_tier_and_a_customer_without_email(self):
        self.assertTrue(self.built)
        self.assertFalse(self.built_again, "a second load leaves the book as it is")
        self.assertEqual(len(self.customers), 7)
        self.assertEqual(
            set(self.customers.mapped("ar_account_tier")), {"strategic", "key", "standard", "small"}
        )
        self.assertEqual(self.customers.filtered(lambda p: not p.email).name, "Silent Partner LLC")
        globex = self.customers.filtered(lambda p: p.name == "Globex Corporation")
        self.assertEqual(globex.ar_escalation_contact_id.email, "cfo@globex.example.com")
        self.assertTrue(self.company.ar_escalation_enabled)
        self.assertEqual(
            [
                self.company.ar_operator_user_id.login,
                self.company.ar_lead_user_id.login,
                self.company.ar_finance_lead_user_id.login,
                self.company.ar_cfo_user_id.login,
            ],
            ["ar.operator", "ar.lead", "finance.lead", "cfo"],
        )

    def test_invoices_from_not_yet_due_to_95_days_overdue(self):
        open_moves = self.moves.filtered(lambda m: m.state == "posted" and m.payment_state == "not_paid")
        ages = {(self.today - m.invoice_date_due).days for m in open_moves}
        self.assertEqual(min(ages), -5, "the newest invoice falls due in 5 days")
        self.assertEqual(max(ages), 95)
        self.assertTrue({3, 14, 33, 45, 66}.issubset(ages))
        paid = self.moves.filtered(lambda m: m.payment_state in ("paid", "in_payment"))
        self.assertEqual(sorted(paid.partner_id.mapped("name")), ["Hooli Services", "Vandelay Industries"])

    def test_kept_and_broken_promise_and_dispute(self):
        self.env["ar.escalation.promise"]._cron_settle(self.today + timedelta(days=3))
        promises = self.moves.ar_promise_ids
        self.assertEqual(
            sorted((p.move_id.partner_id.name, p.state) for p in promises),
            [("Hooli Services", "kept"), ("Umbrella Retail", "broken")],
        )
        disputes = self.moves.ar_dispute_ids
        self.assertEqual(disputes.move_id.partner_id.name, "Pied Piper")
        self.assertEqual(disputes.code, "pricing")

    def test_one_run_fills_the_ladder(self):
        runner = self.env["ar.escalation.runner"]
        while runner._cron_run():
            pass
        oldest = self.moves.filtered(lambda m: (self.today - m.invoice_date_due).days == 95)
        self.assertTrue(oldest.ar_stage_id, "the invoice 95 days overdue is on the ladder")
        staged = self.moves.filtered("ar_stage_id")
        self.assertGreaterEqual(len(staged.ar_stage_id), 4, "the board shows a ladder, not one column")
        # the book is built without re-evaluating as it goes: the run messages
        # each customer once, at its highest stage
        messages = self.env["mail.message"].search(
            [
                ("model", "=", "ar.escalation.case"),
                ("message_type", "=", "comment"),
                ("partner_ids", "!=", False),
            ]
        )
        cases = self.env["ar.escalation.case"].browse(messages.mapped("res_id"))
        self.assertTrue(messages, "the demo customers got their messages")
        self.assertEqual(len(cases.partner_id), len(messages), "one message per customer")
