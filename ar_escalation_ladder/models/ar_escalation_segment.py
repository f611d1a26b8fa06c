# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer segments: from how customers actually pay (behaviour) or by rules."""

from odoo import fields, models

SEGMENT_KINDS = [("behaviour", "From payment behaviour"), ("rule", "By rule")]


class ArEscalationSegment(models.Model):
    _name = "ar.escalation.segment"
    _description = "AR escalation customer segment"
    _order = "kind, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(SEGMENT_KINDS, required=True, default="rule", readonly=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    traits = fields.Json(readonly=True, help="What distinguishes the segment, as phrase codes.")
    profile = fields.Json(readonly=True, help="The segment's average behaviour figures.")
    run_date = fields.Datetime("Computed on", readonly=True)
