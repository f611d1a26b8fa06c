# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Customer segments: from how customers actually pay (behaviour) or by rules.

A behaviour segment is the segmentation run's (ar_escalation_segment_run.py):
its traits and profile are computed, its name is worded from its traits in the
reader's language; people may archive it or reorder it, nothing else. A rule
segment is an AR manager's: conditions on the aging band of the customer's
oldest open invoice, its account tier and its average invoice value.
"""

from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..engine.segment_rules import AGING_BAND_SELECTION, RuleSegment
from ..engine.vocabulary import ACCOUNT_TIER_SELECTION
from .ar_escalation_access import is_ladder_write
from .ar_escalation_segment_words import segment_text

SEGMENT_KINDS = [("behaviour", "From payment behaviour"), ("rule", "By rule")]
# what people may change on a behaviour segment (the rest is the run's)
BEHAVIOUR_EDITABLE = frozenset({"active", "sequence"})
RULE_CONDITIONS = ("rule_aging_band", "rule_account_tier", "rule_min_invoice", "rule_max_invoice")


class ArEscalationSegment(models.Model):
    _name = "ar.escalation.segment"
    _description = "AR escalation customer segment"
    _order = "kind, sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(SEGMENT_KINDS, required=True, default="rule", readonly=True)
    company_id = fields.Many2one("res.company", default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    traits = fields.Json(readonly=True, help="What distinguishes the segment, as phrase codes.")
    profile = fields.Json(readonly=True, help="The segment's average behaviour figures.")
    run_date = fields.Datetime("Computed on", readonly=True)
    summary = fields.Char("What sets it apart", compute="_compute_summary")
    partner_count = fields.Integer("Customers", compute="_compute_partner_count")
    # a rule segment's conditions (each optional, all must hold)
    rule_aging_band = fields.Selection(
        AGING_BAND_SELECTION, "Aging band", help="The age of the customer's oldest open invoice."
    )
    rule_account_tier = fields.Selection(ACCOUNT_TIER_SELECTION, "Account tier")
    rule_min_invoice = fields.Monetary("Average invoice from", currency_field="currency_id")
    rule_max_invoice = fields.Monetary("Average invoice up to", currency_field="currency_id")
    # a behaviour segment's profile, as figures a person reads
    avg_days_late = fields.Float("Average days late", compute="_compute_profile_figures", digits=(16, 1))
    spread_days_late = fields.Float("Spread (days)", compute="_compute_profile_figures", digits=(16, 1))
    trend_days = fields.Float(
        "Trend (days)",
        compute="_compute_profile_figures",
        digits=(16, 1),
        help="Days late over the last six months minus before: positive is worsening.",
    )
    seasonality = fields.Float("Seasonality (%)", compute="_compute_profile_figures", digits=(16, 0))
    peak_month = fields.Selection(
        selection="_ar_month_selection", string="Latest around (month)", compute="_compute_profile_figures"
    )
    avg_invoice = fields.Monetary("Average invoice", compute="_compute_profile_figures")
    tenure_months = fields.Float("Tenure (months)", compute="_compute_profile_figures", digits=(16, 0))
    dispute_rate = fields.Float("Disputed invoices (%)", compute="_compute_profile_figures", digits=(16, 0))
    broken_promise_rate = fields.Float(
        "Broken promises (% of invoices)", compute="_compute_profile_figures", digits=(16, 0)
    )
    early_share = fields.Float("Paid early (%)", compute="_compute_profile_figures", digits=(16, 0))

    @api.model
    def _ar_month_selection(self):
        """The months by name, in the reader's language ("August", "août")."""
        return self.env["ar.escalation.rule"]._ar_month_selection()

    @api.depends("name", "kind", "traits")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for segment in self:
            if segment.kind == "behaviour" and segment.traits:
                segment.display_name = segment_text(self.env, segment.traits)
            else:
                segment.display_name = segment.name

    @api.depends("kind", "traits", *RULE_CONDITIONS)
    @api.depends_context("lang")
    def _compute_summary(self):
        for segment in self:
            if segment.kind == "behaviour":
                segment.summary = segment_text(self.env, segment.traits or [])
            else:
                segment.summary = segment._ar_conditions_text()

    def _compute_partner_count(self):
        counts = dict.fromkeys(self.ids, 0)
        Partner = self.env["res.partner"]
        for field in ("ar_segment_id", "ar_rule_segment_id"):
            for segment, count in Partner._read_group([(field, "in", self.ids)], [field], ["__count"]):
                counts[segment.id] += count
        for segment in self:
            segment.partner_count = counts.get(segment.id, 0)

    @api.depends("profile")
    def _compute_profile_figures(self):
        percents = ("seasonality", "dispute_rate", "broken_promise_rate", "early_share")
        for segment in self:
            profile = segment.profile or {}
            for key in ("avg_days_late", "spread_days_late", "trend_days", "avg_invoice", "tenure_months"):
                segment[key] = profile.get(key) or 0.0
            for key in percents:
                segment[key] = 100 * (profile.get(key) or 0.0)
            segment.peak_month = str(profile["peak_month"]) if profile.get("peak_month") else False

    def _ar_conditions_text(self):
        """A rule segment's conditions in words: "31-60 days overdue, Key, average invoice 1,000-5,000"."""
        self.ensure_one()
        parts = []
        for name in ("rule_aging_band", "rule_account_tier"):
            if self[name]:
                parts.append(dict(self._fields[name]._description_selection(self.env))[self[name]])
        low, high = self.rule_min_invoice, self.rule_max_invoice
        if low or high:
            parts.append(
                self.env._(
                    "average invoice %(low)s to %(high)s",
                    low=low and self.currency_id.format(low) or "0",
                    high=high and self.currency_id.format(high) or "…",
                )
            )
        return ", ".join(parts)

    @api.constrains("kind", *RULE_CONDITIONS)
    def _check_rule_conditions(self):
        for segment in self.filtered(lambda s: s.kind == "rule"):
            if not any(segment[name] for name in RULE_CONDITIONS):
                raise ValidationError(
                    self.env._("The rule segment %s needs at least one condition.", segment.name)
                )
            if segment.rule_max_invoice and segment.rule_min_invoice > segment.rule_max_invoice:
                raise ValidationError(
                    self.env._("The invoice value range of %s runs backwards.", segment.name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        # behaviour segments are the segmentation run's
        if not is_ladder_write(self.env) and any(vals.get("kind") == "behaviour" for vals in vals_list):
            raise AccessError(self.env._("Behaviour segments are made by the segmentation run."))
        return super().create(vals_list)

    def write(self, vals):
        ladder = is_ladder_write(self.env)
        if not ladder and set(vals) - BEHAVIOUR_EDITABLE and any(s.kind == "behaviour" for s in self):
            raise AccessError(
                self.env._(
                    "A behaviour segment is computed from how its customers pay: "
                    "it can be archived or reordered, not edited."
                )
            )
        if not ladder and "kind" in vals:
            raise AccessError(self.env._("A segment's kind is set when it is made."))
        return super().write(vals)

    def unlink(self):
        # a behaviour segment is archived, not deleted: the track rules and drafts naming it stay
        if not is_ladder_write(self.env) and any(s.kind == "behaviour" for s in self):
            raise AccessError(self.env._("A behaviour segment is archived, not deleted."))
        return super().unlink()

    def _ar_rule_segments(self, company):
        """The company's active rule segments as the engine's :class:`RuleSegment`, in order."""
        segments = self.search(
            [("kind", "=", "rule"), ("company_id", "in", (company.id, False))], order="sequence, id"
        )
        return [
            RuleSegment(
                s.id,
                s.rule_aging_band or None,
                s.rule_account_tier or None,
                s.rule_min_invoice or None,
                s.rule_max_invoice or None,
            )
            for s in segments
        ]

    def action_ar_open_customers(self):
        self.ensure_one()
        field = "ar_segment_id" if self.kind == "behaviour" else "ar_rule_segment_id"
        return {
            "type": "ir.actions.act_window",
            "name": self.display_name,
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [(field, "=", self.id)],
            "context": {"create": False},
        }
