# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from unittest.mock import patch

import psycopg2
import psycopg2.errors

from odoo.tests import tagged
from odoo.tools import SQL

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestRunSafety(ArEscalationCommon):
    """Reruns repeat nothing; one bad record never spoils the batch."""

    def _customer_mail_count(self):
        """Emails queued for customers (recipients who are no user) from the cases."""
        to_customers = [
            ("model", "=", "ar.escalation.case"),
            ("message_type", "=", "comment"),
            ("recipient_ids.user_ids", "=", False),
        ]
        return self.env["mail.mail"].sudo().search_count(to_customers)  # sudo: the mail queue

    def _counts(self, moves):
        return (
            self.env["ar.escalation.event"].search_count([("move_id", "in", moves.ids)]),
            self.env["mail.activity"].search_count([("res_model", "=", "ar.escalation.case")]),
            self._customer_mail_count(),
        )

    def test_cron_twice_sends_nothing_twice(self):
        moves = self._invoice(self.customer, 100, 20) | self._invoice(self.customer_b, 100, 40)
        cron = self.env.ref("ar_escalation_ladder.ir_cron_ar_escalation")
        cron.method_direct_trigger()
        first = self._counts(moves)
        self.assertEqual(first[2], 2)
        cron.method_direct_trigger()
        self.assertEqual(self._counts(moves), first)
        # even when the day's sweep starts over
        self.env["ar.escalation.run"].sudo().search([]).unlink()  # sudo: runs are system records
        cron.method_direct_trigger()
        self.assertEqual(self._counts(moves), first)

    def test_the_database_refuses_a_duplicate_effect(self):
        move = self._invoice(self.customer, 100, 20)
        self._run(move)
        event = self._events(move, "external")
        again = self.env["ar.escalation.event"]._ar_log(
            [
                {
                    "kind": "external",
                    "move_id": move.id,
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "stage_id": event.stage_id.id,
                    "entry": event.entry,
                    "cycle": event.cycle,
                }
            ]
        )
        self.assertFalse(again, "same invoice, stage, kind, entry and cycle: not recorded twice")

    def test_sweep_takes_whole_customers_so_each_gets_one_message_per_stage(self):
        # two customers' invoices interleaved by id; batches of 2 invoices
        a1 = self._invoice(self.customer, 1000, 20)
        b1 = self._invoice(self.customer_b, 500, 20)
        a2 = self._invoice(self.customer, 800, 22)
        b2 = self._invoice(self.customer_b, 300, 25)
        a3 = self._invoice(self.customer, 100, 18)
        batches = 0
        while self.runner._cron_run(batch_size=2):
            batches += 1
        self.env.flush_all()
        self.assertEqual(batches, 2, "one batch per customer (3 invoices make a batch of their own)")
        for customer, moves in ((self.customer, a1 | a2 | a3), (self.customer_b, b1 | b2)):
            self.assertEqual(set(moves.mapped("ar_stage_id")), {self.stage2})
            mails = self._customer_mails(customer)
            self.assertEqual(len(mails), 1, f"{customer.name}: one message listing all its invoices")
            for move in moves:
                self.assertIn(move.name, mails.body)
        run = self.env["ar.escalation.run"].search([("date", "=", self.today)])
        self.assertEqual(run.evaluated, 5)
        self.assertTrue(run.finished_at)

    def test_a_concurrent_run_is_retried_not_reported_as_bad_data(self):
        move = self._invoice(self.customer, 100, 20)
        self._run(move)
        case = move.ar_case_id
        # what a second transaction opening the same case meets: the unique index
        with self.assertRaises(psycopg2.IntegrityError) as caught, self.env.cr.savepoint():
            self.env.cr.execute(
                SQL(
                    """INSERT INTO ar_escalation_case (name, partner_id, company_id, stage_id, kind,
                                                       state, owner_id)
                       VALUES ('dup', %s, %s, %s, %s, 'open', %s)""",
                    case.partner_id.id,
                    case.company_id.id,
                    case.stage_id.id,
                    case.kind,
                    case.owner_id.id,
                ),
                log_exceptions=False,  # expected: the test log stays free of ERROR records
            )
        self.assertTrue(self.runner._ar_is_concurrency_error(caught.exception))
        self.assertFalse(self.runner._ar_is_concurrency_error(ValueError("bad data")))
        # through the run: no error written on the invoice, the caller retries
        other = self._invoice(self.customer_b, 100, 20)
        with (
            patch.object(type(self.runner), "_ar_process", side_effect=caught.exception),
            self.assertRaises(psycopg2.errors.SerializationFailure),
        ):
            self.runner._ar_process_safely(other)
        self.assertFalse(other.ar_error)
        self.assertFalse(self._events(other, "error"))
        # the scheduled sweep keeps its place and asks to be called again at once
        with patch.object(type(self.runner), "_ar_process", side_effect=caught.exception):
            self.assertEqual(self.runner._cron_run(batch_size=10), 0)
        run = self.env["ar.escalation.run"].search([("date", "=", self.today)])
        self.assertEqual(run.cursor, 0, "the customers of the conflicting batch are taken again")
        self.assertFalse(self._events(other, "error"))
        while self.runner._cron_run(batch_size=10):
            pass
        self.env.flush_all()
        self.assertEqual(other.ar_stage_id, self.stage2, "the next call escalates them")

    def test_crash_midway_then_rerun_completes_everything_once(self):
        moves = self.env["account.move"]
        for i in range(6):
            moves |= self._invoice(self._customer(f"Crash {i}", email=f"c{i}@example.com"), 100, 20)

        def killed(delivery, stage, todo):
            # stages, cases, activities and events are written; the worker dies
            # while delivering: not an Exception, nothing in the run catches it
            self.assertTrue(self._events(moves, "stage"))
            raise KeyboardInterrupt("worker killed")

        delivery = type(self.env["ar.escalation.delivery"])
        with patch.object(delivery, "_ar_deliver", killed), self.assertRaises(KeyboardInterrupt):
            with self.env.cr.savepoint():  # the transaction a killed worker never commits
                self.runner._ar_process_safely(moves)
        self.env.invalidate_all()
        self.assertFalse(self._events(moves), "nothing of the killed run survives")
        self._run(moves)
        self._run(moves)
        for move in moves:
            self.assertEqual(len(self._events(move, "stage")), 1)
            self.assertEqual(len(self._events(move, "external")), 1)
            self.assertEqual(len(self._events(move, "activity")), 1)
        self.assertEqual(self._customer_mail_count(), 6)

    def test_message_recorded_by_another_run_meanwhile_retries_the_batch_and_sends_nothing(self):
        move = self._invoice(self.customer, 100, 20)
        mails_before = self._customer_mail_count()
        # another transaction records the same message between this run's
        # check and its insert: the check sees nothing, the insert falls short
        Event = type(self.env["ar.escalation.event"])
        original = Event._ar_log

        def record_meanwhile(events, vals_list, post=True):
            if any(vals.get("kind") == "external" for vals in vals_list):
                original(events.with_context(ar_run_events=None), vals_list, post=False)
            return original(events, vals_list, post=post)

        with (
            patch.object(Event, "_ar_log", record_meanwhile),
            self.assertRaises(psycopg2.errors.SerializationFailure),
        ):
            self.runner._ar_process_safely(move)
        self.assertEqual(self._customer_mail_count(), mails_before, "nothing queued twice")
        self.assertFalse(self._events(move, "error"), "not reported as bad data on the invoice")

    def test_broken_template_is_reported_on_its_invoices_and_the_rest_goes_on(self):
        good = self._invoice(self.customer, 100, 20)
        broken_stage_move = self._invoice(self.customer_b, 100, 40)
        self.stage3.mail_template_id.body_html = "<p><t t-out='object.no_such_field'/></p>"
        self._run()
        self.assertEqual(len(self._events(good, "external")), 1)
        self.assertEqual(broken_stage_move.ar_stage_id, self.stage3, "the stage change itself stands")
        error = self._events(broken_stage_move, "error")
        self.assertEqual(len(error), 1)
        self.assertIn("Message to the customer at Executive failed", error.reason)
        self.assertTrue(broken_stage_move.ar_error)
        self.assertFalse(
            self._events(broken_stage_move, "external"), "not recorded as sent: retried next run"
        )
        self.env.invalidate_all()
        self.assertEqual(good.ar_contact_attempts, 1, "the message that went out is counted")
        self.assertEqual(good.ar_last_contact_channel, "email")
        self.assertEqual(broken_stage_move.ar_contact_attempts, 0, "no message went out: none counted")
        self.assertFalse(broken_stage_move.ar_last_contact_date)
        self.assertFalse(broken_stage_move.ar_unanswered_since)

    def test_failing_invoice_is_isolated_in_its_own_savepoint(self):
        good = self._invoice(self.customer, 100, 20)
        bad = self._invoice(self.customer_b, 100, 20)
        facts_model = type(self.env["ar.escalation.facts"])
        original = facts_model._ar_hygiene_blockers

        def explode(facts, move, company, row=None):
            if move == bad:
                raise ValueError("corrupt partner data")
            return original(facts, move, company, row)

        with patch.object(facts_model, "_ar_hygiene_blockers", explode):
            self._run(good | bad)
        self.assertEqual(good.ar_stage_id, self.stage2)
        self.assertFalse(bad.ar_stage_id)
        self.assertIn("corrupt partner data", bad.ar_error)
        self.assertEqual(self._events(bad, "error").kind, "error")

    def _rerun_queries(self, moves):
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        self.runner._ar_process_safely(moves)
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def test_queries_per_batch_do_not_grow_with_the_batch(self):
        """An unchanged rerun reads and decides a batch with a fixed number of queries."""

        def book(n, tag):
            moves = self.env["account.move"]
            for i in range(n):
                partner = self._customer(f"{tag} {i}", email=f"{tag}{i}@example.com")
                moves |= self._invoice(partner, 100 + i, 5 + (i * 7) % 80)
            return moves

        small, large = book(3, "s"), book(30, "l")
        self._run(small | large)
        small_count = self._rerun_queries(small)
        self.assertLessEqual(small_count, 25)
        self.env.flush_all()
        self.env.invalidate_all()
        # ten times the invoices, not one query more
        with self.assertQueryCount(small_count):
            self.runner._ar_process_safely(large)
            self.env.flush_all()
