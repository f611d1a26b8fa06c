# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Effects out of accounting transactions (issue 14): a payment, a promise, a dispute or a lifted
pause marks the invoice pending and wakes the ladder's scheduled action; its next run does what
the change calls for. Roll-ups and promise settling keep one bad record's error on it."""

import re
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ArEscalationCommon


def _text(message):
    return re.sub(r"<[^>]+>", "", str(message.body or ""))


class PendingCommon(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cron = cls.env.ref("ar_escalation_ladder.ir_cron_ar_escalation")

    def _cron(self):
        """The scheduled action's next run, as the cron calls it."""
        self.env["ar.escalation.runner"]._cron_run()
        self.env.flush_all()
        self.env.invalidate_all()

    def _pending(self, moves):
        return self.env["ar.escalation.pending"].search([("move_id", "in", moves.ids)])

    def _wake_ups(self):
        return self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.cron.id), ("call_at", ">=", fields.Datetime.now())]
        )

    def _chatter(self, move, text):
        return move.message_ids.filtered(lambda m: text in _text(m))


@tagged("post_install", "-at_install")
class TestChangesWaitForTheNextRun(PendingCommon):
    def test_payment_closes_the_case_at_the_next_run_not_inside_the_payment(self):
        move = self._invoice(self.customer, 1000, 20)
        self._cron()  # the day's sweep: the invoice is at its stage, the reminder went
        self.assertEqual(move.ar_stage_id, self.stage2)
        promise = move._ar_log_promise([(self.today + timedelta(days=5), 1000.0)])
        self._cron()

        self._pay(move)
        # inside the payment's transaction the ladder did nothing but take note
        self.assertEqual(move.payment_state, "paid")
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(move.ar_closed_date)
        self.assertTrue(move.ar_case_id, "the case is still open")
        self.assertEqual(promise.state, "open", "settled by the run, not by the payment")
        self.assertFalse(self._events(move, "closed"))
        self.assertEqual(len(self._pending(move)), 1, "marked for the next run")
        wake_up = self._wake_ups()
        self.assertTrue(wake_up, "the scheduled action is woken up")
        self.assertLessEqual(min(wake_up.mapped("call_at")), fields.Datetime.now() + timedelta(seconds=70))

        self._cron()
        self.assertEqual(promise.state, "kept")
        closed = self._events(move, "closed")
        self.assertEqual(closed.disposition, "paid")
        self.assertEqual(closed.amount_recovered, 1000.0)
        self.assertTrue(move.ar_closed_date)
        self.assertFalse(move.ar_case_id)
        self.assertEqual(closed.message_id, self._chatter(move, "Paid")[:1], "the closing's chatter line")
        self.assertTrue(self._chatter(move, "kept"), "the kept promise's chatter line")
        self.assertFalse(self._pending(move), "taken by the run")

    def test_payment_marks_the_customer_and_the_run_takes_it_whole(self):
        paid = self._invoice(self.customer, 400, 20)
        other = self._invoice(self.customer, 600, 20)
        self._cron()
        self._pay(paid, 150.0)
        self._pay(other, 100.0)
        self.assertEqual(len(self._pending(paid | other)), 2, "an invoice is pending once per change")
        self._pay(paid, 50.0)
        self.assertEqual(len(self._pending(paid)), 1, "marked twice, pending once")
        self._cron()
        self.assertFalse(self._pending(paid | other))
        self.assertEqual(
            (paid | other).mapped("ar_stage_id"), self.stage2, "still open: still at their stage"
        )

    def test_a_promise_is_evaluated_at_the_next_run_the_same_day(self):
        self._cron()  # the day's sweep ran: a customer is taken once a day
        move = self._invoice(self.customer, 900, 20)
        move._ar_log_promise([(self.today + timedelta(days=7), 900.0)])
        self.assertFalse(move.ar_stage_id, "nothing evaluated inside the user's transaction")
        self.assertEqual(len(self._pending(move)), 1)
        self.assertTrue(self._wake_ups())
        self._cron()
        self.assertEqual(move.ar_stage_id, self.stage2, "the run evaluated it today")
        self.assertTrue(self._chatter(move, self.stage2.name), "its stage's chatter line")
        self.assertFalse(self._customer_mails(self.customer), "the promise holds the reminder")

    def test_a_resolved_dispute_resumes_dunning_at_the_next_run(self):
        self._cron()
        move = self._invoice(self.customer, 300, 20)
        move._ar_log_dispute("missing_po", "PO 4471 not on the invoice")
        self._cron()
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(self._customer_mails(self.customer), "the dispute holds dunning")
        move._ar_resolve_disputes("PO added, invoice re-sent")
        self.assertEqual(move.ar_dispute_state, "resolved")
        self.assertFalse(self._customer_mails(self.customer), "not inside the user's transaction")
        self.assertEqual(len(self._pending(move)), 1)
        self._cron()
        self.assertEqual(len(self._customer_mails(self.customer)), 1, "dunning resumed at the next run")
        self.assertEqual(len(self._events(move, "external")), 1)
        self.assertFalse(self._pending(move))

    def test_a_lifted_pause_sends_the_reminder_at_the_next_run(self):
        move = self._invoice(self.customer_b, 500, 20)
        self.customer_b.write({"ar_pause_until": self.today + timedelta(days=5), "ar_pause_reason": "Audit"})
        self._cron()
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(self._customer_mails(self.customer_b), "paused")
        self.customer_b.action_ar_resume()
        self.assertFalse(self.customer_b.ar_pause_until)
        self.assertFalse(self._customer_mails(self.customer_b), "not inside the user's transaction")
        self.assertEqual(len(self._pending(move)), 1)
        self._cron()
        self.assertEqual(len(self._customer_mails(self.customer_b)), 1, "the reminder went at the next run")
        self.assertTrue(self._events(move, "external").message_id, "with its chatter line")

    def test_escalate_now_still_runs_at_once(self):
        move = self._invoice(self.customer, 700, 20)
        move.action_ar_escalate_now()
        self.assertEqual(move.ar_stage_id, self.stage2, "the button asks for the result")
        self.assertFalse(self._pending(move))

    def test_a_payment_in_another_company_is_pending_in_its_company(self):
        other = self.setup_other_company()["company"]
        move = self._invoice(self.customer, 200, 20)
        self._pay(move, 50.0)
        pending = self._pending(move)
        self.assertEqual(pending.company_id, self.company)
        self.assertNotEqual(pending.company_id, other)


@tagged("post_install", "-at_install")
class TestOneBadRecordKeepsItsError(PendingCommon):
    def _case(self, partner):
        move = self._invoice(partner, 1000, 5)
        self.runner._ar_process_safely(move)
        self.assertTrue(move.ar_case_id)
        return move.ar_case_id

    def test_a_roll_up_that_raises_leaves_the_others_rolled_up_and_its_error_on_the_case(self):
        good = self._case(self.customer)
        bad = self._case(self.customer_b)
        later = max(good.sla_deadline, bad.sla_deadline) + timedelta(minutes=1)
        owners = {good: good.owner_id, bad: bad.owner_id}
        case_model = type(self.env["ar.escalation.case"])
        original = case_model._ar_rollup

        def rollup(case, now):
            if case == bad:
                raise ValueError("owner's calendar is unreadable")
            return original(case, now)

        with (
            patch.object(case_model, "_ar_rollup", rollup),
            mute_logger("odoo.addons.ar_escalation_ladder.models.ar_escalation_case"),
        ):
            self.env["ar.escalation.case"]._cron_rollup(later)
        self.assertEqual(good.rollup_count, 1, "rolled up")
        self.assertNotEqual(good.owner_id, owners[good])
        self.assertTrue(self._events(good.invoice_ids, "rollup"))
        self.assertFalse(good.ar_error)
        self.assertEqual(bad.rollup_count, 0)
        self.assertEqual(bad.owner_id, owners[bad], "left with its owner")
        self.assertIn("owner's calendar is unreadable", bad.ar_error, "the error is on the case")
        arch = self.env["ar.escalation.case"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="ar_error"', arch, "and shown on its form")

        # the next run rolls it up and clears its error
        self.env["ar.escalation.case"]._cron_rollup(later)
        self.assertEqual(bad.rollup_count, 1)
        self.assertFalse(bad.ar_error)

    def test_a_promise_that_cannot_be_settled_keeps_its_error_and_the_others_settle(self):
        good_move = self._invoice(self.customer, 500, 10)
        bad_move = self._invoice(self.customer_b, 500, 10)
        self.runner._ar_process_safely(good_move | bad_move)
        good = good_move._ar_log_promise([(self.today - timedelta(days=10), 500.0)])
        bad = bad_move._ar_log_promise([(self.today - timedelta(days=10), 500.0)])
        promise_model = type(self.env["ar.escalation.promise"])
        original = promise_model._ar_settle

        def settle(promises, today):
            if bad in promises:
                raise ValueError("instalment dated out of range")
            return original(promises, today)

        with (
            patch.object(promise_model, "_ar_settle", settle),
            mute_logger(
                "odoo.addons.ar_escalation_ladder.models.ar_escalation_promise",
                "odoo.addons.ar_escalation_ladder.models.ar_escalation_runner",
            ),
        ):
            self.env["ar.escalation.promise"]._cron_settle(self.today)
        self.assertEqual(good.state, "broken", "settled: broken past its grace")
        self.assertEqual(good_move.ar_stage_id, self.stage2, "and escalated in the run")
        self.assertEqual(bad.state, "open")
        self.assertIn("instalment dated out of range", bad.ar_error, "the error is on the promise")
        self.assertEqual(bad.line_ids.promise_error, bad.ar_error, "shown in the invoice's payment plan")
        self.assertIn("instalment dated out of range", bad_move.ar_error)
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        self.assertEqual(bad.state, "broken")
        self.assertFalse(bad.ar_error)
