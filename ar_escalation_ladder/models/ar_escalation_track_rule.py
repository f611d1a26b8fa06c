# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Assignment rules: which track a customer is on, by tier, segment and amount, in order."""

from odoo import api, fields, models

from ..engine.vocabulary import ACCOUNT_TIER_SELECTION


class ArEscalationTrackRule(models.Model):
    _name = "ar.escalation.track.rule"
    _description = "AR escalation track assignment rule"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, required=True, index=True
    )
    track_id = fields.Many2one(
        "ar.escalation.track",
        "Put on track",
        required=True,
        ondelete="cascade",
        domain=[("state", "=", "active")],
    )
    account_tier = fields.Selection(ACCOUNT_TIER_SELECTION, help="Empty: any tier.")
    segment_id = fields.Many2one("ar.escalation.segment", ondelete="cascade", help="Empty: any segment.")
    min_overdue_amount = fields.Monetary(
        "Overdue at least",
        currency_field="currency_id",
        help="The customer's overdue amount, in the company's currency. Zero: any amount.",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")

    def _ar_matches(self, partner, overdue):
        """Whether this rule places ``partner`` (with ``overdue`` in company currency)."""
        self.ensure_one()
        if self.account_tier and partner.ar_account_tier != self.account_tier:
            return False
        if self.segment_id and self.segment_id not in (partner.ar_segment_id | partner.ar_rule_segment_id):
            return False
        return not self.min_overdue_amount or overdue >= self.min_overdue_amount

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        self.env["res.partner"]._ar_mark_tracks_due(rules.company_id)
        return rules

    def write(self, vals):
        companies = self.company_id
        res = super().write(vals)
        self.env["res.partner"]._ar_mark_tracks_due(companies | self.company_id)
        return res

    def unlink(self):
        companies = self.company_id
        res = super().unlink()
        self.env["res.partner"]._ar_mark_tracks_due(companies)
        return res
