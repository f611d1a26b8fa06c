# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Extension points (issue 14): the roll-up chain is each company's configuration; the rule
kinds a stage offers are the engine's."""

from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..engine import RULE_KINDS
from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestRollupChain(ArEscalationCommon):
    def _step(self, from_role, company=None):
        steps = (company or self.company).ar_rollup_step_ids
        return steps.filtered(lambda step: step.from_role == from_role)

    def _miss_the_sla(self, case):
        self.env["ar.escalation.case"]._cron_rollup(case.sla_deadline + timedelta(minutes=1))

    def test_a_company_starts_with_the_shipped_chain(self):
        chain = {step.from_role: step.to_role for step in self.company.ar_rollup_step_ids}
        self.assertEqual(
            chain,
            {
                "ar_operator": "ar_lead",
                "account_manager": "ar_lead",
                "ar_lead": "finance_lead",
                "finance_lead": "cfo",
            },
        )
        self.assertFalse(self.company._ar_next_owner_role("cfo"), "the CFO is the end of the chain")
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(
            settings.ar_rollup_chain,
            "AR operator → AR lead; Account manager → AR lead; AR lead → Finance lead; Finance lead → CFO",
        )

    def test_changing_the_chain_changes_who_a_missed_sla_goes_to(self):
        self._step("account_manager").to_role = "finance_lead"
        move = self._invoice(self.customer, 100, 5)
        self._run(move)
        case = move.ar_case_id
        self.assertEqual(case.owner_id, self.user_am, "Early: the account manager")
        self._miss_the_sla(case)
        self.assertEqual(case.owner_id, self.user_finance, "the chain now says: to the finance lead")
        self.assertIn(
            "rolled up from Adam Account-Manager to Fred Finance", self._events(move, "rollup").reason
        )
        # the finance lead made the end of the chain: the escalation stays with Fred
        self._step("finance_lead").unlink()
        self._miss_the_sla(case)
        self.assertEqual(case.owner_id, self.user_finance)
        self.assertEqual(len(self._events(move, "rollup")), 1, "no roll-up past the end of the chain")

    def test_an_owner_missing_for_a_role_is_passed_along_the_companys_chain(self):
        self.company.ar_lead_user_id = False
        self._step("account_manager").to_role = "ar_lead"
        self._step("ar_lead").to_role = "cfo"
        move = self._invoice(self.customer, 100, 5)
        self._run(move)
        self._miss_the_sla(move.ar_case_id)
        self.assertEqual(move.ar_case_id.owner_id, self.user_cfo, "no AR lead: on to whom the AR lead's go")

    def test_a_chain_that_goes_round_is_refused_in_words(self):
        with self.assertRaises(ValidationError) as err:
            self._step("finance_lead").to_role = "ar_lead"
        self.assertIn("goes round in a circle: AR lead → Finance lead → AR lead", str(err.exception))

    def test_each_company_has_its_own_chain(self):
        other = self.setup_other_company()["company"]
        self.assertEqual(other._ar_next_owner_role("ar_lead"), "finance_lead", "a new company's start")
        self._step("ar_lead", other).to_role = "cfo"
        self.assertEqual(other._ar_next_owner_role("ar_lead"), "cfo")
        self.assertEqual(self.company._ar_next_owner_role("ar_lead"), "finance_lead", "untouched")

    def test_an_ar_manager_edits_the_chain_from_settings(self):
        action = (
            self.env["res.config.settings"].with_company(self.company).create({}).action_ar_rollup_chain()
        )
        self.assertEqual(action["domain"], [("company_id", "=", self.company.id)])
        users = {}
        for login, group in (("ar_chain_manager", "group_ar_manager"), ("ar_chain_user", "group_ar_user")):
            users[group] = new_test_user(
                self.env,
                login,
                groups=f"base.group_user,ar_escalation_ladder.{group}",
                company_id=self.company.id,
                company_ids=[Command.set(self.company.ids)],
            )
        Step = self.env["ar.escalation.rollup.step"].with_context(**action["context"])
        manager_steps = Step.with_user(users["group_ar_manager"])
        manager_steps.browse(self._step("ar_operator").id).unlink()
        manager_steps.create({"from_role": "ar_operator", "to_role": "account_manager"})
        self.assertEqual(self.company._ar_next_owner_role("ar_operator"), "account_manager")
        with self.assertRaises(AccessError):
            Step.with_user(users["group_ar_user"]).browse(self._step("ar_lead").id).to_role = "cfo"


@tagged("post_install", "-at_install")
class TestRuleKinds(ArEscalationCommon):
    def test_the_stage_form_offers_the_engines_kinds(self):
        kinds = dict(self.env["ar.escalation.rule"]._fields["kind"]._description_selection(self.env))
        self.assertEqual(set(kinds), set(RULE_KINDS))
        self.assertEqual(kinds["days_no_response"], "Days without customer response")

    def test_a_rules_row_shows_the_settings_of_its_kind(self):
        Rule = self.env["ar.escalation.rule"]
        shown = {kind: Rule.new({"kind": kind}).kind_settings for kind in RULE_KINDS}
        self.assertEqual(shown["days_overdue"], "range")
        self.assertEqual(shown["customer_overdue"], "range")
        self.assertEqual(shown["broken_promises"], "count scope")
        self.assertEqual(shown["days_no_response"], "count since_stage")
        self.assertEqual(shown["account_tier"], "tiers")
        self.assertEqual(shown["open_dispute"], "none")
