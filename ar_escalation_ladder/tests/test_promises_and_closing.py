# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestPromisesAndClosing(ArEscalationCommon):
    def test_promise_kept_when_paid_in_full_by_its_date(self):
        move = self._invoice(self.customer, 1000, 10)
        self._run(move)
        promise = move._ar_log_promise(
            [(self.today + timedelta(days=5), 1000.0)], contact=self.customer, confidence="high"
        )
        self.assertEqual(move.ar_promise_state, "open")
        self.assertEqual(len(self._events(move, "promise")), 1)
        self._pay(move)
        self.runner._ar_run_pending()  # the ladder's next run
        self.assertEqual(promise.state, "kept")
        self.assertEqual(len(self._events(move, "promise_kept")), 1)
        closed = self._events(move, "closed")
        self.assertEqual(closed.disposition, "paid")
        self.assertEqual(closed.amount_recovered, 1000.0)
        self.assertEqual(closed.stage_id, self.stage1, "recovered at the stage it was in")
        self.assertTrue(move.ar_closed_date)
        self.assertEqual(move.ar_case_id.id, False)

    def test_payment_plan_instalments_kept_or_broken_on_their_own(self):
        move = self._invoice(self.customer, 900, 10)
        self._run(move)
        promise = move._ar_log_promise(
            [
                (self.today - timedelta(days=10), 300.0),
                (self.today - timedelta(days=1), 300.0),
                (self.today + timedelta(days=20), 300.0),
            ]
        )
        self.assertTrue(promise.is_plan)
        self._pay(move, 300.0)
        self.runner._ar_run_pending()
        lines = promise.line_ids.sorted("date")
        self.assertEqual(lines.mapped("state"), ["kept", "open", "open"], "second one still in its grace")
        lines[1].date = self.today - timedelta(days=5)
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        self.assertEqual(lines.mapped("state"), ["kept", "broken", "open"])
        self.assertEqual(promise.state, "broken")
        self.assertEqual(move.ar_stage_id, self.stage2, "a broken instalment escalates")

    def test_promise_validation(self):
        move = self._invoice(self.customer, 100, 10)
        with self.assertRaises(ValidationError):
            move._ar_log_promise([(self.today, 150.0)])
        with self.assertRaises(ValidationError):
            move._ar_log_promise([(self.today, -5.0)])

    def test_partial_payment_and_credit_note_work_on_residuals(self):
        move = self._invoice(self.customer, 1000, 20)
        self._run(move)
        self.assertEqual(move.ar_stage_residual, 1000.0)
        self._pay(move, 400.0)
        self.runner._ar_run_pending()
        self.assertEqual(move.ar_stage_id, self.stage2, "partially paid: still open")
        self.assertFalse(move.ar_closed_date)
        refund = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"reason": "discount", "journal_id": move.journal_id.id, "date": self.today})
        )
        credit_note = self.env["account.move"].browse(refund.refund_moves()["res_id"])
        credit_note.invoice_line_ids.price_unit = 600.0
        credit_note.action_post()
        (move.line_ids | credit_note.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        self.runner._ar_run_pending()
        self.assertTrue(move.ar_closed_date, "reconciled with the credit note: the next run closes the case")
        self.assertEqual(self._events(move, "closed").disposition, "paid")
        self.assertFalse(credit_note.ar_stage_id, "credit notes are never escalated")

    def test_dispute_needs_code_and_note_and_pauses_dunning_until_resolved(self):
        move = self._invoice(self.customer, 100, 20)
        with self.assertRaises(ValidationError):
            move._ar_log_dispute("pricing", "   ")
        move._ar_log_dispute("missing_po", "PO 4471 not on the invoice")
        self.assertEqual(move.ar_dispute_state, "open")
        self.assertEqual(move.ar_dispute_code, "missing_po")
        self.assertFalse(self._events(move, "external"))
        move._ar_resolve_disputes("PO added, invoice re-sent")
        self.assertEqual(move.ar_dispute_state, "resolved")
        self.assertEqual(len(self._events(move, "dispute_resolved")), 1)
        self.runner._ar_run_pending()
        self.assertEqual(len(self._events(move, "external")), 1, "dunning resumes at the next run")

    def test_case_closes_with_a_disposition(self):
        move = self._invoice(self.customer, 5000, 90)
        self._run(move)
        self._pay(move, 1000.0)
        move._ar_close("agency", "Handed to Credit Recovery Ltd")
        event = self._events(move, "closed")
        self.assertEqual(event.disposition, "agency")
        self.assertEqual(event.amount_recovered, 1000.0)
        self.assertEqual(move.ar_disposition, "agency")
