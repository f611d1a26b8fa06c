# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ArSegmentBookCommon

DSO = "ar.escalation.report.dso"
STAGE = "ar.escalation.report.stage"
BOOK = "ar.escalation.report.book"


@tagged("post_install", "-at_install")
class TestDsoBySegmentAndTrack(ArSegmentBookCommon):
    """DSO today = receivable ÷ credit sales of the 90 days × 90, for each group's customers together.

    Late (L, Q):      receivable 9,000 + 500 + 2,000 = 11,500; sales 9,000 + 9,000 + 500 + 2,000
                      = 20,500 (l3 is dated today)                          → 50.49 days
    Punctual (P):     receivable 4,000; sales 1,000 (p1 is older than 90 days) → 360 days
    SMB (L):          9,500 ÷ 18,500 × 90                                   → 46.22 days
    Strategic (P, Q): 6,000 ÷ 3,000 × 90                                    → 180 days
    All three:        15,500 ÷ 21,500 × 90                                  → 64.88 days, not a mean
    """

    def _mine(self):
        return [("week_offset", "=", 0), ("segment_id", "in", (self.seg_late | self.seg_punctual).ids)]

    def test_dso_by_segment(self):
        rows = self._group(
            DSO, ["segment_id"], ["receivable:sum", "credit_sales:sum", "dso:avg"], self._mine()
        )
        self.assertEqual(set(rows), {self.seg_late, self.seg_punctual})
        self.assertEqual(rows[self.seg_late][:2], (11500.0, 20500.0))
        self.assertAlmostEqual(rows[self.seg_late][2], 11500 * 90 / 20500)
        self.assertEqual(rows[self.seg_punctual], (4000.0, 1000.0, 360.0))

    def test_dso_by_track(self):
        rows = self._group(DSO, ["track_id"], ["receivable:sum", "credit_sales:sum", "dso:avg"], self._mine())
        self.assertEqual(rows[self.track_strategic], (6000.0, 3000.0, 180.0))
        self.assertEqual(rows[self.track_smb][:2], (9500.0, 18500.0))
        self.assertAlmostEqual(rows[self.track_smb][2], 9500 * 90 / 18500)

    def test_the_total_is_the_dso_of_all_together(self):
        self.assertAlmostEqual(self._total(DSO, ["dso:avg"], self._mine()), 15500 * 90 / 21500)
        by_both = self._group(DSO, ["segment_id", "track_id"], ["dso:avg"], self._mine())
        self.assertEqual(by_both[self.seg_late, self.track_strategic], 90.0, "Q alone: 2,000 ÷ 2,000 × 90")

    def test_a_customer_no_segment_holds_is_not_segmented(self):
        self._place_customer(self.Q, segment=self.env["ar.escalation.segment"])
        rows = self._group(DSO, ["segment_id"], ["receivable:sum"], [("week_offset", "=", 0)])
        self.assertEqual(rows[self.env["ar.escalation.segment"]], 2000.0, "Q alone")
        self.assertEqual(rows[self.seg_late], 9500.0, "L alone")


@tagged("post_install", "-at_install")
class TestRecoveryBySegmentAndTrack(ArSegmentBookCommon):
    """Recovery yield = value recovered ÷ value that entered, over the stays that have ended.

    Stays (the default track's stage 1 and SMB automated's Nudge):
      l2 (L, Late) at stage 1 from D−20, moved on at D−5 with 3,000 recovered
      q1 (Q, Late) at SMB's Nudge from D−30, closed paid at D−2 with 2,000 recovered
      p1 (P, Punctual) at stage 1 from D−60, moved on at D−40 with nothing recovered
      p2 (P, Punctual) at stage 1 from D−10, still there (not in the yield)
    Late 5,000 ÷ 11,000 = 45.45 %; Punctual 0 ÷ 3,000 = 0 %.
    The stay's track is its stage's: default 3,000 ÷ 12,000 = 25 %; SMB 2,000 ÷ 2,000 = 100 %.
    All: 5,000 ÷ 14,000 = 35.71 %.
    """

    def setUp(self):
        super().setUp()
        at = self._at
        self.smb_stage = self.env.ref("ar_escalation_ladder.stage_smb_nudge")
        self._enter(self.l2, self.stage1, at(-20, 9), 9000)
        self._enter(
            self.l2, self.stage2, at(-5, 9), 6000, amount_recovered=3000, from_stage=self.stage1, entry=2
        )
        self._enter(self.q1, self.smb_stage, at(-30, 9), 2000)
        self._log(
            self.q1,
            "closed",
            at(-2, 9),
            self.smb_stage,
            amount=2000,
            amount_recovered=2000,
            disposition="paid",
        )
        self._enter(self.p1, self.stage1, at(-60, 9), 3000)
        self._enter(
            self.p1, self.stage2, at(-40, 9), 3000, amount_recovered=0, from_stage=self.stage1, entry=2
        )
        self._enter(self.p2, self.stage1, at(-10, 9), 1000)

    def _mine(self):
        return [("stage_id", "in", (self.stage1 | self.smb_stage).ids)]

    def test_recovery_by_segment(self):
        rows = self._group(
            STAGE,
            ["segment_id"],
            ["amount_in_done:sum", "amount_recovered:sum", "recovery_yield:avg"],
            self._mine(),
        )
        self.assertEqual(rows[self.seg_late][:2], (11000.0, 5000.0))
        self.assertAlmostEqual(rows[self.seg_late][2], 5000 * 100 / 11000)
        self.assertEqual(rows[self.seg_punctual], (3000.0, 0.0, 0.0))

    def test_recovery_by_track_is_by_the_stage_track(self):
        rows = self._group(STAGE, ["track_id"], ["amount_in_done:sum", "recovery_yield:avg"], self._mine())
        self.assertEqual(
            rows[self.track_default], (12000.0, 25.0), "L's stay was at the default track's stage"
        )
        self.assertEqual(rows[self.track_smb], (2000.0, 100.0))
        self.assertAlmostEqual(self._total(STAGE, ["recovery_yield:avg"], self._mine()), 5000 * 100 / 14000)


@tagged("post_install", "-at_install")
class TestOpenBookBySegment(ArSegmentBookCommon):
    """Open and overdue amounts by segment and by track: l3 is open but not yet due."""

    def test_open_and_overdue_by_segment_and_track(self):
        mine = [("partner_id", "in", (self.L | self.P | self.Q).ids)]
        by_segment = self._group(BOOK, ["segment_id"], ["amount_residual:sum", "amount_overdue:sum"], mine)
        self.assertEqual(by_segment, {self.seg_late: (11500.0, 11000.0), self.seg_punctual: (4000.0, 4000.0)})
        by_track = self._group(BOOK, ["track_id"], ["amount_residual:sum", "amount_overdue:sum"], mine)
        self.assertEqual(by_track, {self.track_smb: (9500.0, 9000.0), self.track_strategic: (6000.0, 6000.0)})


REPORTS = (BOOK, STAGE, DSO, "ar.escalation.report.case", "ar.escalation.report.sla")
REPORTS += ("ar.escalation.report.reach", "ar.escalation.report.cause")


@tagged("post_install", "-at_install")
class TestEveryReportBySegmentAndTrack(ArSegmentBookCommon):
    """Every escalation report reads by segment and by track, and its groups add up to its total.

    The ladder runs on the small book: L's invoices climb SMB automated's stages, P's and Q's
    Strategic's. An invoice's track in the executive ratio is its highest stage's; one never
    escalated (l1 paid, l3 not due) is on its customer's track.
    """

    def setUp(self):
        super().setUp()
        self._run()

    def test_groups_add_up_to_the_total(self):
        for model in REPORTS:
            total = self._total(model, ["__count"])
            for field in ("segment_id", "rule_segment_id", "track_id"):
                with self.subTest(model=model, field=field):
                    self.assertEqual(sum(self._group(model, [field], ["__count"]).values()), total)

    def test_a_case_and_an_escalation_are_on_their_stage_track(self):
        expected = {(self.L, self.track_smb), (self.P, self.track_strategic), (self.Q, self.track_strategic)}
        for model in ("ar.escalation.report.case", "ar.escalation.report.sla"):
            with self.subTest(model=model):
                rows = set(self._group(model, ["partner_id", "track_id"], ["__count"]))
                self.assertTrue(rows, "the run opened cases for owners")
                self.assertLessEqual(rows, expected)

    def test_executive_ratio_by_track(self):
        rows = self._group("ar.escalation.report.reach", ["track_id"], ["invoice_count:sum", "escalated:sum"])
        self.assertEqual(rows[self.track_smb], (3, 1), "l2 escalated; l1 paid and l3 not due, on L's track")
        self.assertEqual(rows[self.track_strategic], (3, 3))
