# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import datetime, time, timedelta

from odoo.tests import tagged

from .common import ArReportsCommon

CAUSES = "ar.escalation.report.cause"
NO_EMAIL = "no email address to reach the customer"
NO_PO = "the customer's reference (PO) is missing"


@tagged("post_install", "-at_install")
class TestDisputeAndBlockerTrends(ArReportsCommon):
    """Dispute codes and hygiene blockers by month; repeats of the same cause by a customer.

    M2 = the month before last, M1 = last month (the 5th at 10:00).
      A: pricing dispute in M2; pricing and quantity disputes in M1 (the pricing one repeats)
      B: not payable (no email) in M2; not payable (no email; no PO) in M1 (no email repeats)
      C: pricing dispute in M1 (not a repeat: another customer)
    Pricing 3 (1 repeat), Quantity 1, no email 2 (1 repeat), no PO 1. M2: 2 rows; M1: 5 rows.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        first = cls.today.replace(day=1)
        cls.m1_start = (first - timedelta(days=1)).replace(day=1)
        cls.m2_start = (cls.m1_start - timedelta(days=1)).replace(day=1)
        cls.M1 = datetime.combine(cls.m1_start + timedelta(days=4), time(10))
        cls.M2 = datetime.combine(cls.m2_start + timedelta(days=4), time(10))
        cls.C = cls._customer("Gamma", "small", "ap@gamma.example.com")
        cls.a1, cls.a2 = cls._invoices(cls.customer, (1000, 70), (2000, 40))
        cls.b1, cls.b2 = cls._invoices(cls.customer_b, (3000, 70), (4000, 40))
        [cls.c1] = cls._invoices(cls.C, (500, 40))

    def setUp(self):
        super().setUp()
        Dispute = self.env["ar.escalation.dispute"].sudo()  # sudo: disputes as the ladder logs them
        disputes = [
            (self.a1, "pricing", self.M2),
            (self.a2, "pricing", self.M1),
            (self.a2, "quantity", self.M1 + timedelta(hours=1)),
            (self.c1, "pricing", self.M1),
        ]
        for move, code, date in disputes:
            # one open dispute per invoice: the one before on the same invoice was resolved by then
            Dispute.search([("move_id", "=", move.id), ("state", "=", "open")]).write({"state": "resolved"})
            self.env.flush_all()  # resolved in the database before the next one is raised
            dispute = Dispute.create({"move_id": move.id, "code": code, "note": "As the customer says"})
            self.env.flush_all()
            self.env.cr.execute(
                "UPDATE ar_escalation_dispute SET create_date = %s WHERE id = %s", [date, dispute.id]
            )
        self._log(self.b1, "hygiene", self.M2, self.stage3, reason=NO_EMAIL)
        self._log(self.b2, "hygiene", self.M1, self.stage2, reason=f"{NO_EMAIL}; {NO_PO}")
        self.env.invalidate_all()

    def test_causes_and_repeats(self):
        self.assertEqual(
            self._group(CAUSES, ["cause"], ["__count", "repeat_count:sum"]),
            {"Pricing": (3, 1), "Quantity": (1, 0), NO_EMAIL: (2, 1), NO_PO: (1, 0)},
        )
        self.assertEqual(self._group(CAUSES, ["cause_type"], ["__count"]), {"dispute": 4, "hygiene": 3})

    def test_causes_by_month(self):
        def month(start, end):
            return self._group(CAUSES, ["cause"], ["__count"], [("date", ">=", start), ("date", "<", end)])

        self.assertEqual(month(self.m2_start, self.m1_start), {"Pricing": 1, NO_EMAIL: 1})
        self.assertEqual(
            month(self.m1_start, self.today.replace(day=1)),
            {"Pricing": 2, "Quantity": 1, NO_EMAIL: 1, NO_PO: 1},
        )
        by_month = self._group(CAUSES, ["date:month"], ["__count"])
        self.assertEqual(sorted(by_month.values()), [2, 5])

    def test_rows_keep_their_invoice_and_code(self):
        rows = self._report(CAUSES).search(
            [("company_id", "=", self.company.id), ("cause_type", "=", "dispute")]
        )
        self.assertEqual(
            sorted((r.move_id.id, r.dispute_code, r.amount, r.repeat_count) for r in rows),
            sorted(
                [
                    (self.a1.id, "pricing", 1000.0, 0),
                    (self.a2.id, "pricing", 2000.0, 1),
                    (self.a2.id, "quantity", 2000.0, 0),
                    (self.c1.id, "pricing", 500.0, 0),
                ]
            ),
        )
        self.assertEqual(
            len(set(self._report(CAUSES).search([("company_id", "=", self.company.id)]).ids)),
            7,
            "every row has its own id",
        )
