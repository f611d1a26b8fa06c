# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from .ar_escalation_report_mixin import SEGMENT_DEPENDS, ArEscalationReport

DSO_DAYS = 90
DSO_WEEKS = 8

DSO_HELP = (
    "DSO at a date D = receivable balance at D ÷ credit sales of the 90 days up to D × 90. "
    "Receivable balance at D: sum of the posted journal items on receivable accounts dated on or "
    "before D (invoices, credit notes, payments, in company currency). Credit sales: the "
    "receivable side of the posted customer invoices less credit notes dated in the 90 days "
    "ending on D. Customers are grouped by their account tier, segments and track today."
)


class ArEscalationReportDso(ArEscalationReport):
    """Days sales outstanding by customer tier, segment and track, today and each of the 7 weeks before.

    A row is a company, tier, behaviour segment, rule-based segment and track at a date: any
    grouping of them (by segment, by track, all together) sums the balances and the sales of its
    rows and divides the sums, so a group's DSO is the DSO of its customers taken together.
    """

    _name = "ar.escalation.report.dso"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "DSO by customer tier, segment and track"
    _order = "date desc, account_tier"
    _rec_name = "date"

    _ar_ratio_fields = {"dso": ("receivable", "credit_sales", float(DSO_DAYS))}

    company_currency_id = fields.Many2one("res.currency", "Currency", readonly=True)
    date = fields.Date("As of", readonly=True)
    week_offset = fields.Integer(
        "Weeks ago", readonly=True, aggregator=None, help="0 for the report date, 1 a week before…"
    )
    receivable = fields.Monetary("Receivable balance", currency_field="company_currency_id", readonly=True)
    credit_sales = fields.Monetary(
        "Credit sales (90 days)", currency_field="company_currency_id", readonly=True
    )
    dso = fields.Float("DSO (days)", readonly=True, aggregator="avg", help=DSO_HELP)

    _depends = {
        "account.move.line": ["date", "balance", "account_id", "partner_id", "parent_state", "company_id"],
        "account.move": ["move_type"],
        "res.partner": ["ar_account_tier", "commercial_partner_id", *SEGMENT_DEPENDS],
    }

    def init(self):
        # the receivable journal items of a company up to a date
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_rep_aml_receivable_idx
               ON account_move_line (account_id, date)
               INCLUDE (company_id, partner_id, move_id, balance)
               WHERE parent_state = 'posted'"""
        )

    @property
    def _table_query(self):
        today = self._ar_report_date()
        return SQL(
            """
            WITH weeks AS (
                SELECT k AS week_offset, (%(today)s::date - 7 * k) AS as_of
                  FROM generate_series(0, %(last_week)s) AS k
            ), daily AS (
                SELECT l.company_id, cp.ar_account_tier AS tier, %(segments)s, l.date,
                       SUM(l.balance) AS balance,
                       COALESCE(SUM(l.balance) FILTER (WHERE m.move_type IN ('out_invoice', 'out_refund')), 0)
                           AS sales
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id AND a.account_type = 'asset_receivable'
                  JOIN account_move m ON m.id = l.move_id
             LEFT JOIN res_partner p ON p.id = l.partner_id
             LEFT JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 WHERE l.parent_state = 'posted' AND l.date <= %(today)s::date
              GROUP BY l.company_id, cp.ar_account_tier, cp.ar_segment_id, cp.ar_rule_segment_id,
                       cp.ar_track_id, l.date
            ), grid AS (
                SELECT d.company_id, d.tier, d.segment_id, d.rule_segment_id, d.track_id,
                       w.as_of, w.week_offset,
                       SUM(d.balance) AS receivable,
                       COALESCE(SUM(d.sales) FILTER (WHERE d.date > w.as_of - %(days)s), 0) AS credit_sales
                  FROM daily d
                  JOIN weeks w ON d.date <= w.as_of
              GROUP BY d.company_id, d.tier, d.segment_id, d.rule_segment_id, d.track_id,
                       w.as_of, w.week_offset
            )
            SELECT ROW_NUMBER() OVER (
                       ORDER BY g.company_id, g.week_offset, g.tier, g.segment_id, g.rule_segment_id,
                                g.track_id
                   ) AS id,
                   g.company_id, rc.currency_id AS company_currency_id, g.tier AS account_tier,
                   g.segment_id, g.rule_segment_id, g.track_id,
                   g.as_of AS date, g.week_offset, g.receivable, g.credit_sales,
                   g.receivable * %(days)s / NULLIF(g.credit_sales, 0) AS dso
              FROM grid g
              JOIN res_company rc ON rc.id = g.company_id
            """,
            today=today,
            last_week=DSO_WEEKS - 1,
            days=DSO_DAYS,
            segments=self._ar_segment_columns("cp"),
        )
