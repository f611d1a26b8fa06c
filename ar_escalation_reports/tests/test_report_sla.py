# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo.tests import tagged

from .common import ArReportsCommon

SLA = "ar.escalation.report.sla"


@tagged("post_install", "-at_install")
class TestSlaAdherence(ArReportsCommon):
    """Escalations and whether their owner acknowledged them within the SLA.

    D = 10 days ago at 09:00. Owners: O operator, L lead, F finance, C CFO.

    ====  =====  =================================================  =====================
    case  stage  history                                            escalations
    ====  =====  =================================================  =====================
    X1    1      to O at D, SLA D+8h; a 2nd invoice joins at D+1h;  O on time (2 h)
                 acknowledged at D+2h
    X2    1      to O at D, SLA D+8h; rolled up to L at D+9h,       O missed, L on time (1 h)
                 SLA D+17h; acknowledged at D+10h
    X3    2      to F at D, SLA D+6h; acknowledged at D+7h          F late (7 h)
    X4    3      to C at D, SLA D+4h; nothing since, case open      C missed
    X5    3      to C an hour ago, SLA in 3 h                       C pending
    X6    2      to F at D, SLA D+6h; case closed at D+1h           F withdrawn
    X7    1      to O 40 days ago, acknowledged 1 h later           O on time (outside)
    X8    4      to C at D, SLA D+5h; rolled up to L at D+6h (SLA   C, L and F missed
                 D+10h), to F at D+11h (SLA D+20h); never acked
    ====  =====  =================================================  =====================

    Last 14 days: on time 2 (X1 O, X2 L), late 1 (X3), missed 5 (X2 O, X4, X8 ×3):
    adherence 2 / 8 = 25 %. By stage: 1 → 2/3; 2 → 0/1; 3 → 0/1; 4 → 0/3. By owner:
    O 1/2, L 1/2, F 0/2, C 0/2. All time (with X7): 3 / 9.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.D = cls._at(-10, 9)
        cls.cases, cls.moves = {}, {}
        cls._sla_cases()
        cls._sla_escalations()
        cls.env.flush_all()
        # X6 closed an hour after it was raised (its invoices moved on), before its SLA
        cls.env.cr.execute(
            "UPDATE ar_escalation_case SET write_date = %s WHERE id = %s", [cls._h(1), cls.cases["X6"].id]
        )
        cls.env.invalidate_all()

    @classmethod
    def _h(cls, n):
        """D + n hours."""
        return cls.D + timedelta(hours=n)

    @classmethod
    def _sla_cases(cls):
        """The cases of the table above, each with an invoice of its own customer (X1 has two)."""
        h = cls._h
        O, L, F, C = cls.user_operator, cls.user_lead, cls.user_finance, cls.user_cfo  # noqa: E741
        for name, stage, owner, deadline, state, acknowledged_at in (
            ("X1", cls.stage1, O, h(8), "acknowledged", h(2)),
            ("X2", cls.stage1, L, h(17), "acknowledged", h(10)),
            ("X3", cls.stage2, F, h(6), "acknowledged", h(7)),
            ("X4", cls.stage3, C, h(4), "open", False),
            ("X5", cls.stage3, C, cls.now + timedelta(hours=3), "open", False),
            ("X6", cls.stage2, F, h(6), "closed", False),
            ("X7", cls.stage1, O, cls._at(-40, 17), "acknowledged", cls._at(-40, 10)),
            ("X8", cls.stage4, F, h(20), "open", False),
        ):
            partner = cls._customer(f"SLA customer {name}")
            cls.moves[name] = cls._invoice(partner, 1000, 20)
            cls.cases[name] = cls._open_case(
                partner, stage, owner, sla_deadline=deadline, state=state, acknowledged_at=acknowledged_at
            )
        cls.moves["X1b"] = cls._invoice(cls.cases["X1"].partner_id, 500, 20)

    @classmethod
    def _sla_escalations(cls):
        """The escalations of the table: (invoice, kind, when, owner then, SLA deadline, other values)."""
        h, D = cls._h, cls.D
        O, L, F, C = cls.user_operator, cls.user_lead, cls.user_finance, cls.user_cfo  # noqa: E741
        for name, kind, date, owner, deadline, vals in (
            ("X1", "activity", D, O, h(8), {}),
            ("X1b", "activity", h(1), O, h(8), {}),
            ("X1", "acknowledged", h(2), O, h(8), {"acknowledged_at": h(2)}),
            ("X1b", "acknowledged", h(2), O, h(8), {"acknowledged_at": h(2)}),
            ("X2", "activity", D, O, h(8), {}),
            ("X2", "rollup", h(9), L, h(17), {"cycle": 1}),
            ("X2", "acknowledged", h(10), L, h(17), {"acknowledged_at": h(10)}),
            ("X3", "activity", D, F, h(6), {}),
            ("X3", "acknowledged", h(7), F, h(6), {"acknowledged_at": h(7)}),
            ("X4", "activity", D, C, h(4), {}),
            ("X5", "activity", cls.now - timedelta(hours=1), C, cls.now + timedelta(hours=3), {}),
            ("X6", "activity", D, F, h(6), {}),
            ("X7", "activity", cls._at(-40, 9), O, cls._at(-40, 17), {}),
            (
                "X7",
                "acknowledged",
                cls._at(-40, 10),
                O,
                cls._at(-40, 17),
                {"acknowledged_at": cls._at(-40, 10)},
            ),
            ("X8", "activity", D, C, h(5), {}),
            ("X8", "rollup", h(6), L, h(10), {"cycle": 1}),
            ("X8", "rollup", h(11), F, h(20), {"cycle": 2}),
        ):
            case = cls.cases[name[:2]]
            cls._log_cls(
                cls.moves[name],
                kind,
                date,
                case.stage_id,
                case_id=case.id,
                owner_id=owner.id,
                sla_deadline=deadline,
                **vals,
            )

    @classmethod
    def _log_cls(cls, move, kind, date, stage, **vals):
        cls.env["ar.escalation.event"]._ar_log(
            [
                {
                    "kind": kind,
                    "move_id": move.id,
                    "partner_id": move.commercial_partner_id.id,
                    "company_id": move.company_id.id,
                    "stage_id": stage.id,
                    "date": date,
                    **vals,
                }
            ],
            post=False,
        )

    def _period(self):
        return [("date", ">=", self._at(-14))]

    def test_each_escalation_is_judged(self):
        rows = self._report(SLA).search([("company_id", "=", self.company.id)])
        got = sorted((row.case_id.partner_id.name[-2:], row.owner_id.login, row.status) for row in rows)
        self.assertEqual(
            got,
            sorted(
                [
                    ("X1", "ar_operator", "on_time"),
                    ("X2", "ar_operator", "missed"),
                    ("X2", "ar_lead", "on_time"),
                    ("X3", "ar_finance", "late"),
                    ("X4", "ar_cfo", "missed"),
                    ("X5", "ar_cfo", "pending"),
                    ("X6", "ar_finance", "withdrawn"),
                    ("X7", "ar_operator", "on_time"),
                    ("X8", "ar_cfo", "missed"),
                    ("X8", "ar_lead", "missed"),
                    ("X8", "ar_finance", "missed"),
                ]
            ),
            "one escalation per owner a case was handed to; a joining invoice is not a new one",
        )
        hours = {
            (row.case_id.partner_id.name[-2:], row.owner_id.login): row.hours_to_acknowledge
            for row in rows
            if row.acknowledged_at
        }
        self.assertEqual(
            hours,
            {
                ("X1", "ar_operator"): 2.0,
                ("X2", "ar_lead"): 1.0,
                ("X3", "ar_finance"): 7.0,
                ("X7", "ar_operator"): 1.0,
            },
        )

    def test_adherence_over_the_period(self):
        on_time, due, adherence = self._total(
            SLA, ["on_time_count:sum", "counted:sum", "adherence:avg"], self._period()
        )
        self.assertEqual((on_time, due), (2, 8))
        self.assertAlmostEqual(adherence, 25.0)
        on_time, due, adherence = self._total(SLA, ["on_time_count:sum", "counted:sum", "adherence:avg"])
        self.assertEqual((on_time, due), (3, 9), "all time: X7 counts too")
        self.assertAlmostEqual(adherence, 100.0 / 3)

    def test_adherence_by_stage(self):
        by_stage = self._group(SLA, ["stage_id"], ["adherence:avg", "counted:sum"], self._period())
        self.assertAlmostEqual(by_stage[self.stage1][0], 200.0 / 3)
        self.assertEqual(by_stage[self.stage1][1], 3)
        self.assertEqual(by_stage[self.stage2], (0.0, 1), "X6 was withdrawn before its deadline")
        self.assertEqual(by_stage[self.stage3], (0.0, 1), "X5 is still within its SLA")
        self.assertEqual(by_stage[self.stage4], (0.0, 3))

    def test_adherence_by_owner(self):
        by_owner = self._group(SLA, ["owner_id"], ["adherence:avg", "counted:sum"], self._period())
        self.assertEqual(
            by_owner,
            {
                self.user_operator: (50.0, 2),
                self.user_lead: (50.0, 2),
                self.user_finance: (0.0, 2),
                self.user_cfo: (0.0, 2),
            },
        )

    def test_pending_turns_missed_once_its_deadline_passes(self):
        later = self._group(
            SLA, ["status"], ["__count"], self._period(), ar_report_now=self.now + timedelta(hours=4)
        )
        self.assertNotIn("pending", later)
        self.assertEqual(later["missed"], 6)

    def test_ratio_is_not_an_average_of_shares(self):
        """Grouped by owner then summed, the total is 2/8, not the mean of 50, 50, 0 and 0 (25 too),
        so check a grouping where they differ: stage 1 (2/3) and stage 4 (0/3) with stage 2 (0/1)."""
        stages = self.stage1 | self.stage2 | self.stage4
        [(adherence,)] = self._report(SLA)._read_group(
            [("company_id", "=", self.company.id), ("stage_id", "in", stages.ids), *self._period()],
            [],
            ["adherence:avg"],
        )
        self.assertAlmostEqual(adherence, 200.0 / 7, msg="2 on time of 7 due, not (66.7 + 0 + 0) / 3")
