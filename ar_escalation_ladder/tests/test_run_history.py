# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Run history (issue 13): Escalation > Runs says what each daily run did; the board shows the last."""

from unittest.mock import patch

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from ..models.ar_escalation_delivery_email import ArEscalationDeliveryEmail
from .common import ArEscalationCommon

DELIVER = ArEscalationDeliveryEmail._deliver_email


class RunHistoryBook(ArEscalationCommon):
    """Umbrella (two invoices, 20 and 40 days overdue), Beta (25 days) and Brittle Mail Co (30 days),
    whose message the mail stack refuses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.umbrella = cls._customer("Umbrella Retail", "standard", "ap@umbrella.example.com")
        cls.brittle = cls._customer("Brittle Mail Co", "standard", "ap@brittle.example.com")
        cls.u1 = cls._invoice(cls.umbrella, 400.0, 20)
        cls.u2 = cls._invoice(cls.umbrella, 600.0, 40)
        cls.b1 = cls._invoice(cls.customer_b, 900.0, 25)
        cls.broken = cls._invoice(cls.brittle, 300.0, 30)

    def _sweep(self, batch_size=1000, batches=None):
        """The scheduled action's calls, with Brittle Mail Co's message refused."""
        brittle = self.brittle

        def deliver(delivery, stage, todo, results):
            if any(case.partner_id == brittle for case, __ in todo):
                raise ValueError("the mail server refused the message (550 mailbox unavailable)")
            return DELIVER(delivery, stage, todo, results)

        with patch.object(ArEscalationDeliveryEmail, "_deliver_email", deliver):
            done = 0
            while self.runner._cron_run(batch_size=batch_size):
                done += 1
                if batches and done >= batches:
                    break
        self.env.flush_all()
        return self.env["ar.escalation.run"].search([("date", "=", self.today)])


@tagged("post_install", "-at_install")
class TestRunHistory(RunHistoryBook):
    def test_a_finished_run_says_what_it_did_and_links_each_error_to_its_invoice(self):
        run = self._sweep()
        self.assertEqual(len(run), 1, "one run per day")
        self.assertEqual(run.state, "errors", "Done with errors")
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.evaluated, 4)
        self.assertEqual(run.stage_change_count, 4, "each invoice entered its stage")
        self.assertEqual(run.message_count, 2, "Umbrella and Beta got their message")
        self.assertEqual(run.error_count, 1)
        self.assertGreaterEqual(run.duration, 0.0)
        self.assertTrue(run.finished_at)
        summary = str(run.error_summary)
        self.assertIn(f'<a href="/odoo/account.move/{self.broken.id}">{self.broken.name}</a>', summary)
        self.assertIn("the mail server refused the message (550 mailbox unavailable)", summary)
        status = run.ar_board_status()
        self.assertEqual(status["id"], run.id)
        self.assertEqual(status["errors"], 1)
        self.assertTrue(status["text"].startswith("Last run ended "), status["text"])
        self.assertTrue(status["text"].endswith(" with 1 error."), status["text"])

    def test_a_run_without_errors_says_so(self):
        self.brittle.email = False  # not payable as sent: a task to fix it, no failed message
        run = self._sweep()
        self.assertEqual(run.state, "done")
        self.assertEqual(run.error_count, 0)
        self.assertFalse(run.error_summary)
        self.assertTrue(run.ar_board_status()["text"].endswith(" without errors."))

    def test_progress_while_it_runs(self):
        run = self._sweep(batch_size=1, batches=1)
        self.assertFalse(run.finished_at, "more customers are left")
        self.assertEqual(run.state, "running")
        self.assertEqual(run.total, 4)
        self.assertEqual(run.evaluated, 1)
        self.assertAlmostEqual(run.progress, 25.0)
        self.assertEqual(
            run.ar_board_status()["text"], "Today's run is under way: 1 of 4 invoices evaluated."
        )

    def test_users_read_runs_but_never_edit_them(self):
        run = self._sweep()
        for user in (self.user_am, self.user_operator):
            as_user = run.with_user(user)
            self.assertEqual(as_user.error_count, 1, "an AR user reads the run")
            with self.assertRaises(AccessError):
                as_user.write({"evaluated": 0})
            with self.assertRaises(AccessError):
                as_user.unlink()
            with self.assertRaises(AccessError):
                as_user.create({"date": "2020-01-01"})
        menu = self.env.ref("ar_escalation_ladder.menu_ar_escalation_runs")
        self.assertEqual(menu.parent_id, self.env.ref("ar_escalation_ladder.menu_ar_escalation_root"))
        self.assertEqual(menu.action, self.env.ref("ar_escalation_ladder.ar_escalation_run_action"))


@tagged("post_install", "-at_install")
class TestRunHistoryTour(RunHistoryBook, HttpCase):
    def setUp(self):
        super().setUp()
        self._admin_works_in(self.company)

    def test_from_the_board_to_the_run_to_the_failed_invoice(self):
        self._sweep()
        self.start_tour(
            "/odoo/action-ar_escalation_ladder.account_move_action_ar_board",
            "ar_escalation_run_history",
            login="admin",
        )
