# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The AR desk's everyday actions (issue 13): resume a pause, resolve a dispute, payment plans,
bulk actions from a selection, and *Escalate now* saying what happened."""

import base64
from datetime import timedelta

import psycopg2

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, new_test_user, tagged
from odoo.tools import format_date, mute_logger

from ..models.ar_escalation_access import ladder_context
from .common import ArEscalationCommon


class EverydayCommon(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "ar_daily_manager",
            groups="base.group_user,base.group_partner_manager,account.group_account_invoice,"
            "ar_escalation_ladder.group_ar_manager",
            name="Mia Manager",
            company_id=cls.company.id,
            company_ids=[Command.link(cls.company.id)],
        )

    def _as(self, user, records):
        return records.with_user(user).with_company(self.company)

    def _notification(self, action):
        self.assertEqual((action["type"], action["tag"]), ("ir.actions.client", "display_notification"))
        return action["params"]["message"]


@tagged("post_install", "-at_install")
class TestResume(EverydayCommon):
    def test_resume_an_invoice_lifts_the_pause_logs_it_and_evaluates_at_once(self):
        move = self._invoice(self.customer, 900, 20)
        wizard = Form(
            self._as(self.manager, self.env["ar.escalation.action.wizard"]).with_context(
                active_ids=move.ids, default_action="pause"
            )
        )
        wizard.until = self.today + timedelta(days=10)
        wizard.reason = "Customer's audit"
        wizard.save().action_confirm()
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(self._customer_mails(self.customer), "paused: no reminder")
        # an AR user does not resume (pausing is an AR manager's, row 10)
        with self.assertRaisesRegex(AccessError, "Resuming a paused escalation is for AR managers"):
            self._as(self.user_am, move).action_ar_resume()
        self.assertTrue(move.ar_pause_until)

        message = self._notification(self._as(self.manager, move).action_ar_resume())
        self.assertIn(f"Escalation resumed on {move.name}", message)
        self.assertFalse(move.ar_pause_until or move.ar_pause_reason)
        event = self._events(move, "resume")
        self.assertEqual(event.user_id, self.manager, "who lifted it")
        until = format_date(self.env, self.today + timedelta(days=10))
        self.assertEqual(event.reason, f"Pause lifted (it ran until {until})")
        self.assertIn("Pause lifted", event.message_id.body)
        self.assertIn("by Mia Manager", event.message_id.body, "the chatter line says who")
        self.runner._ar_run_pending()  # the ladder's next run
        self.assertEqual(len(self._customer_mails(self.customer)), 1, "evaluated again: the reminder went")

    def test_customer_pause_date_in_the_past_is_refused_and_clearing_it_evaluates_at_once(self):
        move = self._invoice(self.customer, 500, 20)
        partner_form = Form(self._as(self.manager, self.customer))
        partner_form.ar_pause_until = self.today - timedelta(days=1)
        partner_form.ar_pause_reason = "Merger talks"
        with self.assertRaisesRegex(UserError, "Pause until a date in the future"):
            partner_form.save()
        partner_form = Form(self._as(self.manager, self.customer))
        partner_form.ar_pause_until = self.today + timedelta(days=30)
        partner_form.ar_pause_reason = "Merger talks"
        partner_form.save()
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(self._customer_mails(self.customer), "the customer is paused")

        # clearing the date on the customer's tab lifts the pause: evaluated at the next run
        partner_form = Form(self._as(self.manager, self.customer))
        partner_form.ar_pause_until = False
        partner_form.save()
        self.runner._ar_run_pending()
        self.assertEqual(len(self._customer_mails(self.customer)), 1, "the reminder went at the next run")
        resume = self.env["ar.escalation.event"].search(
            [("partner_id", "=", self.customer.id), ("kind", "=", "resume")]
        )
        self.assertEqual(
            (resume.user_id, resume.reason), (self.manager, "Customer pause lifted by Mia Manager")
        )
        self.assertIn("Customer pause lifted by Mia Manager", self.customer.message_ids[0].body)

    def test_resume_button_on_the_customer(self):
        move = self._invoice(self.customer_b, 500, 20)
        self._as(self.manager, self.customer_b).write(
            {"ar_pause_until": self.today + timedelta(days=5), "ar_pause_reason": "Audit"}
        )
        self._run(move)
        self.assertFalse(self._customer_mails(self.customer_b))
        with self.assertRaises(AccessError):
            self._as(self.user_am, self.customer_b).action_ar_resume()
        message = self._notification(self._as(self.manager, self.customer_b).action_ar_resume())
        self.assertIn("Escalation resumed for Beta Key", message)
        self.assertFalse(self.customer_b.ar_pause_until)
        self.runner._ar_run_pending()
        self.assertEqual(len(self._customer_mails(self.customer_b)), 1, "evaluated at the next run")
        views = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="action_ar_resume"', views, "the customer's tab has the button")


@tagged("post_install", "-at_install")
class TestResolveDispute(EverydayCommon):
    def test_resolve_in_its_own_dialog_with_an_outcome_closes_the_activity(self):
        move = self._invoice(self.customer, 300, 20)
        self._confirm(self._dispute_dialog(move, "log"), code="quality", note="Two units arrived damaged")
        dispute_type = self.env.ref("ar_escalation_ladder.mail_activity_type_invoice_dispute")
        activity = move.activity_ids.filtered(lambda a: a.activity_type_id == dispute_type)
        self.assertEqual(len(activity), 1, "the owner has the dispute to resolve")

        # its own dialog, titled as what it does
        action = self.env.ref("ar_escalation_ladder.ar_escalation_dispute_resolve_action")
        self.assertEqual(action.name, "Resolve a dispute")
        arch = self.env["ar.escalation.dispute.wizard"].get_view(action.view_id.id)["arch"]
        self.assertIn('string="Resolve a dispute"', arch)
        self.assertNotIn("Log a dispute", arch)
        resolve = self._dispute_dialog(move, "resolve")
        self.assertEqual(resolve.open_note, "Two units arrived damaged", "what the customer said is shown")
        resolve.note = "Credit note RINV/2026/0007 for the two units"
        with self.assertRaises(AssertionError):
            resolve.save()  # the outcome is required
        resolve.outcome = "credit_note"
        resolve.save().action_confirm()

        dispute = move.ar_dispute_ids
        self.assertEqual(
            (dispute.state, dispute.outcome, dispute.resolved_by_id),
            ("resolved", "credit_note", self.env.user),
        )
        event = self._events(move, "dispute_resolved")
        self.assertEqual(event.reason, "Credit note issued: Credit note RINV/2026/0007 for the two units")
        self.assertIn("Credit note issued", event.message_id.body)
        self.assertFalse(activity.active, "the dispute's activity is done")
        done = self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", move.id),
                ("mail_activity_type_id", "=", dispute_type.id),
            ]
        )
        self.assertIn("Credit note issued", done.body, "marked done with the outcome")
        self.runner._ar_run_pending()  # the ladder's next run
        self.assertEqual(len(self._events(move, "external")), 1, "dunning resumes at the next run")

    def test_one_open_dispute_per_invoice(self):
        move = self._invoice(self.customer, 300, 20)
        move._ar_log_dispute("pricing", "Price differs from the quote")
        with self.assertRaisesRegex(UserError, f"{move.name} already has an open dispute"):
            move._ar_log_dispute("quantity", "And the quantity too")
        # the database keeps one, whatever submits it twice at once
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            self.env["ar.escalation.dispute"].with_context(**ladder_context()).create(
                {"move_id": move.id, "code": "other", "note": "Posted twice"}
            )
        self.assertEqual(len(move.ar_dispute_ids), 1)
        self.assertEqual(len(self._events(move, "dispute")), 1)


@tagged("post_install", "-at_install")
class TestPaymentPlan(EverydayCommon):
    def _plan_form(self, move):
        return Form(
            self.env["ar.escalation.promise.wizard"].with_context(active_id=move.id, active_ids=move.ids)
        )

    def test_the_dialog_takes_instalments_summing_to_at_most_what_is_open(self):
        move = self._invoice(self.customer, 900, 10)
        self._run(move)
        form = self._plan_form(move)
        with form.line_ids.edit(0) as line:
            line.date = self.today + timedelta(days=7)
            line.amount = 300.0
        for days in (37, 67):
            with form.line_ids.new() as line:
                line.date = self.today + timedelta(days=days)
                line.amount = 400.0
        self.assertEqual(form.total, 1100.0)
        wizard = form.save()  # outside assertRaises: it rolls back what it wraps
        with self.assertRaisesRegex(UserError, "add up to .*1,100.00, more than is open"):
            wizard.action_confirm()
        with form.line_ids.edit(2) as line:
            line.amount = 300.0
        with form.line_ids.edit(1) as line:
            line.date = self.today - timedelta(days=1)
            line.amount = 300.0
        wizard = form.save()
        with self.assertRaisesRegex(UserError, "cannot be in the past"):
            wizard.action_confirm()
        with form.line_ids.edit(1) as line:
            line.date = self.today + timedelta(days=37)
        form.save().action_confirm()

        promise = move.ar_promise_ids
        self.assertTrue(promise.is_plan)
        self.assertEqual(promise.line_ids.mapped("amount"), [300.0, 300.0, 300.0])
        # the invoice shows the plan, and is promised by the next instalment
        self.assertEqual(move.ar_promise_line_ids, promise.line_ids)
        self.assertEqual(move.ar_promise_date, self.today + timedelta(days=7))
        arch = self.env["account.move"].get_view(self.env.ref("account.view_move_form").id)["arch"]
        self.assertIn('name="ar_promise_line_ids"', arch)
        body = self._events(move, "promise").message_id.body
        self.assertIn(move.currency_id.format(300.0).replace("\xa0", "&nbsp;"), body, "with its currency")
        self.assertIn(format_date(self.env, self.today + timedelta(days=67)), body)

    def test_each_instalment_is_kept_or_broken_on_its_own_date(self):
        move = self._invoice(self.customer, 900, 10)
        self._run(move)
        promise = move._ar_log_promise(
            [(self.today + timedelta(days=d), 300.0) for d in (5, 35, 65)], confidence="high"
        )
        first, second, third = promise.line_ids.sorted("date")
        self._pay(move, 300.0)
        self.runner._ar_run_pending()  # the ladder's next run settles it
        self.assertEqual((first.state, second.state, third.state), ("kept", "open", "open"), "first one paid")
        self.assertEqual(move.ar_promise_date, second.date, "now promised by the next instalment")
        self.assertEqual(len(self._events(move, "promise_kept")), 1)
        # the second instalment's date and the grace days pass without payment
        later = second.date + timedelta(days=self.company.ar_promise_grace_days + 1)
        self.env["ar.escalation.promise"]._cron_settle(later)
        self.assertEqual((first.state, second.state, third.state), ("kept", "broken", "open"))
        self.assertEqual(move.ar_promise_state, "broken", "a broken instalment: the plan no longer holds")
        self.assertFalse(move.ar_promise_date)
        self.assertEqual(len(self._events(move, "promise_broken")), 1, "one event, for that instalment")
        self.assertEqual(move.ar_broken_promise_count, 1)
        # the third is still judged on its own date: paid in time, it is kept
        self._pay(move, 600.0)
        self.runner._ar_run_pending()
        self.assertEqual(third.state, "kept")


@tagged("post_install", "-at_install")
class TestBulkActions(EverydayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.one = cls._customer("Bulk One Ltd", email="ap@one.example.com")
        cls.two = cls._customer("Bulk Two Ltd", email="ap@two.example.com")

    def _selection(self):
        moves = self._invoice(self.one, 400, 20) | self._invoice(self.two, 600, 20)
        self._run(moves)
        return moves

    def _wizard(self, user, moves, action):
        return Form(
            self._as(user, self.env["ar.escalation.action.wizard"]).with_context(
                active_model="account.move", active_ids=moves.ids, default_action=action
            )
        )

    def test_actions_are_in_the_list_action_menu_for_their_roles(self):
        bindings = self.env["ir.actions.actions"].with_user(self.user_am).get_bindings("account.move")
        names = {action["name"] for action in bindings["action"]}
        self.assertLessEqual({"Acknowledge escalation", "Escalate now", "Log promise to pay"}, names)
        self.assertFalse({"Pause escalation", "Resume escalation", "Override stage"} & names, "AR managers'")
        self.env.registry.clear_cache()
        bindings = self.env["ir.actions.actions"].with_user(self.manager).get_bindings("account.move")
        names = {action["name"] for action in bindings["action"]}
        self.assertLessEqual(
            {"Pause escalation", "Resume escalation", "Override stage", "Close escalation case"}, names
        )

    def test_pause_override_and_close_a_selection_with_one_reason(self):
        moves = self._selection()
        other = self._invoice(self.one, 100, 20, post=False)  # a draft: left alone
        form = self._wizard(self.manager, moves | other, "pause")
        form.until = self.today + timedelta(days=14)
        form.reason = "Year-end audit at both"
        message = self._notification(form.save().action_confirm())
        self.assertIn("Paused until", message)
        self.assertIn(f"Left alone: {other.display_name} (not a posted customer invoice)", message)
        for move in moves:
            event = self._events(move, "pause")
            self.assertEqual((event.user_id, len(event)), (self.manager, 1), "one event per invoice")
            self.assertIn("Year-end audit at both", event.message_id.body, "and its chatter line")
        self.assertFalse(other.ar_pause_until)

        message = self._notification(self._as(self.manager, moves).action_ar_resume())
        self.assertIn("Escalation resumed on", message)
        self.assertEqual(len(self._events(moves, "resume")), 2)
        self.assertFalse(moves.filtered("ar_pause_until"))

        form = self._wizard(self.manager, moves, "override")
        form.stage_id = self.stage3
        form.reason = "CFO takes both over"
        message = self._notification(form.save().action_confirm())
        self.assertIn("Moved to Executive", message)
        self.assertEqual(set(moves.mapped("ar_stage_id")), {self.stage3})
        self.assertEqual(self._events(moves, "override").mapped("reason"), ["CFO takes both over"] * 2)

        form = self._wizard(self.manager, moves, "close")
        form.disposition = "agency"
        form.reason = "Handed to Credit Recovery Ltd"
        message = self._notification(form.save().action_confirm())
        self.assertIn("Closed (Sent to a collection agency)", message)
        self.assertEqual(moves.mapped("ar_disposition"), ["agency", "agency"])
        self.assertEqual(len(self._events(moves, "closed")), 2)

    def test_an_ar_user_may_not_pause_resume_override_or_close_a_selection(self):
        moves = self._selection()
        for action in ("pause", "override", "close"):
            with self.assertRaises(AccessError):
                self._as(self.user_am, self.env["ar.escalation.action.wizard"]).create(
                    {"action": action, "move_ids": [Command.set(moves.ids)], "reason": "x"}
                )
        with self.assertRaises(AccessError):
            self._as(self.user_am, moves).action_ar_resume()

    def test_acknowledge_a_selection(self):
        moves = self._selection()
        # an AR user acknowledges its own escalations only
        owner = moves[0].ar_owner_id
        self.assertNotEqual(owner, self.user_operator)
        with self.assertRaisesRegex(UserError, "or an AR manager can acknowledge it"):
            self._as(self.user_operator, moves).action_ar_acknowledge_selected()
        # an AR user's own escalation in the selection is acknowledged, the others' are left alone
        early = self._invoice(self._customer("Bulk Early Ltd", email="ap@early.example.com"), 300, 5)
        self._run(early)
        self.assertEqual(early.ar_owner_id, self.user_am)
        message = self._notification(self._as(self.user_am, moves | early).action_ar_acknowledge_selected())
        self.assertIn(f"Acknowledged: Early — Bulk Early Ltd (invoices {early.name}).", message)
        self.assertIn("Left alone, only their owner or an AR manager acknowledges them: Managed", message)
        self.assertEqual(self._events(early, "acknowledged").user_id, self.user_am)
        self.assertFalse(self._events(moves, "acknowledged"))
        message = self._notification(self._as(self.manager, moves).action_ar_acknowledge_selected())
        self.assertIn("Acknowledged: ", message)
        self.assertIn("Managed — Bulk One Ltd", message)
        self.assertIn("Managed — Bulk Two Ltd", message)
        for move in moves:
            event = self._events(move, "acknowledged")
            self.assertEqual(event.user_id, self.manager)
            self.assertIn("on behalf of", event.message_id.body)
        message = self._notification(self._as(self.manager, moves).action_ar_acknowledge_selected())
        self.assertIn("Nothing to acknowledge", message)

    def test_log_a_promise_on_a_selection(self):
        moves = self._selection()
        form = Form(
            self._as(self.user_am, self.env["ar.escalation.promise.wizard"]).with_context(
                active_model="account.move", active_ids=moves.ids
            )
        )
        self.assertTrue(form.is_bulk)
        form.date = self.today + timedelta(days=10)
        form.note = "AP runs both on the 10th"
        message = self._notification(form.save().action_confirm())
        self.assertIn("Promise to pay by", message)
        for move in moves:
            self.assertEqual(
                (move.ar_promise_ids.amount, move.ar_promise_state), (move.amount_residual, "open")
            )
            self.assertEqual(len(self._events(move, "promise")), 1)

    def test_escalate_now_says_what_happened(self):
        moves = self._selection()
        self.env.flush_all()
        action = self._as(self.manager, moves).action_ar_escalate_now()
        message = self._notification(action)
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.client", "tag": "soft_reload"})
        wait = self.stage2.cadence_days
        for move in moves:
            self.assertIn(f"{move.name} stays at Managed: last reminder today, next in {wait} days", message)
        # a new invoice enters its stage, and the reminder goes
        new = self._invoice(self._customer("Bulk Three Ltd", email="ap@three.example.com"), 200, 5)
        message = self._notification(self._as(self.manager, new).action_ar_escalate_now())
        self.assertIn(
            f"{new.name} enters Early: 5 days overdue; the customer was sent a reminder now", message
        )
        # not yet due: not on the ladder, in words
        later = self._invoice(self.one, 200, -10)
        message = self._notification(self._as(self.manager, later).action_ar_escalate_now())
        self.assertIn(f"{later.name} is not on the ladder: due in 10 days", message)
        # paused
        moves[0]._ar_pause(self.today + timedelta(days=3), "Audit")
        message = self._notification(self._as(self.manager, moves[0]).action_ar_escalate_now())
        self.assertIn(f"paused until {format_date(self.env, self.today + timedelta(days=3))}", message)


@tagged("post_install", "-at_install")
class TestConfirmations(EverydayCommon):
    def test_policy_import_and_test_send_say_what_they_did(self):
        wizard = self.env["ar.escalation.policy.wizard"].create({"file_format": "yaml"})
        text = wizard._ar_dump(wizard._ar_export_data())
        wizard = self.env["ar.escalation.policy.wizard"].create(
            {"file_format": "yaml", "file": base64.b64encode(text.encode()), "filename": "ladder.yaml"}
        )
        action = wizard.action_import()
        message = self._notification(action)
        self.assertIn(
            "The track Standard ladder now has 5 stages: Preventive, Early, Managed, Executive, Pre-default.",
            message,
        )
        self.assertIn("Promise grace days: 3.", message)
        self.assertEqual(action["params"]["next"], {"type": "ir.actions.act_window_close"})
        move = self._invoice(self.customer, 1200, 20)
        self._run(move)
        self.env.user.email = "clerk@company.example.com"
        message = self._notification(self.stage2.action_send_test_to_me())
        self.assertIn("clerk@company.example.com", message)


@tagged("post_install", "-at_install")
class TestEverydayTours(EverydayCommon, HttpCase):
    """Bulk actions and resume, in a real browser, as an AR manager."""

    def test_pause_and_resume_a_selection_from_the_board_list(self):
        one = self._invoice(self._customer("Bulk One Ltd", email="ap@one.example.com"), 400, 20)
        two = self._invoice(self._customer("Bulk Two Ltd", email="ap@two.example.com"), 600, 20)
        self._run(one | two)
        self.manager.tz = "UTC"
        self.start_tour(
            "/odoo/action-ar_escalation_ladder.account_move_action_ar_board",
            "ar_escalation_bulk_pause_resume",
            login="ar_daily_manager",
        )
        for move in one | two:
            until = format_date(self.env, self.today + timedelta(days=14))
            reason = f"Paused until {until}: Both in the customer's year-end audit"
            self.assertEqual(self._events(move, "pause").reason, reason)
            self.assertEqual(self._events(move, "pause").user_id, self.manager)
            self.assertEqual(self._events(move, "resume").user_id, self.manager)
            self.assertFalse(move.ar_pause_until)

    def test_resume_an_invoice_from_its_form(self):
        move = self._invoice(self._customer("Paused Goods Ltd", email="ap@paused.example.com"), 700, 20)
        self._run(move)
        move._ar_pause(self.today + timedelta(days=10), "Audit")
        self.start_tour(
            f"/odoo/customer-invoices/{move.id}", "ar_escalation_resume_invoice", login="ar_daily_manager"
        )
        self.assertFalse(move.ar_pause_until)
        self.assertEqual(self._events(move, "resume").user_id, self.manager)
