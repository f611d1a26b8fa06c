# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Daily cost proportional to change (issue 16): each open invoice carries the day its decision can
next change; the daily sweep takes only the customers with an invoice due, and what changes a fact
(a payment, a promise, a dispute, an override, a customer's track, a policy edit) makes it due."""

from datetime import datetime, time, timedelta

from odoo.tests import freeze_time, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestNextCheck(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.umbrella = cls._customer("Umbrella Retail", "standard", "ap@umbrella.example.com")
        cls.late = cls._invoice(cls.customer, 1000.0, 20)
        cls.later = cls._invoice(cls.customer_b, 900.0, 40)
        cls.current = cls._invoice(cls.umbrella, 500.0, -12)
        cls.book = cls.late | cls.later | cls.current

    def _sweep(self):
        """The scheduled action's calls for the day (the pending invoices first, then the sweep)."""
        while self.runner._cron_run():
            pass
        self.env.flush_all()
        self.env.invalidate_all()
        return self.env["ar.escalation.run"].search([], limit=1)

    def _on(self, day):
        return freeze_time(datetime.combine(day, time(6, 0)))

    def _taken(self, day):
        """The invoices the daily sweep of ``day`` takes (from the start of the book)."""
        with self._on(day):
            ids, __ = self.runner._select_batch(0, 1000)
        return self.env["account.move"].browse(ids) & self.book

    def _first_sweep(self):
        # the fixtures' settings count as a policy edit, made before this first run: stamped a
        # second earlier, else a run started in the same second (stamps are whole seconds)
        # would see them as made during it and take the whole book again the next day
        companies = self.env["res.company"].search([("ar_policy_changed_at", "!=", False)])
        for company in companies:
            company.ar_policy_changed_at -= timedelta(seconds=2)
        self._sweep()
        for move in self.book:
            self.assertGreater(move.ar_next_check, self.today, f"{move.name}: checked again later")
        return min(self.book.mapped("ar_next_check"))

    def test_a_quiet_day_evaluates_nothing_and_the_day_of_a_change_evaluates_the_customer(self):
        first = self._first_sweep()
        quiet = first - timedelta(days=1)
        self.assertGreater(quiet, self.today, "the first change is at least two days away")
        written = {move.id: move.write_date for move in self.book}
        # the decisions' events (a case's roll-up when its SLA passes is the case's, not a decision)
        decided = [("move_id", "in", self.book.ids), ("kind", "in", ("stage", "external", "error"))]
        events = self.env["ar.escalation.event"].search_count(decided)
        with self._on(quiet):
            run = self._sweep()
        self.assertEqual(run.date, quiet)
        self.assertEqual(run.evaluated, 0, "no invoice is due on a quiet day")
        self.assertEqual({move.id: move.write_date for move in self.book}, written, "none is written")
        self.assertEqual(self.env["ar.escalation.event"].search_count(decided), events)
        due = self.book.filtered(lambda m: m.ar_next_check == first)
        self.assertEqual(self._taken(first), due, "on its day, the invoice whose decision may change")

    def test_a_customer_with_one_invoice_due_is_evaluated_whole(self):
        self._first_sweep()
        sibling = self._invoice(self.customer, 300.0, 2)  # never evaluated: due at once
        self.assertFalse(sibling.ar_next_check)
        self.book |= sibling
        taken = self._taken(self.today + timedelta(days=1))
        self.assertIn(self.late, taken, "its customer's other open invoice comes with it")
        self.assertNotIn(self.current, taken)

    def test_facts_that_change_make_the_invoice_due(self):
        self._first_sweep()
        tomorrow = self.today + timedelta(days=1)
        self.assertNotIn(self.current, self._taken(tomorrow))
        self.current._ar_log_promise([(self.today + timedelta(days=5), 500.0)])
        self.assertFalse(self.current.ar_next_check, "a promise makes it due")
        self.assertIn(self.current, self._taken(tomorrow))
        self._sweep()  # the pending run evaluates it again: its next check is back
        self.assertGreater(self.current.ar_next_check, self.today)

        self.later._ar_log_dispute("pricing", "Price differs from the quote")
        self.assertFalse(self.later.ar_next_check, "a dispute makes it due")
        self._sweep()
        self.assertGreater(self.later.ar_next_check, self.today)

        self._pay(self.late, 400.0)
        self.assertFalse(self.late.ar_next_check, "a payment makes it due")
        self._sweep()
        self.assertGreater(self.late.ar_next_check, self.today)

        self.late._ar_override(self.stage3, "Customer asked for the CFO")
        self.assertFalse(self.late.ar_next_check, "a stage set by hand makes it due")
        self.assertIn(self.late, self._taken(tomorrow))

        self.umbrella.ar_account_tier = "key"
        self.assertFalse(self.current.ar_next_check, "a change to its customer makes it due")

    def test_a_policy_edit_makes_every_open_invoice_of_the_company_due_the_next_day(self):
        self._first_sweep()
        tomorrow = self.today + timedelta(days=1)
        self.assertNotIn(self.current, self._taken(tomorrow))
        self.stage1.rule_ids[:1].write({"min_value": self.stage1.rule_ids[:1].min_value})
        self.assertTrue(self.company.ar_policy_changed_at)
        self.assertTrue(self.current.ar_next_check, "no invoice is written for it")
        self.assertEqual(self._taken(tomorrow), self.book, "the next day's sweep takes them all")
        with self._on(tomorrow):
            self._sweep()
        # that sweep evaluated them with the policy as it is now: the day after, the usual
        after = tomorrow + timedelta(days=1)
        self.assertEqual(self._taken(after), self.book.filtered(lambda m: m.ar_next_check <= after))
