# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestDueMonthRule(ArEscalationCommon):
    """*Falls due in month*, the rule a seasonal payer's drafted track enters its reminder by."""

    def test_an_invoice_enters_by_the_month_it_falls_due_in(self):
        first_next = (self.today.replace(day=1) + timedelta(days=32)).replace(day=1)
        self.stage0.write(
            {
                "rule_mode": "all",
                "rule_ids": [
                    Command.clear(),
                    Command.create({"kind": "days_overdue", "min_value": -40, "use_max": True}),
                    Command.create({"kind": "due_month", "month": str(first_next.month)}),
                ],
            }
        )
        rule = self.stage0.rule_ids.filtered(lambda r: r.kind == "due_month")
        self.assertEqual(rule._prepare_policy_rule(), {"kind": "due_month", "month": first_next.month})
        self.assertEqual(rule.kind_settings, "month")
        in_month = self._invoice(self.customer, 500, due=first_next)
        month_before = self._invoice(self.customer_b, 500, due=first_next - timedelta(days=1))
        self._run(in_month | month_before)
        self.assertEqual(in_month.ar_stage_id, self.stage0)
        self.assertFalse(month_before.ar_stage_id)
        month = dict(rule._fields["month"]._description_selection(self.env))[str(first_next.month)]
        self.assertIn(f"falls due in {month}", in_month.ar_reason)
