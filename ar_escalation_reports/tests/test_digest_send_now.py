# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The digest's Send now: the week to date, and the user is told to whom it went (issue 13)."""

from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import ArReportsCommon


@tagged("post_install", "-at_install")
class TestDigestSendNow(ArReportsCommon):
    """d1 (1,000) entered Early today; d2 (2,000) entered Early 3 days ago."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.d1 = cls._invoice(cls.customer, 1000, 10)
        cls.d2 = cls._invoice(cls.customer, 2000, 12)
        cls.user_cfo.email = "cfo@company.example.com"
        cls.user_finance.email = "finance@company.example.com"
        cls.company.ar_digest_user_ids = [Command.set((cls.user_cfo | cls.user_finance).ids)]

    def setUp(self):
        super().setUp()
        self.moment = max(self.now - timedelta(minutes=1), self.midnight)
        self._enter(self.d1, self.stage1, self.moment, 1000)
        self._enter(self.d2, self.stage1, self._at(-3, 9), 2000)

    def _press(self):
        settings = self.env["res.config.settings"].create({})
        return settings.action_ar_send_digest_now()["params"]

    def test_send_now_sends_the_week_to_date_and_says_to_whom(self):
        params = self._press()
        self.assertEqual(params["type"], "success")
        self.assertEqual(
            params["message"],
            "This week's escalation digest, up to now, went to Carla CFO <cfo@company.example.com>, "
            "Fred Finance <finance@company.example.com>.",
        )
        mail = self.env["mail.mail"].search(
            [("subject", "like", "escalation digest")], order="id desc", limit=1
        )
        self.assertEqual(mail.recipient_ids, (self.user_cfo | self.user_finance).partner_id)
        self.assertIn(f"week to {self.today}", mail.subject, "the week ends today")
        self.assertIn("3,000.00", str(mail.body_html), "today's escalation is in: 1,000 + 2,000")
        values = self.env["ar.escalation.digest"]._ar_values(
            self.company, now=self.now + timedelta(seconds=1)
        )
        self.assertEqual(values["new_count"], 2)
        self.assertEqual(
            (values["date_from"], values["date_last"]), (self.today - timedelta(days=6), self.today)
        )

    def test_the_scheduled_digest_is_last_week(self):
        values = self.env["ar.escalation.digest"]._ar_values(self.company, self.today)
        self.assertEqual(
            values["new_count"], 1, "the week before today: today's escalation waits for next week"
        )
        self.assertEqual(values["date_last"], self.today - timedelta(days=1))

    def test_a_recipient_without_email_is_named(self):
        self.user_finance.email = False
        params = self._press()
        self.assertEqual(params["type"], "warning")
        self.assertIn("went to Carla CFO <cfo@company.example.com>.", params["message"])
        self.assertIn("Not to Fred Finance: no email address.", params["message"])
