# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo.tests import tagged

from .common import ArReportsCommon

REACH = "ar.escalation.report.reach"


@tagged("post_install", "-at_install")
class TestExecutiveEscalationRatio(ArReportsCommon):
    """Share of invoices that reached stage 3 and stage 4.

    Eight posted invoices (and one draft, which is not counted):
      r1: 1                       r5: straight to 4
      r2: 1 → 2                   r6, r7, r8: never escalated
      r3: 1 → 2 → 3               (customer A: r1–r4, r6; customer B (key): r5, r7, r8)
      r4: 1 → 3 (by hand) → 4 → 2 (by hand)
    Escalated 5; reached stage 3 or beyond: r3, r4, r5 = 3 → 60 % of escalated, 37.5 % of all;
    reached stage 4: r4, r5 = 2 → 40 % of escalated, 25 % of all.
    Customer A: 4 escalated of 5, 2 reached 3 (50 %), 1 reached 4 (25 %).
    Customer B: 1 escalated of 3, it reached 3 and 4 (100 %, 100 %).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        A, B = cls.customer, cls.customer_b
        cls.r = {i: cls._invoice(A if i in (1, 2, 3, 4, 6) else B, 100 * i, 70) for i in range(1, 9)}
        cls.draft = cls._invoice(A, 999, 70, post=False)

    def setUp(self):
        super().setUp()
        d, T = timedelta(days=1), self._at(-30, 8)
        r, s1, s2, s3, s4 = self.r, self.stage1, self.stage2, self.stage3, self.stage4
        self._enter(r[1], s1, T, 100)
        self._enter(r[2], s1, T, 200)
        self._enter(r[2], s2, T + d, 200, from_stage=s1, entry=2)
        self._enter(r[3], s1, T, 300)
        self._enter(r[3], s2, T + d, 300, from_stage=s1, entry=2)
        self._enter(r[3], s3, T + 2 * d, 300, from_stage=s2, entry=3)
        self._enter(r[4], s1, T, 400)
        self._log(r[4], "override", T + d, s3, from_stage_id=s1.id, to_stage_id=s3.id, amount=400)
        self._enter(r[4], s4, T + 2 * d, 400, from_stage=s3, entry=3)
        self._log(r[4], "override", T + 3 * d, s2, from_stage_id=s4.id, to_stage_id=s2.id, amount=400)
        self._enter(r[5], s4, T + 4 * d, 500)
        self._log(r[6], "hygiene", T, s1, reason="no email address to reach the customer")

    def test_ratios(self):
        invoices, escalated, reached_3, reached_4 = self._total(
            REACH, ["invoice_count:sum", "escalated:sum", "reached_3:sum", "reached_4:sum"]
        )
        self.assertEqual((invoices, escalated, reached_3, reached_4), (8, 5, 3, 2))
        ratios = self._total(REACH, ["ratio_3:avg", "ratio_4:avg", "ratio_3_all:avg", "ratio_4_all:avg"])
        self.assertEqual(ratios, (60.0, 40.0, 37.5, 25.0))

    def test_ratios_by_customer(self):
        by_partner = self._group(REACH, ["partner_id"], ["escalated:sum", "ratio_3:avg", "ratio_4:avg"])
        self.assertEqual(by_partner[self.customer], (4, 50.0, 25.0))
        self.assertEqual(by_partner[self.customer_b], (1, 100.0, 100.0))

    def test_highest_stage_reached(self):
        rows = self._report(REACH).search([("company_id", "=", self.company.id)])
        top = {row.move_id: row.top_stage_id for row in rows}
        r, none = self.r, self.env["ar.escalation.stage"]
        self.assertEqual(
            [top[r[i]] for i in range(1, 9)],
            [self.stage1, self.stage2, self.stage3, self.stage4, self.stage4, none, none, none],
            "r4 was moved back to 2 by hand but had reached 4",
        )
        self.assertNotIn(self.draft, top)
