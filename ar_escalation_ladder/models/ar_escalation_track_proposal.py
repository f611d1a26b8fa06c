# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Drafted tracks: a segment no assignment rule places gets a track proposed from its behaviour.

:meth:`ArEscalationTrack._ar_propose_for_segments` drafts the tracks
(engine/proposal.py: the default track's stages adjusted to the segment's
profile, a choice per decision with its reasons as codes); an AR manager
approves it, then activates it, which creates the segment's assignment rule
and moves its customers (README "Drafted tracks"). Until then its customers
stay on their current track: only an active track takes customers.
"""

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..engine import load_policy
from ..engine.proposal import ASPECTS, CHECK, SEASONAL, Choice, engine_stage, propose
from .ar_escalation_track_words import ChoiceWords

MANAGER_GROUP = "ar_escalation_ladder.group_ar_manager"
# the stage fields a drafted stage takes from the engine's draft (the rest is the base stage's)
DRAFTED_FIELDS = (
    "sequence",
    "rule_mode",
    "channel",
    "cadence_days",
    "cadence_max",
    "pause_on_promise",
    "tone",
    "owner_role",
    "owner_task",
    "sla_hours",
    "sla_same_business_day",
)


class ArEscalationTrackChoice(models.Model):
    _name = "ar.escalation.track.choice"
    _description = "AR escalation drafted track: a choice and why"
    _order = "track_id, sequence, id"

    track_id = fields.Many2one("ar.escalation.track", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    aspect = fields.Selection(
        [
            ("track", "Track"),
            ("stage", "New stage"),
            ("timing", "Timing"),
            ("rules", "Entry rules"),
            ("tone", "Tone"),
            ("channel", "Channel"),
            ("cadence", "Cadence"),
            ("promise", "Promises"),
            ("owner", "Owner"),
        ],
        required=True,
    )
    stage_id = fields.Many2one("ar.escalation.stage", ondelete="set null")
    stage_level = fields.Integer(related="stage_id.sequence", string="Level")
    stage_name = fields.Char(related="stage_id.name", string="Stage name")
    data = fields.Json(help="The choice as the engine made it: its decision and reasons, as codes.")
    what = fields.Char("Choice", compute="_compute_text")
    why = fields.Char(compute="_compute_text")

    @api.depends("data")
    @api.depends_context("lang")
    def _compute_text(self):
        words = {}  # the reasons' amounts in the track's company's currency
        for choice in self:
            if not choice.data:
                choice.what = choice.why = ""
                continue
            company = choice.track_id.company_id or self.env.company
            if company not in words:
                words[company] = ChoiceWords(self.env, company.currency_id)
            engine_choice = Choice.from_json(choice.data)
            choice.what = words[company].phrase(engine_choice.decision)
            choice.why = words[company].join([words[company].phrase(p) for p in engine_choice.because])


class ArEscalationTrack(models.Model):
    _inherit = "ar.escalation.track"

    choice_ids = fields.One2many("ar.escalation.track.choice", "track_id", "Why this draft", readonly=True)
    proposal_profile = fields.Json(
        "Segment profile when drafted", readonly=True, copy=False, help="What the draft was computed from."
    )
    approved_by_id = fields.Many2one("res.users", "Approved by", readonly=True, copy=False)
    approved_date = fields.Datetime("Approved on", readonly=True, copy=False)
    activated_by_id = fields.Many2one("res.users", "Activated by", readonly=True, copy=False)
    activated_date = fields.Datetime("Activated on", readonly=True, copy=False)
    assignment_rule_id = fields.Many2one(
        "ar.escalation.track.rule",
        "Assignment rule",
        readonly=True,
        copy=False,
        help="The rule its activation created: the segment's customers go to this track.",
    )
    # what a reviewer weighs before approving: how many customers the activation moves
    segment_partner_count = fields.Integer(
        "Customers in the segment",
        related="segment_id.partner_count",
        help="The customers the segment holds: activating the track moves them to it.",
    )

    # ------------------------------------------------------------------
    # the workflow: draft -> approved -> active, by an AR manager
    # ------------------------------------------------------------------
    def _ar_check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(self.env._("Approving or activating a track is for AR managers."))

    def _ar_check_state(self, state, action):
        wrong = self.filtered(lambda track: track.state != state)
        if wrong:
            states = dict(self._fields["state"]._description_selection(self.env))
            raise UserError(
                self.env._(
                    "%(action)s: %(tracks)s is not %(state)s.",
                    action=action,
                    tracks=", ".join(wrong.mapped("name")),
                    state=states[state],
                )
            )

    def action_ar_approve(self):
        self._ar_check_manager()
        self._ar_check_state("draft", self.env._("Approve"))
        self.write(
            {"state": "approved", "approved_by_id": self.env.uid, "approved_date": fields.Datetime.now()}
        )
        for track in self:
            track._message_log(
                body=self.env._(
                    "Drafted track approved by %s. Its customers stay on their current track until "
                    "it is activated.",
                    self.env.user.name,
                )
            )
        return True

    def action_ar_back_to_draft(self):
        self._ar_check_manager()
        self._ar_check_state("approved", self.env._("Back to draft"))
        self.write({"state": "draft", "approved_by_id": False, "approved_date": False})
        for track in self:
            track._message_log(
                body=self.env._("Approval withdrawn by %s: the track is a draft again.", self.env.user.name)
            )
        return True

    def action_ar_activate(self):
        """Live: the segment's assignment rule is created and its customers move to the track."""
        self._ar_check_manager()
        self._ar_check_state("approved", self.env._("Activate"))
        self.write(
            {"state": "active", "activated_by_id": self.env.uid, "activated_date": fields.Datetime.now()}
        )
        with_segment = self.filtered("segment_id")
        with_segment._ar_create_assignment_rules()
        moved = with_segment._ar_move_segment_customers()
        for track in self:
            track._message_log(body=track._ar_activation_text(moved.get(track.id, 0)))
        return True

    def _ar_activation_text(self, count):
        _ = self.env._
        if not self.segment_id:
            return _("Track activated by %s.", self.env.user.name)
        return _(
            "Track activated by %(user)s: customers of segment %(segment)s are now placed on it by an "
            "assignment rule (%(count)s moved).",
            user=self.env.user.name,
            segment=self.segment_id.display_name,
            count=count,
        )

    def _ar_create_assignment_rules(self):
        """One rule per track, *segment -> track*, after the rules there are (they keep their priority)."""
        Rule = self.env["ar.escalation.track.rule"]
        last = Rule.with_context(active_test=False).search([], order="sequence desc", limit=1)
        sequence = (last.sequence or 0) + 10
        vals_list = []
        for track in self:
            company = track.company_id or track.segment_id.company_id or self.env.company
            vals_list.append(
                {
                    "sequence": sequence,
                    "track_id": track.id,
                    "segment_id": track.segment_id.id,
                    "company_id": company.id,
                }
            )
            sequence += 10
        rules = Rule.create(vals_list)
        for track, rule in zip(self, rules, strict=True):
            track.assignment_rule_id = rule
        return rules

    def _ar_move_segment_customers(self):
        """The segments' customers placed again by the rules (logged on each); moved counts by track."""
        segments = self.segment_id
        partners = self.env["res.partner"].search(
            ["|", ("ar_segment_id", "in", segments.ids), ("ar_rule_segment_id", "in", segments.ids)]
        )
        partners._ar_assign_tracks()
        data = self.env["res.partner"]._read_group(
            [("id", "in", partners.ids), ("ar_track_id", "in", self.ids)], ["ar_track_id"], ["__count"]
        )
        return {track.id: count for track, count in data}

    # ------------------------------------------------------------------
    # drafting
    # ------------------------------------------------------------------
    @api.model
    def _ar_unplaced_segments(self, segments):
        """The active segments with a profile that no assignment rule places and no draft waits for."""
        placed = self.env["ar.escalation.track.rule"].search([("segment_id", "in", segments.ids)]).segment_id
        drafted = (
            self.with_context(active_test=False)
            .search([("segment_id", "in", segments.ids), ("state", "in", ("draft", "approved"))])
            .segment_id
        )
        return segments.filtered(lambda s: s.active and s.profile and s not in placed and s not in drafted)

    @api.model
    def _ar_propose_for_segments(self, segments):
        """Draft a track for each of ``segments`` that no assignment rule places (the segmentation
        run and the segment's *Draft a track* call this); returns the drafted tracks."""
        segments = self._ar_unplaced_segments(segments)
        base = self._ar_default_track()
        if not segments or not base:
            return self.browse()
        base_stages = base.stage_ids.sorted("sequence")
        stage_dicts = [stage._ar_proposal_stage() for stage in base_stages]
        vals_list, proposals = [], []
        for segment in segments:
            named = {phrase.code for phrase in segment._ar_traits()} if segment.traits else None
            proposal = propose(dict(segment.profile), stage_dicts, base.name, named=named)
            proposals.append(proposal)
            vals_list.append(self._ar_draft_vals(segment, proposal, base_stages))
        tracks = self.create(vals_list)
        self.env["ar.escalation.track.choice"].create(
            [
                vals
                for track, proposal in zip(tracks, proposals, strict=True)
                for vals in track._ar_choice_vals(proposal)
            ]
        )
        for track in tracks:
            track._message_log(
                body=self.env._(
                    "Track drafted from the behaviour of segment %s: review the choices and approve it.",
                    track.segment_id.display_name,
                )
            )
        return tracks

    @api.model
    def _ar_draft_vals(self, segment, proposal, base_stages):
        by_level = {stage.sequence: stage for stage in base_stages}
        first = base_stages[:1]
        return {
            "name": self.env._("Track: %s", segment.display_name),
            "state": "draft",
            "segment_id": segment.id,
            "company_id": segment.company_id.id,
            "proposal_profile": segment.profile,
            "sequence": 100,
            "stage_ids": [
                Command.create(self._ar_drafted_stage_vals(stage, by_level.get(stage["origin"], first)))
                for stage in proposal.stages
            ],
        }

    @api.model
    def _ar_drafted_stage_vals(self, stage, base):
        """A drafted stage's values: the base stage's (copied), the draft's settings and rules over them."""
        vals = base.copy_data()[0] if base else {}
        vals.pop("track_id", None)
        vals.update({key: stage[key] for key in DRAFTED_FIELDS if key in stage})
        rules = load_policy({"stages": [engine_stage(stage)]}).stages[0].rules
        Rule = self.env["ar.escalation.rule"]
        vals["rule_ids"] = [Command.create(Rule._prepare_rule_vals(rule)) for rule in rules]
        _ = self.env._
        if stage["origin"] == CHECK:
            vals["name"] = _("Invoice check")
            vals["description"] = _(
                "Internal: the account manager checks the invoice is payable as sent (reference, "
                "delivery, price) before the first reminder goes to the customer."
            )
        elif stage["origin"] == SEASONAL:
            vals["name"] = _("Seasonal reminder")
            vals["description"] = _("A reminder ahead of the month this customer usually pays latest in.")
        return vals

    def _ar_choice_vals(self, proposal):
        self.ensure_one()
        stages = {stage.sequence: stage.id for stage in self.stage_ids}
        return [
            {
                "track_id": self.id,
                "sequence": index,
                "aspect": choice.aspect if choice.aspect in ASPECTS else "track",
                "stage_id": stages.get(choice.stage, False),
                "data": choice.to_json(),
            }
            for index, choice in enumerate(proposal.choices)
        ]


class ArEscalationStage(models.Model):
    _inherit = "ar.escalation.stage"

    def _ar_proposal_stage(self):
        """The stage as the proposal reads it: the policy's part and the case's (tone, owner, SLA)."""
        self.ensure_one()
        return {
            **self._prepare_policy_stage(),
            **self._prepare_case_stage(),
            "tone": self.tone,
            "owner_task": self.owner_task,
        }


class ArEscalationSegment(models.Model):
    _inherit = "ar.escalation.segment"

    def action_ar_draft_track(self):
        """*Draft a track*: the segment's drafted track (a new one, or the one waiting for review)."""
        self.ensure_one()
        Track = self.env["ar.escalation.track"]
        Track._ar_check_manager()
        track = Track._ar_propose_for_segments(self) or Track.search(
            [("segment_id", "=", self.id), ("state", "in", ("draft", "approved"))], order="id desc", limit=1
        )
        if not track:
            raise UserError(self._ar_no_draft_reason())
        return {
            "type": "ir.actions.act_window",
            "res_model": "ar.escalation.track",
            "res_id": track.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def _ar_no_draft_reason(self):
        rule = self.env["ar.escalation.track.rule"].search([("segment_id", "=", self.id)], limit=1)
        if rule:
            return self.env._(
                "An assignment rule already places segment %(segment)s on track %(track)s.",
                segment=self.display_name,
                track=rule.track_id.display_name,
            )
        return self.env._("Segment %s has no behaviour profile to draft a track from.", self.display_name)
