# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A rule kind added by an addon: a stage on the customer's tags, run as production runs it."""

import base64

import yaml

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.ar_escalation_ladder.engine import RULE_KINDS
from odoo.addons.ar_escalation_ladder.tests.common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestCustomerTaggedRule(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.watched = cls.env["res.partner.category"].create({"name": "Watch list"})
        cls.other_tag = cls.env["res.partner.category"].create({"name": "Retail"})
        cls.customer.category_id = [Command.set((cls.watched | cls.other_tag).ids)]
        # above Pre-default: a watched customer's overdue invoice goes to the AR lead at once
        cls.stage_watch = cls.env["ar.escalation.stage"].create(
            {
                "name": "Watch list",
                "sequence": 5,
                "rule_mode": "all",
                "owner_role": "ar_lead",
                "channel": "none",
                "rule_ids": [
                    Command.create({"kind": "customer_in_category", "category_ids": cls.watched.ids}),
                    Command.create({"kind": "days_overdue", "use_min": True, "min_value": 1}),
                ],
            }
        )

    def test_a_tagged_customers_invoice_enters_the_stage_and_its_reason_names_the_tag(self):
        tagged_move = self._invoice(self.customer, 1000, 5)
        plain_move = self._invoice(self.customer_b, 1000, 5)
        self._run(tagged_move | plain_move)
        self.assertEqual(tagged_move.ar_stage_id, self.stage_watch)
        self.assertEqual(plain_move.ar_stage_id, self.stage1, "no tag: Early, by its age alone")
        self.assertEqual(tagged_move.ar_reason, "5 days overdue; customer tagged Watch list")
        self.assertEqual(
            self._events(tagged_move, "stage").reason, "5 days overdue; customer tagged Watch list"
        )
        self.assertEqual(tagged_move.ar_case_id.owner_id, self.user_lead, "the stage's owner, the AR lead")

    def test_the_kind_is_offered_beside_the_ladders_own(self):
        kinds = dict(self.env["ar.escalation.rule"]._fields["kind"]._description_selection(self.env))
        self.assertEqual(kinds["customer_in_category"], "Customer tagged")
        self.assertEqual(set(kinds), set(RULE_KINDS), "the form offers what the engine knows")
        rule = self.stage_watch.rule_ids.filtered(lambda r: r.kind == "customer_in_category")
        self.assertEqual(rule.kind_settings, "category_ids", "its row shows the tags, no range or count")

    def test_a_rule_without_tags_is_refused_in_the_forms_words(self):
        rule = self.stage_watch.rule_ids.filtered(lambda r: r.kind == "customer_in_category")
        with self.assertRaises(ValidationError) as err:
            rule.category_ids = [Command.clear()]
        self.assertEqual(
            str(err.exception),
            "Stage “Watch list” (level 5), rule 1 (Customer tagged): "
            "“Customer tags” (category_ids) needs at least one value.",
        )

    def test_the_policy_file_carries_the_rule_there_and_back(self):
        wizard = self.env["ar.escalation.policy.wizard"].create({"file_format": "yaml"})
        text = wizard._ar_dump(wizard._ar_export_data())
        data = yaml.safe_load(text)
        watch = next(stage for stage in data["stages"] if stage["name"] == "Watch list")
        self.assertEqual(
            watch["rules"][0], {"kind": "customer_in_category", "category_ids": self.watched.ids}
        )
        self.assertEqual(watch["owner_role"], "ar_lead")
        watch["rules"][0]["category_ids"] = self.other_tag.ids
        raw = yaml.safe_dump(data, allow_unicode=True).encode()
        self.env["ar.escalation.policy.wizard"].create(
            {"file_format": "yaml", "file": base64.b64encode(raw), "filename": "ladder.yaml"}
        ).action_import()
        rule = self.stage_watch.rule_ids.filtered(lambda r: r.kind == "customer_in_category")
        self.assertEqual(rule.category_ids, self.other_tag)
        self.assertEqual(self.stage_watch.owner_role, "ar_lead")
