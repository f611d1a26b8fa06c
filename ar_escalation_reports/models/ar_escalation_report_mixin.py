# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What every escalation report shares: its reference date and ratios that stay right when grouped.

A share (SLA adherence, recovery yield, DSO…) cannot be summed or averaged
across groups: 1 of 2 and 9 of 10 is 10 of 12, not the mean of 50 % and 90 %.
A ratio field names its numerator and denominator fields; whenever the pivot,
graph or list view aggregates it, the database computes the ratio of the two
sums for that group. A median field is aggregated with ``percentile_cont``.
"""

from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from odoo.addons.ar_escalation_ladder.models.res_partner import ACCOUNT_TIERS

AGING_BUCKETS = [
    ("current", "Current"),
    ("1_30", "1–30 days"),
    ("31_60", "31–60 days"),
    ("61_90", "61–90 days"),
    ("90_plus", "90+ days"),
]


def ratio_field(string, help_text, aggregator="avg"):
    """A share or a ratio of a report (read only): its groups' value is computed, see above."""
    return fields.Float(string, readonly=True, aggregator=aggregator, help=help_text)


class ArEscalationReportMixin(models.AbstractModel):
    _name = "ar.escalation.report.mixin"
    _description = "AR escalation report"

    # ratio field -> (numerator field, denominator field, factor)
    _ar_ratio_fields = {}
    # median field -> its own column (the median of the rows of a group)
    _ar_median_fields = ()

    # every report's rows belong to a company and are read by the customer's account tier
    company_id = fields.Many2one("res.company", readonly=True)
    account_tier = fields.Selection(ACCOUNT_TIERS, readonly=True)

    @api.model
    def _ar_report_date(self):
        """The day the report is read for (context ``ar_report_date``, else today)."""
        value = self.env.context.get("ar_report_date")
        return fields.Date.to_date(value) if value else fields.Date.context_today(self)

    @api.model
    def _ar_report_now(self):
        """The moment SLA breaches are judged at (context ``ar_report_now``, else now)."""
        value = self.env.context.get("ar_report_now")
        return fields.Datetime.to_datetime(value) if value else fields.Datetime.now()

    @api.model
    def _ar_aging_sql(self, days):
        """The aging bucket of ``days`` overdue, as the ladder's engine buckets them."""
        return SQL(
            """CASE WHEN %(d)s <= 0 THEN 'current' WHEN %(d)s <= 30 THEN '1_30'
                    WHEN %(d)s <= 60 THEN '31_60' WHEN %(d)s <= 90 THEN '61_90'
                    ELSE '90_plus' END""",
            d=days,
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec != "__count":
            fname, __, func = parse_read_group_spec(aggregate_spec)
            if func and fname in self._ar_ratio_fields:
                numerator, denominator, factor = self._ar_ratio_fields[fname]
                return SQL(
                    "(SUM(%s) * %s / NULLIF(SUM(%s), 0))",
                    self._field_to_sql(self._table, numerator, query),
                    factor,
                    self._field_to_sql(self._table, denominator, query),
                )
            if func and fname in self._ar_median_fields:
                return SQL(
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY %s)",
                    self._field_to_sql(self._table, fname, query),
                )
        return super()._read_group_select(aggregate_spec, query)


class ArEscalationReport(models.Model):
    """The base class of the escalation reports: a model read from its own SQL view (``_auto =
    False``, the view made by its ``init``) with the report mixin above.

    A report derives from it instead of ``models.Model``: ``_auto`` cannot come from the mixin
    through ``_inherit``, since the report's own ``models.Model`` base (``_auto = True``)
    precedes the mixin in the model's MRO. ``_register = False``: it is no model itself.
    """

    _register = False
    _auto = False
    _inherit = ["ar.escalation.report.mixin"]


class ArEscalationReportSegmentMixin(models.AbstractModel):
    """A report read by the customer's segments and track as they are today.

    A report that inherits it selects the three columns from the customer's commercial partner
    (:meth:`_ar_segment_columns`); its ratio fields stay ratios of sums in every group, segment and
    track included (see the module's docstring).
    """

    _name = "ar.escalation.report.segment.mixin"
    _description = "AR escalation report by segment and track"

    segment_id = fields.Many2one(
        "ar.escalation.segment",
        "Behaviour segment",
        readonly=True,
        help="The customer's segment today, from how it pays (empty: not segmented).",
    )
    rule_segment_id = fields.Many2one(
        "ar.escalation.segment",
        "Rule-based segment",
        readonly=True,
        help="The customer's rule-based segment today (aging band, account tier, invoice value).",
    )
    track_id = fields.Many2one(
        "ar.escalation.track",
        readonly=True,
        help="The customer's escalation track today (the default track when nobody and no rule placed it).",
    )

    @api.model
    def _ar_segment_columns(self, partner, track=None):
        """The three columns, read from the commercial partner aliased ``partner``.

        The track is the customer's effective one, as the run reads it: its own, else the
        default track. ``track``: the SQL of the track column when it is not the customer's.
        """
        return SQL(
            "%(p)s.ar_segment_id AS segment_id, %(p)s.ar_rule_segment_id AS rule_segment_id, "
            "%(track)s AS track_id",
            p=SQL.identifier(partner),
            track=self._ar_customer_track_sql(partner) if track is None else track,
        )

    @api.model
    def _ar_customer_track_sql(self, partner):
        """The effective track of the commercial partner aliased ``partner``: its own, else the default."""
        # sudo: which track is the default is no secret of the companies the user cannot see
        default = self.env["ar.escalation.track"].sudo()._ar_default_track()
        return SQL("COALESCE(%s.ar_track_id, %s)", SQL.identifier(partner), default.id or None)


SEGMENT_DEPENDS = ["ar_segment_id", "ar_rule_segment_id", "ar_track_id"]
