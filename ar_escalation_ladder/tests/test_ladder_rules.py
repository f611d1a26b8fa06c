# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestLadderRules(ArEscalationCommon):
    """Each rule kind routes an invoice to the stage an AR team expects."""

    def test_days_overdue_ranges_route_to_default_stages(self):
        cases = {
            5: self.stage1,
            15: self.stage1,
            16: self.stage2,
            30: self.stage2,
            31: self.stage3,
            60: self.stage3,
            61: self.stage4,
            120: self.stage4,
        }
        moves = {days: self._invoice(self.customer, 100 + days, days) for days in cases}
        not_due = self._invoice(self.customer, 50, -3)
        self._run()
        for days, stage in cases.items():
            self.assertEqual(moves[days].ar_stage_id, stage, f"{days} days overdue")
        self.assertFalse(not_due.ar_stage_id, "not due and no risk signals: no stage")
        self.assertEqual(moves[31].ar_reason, "31 days overdue")

    def test_broken_promise_moves_invoice_to_managed_and_two_broken_to_executive(self):
        move = self._invoice(self.customer, 500, 5)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage1)
        move._ar_log_promise([(self.today, 200.0)])
        promise = move.ar_promise_ids
        # the promised date plus grace passes without payment
        promise.line_ids.sudo().date = self.today - timedelta(days=4)  # sudo: time passes
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        self.assertEqual(promise.state, "broken")
        self.assertEqual(move.ar_broken_promise_count, 1)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertIn("1 promise broken", move.ar_reason)
        # a second missed commitment from the same customer: executive stage
        other = self._invoice(self.customer, 300, 3)
        other._ar_log_promise([(self.today - timedelta(days=5), 300.0)])
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        self.assertEqual(other.ar_stage_id, self.stage3)
        self.assertIn("2 promises broken by the customer", other.ar_reason)
        self.assertEqual(self.customer.ar_promises_broken, 2)

    def test_amount_rules_invoice_and_customer_total_in_company_currency(self):
        self.stage3.rule_ids = [
            Command.create({"kind": "amount_residual", "use_min": True, "min_value": 10000}),
        ]
        self.stage2.rule_ids = [
            Command.create({"kind": "customer_overdue", "use_min": True, "min_value": 5000}),
        ]
        big = self._invoice(self.customer, 12000, 3)
        small = self._invoice(self.customer_b, 3000, 3)
        small_b = self._invoice(self.customer_b, 2500, 4)
        lone = self._invoice(self._customer("Gamma", email="g@example.com"), 900, 4)
        self._run()
        self.assertEqual(big.ar_stage_id, self.stage3, "invoice residual above 10,000")
        self.assertIn("12,000.00 open on the invoice", big.ar_reason)
        self.assertEqual(small.ar_stage_id, self.stage2, "customer total overdue 5,500 >= 5,000")
        self.assertEqual(small_b.ar_stage_id, self.stage2)
        self.assertEqual(lone.ar_stage_id, self.stage1)

    def test_foreign_currency_amount_is_compared_in_company_currency(self):
        other_currency = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        self.stage3.rule_ids = [
            Command.create({"kind": "amount_residual", "use_min": True, "min_value": 10000}),
        ]
        # 15,000 EUR at 2 EUR per company unit = 7,500 in company currency: below the threshold
        move = self._invoice(self.customer, 15000, 3, currency=other_currency)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage1)
        self.assertAlmostEqual(move.ar_stage_residual, 7500.0)

    def test_over_credit_limit_open_dispute_and_tier_rules(self):
        self.env["res.config.settings"].create({"account_use_credit_limit": True}).execute()
        self.stage2.write(
            {
                "rule_ids": [
                    Command.create({"kind": "over_credit_limit"}),
                    Command.create({"kind": "account_tier", "tier_strategic": True}),
                ]
            }
        )
        self.stage3.rule_ids = [Command.create({"kind": "open_dispute"})]
        limited = self._customer("Limited Ltd", email="a@limited.example.com")
        limited.with_company(self.company).write({"credit_limit": 1000, "use_partner_credit_limit": True})
        strategic = self._customer("Strategic SA", "strategic", "ap@strategic.example.com")
        over = self._invoice(limited, 1500, 2)
        strat = self._invoice(strategic, 100, 2)
        disputed = self._invoice(self.customer, 100, 2)
        disputed._ar_log_dispute("pricing", "Unit price differs from the quote")
        self._run()
        self.assertEqual(over.ar_stage_id, self.stage2)
        self.assertIn("over credit limit", over.ar_reason)
        self.assertEqual(strat.ar_stage_id, self.stage2)
        self.assertIn("strategic account", strat.ar_reason)
        self.assertEqual(disputed.ar_stage_id, self.stage3)
        self.assertIn("open dispute", disputed.ar_reason)

    def test_all_mode_requires_every_rule(self):
        self.stage2.write(
            {
                "rule_mode": "all",
                "rule_ids": [
                    Command.clear(),
                    Command.create({"kind": "days_overdue", "use_min": True, "min_value": 5}),
                    Command.create({"kind": "account_tier", "tier_key": True}),
                ],
            }
        )
        key = self._invoice(self.customer_b, 100, 6)
        std = self._invoice(self.customer, 100, 6)
        self._run()
        self.assertEqual(key.ar_stage_id, self.stage2)
        self.assertEqual(std.ar_stage_id, self.stage1)

    def test_preventive_stage_needs_due_soon_and_two_risk_signals(self):
        risky = self._customer("Risky Co", email="r@risky.example.com")
        # history: paid 20 days late, and a broken promise on another invoice
        late = self._invoice(risky, 100, 40)
        self._pay(late, date=self.today - timedelta(days=20))
        other = self._invoice(risky, 100, 2)
        other._ar_log_promise([(self.today - timedelta(days=10), 100.0)])
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        upcoming = self._invoice(risky, 700, -5)
        calm = self._invoice(self.customer, 700, -5)
        self._run(upcoming | calm)
        self.assertEqual(upcoming.ar_stage_id, self.stage0)
        self.assertIn("due in 5 days", upcoming.ar_reason)
        self.assertIn("2 risk signals (pays late on average, broke a promise before)", upcoming.ar_reason)
        self.assertFalse(calm.ar_stage_id)
        self.assertEqual(risky.ar_risk_signal_count, 2)

    def test_days_without_response_to_executive_outreach(self):
        move = self._invoice(self.customer, 800, 35)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage3)
        self.assertTrue(move.ar_unanswered_since)
        # eleven days later, still no answer
        move.sudo().ar_unanswered_since = {"3": str(self.today - timedelta(days=11))}  # sudo: time passes
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage4)
        self.assertIn("no response for 11 days", move.ar_reason)
        # a customer reply resets the clock
        other = self._invoice(self.customer_b, 800, 35)
        self._run(other)
        other.message_post(body="We pay next week", message_type="email", author_id=self.customer_b.id)
        self.assertFalse(other.ar_unanswered_since)

    def test_escalation_only_moves_up_on_its_own(self):
        move = self._invoice(self.customer, 500, 20)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        # the due date is corrected to later: the rules now say Early, the invoice stays Managed
        move.invoice_date_due = self.today - timedelta(days=3)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertIn("held at Managed", move.ar_reason)
        # an AR manager may move it down, with a reason
        with self.assertRaises(ValueError):
            move._ar_override(self.stage1, "  ")
        move._ar_override(self.stage1, "Due date corrected after credit note")
        self.assertEqual(move.ar_stage_id, self.stage1)
        override = self._events(move, "override")
        self.assertEqual(override.from_stage_id, self.stage2)
        self.assertEqual(override.reason, "Due date corrected after credit note")
        self.assertIn("Due date corrected", override.message_id.body)

    def test_invalid_rule_is_refused_naming_stage_and_rule(self):
        with self.assertRaises(ValidationError) as err:
            self.stage2.rule_ids[0].write(
                {"use_min": True, "min_value": 40, "use_max": True, "max_value": 20}
            )
        self.assertEqual(
            str(err.exception),
            "Stage “Managed” (level 2), rule 1 (Days overdue): "
            "The range of days overdue starts at 40 but ends at 20.",
        )
