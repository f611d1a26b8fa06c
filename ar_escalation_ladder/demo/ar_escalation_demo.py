# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ladder's demo data: a realistic AR book.

Customers of every account tier, invoices at every age from not yet due to 95
days overdue (dates relative to the day the database is created), one kept
and one broken promise to pay, one dispute, one customer without an email
address, a customer paying later and later, and the escalation owners.

Loaded only on a database created with demo data, like the accounting demo
invoices: with them, once the company's chart of accounts is in place
(``_post_load_demo_data``), or by the demo ``<function>`` of
``demo/ar_escalation_demo.xml`` when the ladder is installed into a company
that already has one. The escalation itself runs on its schedule (or at once:
*Run now*, or ``setup/run.sh``).
"""

import logging
from datetime import timedelta

from odoo import Command, api, fields, models

_logger = logging.getLogger(__name__)

MARKER = "ar_escalation.demo_book"


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    def _post_load_demo_data(self, company=False):
        result = super()._post_load_demo_data(company)
        self._ar_escalation_demo_book(company or self.env.company)
        return result

    @api.model
    def _ar_escalation_demo_book_from_file(self):
        """The demo file's entry point: its module is being loaded with demo data."""
        return self._ar_escalation_demo_book(self.env.company, demo_loading=True)

    @api.model
    def _ar_escalation_demo_book(self, company=None, demo_loading=False):
        """Build the demo AR book in ``company`` once (a system parameter marks it),
        when the ladder has demo data (``demo_loading``: it is being loaded)."""
        company = company or self.env.company
        module = self.env.ref("base.module_ar_escalation_ladder", raise_if_not_found=False)
        if not (demo_loading or (module and module.demo)) or not company.chart_template:
            return False
        # sudo: demo data is loaded by the module installation, for the whole
        # database; the marker is a system parameter
        params = self.env["ir.config_parameter"].sudo()
        if params.get_param(MARKER):
            return False
        # built without re-evaluating as it goes (promises, payments, a dispute):
        # the first escalation run then evaluates each customer whole and sends
        # it one message, as the daily run does on a real book
        self.with_company(company).with_context(ar_no_reevaluate=True)._ar_escalation_demo_build(company)
        params.set_param(MARKER, fields.Datetime.to_string(fields.Datetime.now()))
        _logger.info("AR escalation demo book created in %s", company.name)
        return True

    def _ar_escalation_demo_user(self, login, name):
        user = self.env["res.users"].with_context(active_test=False).search([("login", "=", login)])
        if user:
            return user
        groups = [
            self.env.ref("base.group_user").id,
            self.env.ref("account.group_account_invoice").id,
            self.env.ref("ar_escalation_ladder.group_ar_user").id,
        ]
        return (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "login": login,
                    "name": name,
                    "password": login,
                    "email": f"{login}@demo.example.com",
                    "groups_id": [Command.set(groups)],
                }
            )
        )

    def _ar_escalation_demo_build(self, company):
        users = self._ar_escalation_demo_owners(company)
        # the demo company goes live at once (a real one waits for an
        # administrator's activation in Settings), so the demo shows a working book
        if not company.ar_escalation_enabled:
            company._ar_activate()
        customers = self._ar_escalation_demo_customers(users)
        self._ar_escalation_demo_invoices(company, customers)

    def _ar_escalation_demo_owners(self, company):
        """The escalation owners of every role, set on ``company``."""
        user = self._ar_escalation_demo_user
        users = {
            "operator": user("ar.operator", "Olivia Operator"),
            "am": user("account.manager", "Adam Account-Manager"),
            "lead": user("ar.lead", "Lena AR-Lead"),
            "finance": user("finance.lead", "Fred Finance-Lead"),
            "cfo": user("cfo", "Carla CFO"),
        }
        company.write(
            {
                "email": company.email or "ar@yourcompany.example.com",
                "ar_operator_user_id": users["operator"].id,
                "ar_lead_user_id": users["lead"].id,
                "ar_finance_lead_user_id": users["finance"].id,
                "ar_cfo_user_id": users["cfo"].id,
            }
        )
        return users

    def _ar_escalation_demo_customers(self, users):
        """The demo customers by key, in order, one of every account tier (one without an email)."""
        env = self.env
        specs = [
            ("globex", "Globex Corporation", "strategic", "ap@globex.example.com", {"phone": "+14155550100"}),
            ("initech", "Initech", "key", "payables@initech.example.com", {"ar_requires_ref": True}),
            ("umbrella", "Umbrella Retail", "standard", "billing@umbrella.example.com", {}),
            ("hooli", "Hooli Services", "standard", "finance@hooli.example.com", {}),
            ("piedpiper", "Pied Piper", "small", "money@piedpiper.example.com", {}),
            ("silent", "Silent Partner LLC", "small", False, {}),  # no email: a hygiene task
            ("vandelay", "Vandelay Industries", "key", "ap@vandelay.example.com", {}),
        ]
        partners = env["res.partner"].create(
            [
                {
                    "name": name,
                    "is_company": True,
                    "email": email,
                    "ar_account_tier": tier,
                    "ar_account_manager_id": users["am"].id,
                    **vals,
                }
                for _key, name, tier, email, vals in specs
            ]
        )
        customers = dict(zip([spec[0] for spec in specs], partners, strict=True))
        customers["globex"].ar_escalation_contact_id = env["res.partner"].create(
            {
                "name": "Gina Globex (CFO)",
                "parent_id": customers["globex"].id,
                "email": "cfo@globex.example.com",
                "type": "contact",
            }
        )
        return customers

    def _ar_escalation_demo_invoice(self, company, partner, amount, days_overdue, ref=None):
        """A posted invoice of ``partner``, due ``days_overdue`` days ago."""
        today = fields.Date.context_today(self)
        due = today - timedelta(days=days_overdue)
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": partner.id,
                "invoice_date": min(due, today),
                "invoice_date_due": due,
                "ref": ref,
                "invoice_line_ids": [
                    Command.create({"name": "Services", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        move.invoice_date_due = due
        return move

    def _ar_escalation_demo_pay(self, move, date):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=move.ids
        ).create({"payment_date": date})._create_payments()

    def _ar_escalation_demo_invoices(self, company, customers):
        """Invoices at every age, a late payer, a kept and a broken promise, a dispute."""
        today = fields.Date.context_today(self)
        partners = list(customers.values())

        def invoice(partner, amount, days_overdue, ref=None):
            return self._ar_escalation_demo_invoice(company, partner, amount, days_overdue, ref=ref)

        ages = [-5, 3, 9, 14, 18, 26, 33, 45, 58, 66, 95]
        amounts = [1200, 4800, 950, 15000, 2300, 7800, 520, 33000, 3100, 8900, 12500]
        for i, (days, amount) in enumerate(zip(ages, amounts, strict=True)):
            invoice(partners[i % len(partners)], amount, days, ref=f"PO-{4400 + i}")
        # a customer paying later and later: its next invoice, not yet due, is
        # a preventive case (two risk signals: late payer, worsening trend)
        for days, late in ((120, 10), (80, 30)):
            self._ar_escalation_demo_pay(
                invoice(customers["vandelay"], 2000, days), today - timedelta(days=days - late)
            )
        invoice(customers["vandelay"], 6400, -4, ref="PO-VAN-1")
        # a kept promise: promised, then paid in full
        kept = invoice(customers["hooli"], 1800, 12)
        kept._ar_log_promise([(today + timedelta(days=2), kept.amount_residual)], confidence="high")
        self._ar_escalation_demo_pay(kept, today)
        # a broken promise: the promised date passed a week ago, nothing paid
        broken = invoice(customers["umbrella"], 2600, 14)
        broken._ar_log_promise([(today - timedelta(days=7), broken.amount_residual)], confidence="medium")
        # and a dispute
        disputed = invoice(customers["piedpiper"], 4100, 21)
        disputed._ar_log_dispute("pricing", "Unit price differs from the signed quote (98 vs 89).")
