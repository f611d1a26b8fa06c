# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Safe go-live (issue 12): nothing happens for a company until an administrator activates it.

A company the ladder was installed into has an existing book: whatever
touches it — the scheduled action, a payment registered, Escalate now, a
portal promise — sends nothing, sets no stage and creates no activity until
go-live. Activation shows what the first run will do, and the run then does
exactly that; the existing book may enter capped at a stage.
"""

import importlib.util
import re
from collections import Counter
from datetime import date, timedelta

from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.misc import file_path

from ..models.ar_escalation_access import ladder_context
from .common import ArEscalationCommon
from .test_permissions import ArRolesCommon


class ArFreshCompanyCommon(ArEscalationCommon):
    """A second company, set up like the first one but never activated (as after an install)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # _create_company, not setup_other_company: the fixtures activate those
        cls.fresh = cls._create_company(name="Fresh Books Ltd")
        cls.fresh.write(
            {
                "email": "ar@fresh.example.com",
                "ar_operator_user_id": cls.user_operator.id,
                "ar_lead_user_id": cls.user_lead.id,
                "ar_finance_lead_user_id": cls.user_finance.id,
                "ar_cfo_user_id": cls.user_cfo.id,
            }
        )
        cls.admin_user = cls.env.ref("base.user_admin")
        for user in (
            cls.user_operator,
            cls.user_am,
            cls.user_lead,
            cls.user_finance,
            cls.user_cfo,
            cls.admin_user,
        ):
            user.company_ids = [Command.link(cls.fresh.id)]

    @classmethod
    def _fresh_invoice(cls, partner, amount=1000.0, days_overdue=10, due=None):
        return cls._invoice(partner, amount, days_overdue, company=cls.fresh, due=due)

    def _fresh_cases(self):
        return self.env["ar.escalation.case"].search([("company_id", "=", self.fresh.id)])

    def _fresh_case_messages(self):
        return self.env["mail.message"].search(
            [
                ("model", "=", "ar.escalation.case"),
                ("res_id", "in", self._fresh_cases().ids),
                ("message_type", "=", "comment"),
            ]
        )

    def _activities(self, cases):
        return self.env["mail.activity"].search(
            [("res_model", "=", "ar.escalation.case"), ("res_id", "in", cases.ids)]
        )

    def assertNothingHappened(self, moves):
        """No stage, no event, no case, no customer message, no activity, no mail queued."""
        self.env.flush_all()
        self.assertFalse(moves.ar_stage_id, "no stage is set")
        self.assertFalse(self._events(moves), "no escalation event")
        self.assertFalse(self._fresh_cases(), "no escalation case")
        self.assertFalse(self._fresh_case_messages(), "no customer message")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "account.move"), ("res_id", "in", moves.ids)]
        )
        self.assertFalse(activities, "no activity")
        mails = self.env["mail.mail"].search([("recipient_ids", "in", moves.commercial_partner_id.ids)])
        self.assertFalse(mails, "no email to the customer")

    def _wizard(self, **vals):
        return (
            self.env["ar.escalation.golive.wizard"]
            .with_user(self.admin_user)
            .with_company(self.fresh)
            .create({"company_id": self.fresh.id, **vals})
        )

    def _sweep(self):
        """The scheduled action's sweep, to its end."""
        while self.runner._cron_run():
            pass
        self.env.flush_all()


@tagged("post_install", "-at_install")
class TestNothingBeforeGoLive(ArFreshCompanyCommon):
    def test_a_new_company_starts_inactive(self):
        company = self.env["res.company"].create({"name": "Installed Into Ltd"})
        self.assertFalse(company.ar_escalation_enabled)
        self.assertFalse(company.ar_go_live_date or company.ar_go_live_user_id)
        settings = self.env["res.config.settings"].with_company(self.fresh).create({})
        self.assertFalse(settings.ar_escalation_enabled, "Settings show it inactive")

    def test_the_scheduled_action_sends_nothing(self):
        old = self._fresh_invoice(self.customer, 900, due=date(2019, 3, 31))
        recent = self._fresh_invoice(self.customer_b, 400, 20)
        self._sweep()
        self.assertNothingHappened(old | recent)
        self.assertEqual(self.runner._count_remaining(0), 0, "the sweep does not even count them")

    def test_a_partial_payment_through_register_payment_sends_nothing(self):
        # the finding: a 2019 invoice partly paid went to Pre-default with a
        # FINAL NOTICE queued in the same transaction
        move = self._fresh_invoice(self.customer, 1000, due=date(2019, 3, 31))
        self._pay(move, 250.0)
        self.assertEqual(move.payment_state, "partial", "the payment goes through")
        self.assertNothingHappened(move)
        self.assertFalse(self._customer_mails(self.customer), "no FINAL NOTICE")

    def test_escalate_now_override_and_dispute_are_refused(self):
        move = self._fresh_invoice(self.customer, 700, 45)
        with self.assertRaisesRegex(UserError, "not active for Fresh Books Ltd"):
            move.action_ar_escalate_now()
        with self.assertRaisesRegex(UserError, "not active"):
            move._ar_override(self.stage4, "Legal asked")
        dispute = self.env["ar.escalation.dispute.wizard"].create(
            {"move_id": move.id, "code": "missing_po", "note": "PO missing"}
        )
        with self.assertRaisesRegex(UserError, "not active"):
            dispute.action_confirm()
        self.assertNothingHappened(move)
        self.assertFalse(move.ar_dispute_ids)

    def test_a_promise_logged_and_settled_evaluates_nothing(self):
        move = self._fresh_invoice(self.customer, 700, 45)
        promise = move._ar_log_promise([(self.today + timedelta(days=2), 300.0)])
        self.assertEqual(promise.state, "open", "the promise itself is recorded")
        # broken later: settling it re-evaluates the invoice, which stays off the ladder
        promise.line_ids.with_context(**ladder_context()).write({"date": self.today - timedelta(days=10)})
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        self.assertEqual(promise.state, "broken")
        self.assertFalse(move.ar_stage_id or self._fresh_cases())
        self.assertFalse(self._fresh_case_messages())

    def test_a_direct_run_of_the_runner_skips_the_company(self):
        live = self._invoice(self.customer, 500, 20)  # the fixtures' company, activated
        dormant = self._fresh_invoice(self.customer_b, 500, 20)
        self.runner._ar_process_safely(live | dormant)
        self.assertEqual(live.ar_stage_id, self.stage2)
        self.assertFalse(dormant.ar_stage_id)
        self.assertFalse(self._fresh_cases())

    def test_settings_show_one_state_with_its_button(self):
        arch = etree.fromstring(self.env["res.config.settings"].get_view(view_type="form")["arch"].encode())

        def shown_when(button):
            (node,) = arch.xpath(f"//button[@name='{button}']/ancestor::div[@invisible][1]")
            return node.get("invisible")

        self.assertEqual(shown_when("action_ar_go_live"), "ar_escalation_enabled", "Activate… while inactive")
        self.assertEqual(
            shown_when("action_ar_deactivate"), "not ar_escalation_enabled", "Deactivate once live"
        )
        (deactivate,) = arch.xpath("//button[@name='action_ar_deactivate']")
        self.assertTrue(deactivate.get("confirm"), "deactivation is confirmed first")

    def test_settings_and_companies_cannot_switch_it_on_by_a_write(self):
        manager = self._user(
            "ar_golive_erp_manager", "base.group_user,base.group_erp_manager", self.company | self.fresh
        )
        with self.assertRaises(AccessError):
            self.fresh.with_user(manager).write({"ar_escalation_enabled": True})
        self.assertFalse(self.fresh.ar_escalation_enabled)
        settings = self.env["res.config.settings"].with_company(self.fresh).create({})
        self.assertTrue(settings._fields["ar_escalation_enabled"].readonly, "read-only in Settings")


@tagged("post_install", "-at_install")
class TestActivation(ArFreshCompanyCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.no_email = cls._customer("Silent Partner", "standard", False)
        cls.later = cls._customer("Future Co", "standard", "ap@future.example.com")

    def _book(self):
        return {
            "early": self._fresh_invoice(self.customer, 300, 10),
            "managed": self._fresh_invoice(self.customer, 400, 20),
            "executive": self._fresh_invoice(self.customer_b, 500, 45),
            "unreachable": self._fresh_invoice(self.no_email, 600, 12),
            "old": self._fresh_invoice(self.later, 900, due=date(2019, 3, 31)),
            "not_due": self._fresh_invoice(self.later, 100, -20),
        }

    def test_the_preview_says_what_the_first_run_then_does(self):
        book = self._book()
        wizard = self._wizard(entry="age")
        by_stage = {line.stage_id: line for line in wizard.line_ids}
        # by hand: Acme at Early and Managed gets one message (Managed), Beta one
        # (Executive), Future Co one (Pre-default; its other invoice is not due);
        # the customer without an email gets none but a fix-it task
        self.assertEqual(wizard.invoice_count, 5)
        self.assertEqual(wizard.message_count, 3)
        self.assertEqual(
            {stage: line.message_count for stage, line in by_stage.items()},
            {self.stage1: 0, self.stage2: 1, self.stage3: 1, self.stage4: 1},
        )
        self.assertEqual(
            {stage: line.invoice_count for stage, line in by_stage.items()},
            {self.stage1: 2, self.stage2: 1, self.stage3: 1, self.stage4: 1},
        )
        # a case per customer and stage (5) and a fix-it task, for the account
        # manager (Early), the finance lead (Managed), the CFO (3, 4), the operator (fix-it)
        self.assertEqual(wizard.activity_count, 6)
        self.assertEqual(wizard.owner_count, 4)
        self.assertNothingHappened(self.env["account.move"].concat(*book.values()))

        wizard.action_activate()
        self._sweep()
        cases = self._fresh_cases()
        messages = self._fresh_case_messages()
        sent = Counter(self.env["ar.escalation.case"].browse(messages.mapped("res_id")).stage_id)
        self.assertEqual(len(messages), wizard.message_count)
        self.assertEqual(
            dict(sent),
            {stage: line.message_count for stage, line in by_stage.items() if line.message_count},
        )
        moves = self.env["account.move"].concat(*book.values())
        staged = Counter(move.ar_stage_id for move in moves if move.ar_stage_id)
        self.assertEqual(staged, Counter({stage: line.invoice_count for stage, line in by_stage.items()}))
        activities = self._activities(cases)
        self.assertEqual(len(activities), wizard.activity_count)
        self.assertEqual(len(activities.user_id), wizard.owner_count)
        self.assertEqual(
            activities.user_id, self.user_am | self.user_finance | self.user_cfo | self.user_operator
        )
        self.assertIn("FINAL NOTICE", messages.filtered(lambda m: m.partner_ids & self.later).subject)

    def test_the_existing_book_enters_capped_and_climbs_by_the_cadence(self):
        old = self._fresh_invoice(self.later, 900, due=date(2019, 3, 31))
        uncapped = self._wizard(entry="age")
        self.assertEqual(uncapped.line_ids.stage_id, self.stage4, "by its age: Pre-default")
        wizard = self._wizard(entry="cap", cap_stage_id=self.stage1.id)
        self.assertEqual(
            [(line.stage_id, line.invoice_count, line.message_count) for line in wizard.line_ids],
            [(self.stage1, 1, 1)],
        )
        wizard.action_activate()
        self.assertEqual(self.fresh.ar_go_live_cap_stage_id, self.stage1)
        self._sweep()
        self.assertEqual(old.ar_stage_id, self.stage1, "entered at the cap")
        self.assertTrue(old.ar_go_live_capped)
        mails = self._customer_mails(self.later)
        self.assertEqual(len(mails), 1)
        self.assertIn(
            "can you confirm the payment date?", mails.subject, "Early's message, not Pre-default's"
        )
        self.assertNotIn("FINAL NOTICE", mails.subject)
        self.assertIn("go-live cap", self._events(old, "stage").reason)

        # Early repeats every 7 days, twice in all: the invoice stays there meanwhile
        self.runner._ar_process_safely(old, today=self.today + timedelta(days=3))
        self.assertEqual(old.ar_stage_id, self.stage1)
        self.assertEqual(len(self._customer_mails(self.later)), 1, "nothing before the cadence")
        self.runner._ar_process_safely(old, today=self.today + timedelta(days=7))
        self.assertEqual(old.ar_stage_id, self.stage1)
        self.assertEqual(len(self._customer_mails(self.later)), 2, "Early's second reminder")
        # Early's cadence complete: one stage up, with that stage's message
        self.runner._ar_process_safely(old, today=self.today + timedelta(days=14))
        self.assertEqual(old.ar_stage_id, self.stage2)
        latest = self._customer_mails(self.later).sorted("id")[-1]
        self.assertIn("payment commitment needed", latest.subject)
        self.assertTrue(old.ar_go_live_capped, "still climbing towards Pre-default")

    def test_an_invoice_already_on_the_ladder_is_not_capped(self):
        # only the first entry is capped: what was there before keeps its stage
        self._ar_go_live(self.fresh)
        move = self._fresh_invoice(self.customer, 500, 20)
        self.runner._ar_process_safely(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.fresh._ar_deactivate()
        self.fresh._ar_activate(cap_stage=self.stage1)
        self.runner._ar_process_safely(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(move.ar_go_live_capped)

    def test_go_live_is_recorded_and_logged_and_can_be_undone(self):
        before = fields.Datetime.now().replace(microsecond=0)
        self._wizard(entry="age").action_activate()
        self.assertTrue(self.fresh.ar_escalation_enabled)
        self.assertGreaterEqual(self.fresh.ar_go_live_date, before)
        self.assertEqual(self.fresh.ar_go_live_user_id, self.admin_user)
        settings = self.env["res.config.settings"].with_company(self.fresh).create({})
        self.assertEqual(
            (settings.ar_escalation_enabled, settings.ar_go_live_date, settings.ar_go_live_user_id),
            (True, self.fresh.ar_go_live_date, self.admin_user),
        )
        log = self.fresh.partner_id.message_ids.filtered(lambda m: "activated by" in (m.body or ""))
        self.assertEqual(len(log), 1)
        self.assertIn(self.admin_user.name, log.body)
        self.assertIn("First run as previewed", log.body)
        with self.assertRaisesRegex(UserError, "already active"):
            self._wizard(entry="age").action_activate()

        # deactivated: nothing more is sent, and open escalations do not roll up
        move = self._fresh_invoice(self.customer, 500, 20)
        self.runner._ar_process_safely(move)
        case = move.ar_case_id
        owner = case.owner_id
        settings.with_user(self.admin_user).action_ar_deactivate()
        self.assertFalse(self.fresh.ar_escalation_enabled)
        self.assertEqual(self.fresh.ar_go_live_stop_user_id, self.admin_user)
        self.assertTrue(
            self.fresh.partner_id.message_ids.filtered(lambda m: "deactivated by" in (m.body or ""))
        )
        case.with_context(**ladder_context()).write(
            {"sla_deadline": fields.Datetime.now() - timedelta(days=2)}
        )
        sent = len(self._fresh_case_messages())
        self.runner._ar_process_safely(move, today=self.today + timedelta(days=30))
        self._sweep()
        self.assertEqual(case.owner_id, owner, "no roll-up")
        self.assertEqual(move.ar_stage_id, self.stage2, "no new stage")
        self.assertEqual(len(self._fresh_case_messages()), sent, "no new message")

    def test_only_an_administrator_activates(self):
        manager = self._user(
            "ar_golive_manager",
            "base.group_user,account.group_account_manager,ar_escalation_ladder.group_ar_manager",
            self.company | self.fresh,
        )
        with self.assertRaises(AccessError):
            self.env["ar.escalation.golive.wizard"].with_user(manager).create({"company_id": self.fresh.id})
        with self.assertRaises(AccessError):
            self.fresh.with_user(manager)._ar_activate()
        self.assertFalse(self.fresh.ar_escalation_enabled)


@tagged("post_install", "-at_install")
class TestUpgrade(ArFreshCompanyCommon):
    def test_a_company_running_the_ladder_before_stays_live(self):
        path = file_path("ar_escalation_ladder/migrations/18.0.1.2.0/post-migrate.py")
        spec = importlib.util.spec_from_file_location("ar_golive_migration", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        # as 18.0.1.1.0 left them: the first company running (its default), the fresh one off
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_company SET ar_go_live_date = NULL, ar_go_live_user_id = NULL WHERE id = %s",
            (self.company.id,),
        )
        self.env.invalidate_all()
        before = fields.Datetime.now().replace(microsecond=0)
        migration.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertTrue(self.company.ar_escalation_enabled)
        self.assertGreaterEqual(self.company.ar_go_live_date, before, "live as of the upgrade")
        self.assertTrue(
            self.company.partner_id.message_ids.filtered(lambda m: "since the upgrade" in (m.body or ""))
        )
        self.assertFalse(self.fresh.ar_escalation_enabled or self.fresh.ar_go_live_date)
        move = self._invoice(self.customer, 500, 20)
        self.runner._ar_process_safely(move)
        self.assertEqual(move.ar_stage_id, self.stage2, "and the ladder keeps running")


@tagged("post_install", "-at_install")
class TestGoLiveOverRpc(ArRolesCommon):
    """Activation is the administrator's, by every route; the portal does nothing before go-live."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fresh = cls._create_company(name="Fresh Portal Ltd")
        for user in (cls.admin, cls.ar_manager):
            user.company_ids = [Command.link(cls.fresh.id)]

    def test_non_administrators_cannot_activate_or_deactivate(self):
        company = self.fresh
        for user in (self.ar_manager, self.ar_user, self.billing):
            self.assertRefused(user, "ar.escalation.golive.wizard", "create", {"company_id": company.id})
            self.assertRefused(user, "res.company", "write", company.ids, {"ar_escalation_enabled": True})
            self.assertRefused(user, "res.config.settings", "create", {})
        self.assertRefused(self.admin, "res.company", "_ar_activate", company.ids)
        # an administrator writing the company directly is refused too: activation goes
        # through the wizard, which shows the first run and records it
        self.assertRefused(self.admin, "res.company", "write", company.ids, {"ar_escalation_enabled": True})
        self.assertFalse(company.ar_escalation_enabled)

    def test_an_administrator_activates_and_deactivates_in_settings(self):
        context = {"allowed_company_ids": [self.fresh.id]}
        wizard_id = self.assertAllowed(
            self.admin, "ar.escalation.golive.wizard", "create", {"entry": "age"}, context=context
        )
        self.assertAllowed(self.admin, "ar.escalation.golive.wizard", "action_activate", [wizard_id])
        self.assertTrue(self.fresh.ar_escalation_enabled)
        self.assertEqual(self.fresh.ar_go_live_user_id, self.admin)
        settings_id = self.assertAllowed(self.admin, "res.config.settings", "create", {}, context=context)
        self.assertAllowed(
            self.admin, "res.config.settings", "action_ar_deactivate", [settings_id], context=context
        )
        self.assertFalse(self.fresh.ar_escalation_enabled)
        self.assertEqual(self.fresh.ar_go_live_stop_user_id, self.admin)

    def test_a_portal_promise_before_go_live_does_nothing(self):
        move = (
            self.env["account.move"]
            .with_company(self.fresh)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": date(2019, 3, 1),
                    "invoice_date_due": date(2019, 3, 31),
                    "invoice_line_ids": [
                        Command.create({"name": "Service", "quantity": 1, "price_unit": 800.0, "tax_ids": []})
                    ],
                }
            )
        )
        move.action_post()
        token = move._portal_ensure_token()
        self.authenticate(None, None)
        page = self.url_open(f"/my/invoices/{move.id}?access_token={token}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("Commit to a payment date", page.text, "no promise form before go-live")
        login = self.url_open("/web/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/my/invoices/{move.id}/ar_promise",
                data={
                    "csrf_token": csrf,
                    "access_token": token,
                    "date": str(self.today + timedelta(days=5)),
                    "amount": "400",
                },
                allow_redirects=False,
            )
        self.assertIn("ar_message=not_open", response.headers.get("Location", ""))
        self.env.invalidate_all()
        self.assertFalse(move.ar_promise_ids, "no promise recorded")
        self.assertFalse(move.ar_stage_id or self._events(move))
        self.assertFalse(self.env["ar.escalation.case"].search([("company_id", "=", self.fresh.id)]))
