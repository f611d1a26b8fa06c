# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import ArReportsCommon


@tagged("post_install", "-at_install")
class TestWeeklyDigest(ArReportsCommon):
    """The week's figures: the 7 days before today (UTC), judged at today's midnight.

    Stage changes and closings (dates relative to today's midnight):
      w1 (A, 1,000): enters 1 at −5d                           → new at 1: 1,000
      w2 (A, 2,000): enters 1 at −20d; 2 at −3d, 1,500 open     → new at 2: 1,500; 500 recovered at 1
      w3 (B, 3,000): enters 3 at −2d                            → new at 3: 3,000
      w4 (B, 800): enters 1 at −30d; paid and closed at −1d     → 800 recovered at 1
      w5 (A, 600): enters 2 at −8d 12:00                        → before the week
    New escalations 3 (5,500); recovered 1,300 (all at stage 1).
    SLA: X acknowledged after 1 h of 8 (on time), Y missed (4 h SLA, no acknowledgement),
    Z raised at −1d 20:00 with its SLA tomorrow (pending) → 1 of 2 = 50 %.
    Value at risk: f1 (A, 700) falls due in 2 days → 700 on 1 invoice.
    Top accounts at stages 3–4: T1…T12 with i × 1,000 + 100 open (T5 has a second invoice of
    500); a stage-2 invoice of 50,000 is not one of them → T12 … T3, T5 at 5,600 on 2 invoices.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        A, B = cls.customer, cls.customer_b
        cls.w = {
            i: cls._invoice(A if i in (1, 2, 5) else B, amount, 40)
            for i, amount in ((1, 1000), (2, 2000), (3, 3000), (4, 800), (5, 600))
        }
        cls.f1 = cls._invoice(A, 700, -2)
        cls.tops = {i: cls._customer(f"Top {i:02d}", "key", f"top{i}@example.com") for i in range(1, 13)}
        cls.top_moves = {i: cls._invoice(p, i * 1000 + 100, 50) for i, p in cls.tops.items()}
        cls.top5b = cls._invoice(cls.tops[5], 500, 80)
        cls.big = cls._invoice(cls._customer("Big at 2", "key", "big@example.com"), 50000, 20)
        cls.user_cfo.email = "cfo@company.example.com"
        cls.user_finance.email = "finance@company.example.com"
        cls.company.ar_digest_user_ids = [Command.set((cls.user_cfo | cls.user_finance).ids)]

    def setUp(self):
        super().setUp()
        w, at = self.w, self._at
        s1, s2, s3, s4 = self.stage1, self.stage2, self.stage3, self.stage4
        self._enter(w[1], s1, at(-5, 9), 1000)
        self._enter(w[2], s1, at(-20, 9), 2000)
        self._enter(w[2], s2, at(-3, 9), 1500, amount_recovered=500, from_stage=s1, entry=2)
        self._enter(w[3], s3, at(-2, 9), 3000)
        self._enter(w[4], s1, at(-30, 9), 800)
        self._log(w[4], "closed", at(-1, 9), s1, amount=800, amount_recovered=800, disposition="paid")
        self._enter(w[5], s2, at(-8, 12), 600)
        for move, stage, owner, raised, hours, ack in (
            (w[1], s1, self.user_operator, at(-5, 9), 8, at(-5, 10)),  # X
            (w[3], s3, self.user_cfo, at(-2, 9), 4, None),  # Y
            (w[2], s2, self.user_finance, at(-1, 20), 30, None),  # Z
        ):
            self._escalated(move, stage, owner, (raised, hours), ack)
        for i, move in self.top_moves.items():
            self._place(move, s3 if i % 2 else s4, self.user_cfo, self.now)
        self._place(self.top5b, s4, self.user_cfo, self.now)
        self._place(self.big, s2, self.user_finance, self.now)

    def _escalated(self, move, stage, owner, sla, acknowledged=None):
        """``move`` escalated to ``owner``; ``sla``: (raised at, hours to acknowledge it)."""
        raised, hours = sla
        deadline = raised + timedelta(hours=hours)
        case = self._open_case(
            move.commercial_partner_id,
            stage,
            owner,
            sla_deadline=deadline,
            state="acknowledged" if acknowledged else "open",
            acknowledged_at=acknowledged or False,
        )
        self._log(move, "activity", raised, stage, case_id=case.id, owner_id=owner.id, sla_deadline=deadline)
        if acknowledged:
            self._log(
                move, "acknowledged", acknowledged, stage, case_id=case.id, acknowledged_at=acknowledged
            )

    def test_values(self):
        values = self.env["ar.escalation.digest"]._ar_values(self.company, self.today)
        self.assertEqual(values["date_from"], self.today - timedelta(days=7))
        self.assertEqual(values["date_last"], self.today - timedelta(days=1))
        rows = {row["stage"]: (row["count"], row["amount"], row["recovered"]) for row in values["stage_rows"]}
        self.assertEqual(rows[self.stage0], (0, 0.0, 0.0))
        self.assertEqual(rows[self.stage1], (1, 1000.0, 1300.0))
        self.assertEqual(rows[self.stage2], (1, 1500.0, 0.0))
        self.assertEqual(rows[self.stage3], (1, 3000.0, 0.0))
        self.assertEqual(rows[self.stage4], (0, 0.0, 0.0))
        self.assertEqual(
            (values["new_count"], values["new_amount"], values["recovered"]), (3, 5500.0, 1300.0)
        )
        self.assertEqual((values["sla_on_time"], values["sla_due"], values["sla_pending"]), (1, 2, 1))
        self.assertEqual(values["sla_adherence"], 50.0)
        self.assertEqual((values["at_risk"], values["at_risk_count"]), (700.0, 1))
        top = [(a["partner"], a["amount"], a["count"]) for a in values["top_accounts"]]
        expected = [(self.tops[i], i * 1000 + 100.0, 1) for i in range(12, 2, -1)]
        expected[7] = (self.tops[5], 5600.0, 2)
        self.assertEqual(top, expected)
        self.assertEqual(values["top_accounts"][7]["stage"], self.stage4)

    def test_mail_reads_the_figures(self):
        mails = self.env["ar.escalation.digest"]._ar_send(self.company, self.today)
        self.assertEqual(len(mails), 1, "one language: one mail")
        self.assertEqual(mails.recipient_ids, (self.user_cfo | self.user_finance).partner_id)
        self.assertIn("escalation digest", mails.subject)
        body = str(mails.body_html)
        for text in ("1,300.00", "5,500.00", "700.00", "50 %", "Top 12", "Top 03", "12,100.00", "5,600.00"):
            self.assertIn(text, body)
        self.assertNotIn("Top 02", body)
        self.assertNotIn("Big at 2", body, "stage 2 is not in the top accounts")
        self.assertIn("1 still within SLA", body)

    def test_cron_sends_to_companies_with_recipients(self):
        other = self.env["res.company"].create({"name": "No digest here"})
        self.assertFalse(other.ar_digest_user_ids)
        before = self.env["mail.mail"].search_count([])
        self.env["ar.escalation.digest"]._cron_send_weekly()
        mails = self.env["mail.mail"].search([], order="id desc", limit=1)
        self.assertEqual(self.env["mail.mail"].search_count([]), before + 1)
        self.assertIn(self.company.name, mails.subject)

    def test_settings_send_now(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.ar_digest_user_ids, self.user_cfo | self.user_finance)
        action = settings.action_ar_send_digest_now()
        self.assertEqual(action["params"]["type"], "success")
        cron = self.env.ref("ar_escalation_reports.ir_cron_ar_escalation_digest")
        self.assertEqual((cron.interval_number, cron.interval_type), (1, "weeks"))
