# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from odoo.addons.ar_escalation_ladder.models.ar_escalation_dispute import DISPUTE_CODES

from .ar_escalation_report_mixin import SEGMENT_DEPENDS, ArEscalationReport


class ArEscalationReportCause(ArEscalationReport):
    """Why invoices do not get paid: dispute codes and hygiene blockers, by month.

    One row per dispute raised (its code) and one per blocker of each
    *not payable as sent* event (an event naming two blockers makes two rows).
    A row is a repeat when the same customer had the same cause before.
    """

    _name = "ar.escalation.report.cause"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "Dispute codes and hygiene blockers"
    _order = "date desc, id desc"
    _rec_name = "cause"

    company_currency_id = fields.Many2one("res.currency", "Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    date = fields.Datetime(readonly=True)
    cause_type = fields.Selection(
        [("dispute", "Dispute"), ("hygiene", "Not payable as sent")], "Type", readonly=True
    )
    dispute_code = fields.Selection(DISPUTE_CODES, readonly=True)
    cause = fields.Char(
        readonly=True, help="The dispute code, or the blocker that made the invoice unpayable."
    )
    amount = fields.Monetary("Invoice value", currency_field="company_currency_id", readonly=True)
    repeat_count = fields.Integer(
        "Repeats", readonly=True, help="1 when the same customer had the same cause before."
    )
    customer_count = fields.Integer(
        "First occurrences", readonly=True, help="1 for the first time a customer had this cause."
    )

    _depends = {
        "ar.escalation.dispute": ["code", "move_id", "partner_id", "company_id", "create_date"],
        "ar.escalation.event": ["kind", "reason_data", "date", "move_id", "partner_id", "company_id"],
        "account.move": ["amount_total_signed"],
        "res.partner": ["ar_account_tier", *SEGMENT_DEPENDS],
    }

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_rep_event_hygiene_idx
               ON ar_escalation_event (date) WHERE kind = 'hygiene'"""
        )

    @property
    def _table_query(self):
        labels = self.env["ar.escalation.dispute"]._fields["code"]._description_selection(self.env)
        label = SQL("CASE d.code %s END", SQL(" ").join(SQL("WHEN %s THEN %s", k, v) for k, v in labels))
        return SQL(
            """
            WITH cause AS (
                SELECT 0 AS source, d.id AS source_id, 1 AS ordinal, d.create_date AS date,
                       d.company_id, d.partner_id, d.move_id, 'dispute' AS cause_type,
                       d.code AS dispute_code, d.code AS cause_key, %(label)s AS cause
                  FROM ar_escalation_dispute d
                UNION ALL
                SELECT 1, e.id, b.ordinal, e.date, e.company_id, e.partner_id, e.move_id, 'hygiene',
                       NULL, TRIM(b.blocker), TRIM(b.blocker)
                  FROM ar_escalation_event e,
                       -- the blockers as the run wrote them: one text phrase, '; ' between them
                       unnest(string_to_array(e.reason_data -> 0 ->> 'text', '; '))
                           WITH ORDINALITY AS b(blocker, ordinal)
                 WHERE e.kind = 'hygiene' AND TRIM(b.blocker) != ''
            ), ranked AS (
                SELECT c.*,
                       ROW_NUMBER() OVER (PARTITION BY c.company_id, c.partner_id, c.cause_type, c.cause_key
                                          ORDER BY c.date, c.source_id, c.ordinal) AS occurrence
                  FROM cause c
            )
            SELECT ROW_NUMBER() OVER (ORDER BY r.source, r.source_id, r.ordinal) AS id,
                   r.company_id, rc.currency_id AS company_currency_id, r.partner_id,
                   cp.ar_account_tier AS account_tier, %(segments)s, r.move_id, r.date, r.cause_type,
                   r.dispute_code, r.cause,
                   ABS(COALESCE(m.amount_total_signed, 0)) AS amount,
                   CASE WHEN r.occurrence > 1 THEN 1 ELSE 0 END AS repeat_count,
                   CASE WHEN r.occurrence = 1 THEN 1 ELSE 0 END AS customer_count
              FROM ranked r
              JOIN res_company rc ON rc.id = r.company_id
         LEFT JOIN res_partner cp ON cp.id = r.partner_id
         LEFT JOIN account_move m ON m.id = r.move_id
            """,
            label=label,
            segments=self._ar_segment_columns("cp"),
        )
