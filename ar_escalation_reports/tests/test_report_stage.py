# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo.tests import tagged

from .common import ArReportsCommon

STAYS = "ar.escalation.report.stage"


@tagged("post_install", "-at_install")
class TestStageRecoveryAndVelocity(ArReportsCommon):
    """Stays at each stage: recovery yield, median days, recovered value over time.

    B = 60 days ago at 10:00; "+n" is B + n days.

    v1 (1,000): stage 1 at +0 (1,000 open); stage 2 at +10 (600 open, 400 recovered at
        stage 1); paid and closed at +14 (600 recovered at stage 2).
    v2 (2,000): stage 1 at +0; stage 2 at +20 (nothing recovered); stage 3 at +30 (1,500
        open, 500 recovered at stage 2); still at stage 3.
    v3 (3,000): stage 1 at +2; moved by hand to stage 3 at +8 with 2,500 open (so 500
        recovered at stage 1); stage 4 at +20 (nothing recovered at stage 3); closed at +50
        (agency) with 1,000 recovered at stage 4.

    Stays ended, per stage (value in, recovered, days):
      1: v1 1000/400/10, v2 2000/0/20, v3 3000/500/6  → 900 / 6,000 = 15 %, median 10
      2: v1 600/600/4, v2 2000/500/10                 → 1,100 / 2,600 = 42.31 %, median 7
      3: v3 2500/0/12 (v2's 1,500 still there)        → 0 %, median 12
      4: v3 2500/1000/30                              → 40 %, median 30
    Overall 3,000 / 13,600; median of 4, 6, 10, 10, 12, 20, 30 = 10.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        B = cls._at(-60, 10)
        cls.B = B
        cls.v1 = cls._invoice(cls.customer, 1000, 70)
        cls.v2 = cls._invoice(cls.customer, 2000, 70)
        cls.v3 = cls._invoice(cls.customer_b, 3000, 70)

    def setUp(self):
        super().setUp()
        B, d = self.B, timedelta(days=1)
        s1, s2, s3, s4 = self.stage1, self.stage2, self.stage3, self.stage4
        self._enter(self.v1, s1, B, 1000)
        self._enter(self.v1, s2, B + 10 * d, 600, amount_recovered=400, from_stage=s1, entry=2)
        self._log(
            self.v1, "closed", B + 14 * d, s2, amount=600, amount_recovered=600, disposition="paid", entry=2
        )
        self._enter(self.v2, s1, B, 2000)
        self._enter(self.v2, s2, B + 20 * d, 2000, from_stage=s1, entry=2)
        self._enter(self.v2, s3, B + 30 * d, 1500, amount_recovered=500, from_stage=s2, entry=3)
        self._enter(self.v3, s1, B + 2 * d, 3000)
        self._log(
            self.v3, "override", B + 8 * d, s3, from_stage_id=s1.id, to_stage_id=s3.id, amount=2500, entry=1
        )
        self._enter(self.v3, s4, B + 20 * d, 2500, from_stage=s3, entry=3)
        self._log(
            self.v3,
            "closed",
            B + 50 * d,
            s4,
            amount=1000,
            amount_recovered=1000,
            disposition="agency",
            entry=3,
        )
        # events that do not open or end a stay change nothing
        self._log(self.v2, "external", B + 21 * d, s2, entry=2)
        self._log(self.v2, "promise", B + 22 * d, s2, amount=2000)

    def test_stays(self):
        rows = self._report(STAYS).search([("company_id", "=", self.company.id)], order="date_in, id")
        got = [
            (
                r.move_id,
                r.stage_id,
                r.amount_in,
                r.amount_recovered,
                r.outcome,
                r.next_stage_id,
                r.days_in_stage,
            )
            for r in rows
        ]
        none = self.env["ar.escalation.stage"]
        s1, s2, s3, s4 = self.stage1, self.stage2, self.stage3, self.stage4
        self.assertEqual(
            sorted(got, key=lambda r: (r[0].id, r[1].sequence)),
            [
                (self.v1, s1, 1000.0, 400.0, "moved", s2, 10.0),
                (self.v1, s2, 600.0, 600.0, "closed", none, 4.0),
                (self.v2, s1, 2000.0, 0.0, "moved", s2, 20.0),
                (self.v2, s2, 2000.0, 500.0, "moved", s3, 10.0),
                (self.v2, s3, 1500.0, 0.0, "open", none, 0.0),
                (self.v3, s1, 3000.0, 500.0, "moved", s3, 6.0),
                (self.v3, s3, 2500.0, 0.0, "moved", s4, 12.0),
                (self.v3, s4, 2500.0, 1000.0, "closed", none, 30.0),
            ],
        )
        self.assertEqual(
            rows.filtered(lambda r: r.move_id == self.v3 and r.stage_id == s3).entry_kind, "override"
        )

    def test_recovery_yield_by_stage(self):
        by_stage = self._group(
            STAYS, ["stage_id"], ["amount_in_done:sum", "amount_recovered:sum", "recovery_yield:avg"]
        )
        self.assertEqual(by_stage[self.stage1], (6000.0, 900.0, 15.0))
        in_done, recovered, yield_2 = by_stage[self.stage2]
        self.assertEqual((in_done, recovered), (2600.0, 1100.0))
        self.assertAlmostEqual(yield_2, 1100 * 100 / 2600)
        self.assertEqual(by_stage[self.stage3], (2500.0, 0.0, 0.0), "v2 is still at stage 3: not in the base")
        self.assertEqual(by_stage[self.stage4], (2500.0, 1000.0, 40.0))
        self.assertAlmostEqual(self._total(STAYS, ["recovery_yield:avg"]), 3000 * 100 / 13600)
        self.assertEqual(self._total(STAYS, ["amount_in:sum"]), 15100.0, "with v2's open stay")

    def test_median_days_by_stage(self):
        by_stage = self._group(STAYS, ["stage_id"], ["median_days:avg"])
        self.assertEqual(
            by_stage, {self.stage1: 10.0, self.stage2: 7.0, self.stage3: 12.0, self.stage4: 30.0}
        )
        self.assertEqual(self._total(STAYS, ["median_days:avg"]), 10.0)

    def test_pivot_path_aggregates_ratio_and_median(self):
        groups = self._report(STAYS).read_group(
            [("company_id", "=", self.company.id)],
            ["recovery_yield:avg", "median_days:avg", "amount_recovered:sum"],
            ["stage_id"],
        )
        by_stage = {g["stage_id"][0]: (g["recovery_yield"], g["median_days"]) for g in groups}
        self.assertEqual(by_stage[self.stage1.id], (15.0, 10.0))
        self.assertEqual(by_stage[self.stage4.id], (40.0, 30.0))

    def test_recovered_value_over_time(self):
        d = timedelta(days=1)
        window = [("date_out", ">=", self.B + 9 * d), ("date_out", "<", self.B + 31 * d)]
        by_stage = self._group(STAYS, ["stage_id"], ["amount_recovered:sum"], window)
        self.assertEqual(
            by_stage,
            {self.stage1: 400.0, self.stage2: 1100.0, self.stage3: 0.0},
            "v1 left 1 at +10 (400), 2 at +14 (600); v2 left 1 at +20 (0), 2 at +30 (500); v3 left 3 at +20",
        )
        closing = [
            ("date_out", ">=", self.B + 50 * d - timedelta(hours=1)),
            ("date_out", "<", self.B + 50 * d),
        ]
        self.assertEqual(self._group(STAYS, ["stage_id"], ["amount_recovered:sum"], closing), {})
        closing[1] = ("date_out", "<=", self.B + 50 * d)
        self.assertEqual(
            self._group(STAYS, ["stage_id"], ["amount_recovered:sum"], closing), {self.stage4: 1000.0}
        )
        self.assertEqual(self._total(STAYS, ["amount_recovered:sum"], [("date_out", "!=", False)]), 3000.0)


@tagged("post_install", "-at_install")
class TestStaysFromTheLadder(ArReportsCommon):
    """The report reads what the real ladder writes: stage changes, payments, closing."""

    def test_partial_payment_then_escalation_then_payment(self):
        move = self._invoice(self.customer, 1000, 20)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self._pay(move, 400.0)
        self.assertEqual(move.ar_stage_id, self.stage2, "still 20 days overdue")
        move.invoice_date_due = self.today - timedelta(days=40)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage3)
        stays = self._report(STAYS).search([("move_id", "=", move.id)], order="date_in, id")
        self.assertEqual(
            [(s.stage_id, s.amount_in, s.amount_recovered, s.outcome) for s in stays],
            [(self.stage2, 1000.0, 400.0, "moved"), (self.stage3, 600.0, 0.0, "open")],
        )
        self._pay(move)
        self.runner._ar_run_pending()  # the ladder's next run closes it
        stays = self._report(STAYS).search([("move_id", "=", move.id)], order="date_in, id")
        self.assertEqual(
            [(s.stage_id, s.amount_recovered, s.outcome) for s in stays],
            [(self.stage2, 400.0, "moved"), (self.stage3, 600.0, "closed")],
        )
        self.assertEqual(sum(stays.mapped("amount_recovered")), 1000.0, "everything recovered, once")
