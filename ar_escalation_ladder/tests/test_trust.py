# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the record says must be true (issue 12, "Trust").

- Only the owner acknowledges an escalation; an AR manager may, on behalf of
  the owner; a late acknowledgement stays visible as late.
- *Paid* is refused while money is open; a case sent to an agency, to legal or
  written off stays closed (no run re-opens it, nor writes to the customer)
  until an AR manager reopens it; closed cases leave the board; a closing
  records as recovered only the money received.
- The chatter says who acted, and the owner only when that is someone else;
  its dates are the reader's, not raw UTC.
"""

import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from ..models.ar_escalation_access import ladder_context
from ..models.ar_escalation_format import format_reader_datetime
from .common import ArEscalationCommon
from .test_permissions import ArRolesCommon

USER_ERROR = "odoo.exceptions.UserError"


def _text(message):
    """A chatter line as its reader sees it (tags dropped)."""
    return re.sub(r"<[^>]+>", "", str(message.body or ""))


class TrustCommon:
    """Helpers of the tests below (mixed into an ``ArEscalationCommon`` test class)."""

    def _other_ar_user(self, case):
        """An AR user (not manager) who does not own ``case``."""
        for user in (self.user_operator, self.user_lead, self.user_finance, self.user_cfo, self.user_am):
            if user != case.owner_id:
                self.assertFalse(user.has_group("ar_escalation_ladder.group_ar_manager"))
                return user
        raise AssertionError("no other AR user")

    def _past_deadline(self, case, hours=2):
        """The case's SLA deadline ``hours`` ago, as the ladder would have set it."""
        case.with_context(**ladder_context()).write(
            {"sla_deadline": fields.Datetime.now() - timedelta(hours=hours)}
        )
        self.env.flush_all()

    def _customer_mail_count(self, partner):
        return len(self._customer_mails(partner))

    def _board(self):
        action = self.env.ref("ar_escalation_ladder.account_move_action_ar_board")
        return self.env["account.move"].search(safe_eval(action.domain))


@tagged("post_install", "-at_install")
class TestAcknowledgeTrust(TrustCommon, ArRolesCommon):
    """Permission table rows 7 and 20 over JSON-RPC, and what a late acknowledgement shows."""

    def test_row_20_someone_elses_escalation_is_refused_in_words(self):
        other = self._other_ar_user(self.case)
        self.assertRefused(other, "ar.escalation.case", "action_acknowledge", self.case.ids, error=USER_ERROR)
        with self.assertRaises(UserError) as caught:
            self.case.with_user(other).action_acknowledge()
        self.assertEqual(
            str(caught.exception),
            f"Only {self.case.owner_id.name}, who owns the escalation “{self.case.name}”, or an AR manager "
            "can acknowledge it.",
        )
        self.assertRefused(other, "account.move", "action_ar_acknowledge", self.invoice.ids, error=USER_ERROR)
        self.assertEqual(self.case.state, "open")
        self.assertFalse(self._events(self.invoice, "acknowledged"), "nothing recorded")
        # the button is not offered to them, and is to the owner and to an AR manager
        self.assertFalse(self.case.with_user(other).can_acknowledge)
        self.assertFalse(self.invoice.with_user(other).ar_can_acknowledge)
        self.assertTrue(self.case.with_user(self.case.owner_id).can_acknowledge)
        self.assertTrue(self.invoice.with_user(self.ar_manager).ar_can_acknowledge)
        arch = self.env.ref("ar_escalation_ladder.ar_escalation_case_view_form").arch
        self.assertIn('name="action_acknowledge" type="object" string="Acknowledge"', arch)
        self.assertIn('invisible="not can_acknowledge"', arch)
        # marking the owner's activity done is an acknowledgement too: refused the same way
        activity = self.case.activity_ref_id
        with self.assertRaises(UserError):
            activity.with_user(other).action_feedback(feedback="done")
        self.assertEqual(self.case.state, "open")

    def test_row_07_the_owner_acknowledges_and_the_chatter_says_by_whom(self):
        owner = self.case.owner_id
        self.assertAllowed(owner, "ar.escalation.case", "action_acknowledge", self.case.ids)
        self.assertEqual((self.case.state, self.case.acknowledged_by_id), ("acknowledged", owner))
        self.assertFalse(self.case.can_acknowledge, "done: no button any more")
        event = self._events(self.invoice, "acknowledged")
        self.assertEqual((event.owner_id, event.user_id), (owner, owner))
        self.assertEqual(event.reason, "Acknowledged on time")
        line = _text(event.message_id)
        self.assertIn(f"by {owner.name}", line)
        self.assertNotIn("Owner:", line, "the owner did not change: no owner line")
        case_note = self.case.message_ids.filtered(lambda m: "Acknowledged on time" in _text(m))
        self.assertEqual(len(case_note), 1)
        self.assertIn(f"by {owner.name}", _text(case_note))
        self.assertEqual(case_note.author_id, owner.partner_id)

    def test_row_20_an_ar_manager_acknowledges_on_behalf_of_the_owner(self):
        owner = self.case.owner_id
        self.assertAllowed(self.ar_manager, "ar.escalation.case", "action_acknowledge", self.case.ids)
        self.assertEqual(self.case.acknowledged_by_id, self.ar_manager)
        event = self._events(self.invoice, "acknowledged")
        self.assertEqual((event.owner_id, event.user_id), (owner, self.ar_manager))
        self.assertEqual(event.reason, f"Acknowledged on time, on behalf of {owner.name}")
        line = _text(event.message_id)
        self.assertIn(f"on behalf of {owner.name}", line)
        self.assertIn(f"by {self.ar_manager.name}", line)
        note = self.case.message_ids.filtered(lambda m: "on behalf of" in _text(m))
        self.assertIn(f"on behalf of {owner.name} — by {self.ar_manager.name}", _text(note))
        # an administrator is an AR manager
        move = self._invoice(self._customer("Gamma"), 600, 25)
        self.runner._ar_process_safely(move)
        self.assertAllowed(self.admin, "account.move", "action_ar_acknowledge", move.ids)
        self.assertIn("on behalf of", self._events(move, "acknowledged").reason)

    def test_a_late_acknowledgement_stays_visible_as_late(self):
        self._past_deadline(self.case)
        self.assertTrue(self.invoice.ar_sla_breached)
        self.assertTrue(self.case.sla_breached)
        self.assertAllowed(self.case.owner_id, "ar.escalation.case", "action_acknowledge", self.case.ids)
        # no longer breached (it is acknowledged), but late, on the board and on the case
        self.assertFalse(self.invoice.ar_sla_breached)
        self.assertTrue(self.invoice.ar_sla_late)
        self.assertTrue(self.case.acknowledged_late)
        self.assertFalse(self.case.sla_breached)
        self.assertEqual(
            self._events(self.invoice, "acknowledged").reason, "Acknowledged late, after its SLA deadline"
        )
        card = self.env.ref("ar_escalation_ladder.account_move_view_kanban_ar_board").arch
        self.assertIn(
            't-if="record.ar_sla_late.raw_value" class="badge text-bg-warning">Acknowledged late', card
        )
        form = self.env.ref("ar_escalation_ladder.ar_escalation_case_view_form").arch
        self.assertIn('invisible="not acknowledged_late">Acknowledged late', form)
        # an acknowledgement in time is not late
        move = self._invoice(self.customer_b, 700, 25)
        self.runner._ar_process_safely(move)
        move.ar_case_id.with_user(move.ar_case_id.owner_id).action_acknowledge()
        self.assertFalse(move.ar_sla_late)
        self.assertFalse(move.ar_case_id.acknowledged_late)

    def test_row_21_reopen_is_an_ar_managers(self):
        """Reopening a case closed off the ladder is an AR manager's, over JSON-RPC."""
        self.invoice._ar_close("agency", "Sent to Credit Recovery Ltd")
        vals = {"move_ids": [Command.set(self.invoice.ids)], "reason": "Agency returned it"}
        for user in (self.ar_user, self.billing):
            self.assertRefused(user, "ar.escalation.reopen.wizard", "create", vals)
        self.assertTrue(self.invoice.ar_held_closed)
        wizard = self.assertAllowed(self.ar_manager, "ar.escalation.reopen.wizard", "create", vals)
        self.assertAllowed(self.ar_manager, "ar.escalation.reopen.wizard", "action_confirm", [wizard])
        self.assertFalse(self.invoice.ar_closed_date)
        reopened = self._events(self.invoice, "reopened")
        self.assertEqual(reopened.user_id, self.ar_manager)
        self.invoice._ar_close("legal", "Lawyer")
        wizard = self.assertAllowed(self.admin, "ar.escalation.reopen.wizard", "create", vals)
        self.assertAllowed(self.admin, "ar.escalation.reopen.wizard", "action_confirm", [wizard])
        self.assertEqual(len(self._events(self.invoice, "reopened")), 2)


@tagged("post_install", "-at_install")
class TestClosingTrust(TrustCommon, ArEscalationCommon):
    def _close(self, move, disposition, reason="Agreed with the customer"):
        form = Form(
            self.env["ar.escalation.action.wizard"].with_context(active_ids=move.ids, default_action="close")
        )
        form.disposition = disposition
        form.reason = reason
        return form.save()

    def test_paid_is_refused_while_money_is_open(self):
        move = self._invoice(self.customer, 520, 40)
        self._run(move)
        wizard = self._close(move, "paid")
        with self.assertRaises(UserError) as caught:
            wizard.action_confirm()
        self.assertIn("still has money open", str(caught.exception))
        self.assertIn(move.name, str(caught.exception))
        self.assertFalse(move.ar_closed_date)
        self.assertFalse(self._events(move, "closed"), "nothing recorded, nothing recovered")
        self.assertIn(move, self._board())

    def test_a_case_sent_to_an_agency_stays_closed_and_silent(self):
        move = self._invoice(self.customer, 2000, 70)
        self._run(move)
        case = move.ar_case_id
        self.assertTrue(case)
        mails = self._customer_mail_count(self.customer)
        self._close(move, "agency", "Handed to Credit Recovery Ltd").action_confirm()
        self.assertEqual(case.state, "closed", "its only invoice left: the case closes")
        self.assertNotIn(move, self._board(), "a closed case leaves the board")
        self.assertTrue(move.ar_held_closed)
        # the next runs (scheduled, Escalate now, a payment) leave it closed and write nobody
        for __ in range(2):
            self._run()
        self.runner._cron_run()
        move.with_user(self.env.ref("base.user_admin")).action_ar_escalate_now()
        self._pay(move, 100.0)
        self.env.flush_all()
        self.assertTrue(move.ar_closed_date)
        self.assertEqual(move.ar_disposition, "agency")
        self.assertFalse(move.ar_case_id)
        self.assertEqual(len(self._events(move, "stage")), 1, "never re-entered")
        self.assertEqual(self._customer_mail_count(self.customer), mails, "the customer hears nothing")
        # ... nor is it listed in the statement of another invoice of the customer
        other = self._invoice(self.customer, 300, 40)
        self._run(other)
        statement = self._customer_mails(self.customer)[:1]
        self.assertIn(other.name, str(statement.body))
        self.assertNotIn(move.name, str(statement.body))
        # the preview (what the next run would do) does not show it either
        preview = self.env["ar.escalation.preview"].create({"company_id": self.company.id})
        preview.action_compute()
        self.assertNotIn(move, preview.line_ids.move_id)
        self.assertIn(other, preview.line_ids.move_id)

    def test_written_off_and_legal_stay_closed_too(self):
        for disposition in ("legal", "written_off"):
            move = self._invoice(self._customer(f"Closed {disposition}"), 800, 60)
            self._run(move)
            self._close(move, disposition).action_confirm()
            self._run()
            self.assertEqual((bool(move.ar_closed_date), move.ar_disposition), (True, disposition))
            self.assertEqual(len(self._events(move, "stage")), 1)

    def test_recovered_is_money_received_not_what_was_open(self):
        move = self._invoice(self.customer, 1000, 40)
        self._run(move)
        self._pay(move, 300.0)
        refund = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"reason": "Two units damaged", "journal_id": move.journal_id.id})
        )
        credit = self.env["account.move"].browse(refund.refund_moves()["res_id"])
        credit.invoice_line_ids[0].price_unit = 200.0
        credit.action_post()
        (credit.line_ids | move.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        self.assertEqual(move.amount_residual, 500.0)
        self._close(move, "written_off", "Customer insolvent").action_confirm()
        closed = self._events(move, "closed")
        self.assertEqual(closed.amount_recovered, 300.0, "the payment, not the credit note, not the 500 open")
        self.assertEqual(closed.user_id, self.env.user)

    def test_a_credit_note_closing_the_invoice_is_not_money(self):
        move = self._invoice(self.customer, 400, 40)
        self._run(move)
        # reversed in full (posted and reconciled): settled, and no money came in
        move._reverse_moves([{"ref": "Cancelled order"}], cancel=True)
        self.assertEqual(move.payment_state, "reversed")
        self._run(move)
        closed = self._events(move, "closed")
        self.assertEqual(len(closed), 1, "the ladder closes it (nothing open)")
        self.assertEqual(closed.amount_recovered, 0.0)
        self.assertFalse(closed.user_id, "closed by the ladder itself, not by a user")

    def test_paid_in_full_records_the_payment(self):
        move = self._invoice(self.customer, 650, 40)
        self._run(move)
        self._pay(move)
        self.runner._ar_run_pending()  # the ladder's next run
        closed = self._events(move, "closed")
        self.assertEqual((closed.disposition, closed.amount_recovered), ("paid", 650.0))

    def test_reopen_with_a_reason_puts_it_back_on_the_ladder(self):
        move = self._invoice(self.customer, 900, 40)
        self._run(move)
        stage = move.ar_stage_id
        self._close(move, "agency").action_confirm()
        manager = self.env["res.users"].browse(self.env.uid)
        wizard = (
            self.env["ar.escalation.reopen.wizard"].with_context(active_ids=move.ids).create({"reason": "  "})
        )
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertTrue(move.ar_closed_date, "no reason, no reopening")
        # an AR user has no reopen dialog
        with self.assertRaises(AccessError):
            self.env["ar.escalation.reopen.wizard"].with_user(self.user_am).create(
                {"move_ids": move.ids, "reason": "x"}
            )
        mails = self._customer_mail_count(self.customer)
        self.env["ar.escalation.reopen.wizard"].with_context(active_ids=move.ids).create(
            {"reason": "The agency gave it back"}
        ).action_confirm()
        self.runner._ar_run_pending()  # the ladder's next run
        self.assertFalse(move.ar_closed_date)
        self.assertFalse(move.ar_disposition)
        self.assertEqual(move.ar_stage_id, stage, "back at the stage its age gives")
        self.assertEqual(move.ar_case_id.state, "open", "a new case for its owner")
        self.assertIn(move, self._board())
        event = self._events(move, "reopened")
        self.assertEqual(event.user_id, manager)
        self.assertEqual(event.reason, "Reopened (was: Sent to a collection agency): The agency gave it back")
        line = _text(event.message_id)
        self.assertIn("Case reopened", line)
        self.assertIn(f"by {manager.name}", line)
        self.assertEqual(self._customer_mail_count(self.customer), mails + 1, "the ladder writes again")
        # only a case closed off the ladder is reopened
        with self.assertRaises(UserError):
            move._ar_reopen("again")


@tagged("post_install", "-at_install")
class TestChatterSaysWhoActed(TrustCommon, ArEscalationCommon):
    def test_override_and_close_say_by_whom_not_owner(self):
        manager = self.env["res.users"].browse(self.env.uid)
        move = self._invoice(self.customer, 900, 20)
        self._run(move)
        form = Form(
            self.env["ar.escalation.action.wizard"].with_context(
                active_ids=move.ids, default_action="override"
            )
        )
        form.stage_id = self.stage3
        form.reason = "CFO asked to take it over"
        form.save().action_confirm()
        override = self._events(move, "override")
        self.assertEqual((override.user_id, override.owner_id), (manager, self.env["res.users"]))
        line = _text(override.message_id)
        self.assertIn(f"by {manager.name}", line)
        self.assertNotIn(f"Owner: {manager.name}", line)
        # the case it joined names its owner, who did change
        activity = self._events(move, "activity").sorted("id")[-1]
        self.assertIn(f"Owner: {move.ar_case_id.owner_id.name}", _text(activity.message_id))
        form = Form(
            self.env["ar.escalation.action.wizard"].with_context(active_ids=move.ids, default_action="pause")
        )
        form.until = self.today + timedelta(days=7)
        form.reason = "Customer on holiday"
        form.save().action_confirm()
        pause = self._events(move, "pause")
        self.assertEqual(pause.user_id, manager)
        self.assertIn(f"by {manager.name}", _text(pause.message_id))
        self._pay(move, 100.0)
        form = Form(
            self.env["ar.escalation.action.wizard"].with_context(active_ids=move.ids, default_action="close")
        )
        form.disposition = "agency"
        form.reason = "Handed over"
        form.save().action_confirm()
        line = _text(self._events(move, "closed").message_id)
        self.assertIn(f"by {manager.name}", line)
        self.assertNotIn("Owner:", line)

    def test_sla_deadline_in_the_owners_time_zone(self):
        for user in (self.user_operator, self.user_am, self.user_lead, self.user_finance, self.user_cfo):
            user.tz = "Europe/Brussels"
        move = self._invoice(self.customer, 900, 20)
        self._run(move)
        case = move.ar_case_id
        activity = self._events(move, "activity")
        line = _text(activity.message_id)
        expected = format_reader_datetime(self.env, case.sla_deadline, case.owner_id)
        self.assertIn(f"SLA: {expected}", line)
        self.assertIn("(Europe/Brussels)", line)
        self.assertNotIn(fields.Datetime.to_string(case.sla_deadline), line, "not raw UTC")

    def test_readable_labels(self):
        Case = self.env["ar.escalation.case"]
        self.assertEqual(Case._fields["rollup_count"].string, "Roll-ups")
        self.assertEqual(Case._fields["acknowledged_at"].string, "Acknowledged on")
        self.assertEqual(self.env["account.move"]._fields["ar_acknowledged_at"].string, "Acknowledged on")
