# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import Form, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestSettings(ArEscalationCommon):
    """An administrator sets the pre-due window and the default cadence in Invoicing settings."""

    def test_pre_due_window_moves_the_preventive_stage_rule(self):
        rule = self.env.ref("ar_escalation_ladder.rule_preventive_due")
        settings = Form(self.env["res.config.settings"])
        self.assertEqual(settings.ar_predue_window_days, 7, "the shipped ladder reminds 7 days ahead")
        settings.ar_predue_window_days = 12
        settings.save().execute()
        self.assertEqual(rule.min_value, -12)
        # the engine sees it: a risky customer's invoice due in 10 days is now in the window
        policy, __ = self.env["ar.escalation.stage"]._get_policy(self.company)
        preventive = next(stage for stage in policy.stages if stage.sequence == 0)
        window = next(r for r in preventive.rules if r.kind == "days_overdue")
        self.assertEqual(window.min, -12)
        self.assertEqual(Form(self.env["res.config.settings"]).ar_predue_window_days, 12)

    def test_default_cadence_for_new_stages_and_applied_to_every_stage(self):
        settings = Form(self.env["res.config.settings"])
        settings.ar_default_cadence_days = 5
        settings.ar_default_cadence_max = 2
        config = settings.save()
        config.execute()
        stage = self.env["ar.escalation.stage"].create({"name": "Agency hand-over", "sequence": 9})
        self.assertEqual((stage.cadence_days, stage.cadence_max), (5, 2), "a new stage takes the default")
        self.assertEqual(self.stage1.cadence_days, 7, "existing stages keep their own cadence")
        config.action_ar_apply_default_cadence()
        stages = self.env["ar.escalation.stage"].search([])
        self.assertEqual(set(stages.mapped("cadence_days")), {5})
        self.assertEqual(set(stages.mapped("cadence_max")), {2})
