# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from .ar_escalation_report_mixin import SEGMENT_DEPENDS, ArEscalationReport, ratio_field

SLA_STATUSES = [
    ("on_time", "Acknowledged on time"),
    ("late", "Acknowledged late"),
    ("missed", "Missed (rolled up or still waiting)"),
    ("withdrawn", "Withdrawn before its deadline"),
    ("pending", "Within its SLA"),
]


# each assignment of a case (an owner's activity or a roll-up), graded:
# on time, late, missed, pending or withdrawn
GRADED_SQL = """
    WITH assignment AS (
        SELECT DISTINCT ON (e.case_id, e.cycle)
               e.id, e.case_id, e.cycle, e.kind, e.date, e.owner_id, e.sla_deadline,
               e.stage_id, e.company_id, e.partner_id
          FROM ar_escalation_event e
         WHERE e.kind IN ('activity', 'rollup') AND e.case_id IS NOT NULL
      ORDER BY e.case_id, e.cycle, e.date, e.id
    ), ack AS (
        SELECT e.case_id, MIN(COALESCE(e.acknowledged_at, e.date)) AS ack_at
          FROM ar_escalation_event e
         WHERE e.kind = 'acknowledged' AND e.case_id IS NOT NULL
      GROUP BY e.case_id
    ), timeline AS (
        SELECT a.*,
               LAG(a.date) OVER w AS previous_date,
               LEAD(a.date) OVER w AS next_date,
               COALESCE(ack.ack_at, c.acknowledged_at) AS ack_at,
               c.state AS case_state,
               c.write_date AS case_write_date
          FROM assignment a
          JOIN ar_escalation_case c ON c.id = a.case_id
     LEFT JOIN ack ON ack.case_id = a.case_id
        WINDOW w AS (PARTITION BY a.case_id ORDER BY a.cycle, a.date, a.id)
    ), judged AS (
        SELECT t.*,
               t.ack_at IS NOT NULL
                   AND (t.previous_date IS NULL OR t.ack_at >= t.date)
                   AND (t.next_date IS NULL OR t.ack_at < t.next_date) AS mine
          FROM timeline t
    ), graded AS (
        SELECT j.*,
               CASE
                   WHEN j.mine AND (j.sla_deadline IS NULL OR j.ack_at <= j.sla_deadline)
                       THEN 'on_time'
                   WHEN j.mine THEN 'late'
                   WHEN j.next_date IS NOT NULL THEN 'missed'
                   WHEN j.sla_deadline IS NULL THEN 'pending'
                   WHEN j.case_state = 'closed' AND j.case_write_date <= j.sla_deadline
                       THEN 'withdrawn'
                   WHEN j.sla_deadline < %(now)s THEN 'missed'
                   ELSE 'pending'
               END AS status
          FROM judged j
    )
"""


class ArEscalationReportSla(ArEscalationReport):
    """Each internal escalation to an owner, and whether that owner acknowledged it in time.

    An escalation is a case handed to an owner with an SLA deadline: the
    case's first owner (its ``activity`` events), then each owner it rolled up
    to (its ``rollup`` events, one per roll-up cycle). Invoices that join an
    open case later do not make new escalations. Its status:

    - *on time*: acknowledged at or before the deadline;
    - *late*: acknowledged after the deadline, before any roll-up (by the
      owner, or by an AR manager on the owner's behalf) — a miss for adherence;
    - *missed*: rolled up to the next owner, or its deadline has passed with
      no acknowledgement while the case is still open;
    - *withdrawn*: the case closed (its invoices were paid or moved on) before
      the deadline, with nobody acknowledging it — not counted;
    - *pending*: its deadline is still ahead — not counted.

    Adherence = on time ÷ (on time + late + missed).
    """

    _name = "ar.escalation.report.sla"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "Escalation SLA adherence"
    _order = "date desc, id desc"
    _rec_name = "case_id"

    _ar_ratio_fields = {"adherence": ("on_time_count", "counted", 100.0)}

    case_id = fields.Many2one("ar.escalation.case", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    stage_id = fields.Many2one("ar.escalation.stage", readonly=True)
    track_id = fields.Many2one(
        "ar.escalation.track", readonly=True, help="The track of the stage the escalation was raised at."
    )
    owner_id = fields.Many2one("res.users", readonly=True)
    date = fields.Datetime("Escalated on", readonly=True)
    sla_deadline = fields.Datetime("SLA deadline", readonly=True)
    acknowledged_at = fields.Datetime(readonly=True)
    is_rollup = fields.Boolean("Rolled up to this owner", readonly=True)
    status = fields.Selection(SLA_STATUSES, readonly=True)
    counted = fields.Integer(
        "Escalations due", readonly=True, help="Escalations acknowledged, or whose SLA deadline has passed."
    )
    on_time_count = fields.Integer("Acknowledged on time", readonly=True)
    late_count = fields.Integer("Acknowledged late", readonly=True)
    missed_count = fields.Integer("Missed", readonly=True)
    hours_to_acknowledge = fields.Float(readonly=True, aggregator="avg")
    adherence = ratio_field(
        "SLA adherence (%)",
        "Escalations acknowledged within their SLA ÷ escalations due (acknowledged, or past "
        "their deadline), × 100: one acknowledged late counts as missed. Pending and withdrawn "
        "escalations are not counted.",
    )

    _depends = {
        "ar.escalation.event": [
            "kind",
            "case_id",
            "cycle",
            "date",
            "owner_id",
            "sla_deadline",
            "stage_id",
            "company_id",
            "partner_id",
            "acknowledged_at",
        ],
        "ar.escalation.case": ["state", "acknowledged_at"],
        "res.partner": ["ar_account_tier", *SEGMENT_DEPENDS],
        "ar.escalation.stage": ["track_id"],
    }

    def init(self):
        # the first event of each (case, roll-up cycle) and each case's acknowledgement
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_rep_event_assignment_idx
               ON ar_escalation_event (case_id, cycle, date, id)
               WHERE kind IN ('activity', 'rollup') AND case_id IS NOT NULL"""
        )
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_rep_event_ack_idx
               ON ar_escalation_event (case_id, acknowledged_at)
               WHERE kind = 'acknowledged' AND case_id IS NOT NULL"""
        )

    @property
    def _table_query(self):
        return SQL(
            "%s\n%s",
            SQL(GRADED_SQL, now=self._ar_report_now()),
            SQL(
                """
                SELECT g.id, g.case_id, g.company_id, g.partner_id, cp.ar_account_tier AS account_tier, %s,
                       g.stage_id, g.owner_id, g.date, g.sla_deadline,
                       CASE WHEN g.mine THEN g.ack_at END AS acknowledged_at,
                       g.kind = 'rollup' AS is_rollup,
                       g.status,
                       CASE WHEN g.status IN ('on_time', 'late', 'missed') THEN 1 ELSE 0 END AS counted,
                       CASE WHEN g.status = 'on_time' THEN 1 ELSE 0 END AS on_time_count,
                       CASE WHEN g.status = 'late' THEN 1 ELSE 0 END AS late_count,
                       CASE WHEN g.status = 'missed' THEN 1 ELSE 0 END AS missed_count,
                       CASE WHEN g.mine THEN EXTRACT(EPOCH FROM g.ack_at - g.date) / 3600.0 END
                           AS hours_to_acknowledge,
                       CASE WHEN g.status = 'on_time' THEN 100.0
                            WHEN g.status IN ('late', 'missed') THEN 0.0 END AS adherence
                  FROM graded g
             LEFT JOIN res_partner cp ON cp.id = g.partner_id
             LEFT JOIN ar_escalation_stage s ON s.id = g.stage_id
                """,
                self._ar_segment_columns("cp", track=SQL("s.track_id")),
            ),
        )
