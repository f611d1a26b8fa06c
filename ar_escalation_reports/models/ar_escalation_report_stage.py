# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields
from odoo.tools import SQL

from .ar_escalation_report_mixin import SEGMENT_DEPENDS, ArEscalationReport, ratio_field

# events that open or end an invoice's stay at a stage
BOUNDARY_KINDS = ("stage", "override", "closed")


# each stay of an invoice at a stage: from the event that moved it in to the one that moved it on
STAY_SQL = """
    WITH boundary AS (
        SELECT e.id, e.move_id, e.kind, e.date, e.to_stage_id, e.amount, e.amount_recovered,
               e.company_id, e.partner_id,
               LEAD(e.kind) OVER w AS next_kind,
               LEAD(e.date) OVER w AS next_date,
               LEAD(e.to_stage_id) OVER w AS next_stage_id,
               LEAD(e.amount) OVER w AS next_amount,
               LEAD(e.amount_recovered) OVER w AS next_recovered
          FROM ar_escalation_event e
         WHERE e.kind IN %(kinds)s AND e.move_id IS NOT NULL
        WINDOW w AS (PARTITION BY e.move_id ORDER BY e.date, e.id)
    ), stay AS (
        SELECT b.*,
               CASE WHEN b.next_kind IS NULL THEN 'open'
                    WHEN b.next_kind = 'closed' THEN 'closed'
                    ELSE 'moved' END AS outcome,
               CASE WHEN b.next_kind IS NULL THEN 0
                    WHEN b.next_kind = 'override'
                        THEN GREATEST(COALESCE(b.amount, 0) - COALESCE(b.next_amount, 0), 0)
                    ELSE COALESCE(b.next_recovered, 0) END AS recovered
          FROM boundary b
         WHERE b.kind IN ('stage', 'override') AND b.to_stage_id IS NOT NULL
    )
"""


class ArEscalationReportStage(ArEscalationReport):
    """Each stay of an invoice at a stage: what entered, how long it stayed, what was recovered.

    A stay starts with a ``stage`` or ``override`` event into the stage and
    ends at the invoice's next such event, or at its ``closed`` event. The
    value recovered during the stay is what the ladder recorded on the event
    that ended it (``amount_recovered`` of the next stage change or of the
    closing); when a stage override ended it, it is the open amount at entry
    less the open amount at the override.

    Recovery yield of a stage = value recovered during the stays that have
    ended ÷ value that entered the stage in those stays. Velocity = median
    days of the stays that have ended. By segment or by track (the stage's), the
    same ratio over the group's stays: recovered ÷ entered, never a mean of yields.
    """

    _name = "ar.escalation.report.stage"
    _inherit = ["ar.escalation.report.mixin", "ar.escalation.report.segment.mixin"]
    _description = "Escalation stage stays: recovery and velocity"
    _order = "date_in desc, id desc"
    _rec_name = "move_id"

    _ar_ratio_fields = {"recovery_yield": ("amount_recovered", "amount_in_done", 100.0)}
    _ar_median_fields = ("median_days",)

    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    company_currency_id = fields.Many2one("res.currency", "Currency", readonly=True)
    partner_id = fields.Many2one("res.partner", "Customer", readonly=True)
    stage_id = fields.Many2one("ar.escalation.stage", readonly=True)
    stage_level = fields.Integer("Stage level", readonly=True, aggregator=None)
    # the stay's track is its stage's: the track the invoice was on while at the stage
    track_id = fields.Many2one(
        "ar.escalation.track", readonly=True, help="The track of the stage the invoice stayed at."
    )
    entry_kind = fields.Selection(
        [("stage", "By the ladder"), ("override", "By hand (override)")], "Entered", readonly=True
    )
    date_in = fields.Datetime("Entered on", readonly=True)
    date_out = fields.Datetime(
        "Left on", readonly=True, help="Empty while the invoice is still at the stage."
    )
    outcome = fields.Selection(
        [("open", "Still at the stage"), ("moved", "Moved to another stage"), ("closed", "Case closed")],
        readonly=True,
    )
    next_stage_id = fields.Many2one("ar.escalation.stage", "Moved to", readonly=True)
    amount_in = fields.Monetary("Value entered", currency_field="company_currency_id", readonly=True)
    amount_in_done = fields.Monetary(
        "Value entered (stays ended)",
        currency_field="company_currency_id",
        readonly=True,
        help="Value that entered the stage in stays that have ended: the base of the recovery yield.",
    )
    amount_recovered = fields.Monetary("Value recovered", currency_field="company_currency_id", readonly=True)
    recovery_yield = ratio_field(
        "Recovery yield (%)",
        "Value recovered while at the stage ÷ value that entered the stage, over the stays "
        "that have ended (the invoice moved on or its case closed), × 100.",
    )
    days_in_stage = fields.Float("Days at the stage", readonly=True, aggregator="avg")
    median_days = ratio_field(
        "Median days at the stage",
        "Median of the days the invoices spent at the stage, over the stays that have ended.",
    )
    stay_count = fields.Integer("Stays", readonly=True)
    done_count = fields.Integer("Stays ended", readonly=True)

    _depends = {
        "ar.escalation.event": [
            "kind",
            "move_id",
            "date",
            "to_stage_id",
            "stage_id",
            "amount",
            "amount_recovered",
            "company_id",
            "partner_id",
        ],
        "res.partner": ["ar_account_tier", *SEGMENT_DEPENDS],
        "ar.escalation.stage": ["sequence", "track_id"],
    }

    def init(self):
        # an invoice's stage changes and closings, in order, read without a sort
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS ar_rep_event_stay_idx
                   ON ar_escalation_event (move_id, date, id)
                   INCLUDE (kind, to_stage_id, amount, amount_recovered, company_id, partner_id)
                   WHERE kind IN %s AND move_id IS NOT NULL""",
                BOUNDARY_KINDS,
            )
        )

    @property
    def _table_query(self):
        return SQL(
            "%s\n%s",
            SQL(STAY_SQL, kinds=BOUNDARY_KINDS),
            SQL(
                """
                SELECT st.id, st.move_id, st.company_id, rc.currency_id AS company_currency_id,
                       st.partner_id, cp.ar_account_tier AS account_tier, %s,
                       st.to_stage_id AS stage_id, s.sequence AS stage_level,
                       st.kind AS entry_kind,
                       st.date AS date_in,
                       st.next_date AS date_out,
                       st.outcome,
                       CASE WHEN st.outcome = 'moved' THEN st.next_stage_id END AS next_stage_id,
                       COALESCE(st.amount, 0) AS amount_in,
                       CASE WHEN st.outcome = 'open' THEN 0 ELSE COALESCE(st.amount, 0) END AS amount_in_done,
                       st.recovered AS amount_recovered,
                       CASE WHEN st.outcome != 'open' AND st.amount > 0
                            THEN st.recovered * 100.0 / st.amount END AS recovery_yield,
                       EXTRACT(EPOCH FROM st.next_date - st.date) / 86400.0 AS days_in_stage,
                       EXTRACT(EPOCH FROM st.next_date - st.date) / 86400.0 AS median_days,
                       1 AS stay_count,
                       CASE WHEN st.outcome = 'open' THEN 0 ELSE 1 END AS done_count
                  FROM stay st
             -- left joins on primary keys: PostgreSQL skips those whose columns a query does not read
             LEFT JOIN res_company rc ON rc.id = st.company_id
             LEFT JOIN res_partner cp ON cp.id = st.partner_id
             LEFT JOIN ar_escalation_stage s ON s.id = st.to_stage_id
                """,
                self._ar_segment_columns("cp", track=SQL("s.track_id")),
            ),
        )
