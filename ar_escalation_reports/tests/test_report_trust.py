# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The reports tell what happened (issue 12, "Trust"), through the ladder's own actions.

- An acknowledgement after the SLA deadline is late, and counts against
  adherence as a miss; a manager acknowledging for the owner is the owner's
  escalation acknowledged.
- The recovery yield counts money received, not what was open at closing,
  nor a credit note.
"""

from datetime import timedelta

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, new_test_user, tagged

from .common import ArReportsCommon

SLA = "ar.escalation.report.sla"
STAGE = "ar.escalation.report.stage"


@tagged("post_install", "-at_install")
class TestReportTrust(ArReportsCommon):
    def _escalate(self, partner, amount=1000.0, days=40, at=None):
        move = self._invoice(partner, amount, days)
        with freeze_time(at or fields.Datetime.now()):
            self._run(move)
        self.assertTrue(move.ar_case_id, "escalated to an owner")
        return move

    def _close(self, move, disposition, reason="Closed"):
        form = Form(
            self.env["ar.escalation.action.wizard"].with_context(active_ids=move.ids, default_action="close")
        )
        form.disposition = disposition
        form.reason = reason
        return form.save()

    def _sla_row(self, case):
        rows = self._report(SLA, ar_report_now=fields.Datetime.now()).search([("case_id", "=", case.id)])
        self.assertEqual(len(rows), 1, "one escalation: the case's first owner")
        return rows

    def test_a_late_acknowledgement_is_late_and_not_adherence(self):
        # escalated yesterday: its SLA (hours) has passed when its owner acknowledges today
        move = self._escalate(self.customer, at=fields.Datetime.now() - timedelta(days=1))
        case = move.ar_case_id
        self.assertLess(case.sla_deadline, fields.Datetime.now())
        case.with_user(case.owner_id).action_acknowledge()
        row = self._sla_row(case)
        self.assertEqual(row.status, "late")
        self.assertEqual((row.counted, row.on_time_count, row.late_count), (1, 0, 1))
        self.assertEqual(row.owner_id, case.owner_id)
        self.assertEqual(self._total(SLA, ["adherence:avg"], [("case_id", "=", case.id)]), 0.0)

    def test_on_behalf_of_the_owner_in_time_is_on_time(self):
        move = self._escalate(self.customer_b)
        case = move.ar_case_id
        manager = new_test_user(
            self.env,
            "ar_report_manager",
            groups="base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        self.assertNotEqual(case.owner_id, manager)
        case.with_user(manager).action_acknowledge()
        row = self._sla_row(case)
        self.assertEqual((row.status, row.owner_id), ("on_time", case.owner_id))
        self.assertEqual(self._total(SLA, ["adherence:avg"], [("case_id", "=", case.id)]), 100.0)

    def test_recovery_yield_counts_money_received_only(self):
        move = self._escalate(self.customer, 1000.0)
        stage = move.ar_stage_id
        # Paid is refused while 520 is open: no 100 % for money never received
        self._pay(move, 480.0)
        with self.assertRaises(UserError):
            self._close(move, "paid").action_confirm()
        # a credit note of 200 is not money: written off with 320 open, 480 recovered
        credit = move._reverse_moves([{"ref": "Two units damaged"}])
        credit.invoice_line_ids[0].price_unit = 200.0
        credit.action_post()
        (credit.line_ids | move.line_ids).filtered(
            lambda line: line.account_id.account_type == "asset_receivable" and not line.reconciled
        ).reconcile()
        self.assertEqual(move.amount_residual, 320.0)
        self._close(move, "written_off", "Customer insolvent").action_confirm()
        [stay] = self._report(STAGE).search([("move_id", "=", move.id)])
        self.assertEqual((stay.stage_id, stay.outcome), (stage, "closed"))
        self.assertEqual((stay.amount_in_done, stay.amount_recovered), (1000.0, 480.0))
        self.assertAlmostEqual(stay.recovery_yield, 48.0)

    def test_paid_in_full_by_credit_note_recovers_nothing(self):
        move = self._escalate(self.customer_b, 600.0)
        move._reverse_moves([{"ref": "Cancelled order"}], cancel=True)
        self._run(move)
        [stay] = self._report(STAGE).search([("move_id", "=", move.id)])
        self.assertEqual((stay.outcome, stay.amount_recovered), ("closed", 0.0))
        self.assertEqual(stay.recovery_yield, 0.0)
