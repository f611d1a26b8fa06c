# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tracks: each customer on one ladder, with that ladder's timing, tone, channels and owners."""

import base64
import json
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestTracks(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.standard = cls.env.ref("ar_escalation_ladder.track_default")
        cls.smb = cls.env.ref("ar_escalation_ladder.track_smb")
        cls.strategic = cls.env.ref("ar_escalation_ladder.track_strategic")
        cls.nudge = cls.env.ref("ar_escalation_ladder.stage_smb_nudge")
        cls.reminder = cls.env.ref("ar_escalation_ladder.stage_smb_reminder")
        cls.letter = cls.env.ref("ar_escalation_ladder.stage_strategic_letter")
        cls.shop = cls._customer("Corner Shop", "small", "till@shop.example.com")
        cls.shop.ar_track_id = cls.smb

    def _activities(self, moves):
        return self.env["mail.activity"].search(
            [("res_model", "=", "ar.escalation.case"), ("res_id", "in", moves.ar_case_id.ids)]
        )

    def test_same_age_each_customer_gets_its_tracks_timing_and_tone(self):
        standard_inv = self._invoice(self.customer, 1000, 3)
        smb_inv = self._invoice(self.shop, 1000, 3)
        self._run()
        self.assertEqual(standard_inv.ar_stage_id, self.stage1, "3 days overdue on Standard: Early")
        self.assertEqual(smb_inv.ar_stage_id, self.nudge, "3 days overdue on SMB automated: Nudge")
        self.assertEqual(smb_inv.ar_track_id, self.smb)
        standard_mail = self._customer_mails(self.customer)
        smb_mail = self._customer_mails(self.shop)
        self.assertIn(
            "can you confirm the payment date?", standard_mail.subject, "Early's collaborative tone"
        )
        self.assertIn("friendly reminder", smb_mail.subject, "the Nudge's polite tone")
        self.assertTrue(self._activities(standard_inv), "Standard's Early asks the account manager to act")
        self.assertFalse(self._activities(smb_inv), "no person is asked to act on an SMB nudge")
        self.assertFalse(smb_inv.ar_case_id.sla_deadline, "nor is there an SLA to miss")
        self.assertFalse(self._events(smb_inv, "activity"), "no internal escalation recorded")

        # a week later (10 days overdue): Standard repeats Early's reminder, SMB moves on
        self.runner._ar_process_safely(standard_inv | smb_inv, today=self.today + timedelta(days=7))
        self.env.flush_all()
        self.assertEqual(standard_inv.ar_stage_id, self.stage1, "still Early at 10 days")
        self.assertEqual(standard_inv.ar_contact_attempts, 2, "Early repeats every 7 days")
        self.assertEqual(smb_inv.ar_stage_id, self.reminder, "SMB's Reminder starts at day 8")
        self.assertEqual(len(self._customer_mails(self.shop)), 2)

    def test_strategic_customers_hear_from_us_only_once_the_account_manager_approved(self):
        self.customer_b.ar_track_id = self.strategic
        move = self._invoice(self.customer_b, 5000, 15)
        self._run()
        self.assertEqual(move.ar_stage_id, self.letter)
        self.assertFalse(self._customer_mails(self.customer_b), "nothing goes before the approval")
        case = move.ar_case_id
        self.assertTrue(case.needs_approval)
        with self.assertRaises(UserError):
            case.with_user(self.user_lead).action_approve_message()  # not the account manager
        case.with_user(self.user_am).action_approve_message()
        self.assertEqual(case.message_approved_by_id, self.user_am)
        approved = self._events(move, "approved")
        self.assertEqual(len(approved), 1)
        self.assertIn("Adam Account-Manager", approved.reason)
        self.assertTrue(self.env["ar.escalation.pending"].search([("move_id", "=", move.id)]))
        self._run()
        self.assertEqual(len(self._customer_mails(self.customer_b)), 1, "the approved message goes")
        self._run()
        self.assertEqual(len(self._customer_mails(self.customer_b)), 1, "and only once")

    def test_a_change_of_track_is_logged_and_reevaluates_the_invoices(self):
        move = self._invoice(self.customer, 1000, 20)
        self._run()
        self.assertEqual(move.ar_stage_id, self.stage2, "20 days on Standard: Managed")
        self.customer.ar_track_id = self.smb
        self.assertTrue(self.customer.ar_track_manual)
        line = self.customer.message_ids.filtered(lambda m: "Escalation track" in (m.body or ""))[:1]
        self.assertIn("Standard ladder → SMB automated (set by hand)", line.body)
        self.assertTrue(self.env["ar.escalation.pending"].search([("move_id", "=", move.id)]))
        self._run()
        self.assertEqual(move.ar_stage_id, self.reminder, "20 days on SMB automated: Reminder")
        entry = self._events(move, "stage").sorted("id")[-1]
        self.assertEqual((entry.from_stage_id, entry.to_stage_id), (self.stage2, self.reminder))

    def test_assignment_rules_place_customers_in_order_and_log_it(self):
        big = self._customer("Mega Corp", "strategic", "ap@mega.example.com")
        self._invoice(big, 9000, 5)
        self.assertFalse(big.ar_track_id, "no rule yet: the default track")
        shipped = self.env.ref("ar_escalation_ladder.track_rule_strategic").sudo()
        self.assertFalse(shipped.active, "the shipped rules are off until an AR manager turns them on")
        rule = self.env["ar.escalation.track.rule"].create(
            {"company_id": self.company.id, "account_tier": "strategic", "track_id": self.strategic.id}
        )
        self.assertEqual(big.ar_track_id, self.strategic)
        self.assertFalse(big.ar_track_manual)
        line = big.message_ids.filtered(lambda m: "Escalation track" in (m.body or ""))[:1]
        self.assertIn("(assignment rules)", line.body)
        self.assertEqual(self.shop.ar_track_id, self.smb, "a track set by hand stays")
        rule.active = False
        self.assertFalse(big.ar_track_id, "back on the default track")

    def test_only_ar_managers_set_a_customers_track(self):
        with self.assertRaises(AccessError):
            self.customer.with_user(self.user_operator).write({"ar_track_id": self.smb.id})
        self.assertFalse(self.customer.ar_track_id)

    def test_policy_export_and_import_are_per_track(self):
        wizard = self.env["ar.escalation.policy.wizard"].create(
            {"file_format": "json", "track_id": self.smb.id}
        )
        data = wizard._ar_export_data()
        self.assertEqual(data["track"]["name"], "SMB automated")
        self.assertEqual([s["name"] for s in data["stages"]], ["Nudge", "Reminder", "Managed"])
        data["stages"][0]["cadence_days"] = 2
        wizard.file = base64.b64encode(json.dumps(data).encode())
        wizard.action_import()
        self.assertEqual(self.nudge.cadence_days, 2)
        self.assertEqual(len(self.smb.stage_ids), 3)
        self.assertEqual(self.stage0.track_id, self.standard, "the Standard track is untouched")
        self.assertTrue(self.stage0.active)

    def test_the_board_shows_a_tracks_stages_when_filtered_by_it(self):
        Move = self.env["account.move"]
        stages = Move._read_group_ar_stage_ids(
            self.env["ar.escalation.stage"], [("ar_track_id", "=", self.smb.id)]
        )
        self.assertEqual(stages.mapped("name"), ["Nudge", "Reminder", "Managed"])
        every = Move._read_group_ar_stage_ids(self.env["ar.escalation.stage"], [])
        self.assertEqual(every[:5].track_id, self.standard, "the default track's columns first")
        self.assertEqual(self.nudge.display_name, "SMB automated: Nudge")
