# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from .ar_escalation_report_mixin import AGING_BUCKETS, SEGMENT_DEPENDS, ArEscalationReport


class ArEscalationReportBook(ArEscalationReport):
    """The open receivables book as it stands: aging, stage, owner, SLA and value at risk."""

    _name = "ar.escalation.report.book"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "Open receivables by escalation stage"
    _order = "days_overdue desc, id"
    _rec_name = "move_id"

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    company_currency_id = fields.Many2one("res.currency", "Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    stage_id = fields.Many2one(
        "ar.escalation.stage", readonly=True, help="Empty: not escalated (or its case is closed)."
    )
    stage_level = fields.Integer("Stage level", readonly=True, aggregator=None)
    owner_id = fields.Many2one("res.users", readonly=True)
    case_id = fields.Many2one("ar.escalation.case", readonly=True)
    invoice_date = fields.Date(readonly=True)
    invoice_date_due = fields.Date("Due date", readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator="max")
    aging_bucket = fields.Selection(AGING_BUCKETS, "Aging", readonly=True)
    amount_residual = fields.Monetary("Open amount", currency_field="company_currency_id", readonly=True)
    amount_overdue = fields.Monetary(
        "Overdue amount",
        currency_field="company_currency_id",
        readonly=True,
        help="Open amount of the invoices past their due date.",
    )
    sla_deadline = fields.Datetime("SLA deadline", readonly=True)
    sla_breached = fields.Boolean("SLA breached", readonly=True)
    amount_breached = fields.Monetary(
        "Open amount, SLA breached", currency_field="company_currency_id", readonly=True
    )
    promise_date = fields.Date("Promised by", readonly=True)
    dispute_state = fields.Selection(
        [("none", "None"), ("open", "Open"), ("resolved", "Resolved")], "Dispute", readonly=True
    )
    risk_7d = fields.Selection(
        [("due", "Falls due within 7 days"), ("promised", "Promised within 7 days")],
        "At risk in the next 7 days",
        readonly=True,
    )
    amount_at_risk_7d = fields.Monetary(
        "Value at risk (7 days)",
        currency_field="company_currency_id",
        readonly=True,
        help="Open amount of the invoices that fall due, or are promised, within the next 7 days.",
    )

    _depends = {
        "account.move": [
            "move_type",
            "state",
            "payment_state",
            "company_id",
            "commercial_partner_id",
            "invoice_date",
            "invoice_date_due",
            "amount_residual_signed",
            "ar_stage_id",
            "ar_owner_id",
            "ar_case_id",
            "ar_closed_date",
            "ar_sla_deadline",
            "ar_acknowledged_at",
            "ar_promise_date",
            "ar_dispute_state",
        ],
        "res.partner": ["ar_account_tier", *SEGMENT_DEPENDS],
        "ar.escalation.stage": ["sequence"],
    }

    @property
    def _table_query(self):
        today = self._ar_report_date()
        now = self._ar_report_now()
        days = SQL("(%s::date - m.invoice_date_due)", today)
        escalated = SQL("m.ar_closed_date IS NULL")
        breached = SQL("(%s AND m.ar_sla_deadline < %s AND m.ar_acknowledged_at IS NULL)", escalated, now)
        risk = SQL(
            """CASE WHEN m.invoice_date_due BETWEEN %(today)s::date AND %(today)s::date + 7 THEN 'due'
                    WHEN m.ar_promise_date BETWEEN %(today)s::date AND %(today)s::date + 7 THEN 'promised'
               END""",
            today=today,
        )
        return SQL(
            """
            SELECT m.id, m.id AS move_id, m.company_id, rc.currency_id AS company_currency_id,
                   m.commercial_partner_id AS partner_id, cp.ar_account_tier AS account_tier,
                   %(segments)s,
                   CASE WHEN %(escalated)s THEN m.ar_stage_id END AS stage_id,
                   CASE WHEN %(escalated)s THEN s.sequence END AS stage_level,
                   CASE WHEN %(escalated)s THEN m.ar_owner_id END AS owner_id,
                   m.ar_case_id AS case_id,
                   m.invoice_date, m.invoice_date_due,
                   %(days)s AS days_overdue,
                   %(aging)s AS aging_bucket,
                   m.amount_residual_signed AS amount_residual,
                   CASE WHEN %(days)s > 0 THEN m.amount_residual_signed ELSE 0 END AS amount_overdue,
                   m.ar_sla_deadline AS sla_deadline,
                   COALESCE(%(breached)s, FALSE) AS sla_breached,
                   CASE WHEN %(breached)s THEN m.amount_residual_signed ELSE 0 END AS amount_breached,
                   m.ar_promise_date AS promise_date,
                   m.ar_dispute_state AS dispute_state,
                   %(risk)s AS risk_7d,
                   CASE WHEN %(risk)s IS NOT NULL THEN m.amount_residual_signed ELSE 0 END
                       AS amount_at_risk_7d
              FROM account_move m
              JOIN res_company rc ON rc.id = m.company_id
              JOIN res_partner cp ON cp.id = m.commercial_partner_id
         LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state IN ('not_paid', 'partial')
            """,
            escalated=escalated,
            days=days,
            aging=self._ar_aging_sql(days),
            breached=breached,
            risk=risk,
            segments=self._ar_segment_columns("cp"),
        )
