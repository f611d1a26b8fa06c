# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Shared fixtures: a company with escalation owners and customers of every tier.

Other addons' tests reuse :class:`ArEscalationCommon`.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class ArEscalationCommon(AccountTestInvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        groups = "base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_user"
        cls.user_operator = new_test_user(cls.env, "ar_operator", groups=groups, name="Olivia Operator")
        cls.user_am = new_test_user(cls.env, "ar_am", groups=groups, name="Adam Account-Manager")
        cls.user_lead = new_test_user(cls.env, "ar_lead", groups=groups, name="Lena Lead")
        cls.user_finance = new_test_user(cls.env, "ar_finance", groups=groups, name="Fred Finance")
        cls.user_cfo = new_test_user(cls.env, "ar_cfo", groups=groups, name="Carla CFO")
        for user in (cls.user_operator, cls.user_am, cls.user_lead, cls.user_finance, cls.user_cfo):
            user.write({"company_ids": [Command.link(cls.company.id)], "company_id": cls.company.id})
        # escalation is off until an administrator activates it: the fixtures'
        # company (and any other a test sets up) is live from the start
        cls._ar_go_live(cls.company)
        cls.company.write(
            {
                "ar_operator_user_id": cls.user_operator.id,
                "ar_lead_user_id": cls.user_lead.id,
                "ar_finance_lead_user_id": cls.user_finance.id,
                "ar_cfo_user_id": cls.user_cfo.id,
                "ar_promise_grace_days": 3,
                "email": "ar@company.example.com",
            }
        )
        cls.stage0 = cls.env.ref("ar_escalation_ladder.stage_preventive")
        cls.stage1 = cls.env.ref("ar_escalation_ladder.stage_early")
        cls.stage2 = cls.env.ref("ar_escalation_ladder.stage_managed")
        cls.stage3 = cls.env.ref("ar_escalation_ladder.stage_executive")
        cls.stage4 = cls.env.ref("ar_escalation_ladder.stage_predefault")
        cls.today = fields.Date.context_today(cls.env.user)
        cls.customer = cls._customer("Acme Standard", "standard", "billing@acme.example.com")
        cls.customer_b = cls._customer("Beta Key", "key", "ap@beta.example.com")
        cls.runner = cls.env["ar.escalation.runner"]

    @classmethod
    def _ar_go_live(cls, company):
        if not company.ar_escalation_enabled:
            company._ar_activate()

    @classmethod
    def setup_other_company(cls, **kwargs):
        data = super().setup_other_company(**kwargs)
        cls._ar_go_live(data["company"])
        return data

    @classmethod
    def _customer(cls, name, tier="standard", email=None, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "email": email,
                "is_company": True,
                "ar_account_tier": tier,
                "ar_account_manager_id": cls.user_am.id,
                **vals,
            }
        )

    @classmethod
    def _invoice(cls, partner, amount=1000.0, days_overdue=10, post=True, currency=None, ref=None):
        """A customer invoice due ``days_overdue`` days ago (negative: due in the future)."""
        due = cls.today - timedelta(days=days_overdue)
        invoice_date = min(due, cls.today)
        move = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "date": invoice_date,
                "invoice_date_due": due,
                "ref": ref,
                "currency_id": (currency or cls.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create({"name": "Service", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.invoice_date_due = due
        if post:
            move.action_post()
            move.invoice_date_due = due
        return move

    def _pay(self, move, amount=None, date=None):
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": amount or move.amount_residual, "payment_date": date or self.today})
        )
        return wizard._create_payments()

    def _run(self, moves=None):
        moves = moves or self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("company_id", "=", self.company.id),
            ]
        )
        self.runner._ar_process_safely(moves)
        self.env.flush_all()
        return moves

    def _events(self, moves, kind=None):
        domain = [("move_id", "in", moves.ids)]
        if kind:
            domain.append(("kind", "=", kind))
        return self.env["ar.escalation.event"].search(domain)

    def _customer_mails(self, partner):
        """Messages the customer received from escalation cases."""
        return self.env["mail.message"].search(
            [
                ("model", "=", "ar.escalation.case"),
                ("message_type", "=", "comment"),
                ("partner_ids", "child_of", partner.id),
            ]
        )
