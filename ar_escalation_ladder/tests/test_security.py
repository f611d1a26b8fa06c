# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestSecurity(ArEscalationCommon):
    def test_company_a_user_cannot_read_company_b_escalations(self):
        company_b = self.setup_other_company(name="Company B")["company"]
        move_b = (
            self.env["account.move"]
            .with_company(company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": self.today - timedelta(days=20),
                    "invoice_date_due": self.today - timedelta(days=20),
                    "invoice_line_ids": [
                        Command.create({"name": "B service", "quantity": 1, "price_unit": 100, "tax_ids": []})
                    ],
                }
            )
        )
        move_b.action_post()
        move_b.invoice_date_due = self.today - timedelta(days=20)
        move_b.with_company(company_b)._ar_log_promise([(self.today + timedelta(days=3), 50.0)])
        move_a = self._invoice(self.customer, 100, 20)
        move_a._ar_log_promise([(self.today + timedelta(days=3), 50.0)])
        self._run(move_a)
        self.runner.with_company(company_b)._ar_process_safely(move_b)
        self.assertTrue(self._events(move_b), "company B's invoice escalated in company B")
        user_a = new_test_user(
            self.env,
            "ar_company_a",
            groups="base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        Event = self.env["ar.escalation.event"].with_user(user_a)
        Promise = self.env["ar.escalation.promise"].with_user(user_a)
        self.assertTrue(Event.search([("move_id", "=", move_a.id)]))
        self.assertFalse(Event.search([("company_id", "=", company_b.id)]), "no event of company B")
        self.assertFalse(Promise.search([("company_id", "=", company_b.id)]), "no promise of company B")
        self.assertEqual(Promise.search([]).company_id, self.company)
        self.assertFalse(
            self.env["ar.escalation.case"].with_user(user_a).search([("company_id", "=", company_b.id)])
        )
