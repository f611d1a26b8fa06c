# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from odoo.addons.ar_escalation_ladder.models.ar_escalation_stage import OWNER_ROLES

from .ar_escalation_report_mixin import SEGMENT_DEPENDS, ArEscalationReport


class ArEscalationReportCase(ArEscalationReport):
    """Open escalation cases (one per customer and stage) by stage and owner."""

    _name = "ar.escalation.report.case"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "Open escalation cases"
    _order = "sla_deadline, id"
    _rec_name = "case_id"

    case_id = fields.Many2one("ar.escalation.case", readonly=True)
    company_currency_id = fields.Many2one("res.currency", "Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    stage_id = fields.Many2one("ar.escalation.stage", readonly=True)
    track_id = fields.Many2one("ar.escalation.track", readonly=True, help="The track of the case's stage.")
    stage_level = fields.Integer("Stage level", readonly=True, aggregator=None)
    owner_id = fields.Many2one("res.users", readonly=True)
    owner_role = fields.Selection(OWNER_ROLES, readonly=True)
    kind = fields.Selection(
        [("escalation", "Escalation"), ("hygiene", "Fix before dunning"), ("dispute", "Dispute")],
        readonly=True,
    )
    state = fields.Selection([("open", "Open"), ("acknowledged", "Acknowledged")], readonly=True)
    date_opened = fields.Datetime("Opened on", readonly=True)
    sla_deadline = fields.Datetime("SLA deadline", readonly=True)
    sla_breached = fields.Boolean(
        "SLA breached", readonly=True, help="Not acknowledged and its SLA deadline has passed."
    )
    breached_count = fields.Integer("Cases, SLA breached", readonly=True)
    rollup_count = fields.Integer("Roll-ups", readonly=True)
    invoice_count = fields.Integer("Invoices", readonly=True)
    amount_open = fields.Monetary("Open amount", currency_field="company_currency_id", readonly=True)

    _depends = {
        "ar.escalation.case": [
            "company_id",
            "partner_id",
            "stage_id",
            "owner_id",
            "owner_role",
            "kind",
            "state",
            "sla_deadline",
            "rollup_count",
        ],
        "account.move": ["ar_case_id", "amount_residual_signed", "state"],
        "res.partner": ["ar_account_tier", *SEGMENT_DEPENDS],
        "ar.escalation.stage": ["sequence", "track_id"],
    }

    @property
    def _table_query(self):
        breached = SQL("(c.state = 'open' AND c.sla_deadline < %s)", self._ar_report_now())
        return SQL(
            """
            SELECT c.id, c.id AS case_id, c.company_id, rc.currency_id AS company_currency_id,
                   c.partner_id, cp.ar_account_tier AS account_tier, %(segments)s,
                   c.stage_id, s.sequence AS stage_level,
                   c.owner_id, c.owner_role, c.kind, c.state, c.create_date AS date_opened, c.sla_deadline,
                   COALESCE(%(breached)s, FALSE) AS sla_breached,
                   CASE WHEN %(breached)s THEN 1 ELSE 0 END AS breached_count,
                   c.rollup_count,
                   COALESCE(i.invoice_count, 0) AS invoice_count,
                   COALESCE(i.amount_open, 0) AS amount_open
              FROM ar_escalation_case c
              JOIN res_company rc ON rc.id = c.company_id
              JOIN res_partner cp ON cp.id = c.partner_id
              JOIN ar_escalation_stage s ON s.id = c.stage_id
         LEFT JOIN (SELECT m.ar_case_id, COUNT(*) AS invoice_count,
                           SUM(m.amount_residual_signed) AS amount_open
                      FROM account_move m
                     WHERE m.ar_case_id IS NOT NULL AND m.state = 'posted'
                  GROUP BY m.ar_case_id) i ON i.ar_case_id = c.id
             WHERE c.state IN ('open', 'acknowledged')
            """,
            breached=breached,
            segments=self._ar_segment_columns("cp", track=SQL("s.track_id")),
        )
