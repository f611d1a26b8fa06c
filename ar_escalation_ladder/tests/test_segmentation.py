# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Segments from behaviour on a real database: a planted book posted and paid in Odoo.

The book is the database-free tests' (tests/planted_book.py at the
repository's root): customers of five planted behaviours, two years of
invoices posted through the ORM and settled by journal entries reconciled on
the dates the book gives. The run reads them back in SQL and must recover the
groups (adjusted Rand index printed), flag the deteriorating customers while
their invoices are not due, log changes of segment on the customers, give a
clear reason for every customer it cannot segment, and keep the rule segments
and the early-risk flag when scikit-learn is missing.
"""

import builtins
import importlib.util
import logging
import sys
import unittest
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import ArEscalationCommon

_logger = logging.getLogger(__name__)
PLANTED = Path(__file__).resolve().parents[2] / "tests" / "planted_book.py"


def planted_module():
    """tests/planted_book.py of the repository (a plain module: loaded by path)."""
    if "ar_planted_book" not in sys.modules:
        if not PLANTED.exists():
            raise unittest.SkipTest(
                "tests/planted_book.py is not beside the addon (not a repository checkout)"
            )
        spec = importlib.util.spec_from_file_location("ar_planted_book", PLANTED)
        module = importlib.util.module_from_spec(spec)
        sys.modules["ar_planted_book"] = module
        spec.loader.exec_module(module)
    return sys.modules["ar_planted_book"]


def post_book(env, book, company_data):
    """The planted ``book`` as customers, posted invoices, settling entries, disputes and promises.

    Returns the customers in the book's order. Batched: one create and one
    post for all invoices, one for all settlements, one reconciliation plan.
    """
    Partner, Move = env["res.partner"], env["account.move"]
    partners = Partner.create(
        [
            {"name": c.name, "is_company": True, "email": f"ap{c.key}@planted.example.com"}
            for c in book.customers
        ]
    )
    pairs = [
        (partner, inv) for partner, c in zip(partners, book.customers, strict=True) for inv in c.invoices
    ]
    # created in chunks with fresh planner statistics after each: computing the
    # payment state of a thousand invoices against statistics of near-empty
    # tables gets a nested-loop plan (seen in CI: minutes per query)
    moves = Move.browse()
    for start in range(0, len(pairs), 200):
        moves |= Move.create([_invoice_vals(partner, inv) for partner, inv in pairs[start : start + 200]])
        env.flush_all()
        env.cr.execute("ANALYZE account_move, account_move_line, account_partial_reconcile")
    moves.action_post()
    paid = [(move, inv) for move, (__, inv) in zip(moves, pairs, strict=True) if inv.paid]
    receivable = {
        move.id: move.line_ids.filtered(lambda line: line.display_type == "payment_term") for move, __ in paid
    }
    bank_account = company_data["default_journal_bank"].default_account_id
    entries = Move.create(
        [
            {
                "move_type": "entry",
                "journal_id": company_data["default_journal_misc"].id,
                "date": inv.paid,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": receivable[move.id].account_id.id,
                            "partner_id": move.partner_id.id,
                            "credit": move.amount_total,
                            "name": "Settlement",
                        }
                    ),
                    Command.create(
                        {"account_id": bank_account.id, "debit": move.amount_total, "name": "Settlement"}
                    ),
                ],
            }
            for move, inv in paid
        ]
    )
    entries.action_post()
    # the settling entry's receivable line: the one on the invoice's receivable account
    plan = [
        receivable[move.id] | entry.line_ids.filtered("partner_id")
        for (move, __), entry in zip(paid, entries, strict=True)
    ]
    # the tables grew by thousands of rows in this transaction: without fresh
    # statistics the planner reads the payment-state query of a thousand
    # invoices with nested loops over them all (minutes instead of a second)
    env.flush_all()
    env.cr.execute("ANALYZE account_move, account_move_line, account_partial_reconcile")
    env["account.move.line"]._reconcile_plan(plan)
    _disputes_and_promises(env, book, partners, moves, pairs)
    return partners


def _invoice_vals(partner, inv):
    return {
        "move_type": "out_invoice",
        "partner_id": partner.id,
        "invoice_date": inv.issued,
        "date": inv.issued,
        "invoice_date_due": inv.due,
        "invoice_line_ids": [
            Command.create({"name": "Service", "quantity": 1, "price_unit": inv.amount, "tax_ids": []})
        ],
    }


def _disputes_and_promises(env, book, partners, moves, pairs):
    # sudo: disputes and promises are the ladder's records (its dialogs log them)
    disputed = [move for move, (__, inv) in zip(moves, pairs, strict=True) if inv.disputed]
    env["ar.escalation.dispute"].sudo().create(
        [{"move_id": m.id, "code": "pricing", "note": "Planted", "state": "resolved"} for m in disputed]
    )
    # the promises were made on the customer's open invoice (a promise is for what is open)
    open_move = {}
    for move, (partner, inv) in zip(moves, pairs, strict=True):
        if not inv.paid:
            open_move[partner.id] = move
    promises = []
    for partner, customer in zip(partners, book.customers, strict=True):
        move = open_move.get(partner.id)
        for __ in range(customer.broken_promises if move else 0):
            amount = round(move.amount_residual / 4, 2)
            line = {"date": move.invoice_date_due, "amount": amount, "state": "broken"}
            promises.append({"move_id": move.id, "line_ids": [Command.create(line)]})
    env["ar.escalation.promise"].sudo().create(promises)


@tagged("post_install", "-at_install")
class TestSegmentation(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        planted = planted_module()
        cls.book = planted.planted_book(per_group=12, seed=3, every_days=45, today=cls.today)
        cls.partners = post_book(cls.env, cls.book, cls.company_data)
        cls.company.ar_segment_min_size = 5
        cls.Segment = cls.env["ar.escalation.segment"]
        cls.manager = cls._user(
            "ar_seg_manager",
            "base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_manager",
        )

    def _group(self, name):
        return self.partners.filtered(
            lambda p: self.book.customers[self.partners.ids.index(p.id)].group == name
        )

    def test_the_run_recovers_the_planted_groups(self):
        summary = self.Segment._ar_segment_company(self.company)
        self.assertEqual(summary["status"], "segmented")
        found = [p.ar_segment_id.id or -1 for p in self.partners]
        ari = planted_module().adjusted_rand_index(self.book.groups(), found)
        _logger.info("planted book in Odoo: %s customers, ARI %.3f, %s", len(self.partners), ari, summary)
        self.assertGreaterEqual(ari, 0.8)
        names = {
            group: self._group(group)[:1].ar_segment_id.display_name for group in set(self.book.groups())
        }
        self.assertIn("worsening", names["deteriorating"])
        self.assertIn("frequent disputes", names["dispute_prone"])
        self.assertTrue(all(p.ar_segment_reason and p.ar_segment_date == self.today for p in self.partners))
        segment = self._group("chronic_late")[:1].ar_segment_id
        self.assertEqual(segment.kind, "behaviour")
        self.assertGreater(segment.avg_days_late, 25)
        self.assertEqual(segment.partner_count, 12)

    def test_the_deteriorating_are_flagged_before_their_invoices_fall_due(self):
        self.Segment._ar_segment_company(self.company)
        deteriorating = self._group("deteriorating")
        open_moves = self.env["account.move"].search(
            [("partner_id", "in", deteriorating.ids), ("payment_state", "=", "not_paid")]
        )
        self.assertTrue(open_moves)
        self.assertTrue(all(move.invoice_date_due > self.today for move in open_moves))
        self.assertGreaterEqual(len(deteriorating.filtered("ar_early_risk")), 11)
        self.assertLessEqual(len((self.partners - deteriorating).filtered("ar_early_risk")), 2)
        # the preventive stage counts it among the customer's risk signals
        flagged = deteriorating.filtered("ar_early_risk")[:1]
        history = self.env["res.partner"]._ar_history_batch(flagged.ids, self.company, self.today)
        self.assertTrue(history[flagged.id]["history"].early_risk)
        self.assertIn("current, but paying", flagged.ar_segment_reason)
        self.assertIn("current but deteriorating", flagged.ar_risk_signals)

    def test_a_change_of_segment_is_logged_on_the_customer_and_an_unchanged_one_is_not(self):
        self.Segment._ar_segment_company(self.company)
        customer = self.partners[0]
        first = customer.ar_segment_id
        logged = customer.message_ids.filtered(lambda m: "Behaviour segment" in (m.body or ""))
        self.assertEqual(len(logged), 1)
        self.assertIn(first.display_name, logged.body)
        self.Segment._ar_segment_company(self.company)
        self.assertEqual(customer.ar_segment_id, first, "the same behaviour keeps its segment record")
        self.assertEqual(
            len(customer.message_ids.filtered(lambda m: "Behaviour segment" in (m.body or ""))), 1
        )
        first.active = False  # an AR manager archives it: the next run makes a new one
        self.Segment._ar_segment_company(self.company)
        self.assertNotEqual(customer.ar_segment_id, first)
        self.assertEqual(
            len(customer.message_ids.filtered(lambda m: "Behaviour segment" in (m.body or ""))), 2
        )

    def test_customers_without_enough_history_get_the_reason_not_an_error(self):
        new = self._customer("New Customer Ltd", customer_rank=1)  # a customer, nothing invoiced yet
        single = self._customer("One Invoice Ltd")
        move = self._invoice(single, days_overdue=40)
        self._pay(move, date=self.today - timedelta(days=35))
        summary = self.Segment._ar_segment_company(self.company)
        self.assertEqual(summary["status"], "segmented")
        self.assertFalse(new.ar_segment_id)
        self.assertEqual(new.ar_segment_reason, "no invoices yet")
        self.assertFalse(single.ar_segment_id)
        self.assertEqual(single.ar_segment_reason, "1 invoice(s) with a known payment; segmenting needs 3")

    def test_a_small_or_uniform_book_is_unsegmented_with_the_reason(self):
        self.Segment._ar_segment_company(self.company)
        segments = self.partners.mapped("ar_segment_id")
        data = self.setup_other_company(name="Uniform Co")
        other = data["company"]
        book = planted_module().planted_book(per_group=6, seed=1, every_days=90, groups=("punctual",))
        post_book(self.env(context=dict(self.env.context, allowed_company_ids=[other.id])), book, data)
        summary = self.Segment._ar_segment_company(other)
        self.assertEqual(summary["status"], "unsegmented")
        self.assertEqual(summary["reason"][0]["code"], "too_few_customers")
        other.ar_segment_min_size = 2
        summary = self.Segment._ar_segment_company(other)
        self.assertEqual(summary["status"], "unsegmented")
        self.assertIn(summary["reason"][0]["code"], ("no_distinct_groups", "all_alike"))
        self.assertIn("no behaviour segments", other.ar_segment_last_run_text)
        # the first company's customers (shared, not invoiced in the other) keep their segments
        self.assertEqual(self.partners.mapped("ar_segment_id"), segments)
        self.assertTrue(all(self.partners.mapped("ar_segment_id")))

    def test_without_scikit_learn_it_says_unavailable_and_rule_segments_and_tracks_still_work(self):
        rule = self.Segment.create({"name": "Not overdue", "rule_aging_band": "current", "sequence": 1})
        self.env["ar.escalation.track.rule"].create(
            {
                "sequence": 1,
                "track_id": self.env.ref("ar_escalation_ladder.track_smb").id,
                "segment_id": rule.id,
            }
        )
        real_import = builtins.__import__

        def no_sklearn(name, *args, **kwargs):
            if name.split(".")[0] == "sklearn":
                raise ImportError(name)
            return real_import(name, *args, **kwargs)

        with patch.object(builtins, "__import__", no_sklearn):
            summary = self.Segment._ar_segment_company(self.company)
        self.assertEqual(summary["status"], "unavailable")
        self.assertIn("scikit-learn is not installed", self.company.ar_segment_last_run_text)
        self.assertFalse(self.Segment.search([("kind", "=", "behaviour")]))
        deteriorating = self._group("deteriorating")
        self.assertTrue(all(p.ar_rule_segment_id == rule for p in deteriorating))
        self.assertGreaterEqual(len(deteriorating.filtered("ar_early_risk")), 11)
        self.assertTrue(
            all(p.ar_track_id == self.env.ref("ar_escalation_ladder.track_smb") for p in deteriorating)
        )

    def test_segments_are_the_systems_and_rule_segments_the_managers(self):
        self.Segment._ar_segment_company(self.company)
        segment = self.partners[0].ar_segment_id
        user = self.user_operator
        self.assertTrue(segment.with_user(user).display_name)
        with self.assertRaises(AccessError):
            self.partners[0].with_user(self.manager).write({"ar_segment_id": False})
        with self.assertRaises(AccessError):
            self.partners[0].with_user(self.manager).write({"ar_early_risk": True})
        with self.assertRaises(AccessError):
            segment.with_user(self.manager).write({"traits": []})
        with self.assertRaises(AccessError):
            self.Segment.with_user(self.manager).create({"name": "Mine", "kind": "behaviour"})
        with self.assertRaises(AccessError):
            self.Segment.with_user(user).create({"name": "Key", "rule_account_tier": "key"})
        with self.assertRaises(AccessError):
            segment.with_user(self.manager).unlink()
        segment.with_user(self.manager).write({"active": False})  # archiving is theirs
        rule = self.Segment.with_user(self.manager).create({"name": "Key", "rule_account_tier": "key"})
        self.assertEqual(rule.kind, "rule")
        with self.assertRaises(ValidationError):
            self.Segment.with_user(self.manager).create({"name": "Nothing"})
        with self.assertRaises(AccessError):
            self.Segment.with_user(user).action_ar_segment_now()
        # as the list's header button calls it: with the selected segments' ids (none here)
        action = call_kw(self.Segment.with_user(self.manager), "action_ar_segment_now", [[]], {})
        self.assertEqual(action["params"]["type"], "success")

    def test_the_segment_settings_and_forms_as_an_ar_manager_uses_them(self):
        settings = Form(self.env["res.config.settings"])
        settings.ar_segment_min_size = 7
        settings.save().execute()
        self.assertEqual(self.company.ar_segment_min_size, 7)
        with Form(self.Segment.with_user(self.manager)) as form:
            form.name = "Key accounts over 60 days"
            form.rule_account_tier = "key"
            form.rule_aging_band = "61-90"
        rule = form.record
        self.assertEqual((rule.kind, rule.summary), ("rule", "61-90 days overdue, Key"))
        self.Segment._ar_segment_company(self.company)
        customer = Form(self.partners[0].with_user(self.user_operator))
        self.assertTrue(customer.ar_segment_id)
        self.assertTrue(customer.ar_segment_reason)
