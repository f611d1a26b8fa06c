# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import base64
from datetime import timedelta

import yaml

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestWizards(ArEscalationCommon):
    """What an AR clerk does from the invoice form, through the dialogs."""

    def test_log_promise_defaults_to_the_open_amount_and_is_validated(self):
        move = self._invoice(self.customer, 750, 10)
        self._pay(move, 250.0)
        form = self._dialog("ar.escalation.promise.wizard", move)
        self.assertEqual(len(form.line_ids), 1, "one dated amount to start with")
        self.assertEqual(form.line_ids.edit(0).amount, 500.0, "defaults to what is still open")
        with form.line_ids.edit(0) as line:
            line.date = self.today - timedelta(days=1)
        self._assert_refused(form)
        with form.line_ids.edit(0) as line:
            line.date = self.today + timedelta(days=7)
            line.amount = 600.0
        self._assert_refused(form)
        with form.line_ids.edit(0) as line:
            line.amount = 500.0
        form.confidence = "high"
        form.note = "AP clerk confirmed the payment run"
        form.save().action_confirm()
        promise = move.ar_promise_ids
        self.assertEqual(
            (promise.amount, promise.date, promise.confidence),
            (500.0, self.today + timedelta(days=7), "high"),
        )
        self.assertEqual(move.ar_promise_state, "open")
        body = self._events(move, "promise").message_id.body
        self.assertIn(
            f"Promise to pay: {move.currency_id.format(500.0)}".replace("\xa0", "&nbsp;"),
            body,
            "with its currency",
        )

    def test_log_and_resolve_dispute(self):
        move = self._invoice(self.customer, 300, 20)
        form = self._dialog("ar.escalation.dispute.wizard", move, default_mode="log")
        form.code = "quality"
        form.note = "   "
        self._assert_refused(form)
        form.note = "Two units arrived damaged"
        form.save().action_confirm()
        self.assertEqual((move.ar_dispute_state, move.ar_dispute_code), ("open", "quality"))
        resolve = self._dispute_dialog(move, "resolve")
        self._confirm(resolve, outcome="credit_note", note="Credit note for the two units agreed")
        self.assertEqual(move.ar_dispute_state, "resolved")
        self.assertIn("Credit note for the two units", self._events(move, "dispute_resolved").reason)

    def test_pause_override_and_close(self):
        move = self._invoice(self.customer, 900, 20)
        self._run(move)
        form = self._dialog("ar.escalation.action.wizard", move, default_action="pause")
        form.until = self.today - timedelta(days=1)
        form.reason = "Customer restructuring"
        self._assert_refused(form)
        form.until = self.today + timedelta(days=14)
        form.save().action_confirm()
        self.assertEqual(move.ar_pause_until, self.today + timedelta(days=14))
        self.assertIn("Customer restructuring", self._events(move, "pause").reason)

        form = self._dialog("ar.escalation.action.wizard", move, default_action="override")
        form.stage_id = self.stage3
        form.reason = "CFO asked to take it over"
        form.save().action_confirm()
        self.assertEqual(move.ar_stage_id, self.stage3)
        self.assertEqual(self._events(move, "override").reason, "CFO asked to take it over")

        # an AR user without the manager group may not override (nor pause, nor close)
        with self.assertRaises(AccessError):
            self.env["ar.escalation.action.wizard"].with_user(self.user_am).create(
                {"action": "override", "move_ids": move.ids, "stage_id": self.stage1.id, "reason": "x"}
            )

        form = self._dialog("ar.escalation.action.wizard", move, default_action="close")
        form.disposition = "written_off"
        form.reason = "Customer insolvent, claim filed"
        form.save().action_confirm()
        closed = self._events(move, "closed")
        self.assertEqual(closed.disposition, "written_off")
        self.assertTrue(move.ar_closed_date)

    def test_every_dialog_refuses_missing_input_and_changes_nothing(self):
        move = self._invoice(self.customer, 900, 20)
        self._run(move)
        events = len(self._events(move))

        # promise: nothing promised, or nothing at all
        form = self._dialog("ar.escalation.promise.wizard", move)
        with form.line_ids.edit(0) as line:
            line.amount = 0.0
        self._assert_refused(form)

        # dispute: the code and the note are required
        form = self._dialog("ar.escalation.dispute.wizard", move, default_mode="log")
        form.note = "Wrong price on line 2"
        self._assert_incomplete(form)  # the code is required when logging
        form = self._dialog("ar.escalation.dispute.wizard", move, default_mode="log")
        form.code = "pricing"
        self._assert_incomplete(form)  # the note is a required field of the dialog
        # resolving needs an open dispute
        form = self._dialog("ar.escalation.dispute.wizard", move, default_mode="resolve")
        form.note = "Nothing to resolve"
        self._assert_refused(form)

        # pause: a date to come and a reason
        form = self._dialog("ar.escalation.action.wizard", move, default_action="pause")
        form.until = self.today + timedelta(days=5)
        self._assert_incomplete(form)  # no reason
        form.reason = "   "
        self._assert_refused(form)

        # override: a reason, not blanks
        form = self._dialog("ar.escalation.action.wizard", move, default_action="override")
        form.stage_id = self.stage3
        self._assert_incomplete(form)
        form.reason = "  "
        self._assert_refused(form)

        # close: how the case closes
        form = self._dialog("ar.escalation.action.wizard", move, default_action="close")
        form.reason = "Settled"
        self._assert_incomplete(form)  # the disposition is required when closing

        self.assertEqual(move.ar_stage_id, self.stage2, "no stage change")
        self.assertFalse(move.ar_pause_until or move.ar_promise_ids or move.ar_dispute_ids)
        self.assertEqual(len(self._events(move)), events, "no event")

    def test_board_drop_opens_the_override_dialog_preset_to_the_target_stage(self):
        """The context the board's drag and drop passes (static/src/views/ar_board_kanban.js)."""
        move = self._invoice(self.customer, 900, 20)
        self._run(move)
        form = Form(
            self.env["ar.escalation.action.wizard"].with_context(
                default_action="override", default_move_ids=move.ids, default_stage_id=self.stage1.id
            )
        )
        self.assertEqual((form.action, form.stage_id), ("override", self.stage1))
        self.assertEqual(form.move_ids[:], move)
        form.reason = "Customer paid most of it by wire, the rest is on its way"
        form.save().action_confirm()
        self.assertEqual(move.ar_stage_id, self.stage1, "moved down by hand")
        event = self._events(move, "override")
        self.assertEqual((event.from_stage_id, event.to_stage_id), (self.stage2, self.stage1))
        self.assertIn("Set by hand", move.ar_reason)


@tagged("post_install", "-at_install")
class TestBoard(ArEscalationCommon):
    def test_board_columns_show_every_stage_and_sla_breaches(self):
        on_time = self._invoice(self.customer, 100, 20)
        late = self._invoice(self.customer_b, 300, 22)
        self._run(on_time | late)
        # sudo: time passes (the SLA fields are the ladder's, refused to a plain write)
        late.ar_case_id.sudo().sla_deadline = late.sudo().ar_sla_deadline = self.today - timedelta(days=1)
        self.assertTrue(self.env.ref("ar_escalation_ladder.account_move_action_ar_board"))
        Move = self.env["account.move"]
        domain = [("id", "in", (on_time | late).ids)]
        groups = Move.read_group(domain, ["amount_residual_signed:sum"], ["ar_stage_id"])
        stages = {group["ar_stage_id"][0] for group in groups if group["ar_stage_id"]}
        self.assertEqual(
            stages, set(self.env["ar.escalation.stage"].search([]).ids), "every stage is a column, even empty"
        )
        bar = Move.read_progress_bar(
            domain,
            "ar_stage_id",
            {"field": "ar_sla_state", "colors": {"on_time": "success", "breached": "danger"}},
        )
        self.assertEqual(bar[str(self.stage2.id)], {"on_time": 1, "breached": 1})
        action = self.customer.action_ar_open_board()
        self.assertEqual(
            Move.search(action["domain"]), on_time, "the customer's smart button opens its receivables"
        )
        self.assertEqual(self.customer.ar_open_escalations, 1)
        managed = next(g for g in groups if g["ar_stage_id"] and g["ar_stage_id"][0] == self.stage2.id)
        self.assertEqual(managed["amount_residual_signed"], 400.0, "column total in company currency")

    def test_board_has_kanban_list_pivot_graph_and_activity_views(self):
        action = self.env.ref("ar_escalation_ladder.account_move_action_ar_board")
        views = self.env["account.move"].get_views(
            [(view.view_id.id, view.view_mode) for view in action.view_ids]
        )
        self.assertEqual(set(views["views"]), {"kanban", "list", "pivot", "graph", "activity"})
        kanban = views["views"]["kanban"]["arch"]
        self.assertIn('js_class="ar_escalation_board"', kanban, "drop on a stage asks for a reason")
        self.assertNotIn('records_draggable="false"', kanban)
        self.assertIn("ar_stage_id", views["views"]["activity"]["arch"])
        menu = self.env.ref("ar_escalation_ladder.menu_ar_escalation_board")
        self.assertEqual(menu.parent_id.parent_id, self.env.ref("account.menu_finance"), "under Invoicing")


@tagged("post_install", "-at_install")
class TestPreview(ArEscalationCommon):
    def _side_effects(self):
        return (
            self.env["ar.escalation.event"].search_count([]),
            self.env["mail.activity"].search_count([]),
            self.env["mail.message"].search_count([]),
            self.env["mail.mail"].sudo().search_count([]),
            self.env["ar.escalation.case"].search_count([]),
        )

    def test_preview_shows_what_would_happen_and_changes_nothing(self):
        early = self._invoice(self.customer, 100, 5)
        managed = self._invoice(self.customer, 200, 20)
        silent = self._invoice(self._customer("No Mail Co"), 300, 20)
        not_due = self._invoice(self.customer_b, 400, -10)
        self.env.flush_all()
        before = self._side_effects()
        preview = self.env["ar.escalation.preview"].create({"company_id": self.company.id})
        preview.action_compute()
        self.env.flush_all()
        self.assertEqual(self._side_effects(), before, "no event, activity, message, mail or case")
        self.assertFalse((early | managed | silent).ar_stage_id, "no invoice changed")
        lines = {line.move_id: line for line in preview.line_ids}
        self.assertNotIn(not_due, lines)
        self.assertEqual(lines[early].new_stage_id, self.stage1)
        self.assertEqual(lines[managed].new_stage_id, self.stage2)
        self.assertEqual(lines[managed].action, "enter")
        self.assertEqual(lines[managed].recipients, "billing@acme.example.com")
        self.assertEqual(lines[managed].reason, "20 days overdue")
        self.assertFalse(lines[silent].send)
        self.assertEqual(lines[silent].hold, "not_payable")
        self.assertTrue(lines[silent].hold_text.startswith("Not payable as sent ("), lines[silent].hold_text)
        self.assertEqual(preview.change_count, 3)
        self.assertEqual(preview.message_count, 1, "one message per customer, whatever its stages")


@tagged("post_install", "-at_install")
class TestPolicyAsCode(ArEscalationCommon):
    def _export(self, fmt):
        wizard = self.env["ar.escalation.policy.wizard"].create({"file_format": fmt})
        return wizard._ar_dump(wizard._ar_export_data())

    def _import(self, fmt, text):
        wizard = self.env["ar.escalation.policy.wizard"].create(
            {"file_format": fmt, "file": base64.b64encode(text.encode()), "filename": f"ladder.{fmt}"}
        )
        return wizard.action_import()

    def test_export_then_import_round_trips_and_applies_changes(self):
        for fmt in ("yaml", "json"):
            text = self._export(fmt)
            self.assertIn("Managed", text)
            self._import(fmt, text)
            self.assertEqual(self.stage2.sla_hours, 6.0)
            self.assertEqual(self.stage2.rule_ids.mapped("kind"), ["days_overdue", "broken_promises"])
        data = yaml.safe_load(self._export("yaml"))
        managed = next(s for s in data["stages"] if s["name"] == "Managed")
        managed["sla_hours"] = 3
        managed["rules"][0]["min"] = 20
        self._import("yaml", yaml.safe_dump(data))
        self.assertEqual(self.stage2.sla_hours, 3.0)
        self.assertEqual(self.stage2.rule_ids[0].min_value, 20.0)
        self.assertEqual(
            self.stage2.mail_template_id, self.env.ref("ar_escalation_ladder.mail_template_stage_managed")
        )

    def test_invalid_file_is_refused_naming_stage_and_field_and_changes_nothing(self):
        data = yaml.safe_load(self._export("yaml"))
        managed = next(s for s in data["stages"] if s["name"] == "Managed")
        managed["sla_hours"] = 1
        managed["rules"][0]["max"] = 5  # min 16 > max 5
        with self.assertRaises(UserError) as err:
            self._import("yaml", yaml.safe_dump(data))
        self.assertIn(
            "Stage “Managed” (level 2), rule 1 (Days overdue): "
            "The range of days overdue starts at 16 but ends at 5.",
            str(err.exception),
        )
        self.assertEqual(self.stage2.sla_hours, 6.0, "nothing changed")
        self.assertEqual(self.stage2.rule_ids[0].max_value, 30.0)
        with self.assertRaises(UserError):
            self._import("json", "{not json")


@tagged("post_install", "-at_install")
class TestSendTestToMe(ArEscalationCommon):
    def test_stage_message_goes_to_me_only(self):
        move = self._invoice(self.customer, 1200, 20)
        self._run(move)
        self.env.user.email = "clerk@company.example.com"
        before = self.env["mail.mail"].sudo().search([]).ids
        self.stage2.action_send_test_to_me()
        mail = self.env["mail.mail"].sudo().search([("id", "not in", before)])
        self.assertEqual(len(mail), 1)
        self.assertIn("clerk@company.example.com", mail.email_to)
        self.assertFalse(mail.recipient_ids, "no customer gets the test")
        self.assertTrue(mail.subject.startswith("[TEST]"))
        self.assertIn(move.name, mail.body_html)
        with self.assertRaises(UserError):
            self.stage4.action_send_test_to_me()  # nobody at Pre-default yet
