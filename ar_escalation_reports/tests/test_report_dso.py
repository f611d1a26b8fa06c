# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo.tests import tagged

from .common import ArReportsCommon

DSO = "ar.escalation.report.dso"


@tagged("post_install", "-at_install")
class TestDsoByTier(ArReportsCommon):
    """DSO(D) = receivable at D ÷ credit sales of the 90 days up to D × 90, by tier.

    Strategic customer S: invoice 9,000 dated D−80, invoice 9,000 dated D−20; S1 paid in
    full at D−10. Small customer M: invoice 3,000 dated D−100, invoice 1,000 dated D−30,
    and a credit note of 200 dated D−5 against the second.

    Today (D):       S: receivable 9,000; sales 18,000          → 45 days
                     M: receivable 3,800; sales 1,000 − 200 = 800 → 427.5 days
                     both: 12,800 / 18,800 × 90                  → 61.28 days
    A week ago:      S: 9,000 (payment at D−10 is before D−7); sales 18,000 → 45
                     M: 4,000 (credit note at D−5 not yet); sales (D−97, D−7]: 1,000 → 360
    7 weeks ago (D−49): S: 9,000 (only S1, unpaid then); sales (D−139, D−49]: 9,000 → 90
                     M: 3,000; sales: 3,000 → 90
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.S = cls._customer("Strategic Corp", "strategic", "ap@strategic.example.com")
        cls.M = cls._customer("Small Shop", "small", "ap@small.example.com")
        cls.s1, cls.s2 = cls._invoices(cls.S, (9000, 80), (9000, 20))
        cls.m1, cls.m2 = cls._invoices(cls.M, (3000, 100), (1000, 30))

    def setUp(self):
        super().setUp()
        self._pay_quietly(self.s1, date=self.today - timedelta(days=10))
        refund_wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=self.m2.ids, ar_no_reevaluate=True)
            .create({"date": self.today - timedelta(days=5), "journal_id": self.m2.journal_id.id})
        )
        refund = self.env["account.move"].browse(refund_wizard.refund_moves()["res_id"])
        refund.invoice_line_ids.price_unit = 200.0
        refund.with_context(ar_no_reevaluate=True).action_post()
        self.assertEqual(refund.amount_total, 200.0)

    def _dso(self, week):
        return self._group(
            DSO,
            ["account_tier"],
            ["receivable:sum", "credit_sales:sum", "dso:avg"],
            [("week_offset", "=", week), ("account_tier", "in", ("strategic", "small"))],
        )

    def test_dso_today(self):
        self.assertEqual(
            self._dso(0), {"strategic": (9000.0, 18000.0, 45.0), "small": (3800.0, 800.0, 427.5)}
        )
        [(dso,)] = self._report(DSO)._read_group(
            [
                ("company_id", "=", self.company.id),
                ("week_offset", "=", 0),
                ("account_tier", "in", ("strategic", "small")),
            ],
            [],
            ["dso:avg"],
        )
        self.assertAlmostEqual(dso, 12800 * 90 / 18800, msg="a ratio of sums, not the mean of 45 and 427.5")

    def test_dso_trend_over_8_weeks(self):
        rows = self._report(DSO).search(
            [("company_id", "=", self.company.id), ("account_tier", "=", "strategic")]
        )
        self.assertEqual(sorted(rows.mapped("week_offset")), list(range(8)), "today and the 7 weeks before")
        self.assertEqual(
            {row.week_offset: row.date for row in rows},
            {k: self.today - timedelta(days=7 * k) for k in range(8)},
        )
        self.assertEqual(
            self._dso(1), {"strategic": (9000.0, 18000.0, 45.0), "small": (4000.0, 1000.0, 360.0)}
        )
        self.assertEqual(self._dso(7), {"strategic": (9000.0, 9000.0, 90.0), "small": (3000.0, 3000.0, 90.0)})

    def test_no_sales_no_dso(self):
        """A tier with a balance but no sales in the window has no DSO rather than a division by zero."""
        old = self._customer("Old Debtor", "key", "old@example.com")
        self._invoice(old, 500, 200)
        key = self._group(DSO, ["account_tier"], ["receivable:sum", "dso:avg"], [("week_offset", "=", 0)])[
            "key"
        ]
        self.assertEqual(key[0], 500.0)
        self.assertFalse(key[1])
