# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The segment map's figures: each customer's average days late and open amount, with its segment.

Read in one query over the posted customer invoices of the companies the user works in
(``self.env.companies``), one point per customer and company:

- average days late: over the invoices due in the 12 months up to today and those still open
  whatever their due date, once they are due: a paid invoice counts the days from its due date
  to its last payment, an open one the days from its due date to today, an invoice paid by its
  due date 0;
- open amount: what is open on its posted customer invoices, in the company's currency;
- its track: its own, else the default track (as the run reads it).

The customers plotted are those with such an invoice or an open amount.
"""

from collections import Counter
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# the partner field the map colours by, per kind of segment
SEGMENT_FIELDS = {"behaviour": "ar_segment_id", "rule": "ar_rule_segment_id"}
HISTORY_DAYS = 365

MAP_SQL = """
    WITH inv AS (
        SELECT m.id, m.company_id, m.commercial_partner_id AS partner_id,
               m.invoice_date_due AS due, m.payment_state,
               m.payment_state IN ('not_paid', 'partial') AS is_open,
               m.amount_residual_signed AS open_amount
          FROM account_move m
         WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
           AND m.company_id IN %(companies)s
           AND (m.payment_state IN ('not_paid', 'partial') OR m.invoice_date_due >= %(since)s)
    ), paid AS (
        SELECT l.move_id, MAX(apr.max_date) AS paid_on
          FROM inv
          JOIN account_move_line l ON l.move_id = inv.id AND l.display_type = 'payment_term'
          JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
         WHERE NOT inv.is_open
      GROUP BY l.move_id
    )
    SELECT inv.company_id, inv.partner_id, p.complete_name AS name, p.%(segment)s AS segment_id,
           COALESCE(p.ar_track_id, %(default_track)s) AS track_id, rc.currency_id,
           AVG(GREATEST(COALESCE(paid.paid_on, %(today)s::date) - inv.due, 0))
               FILTER (WHERE inv.due <= %(today)s::date) AS days_late,
           COUNT(*) FILTER (WHERE inv.due <= %(today)s::date) AS due_count,
           COALESCE(SUM(inv.open_amount) FILTER (WHERE inv.is_open), 0) AS open_amount
      FROM inv
 LEFT JOIN paid ON paid.move_id = inv.id
      JOIN res_partner p ON p.id = inv.partner_id
      JOIN res_company rc ON rc.id = inv.company_id
  GROUP BY inv.company_id, inv.partner_id, p.complete_name, p.%(segment)s, p.ar_track_id, rc.currency_id
  ORDER BY inv.company_id, inv.partner_id
"""


class ArEscalationSegmentMap(models.AbstractModel):
    _name = "ar.escalation.segment.map"
    _description = "Segment map: customers by days late and open amount"

    @api.model
    def ar_map_data(self, kind="behaviour"):
        """The map's points and segments, for the web client (``kind``: behaviour or rule).

        ``{"kind", "multi_company", "segments": [{"id", "name", "size"}], "points": [{"partner_id", "name",
        "company", "segment_id", "track", "days_late", "due_count", "open_amount",
        "currency_id"}]}``; a customer no segment holds has ``segment_id`` False.
        """
        if not self.env.user.has_group("ar_escalation_ladder.group_ar_user"):
            raise AccessError(self.env._("Only accounts receivable users can read the segment map."))
        if kind not in SEGMENT_FIELDS:
            kind = "behaviour"
        rows = self._ar_map_rows(SEGMENT_FIELDS[kind])
        segments = (
            self.env["ar.escalation.segment"]
            .with_context(active_test=False)
            .browse({row["segment_id"] for row in rows if row["segment_id"]})
        )
        tracks = (
            self.env["ar.escalation.track"]
            .with_context(active_test=False)
            .browse({row["track_id"] for row in rows if row["track_id"]})
        )
        track_names = {track.id: track.display_name for track in tracks}
        companies = {company.id: company.name for company in self.env.companies}
        sizes = Counter(row["segment_id"] for row in rows)
        return {
            "kind": kind,
            "multi_company": len(self.env.companies) > 1,
            "segments": [
                {"id": segment.id, "name": segment.display_name, "size": sizes[segment.id]}
                for segment in segments.sorted("id")
            ],
            "points": [self._ar_map_point(row, companies, track_names) for row in rows],
        }

    @api.model
    def _ar_map_point(self, row, companies, track_names):
        """The web client's point of one row of :meth:`_ar_map_rows`."""
        late = row["days_late"]
        return {
            "partner_id": row["partner_id"],
            "name": row["name"],
            "company": companies.get(row["company_id"], ""),
            "segment_id": row["segment_id"] or False,
            "track": track_names.get(row["track_id"], ""),
            "days_late": round(float(late), 1) if late is not None else 0.0,
            "due_count": row["due_count"],
            "open_amount": float(row["open_amount"]),
            "currency_id": row["currency_id"],
        }

    @api.model
    def _ar_map_rows(self, segment_field):
        """One row per customer and company: see the module's docstring."""
        self.env.flush_all()
        today = fields.Date.context_today(self)
        self.env.cr.execute(
            SQL(
                MAP_SQL,
                companies=tuple(self.env.companies.ids),
                since=today - timedelta(days=HISTORY_DAYS),
                today=today,
                segment=SQL.identifier(segment_field),
                # sudo: which track is the default is no secret of the companies the user cannot see
                default_track=self.env["ar.escalation.track"].sudo()._ar_default_track().id or None,
            )
        )
        return self.env.cr.dictfetchall()
