# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Escalation tracks: more than one ladder, each customer on exactly one.

A track holds its own stages (timings, tones, channels, cadence, owners).
Which track a customer is on is set by hand on the customer or by the
assignment rules (``ar.escalation.track.rule``) in order; a customer no rule
places is on the default track. A track drafted from a segment's behaviour
(models/ar_escalation_track_proposal.py) goes live only once an AR manager
approved and activated it: only active tracks take customers.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

TRACK_STATES = [("draft", "Draft"), ("approved", "Approved"), ("active", "Active")]


class ArEscalationTrack(models.Model):
    _name = "ar.escalation.track"
    _description = "AR escalation track"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    color = fields.Integer()
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        "res.company", help="Empty: the track is offered to every company.", index=True
    )
    is_default = fields.Boolean(
        "Default track",
        tracking=True,
        help="Customers that neither a person nor an assignment rule placed on a track are on this one.",
    )
    state = fields.Selection(TRACK_STATES, default="active", required=True, tracking=True, copy=False)
    stage_ids = fields.One2many("ar.escalation.stage", "track_id", "Stages", copy=True)
    external_approval = fields.Boolean(
        "Customer messages need approval",
        help="A customer on this track hears from us only once the account manager approved "
        "the stage's message on the escalation (Approve message).",
    )
    segment_id = fields.Many2one(
        "ar.escalation.segment",
        "Drafted for segment",
        readonly=True,
        copy=False,
        help="The customer segment whose behaviour this track was drafted from.",
    )
    partner_ids = fields.One2many("res.partner", "ar_track_id", "Customers")
    partner_count = fields.Integer("Customers on the track", compute="_compute_partner_count")
    stage_count = fields.Integer("Number of stages", compute="_compute_stage_count")

    def _ar_customers_domain(self):
        """The customers on this track: placed on it, or (the default track) placed on none."""
        self.ensure_one()
        if self.is_default:
            nobody = [
                "&",
                "&",
                ("ar_track_id", "=", False),
                ("customer_rank", ">", 0),
                ("parent_id", "=", False),
            ]
            return ["|", ("ar_track_id", "=", self.id), *nobody]
        return [("ar_track_id", "=", self.id)]

    def _compute_partner_count(self):
        data = self.env["res.partner"]._read_group(
            [("ar_track_id", "in", self.ids)], ["ar_track_id"], ["__count"]
        )
        counts = {track.id: count for track, count in data}
        for track in self:
            track.partner_count = counts.get(track.id, 0)
            if track.is_default:  # a customer nobody placed is on the default track
                track.partner_count += self.env["res.partner"].search_count(
                    [("ar_track_id", "=", False), ("customer_rank", ">", 0), ("parent_id", "=", False)]
                )

    @api.depends("stage_ids")
    def _compute_stage_count(self):
        for track in self:
            track.stage_count = len(track.stage_ids)

    @api.constrains("is_default", "active", "state", "company_id")
    def _check_default(self):
        for track in self.filtered("is_default"):
            if not track.active or track.state != "active":
                raise ValidationError(self.env._("The default track must be active."))
            others = self.search_count([("is_default", "=", True), ("id", "!=", track.id)])
            if others:
                raise ValidationError(
                    self.env._("Only one track can be the default: %s is the default already.", track.name)
                )

    @api.model
    def _ar_default_track(self):
        """The track of customers nobody placed; the shipped one when none is marked (a bare database)."""
        track = self.search([("is_default", "=", True)], limit=1)
        return track or self.env.ref("ar_escalation_ladder.track_default", raise_if_not_found=False) or self

    def action_open_customers(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Customers on %s", self.name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": self._ar_customers_domain(),
        }

    def action_open_stages(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Stages of %s", self.name),
            "res_model": "ar.escalation.stage",
            "view_mode": "list,form",
            "domain": [("track_id", "=", self.id)],
            "context": {"default_track_id": self.id},
        }
