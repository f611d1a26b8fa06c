# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The README's permission rows 25-27 (tracks, a customer's track, approving a message), over JSON-RPC."""

from odoo.tests import tagged

from .test_permissions import ArRolesCommon

USER_ERROR = "odoo.exceptions.UserError"


@tagged("post_install", "-at_install")
class TestTrackPermissions(ArRolesCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smb = cls.env.ref("ar_escalation_ladder.track_smb")
        cls.strategic = cls.env.ref("ar_escalation_ladder.track_strategic")

    def test_row_25_tracks_rules_and_segments_are_configured_by_managers(self):
        for model in ("ar.escalation.track", "ar.escalation.track.rule", "ar.escalation.segment"):
            for user in (self.ar_user, self.ar_manager, self.admin):
                self.assertAllowed(user, model, "search_read", [], ["display_name"])
            self.assertRefused(self.billing, model, "search_read", [], ["display_name"])
        self.assertRefused(self.ar_user, "ar.escalation.track", "create", [{"name": "Mine"}])
        self.assertRefused(self.ar_user, "ar.escalation.track", "write", self.smb.ids, {"name": "Renamed"})
        for user in (self.ar_manager, self.admin):
            self.assertAllowed(user, "ar.escalation.track", "create", [{"name": f"Track of {user.login}"}])
        rule = {"company_id": self.company.id, "track_id": self.smb.id, "account_tier": "small"}
        self.assertRefused(self.ar_user, "ar.escalation.track.rule", "create", [rule])
        self.assertAllowed(self.ar_manager, "ar.escalation.track.rule", "create", [rule])

    def test_row_26_a_customers_track_is_set_by_managers_and_logged(self):
        for user in (self.ar_user, self.billing):
            self.assertRefused(user, "res.partner", "write", self.customer.ids, {"ar_track_id": self.smb.id})
        self.assertFalse(self.customer.ar_track_id)
        # the AR user's form shows the track the ladder uses: nobody placed it, so the default
        [shown] = self.assertAllowed(
            self.ar_user, "res.partner", "read", self.customer.ids, ["ar_effective_track_id"]
        )
        default = self.env["ar.escalation.track"]._ar_default_track()
        self.assertEqual(shown["ar_effective_track_id"], [default.id, default.display_name])
        self.assertAllowed(
            self.ar_manager, "res.partner", "write", self.customer.ids, {"ar_track_id": self.smb.id}
        )
        self.assertEqual(self.customer.ar_track_id, self.smb)
        self.assertTrue(self.customer.ar_track_manual)
        logged = self.customer.message_ids.filtered(lambda m: "Escalation track" in (m.body or ""))
        self.assertTrue(logged, "the change is a line on the customer's chatter")
        self.assertRefused(self.ar_user, "res.partner", "action_ar_follow_track_rules", self.customer.ids)
        self.assertAllowed(self.admin, "res.partner", "action_ar_follow_track_rules", self.customer.ids)
        self.assertFalse(self.customer.ar_track_manual, "back to the rules")

    def test_row_27_approving_a_message_is_the_account_managers_or_a_managers(self):
        self.customer_b.ar_track_id = self.strategic
        move = self._invoice(self.customer_b, 4000, 15)
        self.runner._ar_process_safely(move)
        case = move.ar_case_id
        self.assertTrue(case.needs_approval)
        self.assertRefused(self.billing, "ar.escalation.case", "action_approve_message", case.ids)
        self.assertRefused(
            self.user_lead, "ar.escalation.case", "action_approve_message", case.ids, error=USER_ERROR
        )
        self.assertFalse(case.message_approved_at)
        # the AR user is the customer's account manager (and the case's owner at this stage)
        self.assertAllowed(self.ar_user, "ar.escalation.case", "action_approve_message", case.ids)
        self.assertEqual(case.message_approved_by_id, self.ar_user)
        self.assertRefused(
            self.ar_manager, "ar.escalation.case", "action_approve_message", case.ids, error=USER_ERROR
        )  # approved already: nothing waits
        self.assertRefused(
            self.ar_user, "ar.escalation.case", "write", case.ids, {"message_approved_at": False}
        )
