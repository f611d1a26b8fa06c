# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import ArReportsCommon

BOOK = "ar.escalation.report.book"
CASES = "ar.escalation.report.case"


@tagged("post_install", "-at_install")
class TestOpenBook(ArReportsCommon):
    """The open book by stage, owner and aging; SLA breaches; value at risk in the next 7 days.

    Customers A (standard) and B (key); invoice: amount, days overdue → open amount, bucket, stage:

    ====  ======  ====  ========  =======  =====  ======================================
    inv   amount  days  open      bucket   stage  other
    ====  ======  ====  ========  =======  =====  ======================================
    a1    1000    -3    1000      current  -      falls due in 3 days: at risk (due)
    a2    2000    10    2000      1–30     1      operator, SLA passed 1 h ago: breached
    a3    3000    45    3000      31–60    3      CFO, SLA in 2 h
    a4     700    -10    700      current  -      due in 10 days: not at risk
    a5     900    30     paid     -        -      paid in full: not in the book
    a6     400    50     400      31–60    (2)    case closed (agency): no stage
    b1    4000    75    4000      61–90    3      CFO, SLA passed but acknowledged
    b2    5000    120   5000      90+      4      CFO, SLA passed 2 h ago: breached
    b3     600    20     500      1–30     2      finance, 100 paid, SLA passed: breached;
                                                  promised in 5 days: at risk (promised)
    b4     800    -7     800      current  -      falls due in exactly 7 days: at risk (due)
    b5    1500    12    1500      1–30     -      promised in 8 days: not at risk
    ====  ======  ====  ========  =======  =====  ======================================

    Total open 18,900. Aging: current 1000+700+800 = 2,500; 1–30 2000+500+1500 = 4,000;
    31–60 3000+400 = 3,400; 61–90 4,000; 90+ 5,000. By stage: none 1000+700+400+800+1500 =
    4,400; 1: 2,000; 2: 500; 3: 3000+4000 = 7,000; 4: 5,000. Breaches: stage 1 one (2,000),
    stage 2 one (500), stage 4 one (5,000). At risk: 1000 + 800 + 500 = 2,300 on 3 invoices.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        A, B = cls.customer, cls.customer_b
        cls.a1 = cls._invoice(A, 1000, -3)
        cls.a2 = cls._invoice(A, 2000, 10)
        cls.a3 = cls._invoice(A, 3000, 45)
        cls.a4 = cls._invoice(A, 700, -10)
        cls.a5 = cls._invoice(A, 900, 30)
        cls.a6 = cls._invoice(A, 400, 50)
        cls.b1 = cls._invoice(B, 4000, 75)
        cls.b2 = cls._invoice(B, 5000, 120)
        cls.b3 = cls._invoice(B, 600, 20)
        cls.b4 = cls._invoice(B, 800, -7)
        cls.b5 = cls._invoice(B, 1500, 12)
        now = cls.now
        # (customer, stage, owner, role, SLA deadline in hours from now, state)
        cls.c1, cls.c2, cls.c3, cls.c4, cls.c5, cls.c6 = (
            cls._open_case(
                partner, stage, owner, owner_role=role, sla_deadline=now + timedelta(hours=hours), state=state
            )
            for partner, stage, owner, role, hours, state in (
                (A, cls.stage1, cls.user_operator, "ar_operator", -1, "open"),
                (A, cls.stage3, cls.user_cfo, "cfo", 2, "open"),
                (B, cls.stage3, cls.user_cfo, "cfo", -5, "acknowledged"),
                (B, cls.stage4, cls.user_cfo, "cfo", -2, "open"),
                (B, cls.stage2, cls.user_finance, "finance_lead", -3, "open"),
                (A, cls.stage2, cls.user_finance, "finance_lead", -9, "closed"),
            )
        )

    def setUp(self):
        super().setUp()
        self._pay_quietly(self.a5)
        self._pay_quietly(self.b3, 100.0)
        self.env["ar.escalation.promise"].sudo().create(  # sudo: as the ladder records it
            [
                {
                    "move_id": self.b3.id,
                    "residual_at_promise": 500.0,
                    "line_ids": [Command.create({"date": self.today + timedelta(days=5), "amount": 500.0})],
                },
                {
                    "move_id": self.b5.id,
                    "residual_at_promise": 1500.0,
                    "line_ids": [Command.create({"date": self.today + timedelta(days=8), "amount": 1500.0})],
                },
            ]
        )
        now = self.now
        self._place(self.a2, self.stage1, self.user_operator, now - timedelta(hours=1), ar_case_id=self.c1.id)
        self._place(self.a3, self.stage3, self.user_cfo, now + timedelta(hours=2), ar_case_id=self.c2.id)
        self._place(
            self.b1,
            self.stage3,
            self.user_cfo,
            now - timedelta(hours=5),
            ar_acknowledged_at=now - timedelta(hours=6),
            ar_case_id=self.c3.id,
        )
        self._place(self.b2, self.stage4, self.user_cfo, now - timedelta(hours=2), ar_case_id=self.c4.id)
        self._place(self.b3, self.stage2, self.user_finance, now - timedelta(hours=3), ar_case_id=self.c5.id)
        self._place(self.a6, self.stage2, self.user_finance, now - timedelta(hours=9))
        self.a6._ar_write({"ar_closed_date": now, "ar_disposition": "agency", "ar_sla_deadline": False})

    def test_book_holds_open_invoices_only(self):
        self.assertEqual(self.b3.amount_residual, 500.0)
        self.assertEqual(self.a5.payment_state, "paid")
        rows = self._report(BOOK).search([("company_id", "=", self.company.id)])
        self.assertEqual(
            rows.move_id,
            self.a1 | self.a2 | self.a3 | self.a4 | self.a6 | self.b1 | self.b2 | self.b3 | self.b4 | self.b5,
        )
        self.assertEqual(self._total(BOOK, ["amount_residual:sum"]), 18900.0)

    def test_aging_buckets(self):
        self.assertEqual(
            self._group(BOOK, ["aging_bucket"], ["amount_residual:sum"]),
            {"current": 2500.0, "1_30": 4000.0, "31_60": 3400.0, "61_90": 4000.0, "90_plus": 5000.0},
        )

    def test_aging_by_stage(self):
        by_stage = self._group(BOOK, ["stage_id"], ["amount_residual:sum"])
        self.assertEqual(
            by_stage,
            {
                self.env["ar.escalation.stage"]: 4400.0,
                self.stage1: 2000.0,
                self.stage2: 500.0,
                self.stage3: 7000.0,
                self.stage4: 5000.0,
            },
            "a closed case (a6) counts as not escalated",
        )
        cross = self._group(BOOK, ["stage_id", "aging_bucket"], ["amount_residual:sum"])
        self.assertEqual(cross[(self.stage3, "31_60")], 3000.0)
        self.assertEqual(cross[(self.stage3, "61_90")], 4000.0)
        self.assertEqual(cross[(self.stage2, "1_30")], 500.0)
        self.assertEqual(cross[(self.stage4, "90_plus")], 5000.0)

    def test_open_value_by_stage_and_owner(self):
        by_owner = self._group(BOOK, ["stage_id", "owner_id"], ["amount_residual:sum", "__count"])
        self.assertEqual(by_owner[(self.stage3, self.user_cfo)], (7000.0, 2))
        self.assertEqual(by_owner[(self.stage4, self.user_cfo)], (5000.0, 1))
        self.assertEqual(by_owner[(self.stage1, self.user_operator)], (2000.0, 1))
        self.assertEqual(by_owner[(self.stage2, self.user_finance)], (500.0, 1))

    def test_sla_breaches_by_stage(self):
        breaches = self._group(
            BOOK, ["stage_id"], ["__count", "amount_breached:sum"], [("sla_breached", "=", True)]
        )
        self.assertEqual(
            breaches,
            {self.stage1: (1, 2000.0), self.stage2: (1, 500.0), self.stage4: (1, 5000.0)},
            "b1 is past its SLA but acknowledged; a3 is within its SLA",
        )
        self.assertEqual(self._total(BOOK, ["amount_breached:sum"]), 7500.0)
        # an hour from now, a3's SLA has passed too
        later = self._group(
            BOOK,
            ["stage_id"],
            ["__count"],
            [("sla_breached", "=", True)],
            ar_report_now=self.now + timedelta(hours=3),
        )
        self.assertEqual(later[self.stage3], 1)

    def test_value_at_risk_next_7_days(self):
        self.assertEqual(
            self._group(BOOK, ["risk_7d"], ["amount_at_risk_7d:sum", "__count"], [("risk_7d", "!=", False)]),
            {"due": (1800.0, 2), "promised": (500.0, 1)},
            "a1 and b4 fall due within 7 days (b4 on the 7th); b3 is promised in 5 days",
        )
        self.assertEqual(self._total(BOOK, ["amount_at_risk_7d:sum"]), 2300.0)
        risky = self._report(BOOK).search([("company_id", "=", self.company.id), ("risk_7d", "!=", False)])
        self.assertEqual(risky.move_id, self.a1 | self.b3 | self.b4)

    def test_open_cases_by_stage_and_owner(self):
        cases = self._group(
            CASES, ["stage_id", "owner_id"], ["__count", "breached_count:sum", "amount_open:sum"]
        )
        self.assertEqual(
            cases,
            {
                (self.stage1, self.user_operator): (1, 1, 2000.0),
                (self.stage2, self.user_finance): (1, 1, 500.0),
                (self.stage3, self.user_cfo): (2, 0, 7000.0),
                (self.stage4, self.user_cfo): (1, 1, 5000.0),
            },
            "the closed case c6 is not open; c3 is past its SLA but acknowledged",
        )
        breached = self._report(CASES).search(
            [("company_id", "=", self.company.id), ("sla_breached", "=", True)]
        )
        self.assertEqual(breached.case_id, self.c1 | self.c4 | self.c5)

    def test_pivot_path_reads_the_same_figures(self):
        """What the pivot view calls (read_group with field:aggregator specs) gives the same sums."""
        groups = self._report(BOOK).read_group(
            [("company_id", "=", self.company.id)],
            ["amount_residual:sum", "amount_at_risk_7d:sum"],
            ["aging_bucket"],
            lazy=False,
        )
        by_bucket = {g["aging_bucket"]: (g["amount_residual"], g["__count"]) for g in groups}
        self.assertEqual(by_bucket["current"], (2500.0, 3))
        self.assertEqual(by_bucket["31_60"], (3400.0, 2))


@tagged("post_install", "-at_install")
class TestAgingBoundaries(ArReportsCommon):
    def test_bucket_boundaries_match_the_ladder_engine(self):
        from odoo.addons.ar_escalation_ladder.engine import aging_bucket

        engine_names = {
            "current": "current",
            "1-30": "1_30",
            "31-60": "31_60",
            "61-90": "61_90",
            "90+": "90_plus",
        }
        days = [-1, 0, 1, 30, 31, 60, 61, 90, 91]
        moves = {d: self._invoice(self.customer, 100, d) for d in days}
        rows = self._report(BOOK).search([("move_id", "in", [m.id for m in moves.values()])])
        got = {row.move_id.id: (row.days_overdue, row.aging_bucket) for row in rows}
        for d, move in moves.items():
            self.assertEqual(got[move.id], (d, engine_names[aging_bucket(d)]), f"{d} days overdue")
