# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from ..models.ar_escalation_access import ladder_context
from .common import ArEscalationCommon

# behaviour segments and a customer's segment are the segmentation run's to write
SEGMENT_RUN = ladder_context()


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


class ProposalCommon(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Track = cls.env["ar.escalation.track"]
        cls.default_track = cls.Track._ar_default_track()
        groups = "base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_manager"
        cls.manager = cls._user("ar_proposal_manager", groups, name="Maya Manager")
        # a segment of chronic late payers: 24 days late on average
        cls.segment = (
            cls.env["ar.escalation.segment"]
            .with_context(**SEGMENT_RUN)
            .create(
                {
                    "name": "Chronic late payers",
                    "kind": "behaviour",
                    "company_id": cls.company.id,
                    "profile": {
                        "avg_days_late": 24.0,
                        "spread_days_late": 5.0,
                        "trend_days": 1.0,
                        "seasonality": 0.1,
                        "peak_month": None,
                        "avg_invoice": 3000.0,
                        "tenure_months": 40.0,
                        "dispute_rate": 0.0,
                        "broken_promise_rate": 0.0,
                        "early_share": 0.0,
                        "size": 1,
                    },
                }
            )
        )
        cls.customer.with_context(**SEGMENT_RUN).ar_segment_id = cls.segment

    def _segment(self, name, profile, traits=None):
        """A behaviour segment as the segmentation run writes it."""
        vals = {"name": name, "kind": "behaviour", "company_id": self.company.id, "profile": profile}
        if traits:
            vals["traits"] = traits
        return self.env["ar.escalation.segment"].with_context(**SEGMENT_RUN).create(vals)

    def _draft(self):
        track = self.Track._ar_propose_for_segments(self.segment)
        self.assertEqual(len(track), 1)
        return track

    def _track_of(self, partner):
        return partner._ar_effective_track()[partner.id]

    def _log(self, track):
        return [message.body for message in track.message_ids.sorted("id")]


@tagged("post_install", "-at_install")
class TestTrackProposal(ProposalCommon):
    def test_a_draft_is_the_default_track_adjusted_with_its_reasons_worded(self):
        track = self._draft()
        self.assertEqual((track.state, track.segment_id), ("draft", self.segment))
        self.assertEqual(track.stage_ids.mapped("sequence"), self.default_track.stage_ids.mapped("sequence"))
        self.assertNotIn(track.stage_ids, self.default_track.stage_ids, "copies, not the default's stages")
        preventive = track.stage_ids.filtered(lambda s: s.sequence == 0)
        days = preventive.rule_ids.filtered(lambda r: r.kind == "days_overdue")
        self.assertEqual(days.min_value, -14.0, "chronic late payers: the pre-due reminder 14 days ahead")
        self.assertEqual(preventive.mail_template_id, self.stage0.mail_template_id, "the rest is copied")
        timing = track.choice_ids.filtered(lambda c: c.aspect == "timing" and c.stage_id == preventive)
        self.assertEqual(timing.what, "first reminder 14 days before the due date (was 7 days)")
        self.assertEqual(timing.why, "pays 24 days late on average")
        self.assertIn("stages copied from", track.choice_ids[0].what)
        self.assertFalse(self.Track._ar_propose_for_segments(self.segment), "a draft waits: not another")

    def test_a_draft_does_not_move_customers(self):
        move = self._invoice(self.customer, 900, 12)
        track = self._draft()
        self.customer._ar_assign_tracks()
        self.assertEqual(self._track_of(self.customer), self.default_track)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage1, "12 days overdue: Early, on the default track")
        track.with_user(self.manager).action_ar_approve()
        self.customer._ar_assign_tracks()
        self._run(move)
        self.assertEqual(self._track_of(self.customer), self.default_track, "approved is not live yet")
        self.assertEqual(move.ar_stage_id, self.stage1)

    def test_activating_moves_the_segments_customers_onto_the_new_timing(self):
        move = self._invoice(self.customer, 900, 12)
        other = self._invoice(self.customer_b, 900, 12)  # not of the segment
        self._run(move | other)
        track = self._draft()
        track.with_user(self.manager).action_ar_approve()
        track.with_user(self.manager).action_ar_activate()
        self.assertEqual(track.state, "active")
        rule = track.assignment_rule_id
        self.assertEqual((rule.segment_id, rule.track_id), (self.segment, track))
        self.assertEqual(self.customer.ar_track_id, track)
        self.assertEqual(self._track_of(self.customer_b), self.default_track)
        self._run(move | other)
        # the drafted track's Managed starts at 12 days (3/4 of 16): the invoice is there
        self.assertEqual(move.ar_stage_id.track_id, track)
        self.assertEqual((move.ar_stage_id.sequence, move.ar_stage_id.name), (2, "Managed"))
        self.assertEqual(other.ar_stage_id, self.stage1, "the other customer keeps the default's timing")
        self.assertFalse(self.Track._ar_propose_for_segments(self.segment), "a rule places it now")

    def test_an_ar_user_reads_a_draft_but_cannot_approve_or_activate_it(self):
        track = self._draft()
        as_user = track.with_user(self.user_operator)
        self.assertTrue(as_user.choice_ids.mapped("why"))
        with self.assertRaises(AccessError):
            as_user.action_ar_approve()
        track.with_user(self.manager).action_ar_approve()
        with self.assertRaises(AccessError):
            as_user.action_ar_activate()
        self.assertEqual(track.state, "approved")

    def test_each_step_is_logged_on_the_tracks_chatter(self):
        track = self._draft()
        track.with_user(self.manager).action_ar_approve()
        track.with_user(self.manager).action_ar_back_to_draft()
        track.with_user(self.manager).action_ar_approve()
        track.with_user(self.manager).action_ar_activate()
        log = "\n".join(str(body) for body in self._log(track))
        self.assertIn("Track drafted from the behaviour of segment Chronic late payers", log)
        self.assertIn("Drafted track approved by Maya Manager", log)
        self.assertIn("Approval withdrawn by Maya Manager", log)
        self.assertIn("Track activated by Maya Manager", log)
        self.assertIn("(1 moved)", log)
        self.assertEqual(track.activated_by_id, self.manager)
        with self.assertRaises(UserError):
            track.with_user(self.manager).action_ar_approve()  # active already

    def test_a_seasonal_dispute_prone_segment_gets_an_invoice_check_then_a_seasonal_reminder(self):
        profile = {**self.segment.profile, "avg_days_late": 5.0, "dispute_rate": 0.3}
        segment = (
            self.env["ar.escalation.segment"]
            .with_context(**SEGMENT_RUN)
            .create(
                {
                    "name": "Seasonal disputers",
                    "kind": "behaviour",
                    "company_id": self.company.id,
                    "profile": {**profile, "seasonality": 0.6, "peak_month": 8},
                }
            )
        )
        track = self.Track._ar_propose_for_segments(segment)
        stages = track.stage_ids.sorted("sequence")
        self.assertEqual(stages.mapped("sequence"), list(range(7)))
        check, seasonal = stages[0], stages[1]
        self.assertEqual(
            (check.name, check.channel, check.owner_role), ("Invoice check", "none", "account_manager")
        )
        self.assertTrue(check.owner_task)
        self.assertEqual(seasonal.name, "Seasonal reminder")
        self.assertEqual(seasonal.rule_mode, "all")
        month_rule = seasonal.rule_ids.filtered(lambda r: r.kind == "due_month")
        self.assertEqual(month_rule.month, "8")
        self.assertEqual(stages[2].name, self.stage0.name, "then the default track's stages")
        stage_choices = track.choice_ids.filtered(lambda c: c.aspect == "stage")
        self.assertEqual(stage_choices.stage_id, check | seasonal)
        self.assertIn("before any message", stage_choices.filtered(lambda c: c.stage_id == check).what)
        month = dict(month_rule._fields["month"]._description_selection(self.env))["8"]
        self.assertEqual(
            stage_choices.filtered(lambda c: c.stage_id == seasonal).why,
            f"pays latest in {month} (seasonality 60%)",
        )

    def test_a_draft_for_another_companys_segment_is_read_in_that_company_only(self):
        other = self.env["res.company"].create({"name": "Other Co"})
        segment = (
            self.env["ar.escalation.segment"]
            .with_context(**SEGMENT_RUN)
            .create(
                {
                    "name": "Theirs",
                    "kind": "behaviour",
                    "company_id": other.id,
                    "profile": self.segment.profile,
                }
            )
        )
        track = self.Track._ar_propose_for_segments(segment)
        self.assertEqual(track.company_id, other)
        Choice = self.env["ar.escalation.track.choice"].with_user(self.user_operator)
        self.assertFalse(Choice.search([("track_id", "=", track.id)]))
        self.assertTrue(Choice.search([("track_id", "=", self._draft().id)]))

    def test_a_segment_named_by_its_disputes_only_gets_no_seasonal_reminder(self):
        profile = {**self.segment.profile, "avg_days_late": 12.0, "dispute_rate": 0.38}
        segment = self._segment(
            "Disputes",
            {**profile, "seasonality": 0.41, "peak_month": 8},
            traits=[{"code": "pays_late", "days": 12}, {"code": "disputes", "share": 38}],
        )
        track = self.Track._ar_propose_for_segments(segment)
        self.assertEqual(track.stage_ids.sorted("sequence")[0].name, "Invoice check")
        self.assertNotIn("Seasonal reminder", track.stage_ids.mapped("name"), "its name says no season")

    def test_an_archived_segment_gets_no_draft(self):
        self.segment.with_context(**SEGMENT_RUN).active = False
        self.assertFalse(self.Track._ar_propose_for_segments(self.segment))

    def test_draft_a_track_from_the_segment(self):
        action = self.segment.with_user(self.manager).action_ar_draft_track()
        track = self.Track.browse(action["res_id"])
        self.assertEqual(track.segment_id, self.segment)
        again = self.segment.with_user(self.manager).action_ar_draft_track()
        self.assertEqual(again["res_id"], track.id, "the draft waiting for review, not a second one")
        placed = self.env["ar.escalation.segment"].create(
            {"name": "Placed", "kind": "rule", "rule_account_tier": "key", "profile": {}}
        )
        self.env["ar.escalation.track.rule"].create(
            {"segment_id": placed.id, "track_id": self.default_track.id}
        )
        with self.assertRaises(UserError):
            placed.with_user(self.manager).action_ar_draft_track()
        with self.assertRaises(AccessError):
            self.segment.with_user(self.user_operator).action_ar_draft_track()


@tagged("post_install", "-at_install")
class TestTrackProposalTour(ProposalCommon, HttpCase):
    def test_an_ar_manager_approves_and_activates_a_drafted_track(self):
        self._admin_works_in(self.company)
        self.env.ref("base.user_admin").groups_id |= self.env.ref("ar_escalation_ladder.group_ar_manager")
        track = self._draft()
        self.start_tour(
            "/odoo/action-ar_escalation_ladder.ar_escalation_track_proposal_action",
            "ar_escalation_approve_drafted_track",
            login="admin",
        )
        self.assertEqual(track.state, "active")
        self.assertEqual(track.approved_by_id, self.env.ref("base.user_admin"))
        self.assertEqual(self.customer.ar_track_id, track)

    def test_an_ar_manager_drafts_a_track_from_the_segment(self):
        self._admin_works_in(self.company)
        self.env.ref("base.user_admin").groups_id |= self.env.ref("ar_escalation_ladder.group_ar_manager")
        self.start_tour(
            f"/odoo/action-ar_escalation_ladder.ar_escalation_segment_action/{self.segment.id}",
            "ar_escalation_draft_track_from_segment",
            login="admin",
        )
        track = self.Track.search([("segment_id", "=", self.segment.id)])
        self.assertEqual((len(track), track.state), (1, "draft"), "drafted, not live")
        self.assertEqual(self._track_of(self.customer), self.default_track)
