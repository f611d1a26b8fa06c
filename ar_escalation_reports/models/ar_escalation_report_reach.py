# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from .ar_escalation_report_mixin import SEGMENT_DEPENDS, ArEscalationReport, ratio_field


class ArEscalationReportReach(ArEscalationReport):
    """Every posted customer invoice and the highest stage it ever reached.

    Executive escalation ratio: invoices that reached stage 3 (or beyond) ÷
    invoices that entered the ladder, and the same for stage 4; also given as
    a share of all invoices. A stage is reached when the ladder or a manual
    override moved the invoice to it; stage numbers are the stages' levels.
    """

    _name = "ar.escalation.report.reach"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "Executive escalation ratio"
    _order = "invoice_date desc, id desc"
    _rec_name = "move_id"

    _ar_ratio_fields = {
        "ratio_3": ("reached_3", "escalated", 100.0),
        "ratio_4": ("reached_4", "escalated", 100.0),
        "ratio_3_all": ("reached_3", "invoice_count", 100.0),
        "ratio_4_all": ("reached_4", "invoice_count", 100.0),
    }

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    invoice_date = fields.Date(readonly=True)
    first_escalated = fields.Datetime("First escalated on", readonly=True)
    top_stage_id = fields.Many2one("ar.escalation.stage", "Highest stage reached", readonly=True)
    track_id = fields.Many2one(
        "ar.escalation.track",
        readonly=True,
        help="The track of the invoice's highest stage (its customer's when it was never escalated).",
    )
    top_level = fields.Integer("Highest level reached", readonly=True, aggregator="max")
    invoice_count = fields.Integer("Invoices", readonly=True)
    escalated = fields.Integer("Escalated invoices", readonly=True)
    reached_3 = fields.Integer("Reached stage 3", readonly=True, help="Reached stage level 3 or beyond.")
    reached_4 = fields.Integer("Reached stage 4", readonly=True, help="Reached stage level 4 or beyond.")
    ratio_3 = ratio_field(
        "Stage 3 ratio (% of escalated)",
        "Invoices that reached stage 3 or beyond ÷ invoices that entered the ladder, × 100.",
    )
    ratio_4 = ratio_field(
        "Stage 4 ratio (% of escalated)",
        "Invoices that reached stage 4 ÷ invoices that entered the ladder, × 100.",
    )
    ratio_3_all = ratio_field(
        "Stage 3 ratio (% of invoices)",
        "Invoices that reached stage 3 or beyond ÷ all posted customer invoices, × 100.",
    )
    ratio_4_all = ratio_field(
        "Stage 4 ratio (% of invoices)",
        "Invoices that reached stage 4 ÷ all posted customer invoices, × 100.",
    )

    _depends = {
        "account.move": ["move_type", "state", "company_id", "commercial_partner_id", "invoice_date"],
        "ar.escalation.event": ["kind", "move_id", "date", "to_stage_id"],
        "ar.escalation.stage": ["sequence", "track_id"],
        "res.partner": ["ar_account_tier", *SEGMENT_DEPENDS],
    }

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_rep_event_entry_idx
               ON ar_escalation_event (move_id) INCLUDE (date, to_stage_id)
               WHERE kind IN ('stage', 'override') AND to_stage_id IS NOT NULL"""
        )

    @property
    def _table_query(self):
        return SQL(
            """
            WITH reach AS (
                -- the stage itself, not looked up from its level: levels repeat across tracks
                -- (the highest level's latest entry: an array's max, no sort per invoice)
                SELECT e.move_id, MIN(e.date) AS first_escalated, MAX(s.sequence) AS top_level,
                       (MAX(ARRAY[s.sequence, e.id, s.id]))[3] AS top_stage_id
                  FROM ar_escalation_event e
                  JOIN ar_escalation_stage s ON s.id = e.to_stage_id
                 WHERE e.kind IN ('stage', 'override') AND e.to_stage_id IS NOT NULL
              GROUP BY e.move_id
            )
            SELECT m.id, m.id AS move_id, m.company_id, m.commercial_partner_id AS partner_id,
                   cp.ar_account_tier AS account_tier, %s, m.invoice_date,
                   r.first_escalated, r.top_stage_id, r.top_level,
                   1 AS invoice_count,
                   CASE WHEN r.move_id IS NULL THEN 0 ELSE 1 END AS escalated,
                   CASE WHEN r.top_level >= 3 THEN 1 ELSE 0 END AS reached_3,
                   CASE WHEN r.top_level >= 4 THEN 1 ELSE 0 END AS reached_4,
                   CASE WHEN r.move_id IS NULL THEN NULL WHEN r.top_level >= 3 THEN 100.0 ELSE 0.0 END
                       AS ratio_3,
                   CASE WHEN r.move_id IS NULL THEN NULL WHEN r.top_level >= 4 THEN 100.0 ELSE 0.0 END
                       AS ratio_4,
                   CASE WHEN r.top_level >= 3 THEN 100.0 ELSE 0.0 END AS ratio_3_all,
                   CASE WHEN r.top_level >= 4 THEN 100.0 ELSE 0.0 END AS ratio_4_all
              FROM account_move m
              JOIN res_partner cp ON cp.id = m.commercial_partner_id
         LEFT JOIN reach r ON r.move_id = m.id
         LEFT JOIN ar_escalation_stage top ON top.id = r.top_stage_id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
            """,
            # an invoice's track: its highest stage's; one never escalated, its customer's
            self._ar_segment_columns(
                "cp", track=SQL("COALESCE(top.track_id, %s)", self._ar_customer_track_sql("cp"))
            ),
        )
