# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Shared fixtures: a company with escalation owners and customers of every tier.

Other addons' tests reuse :class:`ArEscalationCommon`.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class ArEscalationCommon(AccountTestInvoicingCommon):
    @classmethod
    def default_env_context(cls):
        """The scheduled action's context, not core's quiet test context.

        Core's test classes switch off the chatter's tracking, its creation
        notes and the creator's subscription (``DISABLED_MAIL_CONTEXT``);
        ``ir.cron`` runs ``_cron_run`` in the cron user's plain environment,
        with all of them on, and so do these tests. Only the fixture users'
        password-reset invitations stay off (users are not the ladder's).
        """
        return {"no_reset_password": True}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
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
    def _invoice(cls, partner, amount=1000.0, days_overdue=10, post=True, **options):
        """A customer invoice due ``days_overdue`` days ago (negative: due in the future).

        ``options``: ``due`` (the due date itself), ``company`` (the fixtures' by default),
        ``currency`` (the company's by default) and ``ref`` (the customer's reference).
        """
        unknown = set(options) - {"due", "company", "currency", "ref"}
        assert not unknown, f"unknown invoice options {unknown}"
        company = options.get("company") or cls.company
        due = options.get("due") or cls.today - timedelta(days=days_overdue)
        invoice_date = min(due, cls.today)
        Move = cls.env["account.move"]
        if company != cls.company:
            Move = Move.with_company(company)
        move = Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "date": invoice_date,
                "invoice_date_due": due,
                "ref": options.get("ref"),
                "currency_id": (options.get("currency") or company.currency_id).id,
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

    @classmethod
    def _open_case(cls, partner, stage, owner, **vals):
        """A case as the ladder opens it for a run (``vals``: its other fields)."""
        # sudo: a case is the ladder's record (a plain create of a case is refused)
        return (
            cls.env["ar.escalation.case"]
            .sudo()
            ._ar_create_for_run(
                [
                    {
                        "partner_id": partner.id,
                        "company_id": cls.company.id,
                        "stage_id": stage.id,
                        "owner_id": owner.id,
                        **vals,
                    }
                ]
            )
        )

    @classmethod
    def _user(cls, login, groups, companies=None, **vals):
        """A user of ``companies`` (the fixtures' company by default), working in the first."""
        companies = companies or cls.company
        return new_test_user(
            cls.env,
            login,
            groups=groups,
            company_id=companies[:1].id,
            company_ids=[Command.set(companies.ids)],
            **vals,
        )

    def _admin_works_in(self, company):
        """The browser tours log in as the administrator: working in ``company``."""
        self.env.ref("base.user_admin").write(
            {"company_id": company.id, "company_ids": [Command.link(company.id)]}
        )

    def _pay(self, move, amount=None, date=None, user=None):
        """Register a payment of ``move`` (its open amount by default) as ``user``, in its company."""
        Register = self.env["account.payment.register"]
        if user:
            Register = Register.with_user(user)
        if move.company_id != self.env.company:
            Register = Register.with_company(move.company_id)
        wizard = Register.with_context(active_model="account.move", active_ids=move.ids).create(
            {"amount": amount or move.amount_residual, "payment_date": date or self.today}
        )
        return wizard._create_payments()

    def _dialog(self, model, move, view=None, **context):
        """The dialog ``model`` opened from ``move``'s form (``context``: its defaults)."""
        return Form(
            self.env[model].with_context(active_id=move.id, active_ids=move.ids, **context), view=view
        )

    def _dispute_dialog(self, move, mode):
        """The dispute dialog as the invoice's buttons open it, to ``log`` or to ``resolve``."""
        view = {"log": "dispute_wizard_view_form", "resolve": "dispute_resolve_view_form"}[mode]
        return self._dialog(
            "ar.escalation.dispute.wizard",
            move,
            f"ar_escalation_ladder.ar_escalation_{view}",
            default_mode=mode,
        )

    def _confirm(self, form, **values):
        """Fill ``form`` with ``values``, in order, and press its Confirm button."""
        for name, value in values.items():
            setattr(form, name, value)
        return form.save().action_confirm()

    def _assert_refused(self, form):
        """Confirming ``form`` as it is filled is refused with a message."""
        wizard = form.save()  # outside assertRaises: it rolls back what it wraps
        with self.assertRaises(UserError):
            wizard.action_confirm()

    def _assert_incomplete(self, form):
        """``form`` cannot even be saved: a field its view requires is empty."""
        with self.assertRaises(AssertionError):
            form.save()

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
