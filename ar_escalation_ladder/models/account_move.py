# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ladder's fields of an invoice and what they compute.

What the ladder writes and records on an invoice is in account_move_ladder.py,
its everyday actions (promise, dispute, pause, reopen) in account_move_everyday.py,
its buttons and the board's figures in account_move_actions.py.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.vocabulary import CHANNEL_SELECTION
from .ar_escalation_access import check_ladder_fields
from .ar_escalation_dispute import DISPUTE_CODES
from .ar_escalation_event import DISPOSITIONS, HELD_DISPOSITIONS


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_stage_id = fields.Many2one(
        "ar.escalation.stage",
        "Escalation stage",
        index=True,
        copy=False,
        group_expand="_read_group_ar_stage_ids",
    )
    ar_stage_date = fields.Datetime("Entered stage on", copy=False)
    ar_stage_entries = fields.Integer(copy=False, help="How many times the invoice entered a stage.")
    ar_stage_residual = fields.Monetary(
        "Open when entering the stage",
        currency_field="company_currency_id",
        compute="_compute_ar_stage_residual",
        help="Read from the invoice's latest stage change (its escalation event).",
    )
    ar_reason = fields.Char(
        "Escalation reason",
        compute="_compute_ar_reason",
        help="Why the invoice is at its stage today, as the ladder decides it now "
        "(or the reason given when it was set by hand), in the reader's language.",
    )
    ar_sla_deadline = fields.Datetime(
        "SLA deadline", copy=False, compute="_compute_ar_case_values", store=True, readonly=False
    )
    ar_sla_breached = fields.Boolean(compute="_compute_ar_sla_breached", search="_search_ar_sla_breached")
    ar_sla_state = fields.Selection(
        [("on_time", "On time"), ("breached", "SLA breached")],
        compute="_compute_ar_sla_breached",
        help="For the board's progress bar.",
    )
    ar_account_tier = fields.Selection(related="commercial_partner_id.ar_account_tier", string="Account tier")
    ar_track_id = fields.Many2one(
        related="ar_stage_id.track_id", string="Escalation track", store=True, index="btree_not_null"
    )
    ar_owner_id = fields.Many2one(
        "res.users",
        "Escalation owner",
        copy=False,
        index="btree_not_null",
        compute="_compute_ar_case_values",
        store=True,
        readonly=False,
    )
    # the invoice's case is its customer's open escalation case at its stage:
    # computed (in batch, by the ORM) when its stage changes, rather than
    # written invoice by invoice; its owner and SLA follow the case's
    ar_case_id = fields.Many2one(
        "ar.escalation.case",
        "Escalation case",
        copy=False,
        index="btree_not_null",
        compute="_compute_ar_case_id",
        store=True,
        readonly=False,
    )
    ar_acknowledged_at = fields.Datetime("Acknowledged on", copy=False)
    # the ladder's records are the AR team's: their lists are read by it only (an
    # accountant reading the invoice over RPC or in a report gets the other fields)
    ar_promise_ids = fields.One2many(
        "ar.escalation.promise", "move_id", "Promises to pay", groups="ar_escalation_ladder.group_ar_user"
    )
    ar_promise_state = fields.Selection(
        [("none", "None"), ("open", "Open"), ("kept", "Kept"), ("broken", "Broken")],
        "Promise",
        compute="_compute_ar_promise",
        store=True,
    )
    ar_promise_date = fields.Date(
        "Promised payment date",
        compute="_compute_ar_promise",
        store=True,
        help="Date of the next open instalment of a promise that holds (none broken).",
    )
    ar_promise_line_ids = fields.Many2many(
        "ar.escalation.promise.line",
        string="Payment plan",
        compute="_compute_ar_promise_line_ids",
        help="The instalments promised on the invoice, each kept or broken on its own date.",
        groups="ar_escalation_ladder.group_ar_user",
    )
    ar_broken_promise_count = fields.Integer("Broken promises", compute="_compute_ar_promise", store=True)
    ar_dispute_ids = fields.One2many(
        "ar.escalation.dispute", "move_id", "Disputes", groups="ar_escalation_ladder.group_ar_user"
    )
    ar_dispute_state = fields.Selection(
        [("none", "None"), ("open", "Open"), ("resolved", "Resolved")],
        "Dispute",
        compute="_compute_ar_dispute",
        store=True,
    )
    ar_dispute_code = fields.Selection(
        DISPUTE_CODES, "Dispute code", compute="_compute_ar_dispute", store=True
    )
    ar_contact_attempts = fields.Integer("Messages at this stage", copy=False)
    ar_last_contact_date = fields.Datetime("Last contacted", copy=False)
    ar_last_contact_channel = fields.Selection(CHANNEL_SELECTION, "Last channel", copy=False)
    ar_last_response_date = fields.Datetime("Last customer response", copy=False)
    ar_unanswered_since = fields.Json(copy=False)
    ar_pause_until = fields.Date("Escalation paused until", copy=False)
    ar_pause_reason = fields.Char("Pause reason", copy=False)
    ar_hygiene = fields.Char("Not payable as sent", copy=False)
    ar_error = fields.Char("Escalation error", copy=False)
    ar_disposition = fields.Selection(DISPOSITIONS, "Disposition", copy=False)
    ar_closed_date = fields.Datetime("Case closed on", copy=False)
    ar_event_ids = fields.One2many(
        "ar.escalation.event", "move_id", "Escalation events", groups="ar_escalation_ladder.group_ar_user"
    )
    ar_event_count = fields.Integer(compute="_compute_ar_event_count")
    # trust (issue 12): a late acknowledgement shows, who may acknowledge, closed off the ladder
    ar_sla_late = fields.Boolean(
        "Acknowledged late",
        compute="_compute_ar_sla_late",
        help="The escalation was acknowledged after its SLA deadline.",
    )
    ar_can_acknowledge = fields.Boolean(compute="_compute_ar_can_acknowledge")
    ar_held_closed = fields.Boolean(
        "Closed off the ladder",
        compute="_compute_ar_held_closed",
        help="Closed as sent to an agency, legal or written off: no run escalates it until it is reopened.",
    )
    # safe go-live (models/ar_escalation_go_live.py): entered below its age's stage, climbing
    ar_go_live_capped = fields.Boolean(
        "Entered capped at go-live",
        readonly=True,
        copy=False,
        help="Entered the ladder below the stage its age gives (the go-live cap): it climbs one stage "
        "at a time as each stage's cadence completes.",
    )

    # ------------------------------------------------------------------
    # security: the escalation fields are the ladder's (ar_escalation_access)
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        # a new invoice starts outside the ladder: an escalation value given on
        # create (a copy carries none, all are copy=False) is the ladder's to set
        for vals in vals_list:
            check_ladder_fields(
                self, [name for name, value in vals.items() if name.startswith("ar_") and value]
            )
        return super().create(vals_list)

    def write(self, vals):
        # stage, owner, SLA, pause, closing...: set by the ladder and its
        # actions (override, pause, close), never by a plain write
        check_ladder_fields(self, [name for name in vals if name.startswith("ar_")])
        return super().write(vals)

    def init(self):
        res = super().init()
        # the daily sweep walks posted customer invoices by id
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS account_move_ar_sweep_idx
               ON account_move (id)
               WHERE move_type = 'out_invoice' AND state = 'posted'"""
        )
        return res

    @api.depends("ar_stage_id", "ar_closed_date", "commercial_partner_id", "company_id")
    def _compute_ar_case_id(self):
        on_ladder = self.filtered(lambda m: m.ar_stage_id and not m.ar_closed_date and m.id)
        cases = {}
        if on_ladder:
            # sudo: which case an invoice belongs to does not depend on who reads it
            found = (
                self.env["ar.escalation.case"]
                .sudo()
                .search(
                    [
                        ("company_id", "in", on_ladder.company_id.ids),
                        ("partner_id", "in", on_ladder.commercial_partner_id.ids),
                        ("stage_id", "in", on_ladder.ar_stage_id.ids),
                        ("state", "!=", "closed"),
                        ("kind", "=", "escalation"),
                    ]
                )
            )
            cases = {(c.company_id.id, c.partner_id.id, c.stage_id.id): c.id for c in found}
        for move in self:
            key = (move.company_id.id, move.commercial_partner_id.id, move.ar_stage_id.id)
            move.ar_case_id = cases.get(key, False) if move in on_ladder else False

    @api.depends("ar_case_id.owner_id", "ar_case_id.sla_deadline")
    def _compute_ar_case_values(self):
        for move in self:
            move.ar_owner_id = move.ar_case_id.owner_id
            move.ar_sla_deadline = move.ar_case_id.sla_deadline

    def _ar_refresh_case(self):
        """Find the invoices' case again (a case was just opened for their stage)."""
        self.env.add_to_compute(self._fields["ar_case_id"], self)

    def _ar_latest_stage_events(self):
        """The latest stage change (``stage`` or ``override`` event) of each invoice, in one query."""
        ids = [move_id for move_id in self.ids if move_id]
        if not ids:
            return {}
        self.env["ar.escalation.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT ON (move_id) move_id, kind, amount, reason_data
                     FROM ar_escalation_event
                    WHERE move_id IN %s AND kind IN ('stage', 'override')
                 ORDER BY move_id, id DESC""",
                tuple(ids),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _compute_ar_stage_residual(self):
        latest = self._ar_latest_stage_events()
        for move in self:
            event = latest.get(move.id)
            move.ar_stage_residual = (event[1] or 0.0) if event and move.ar_stage_id else 0.0

    @api.depends("ar_sla_deadline", "ar_acknowledged_at")
    def _compute_ar_sla_breached(self):
        now = fields.Datetime.now()
        for move in self:
            move.ar_sla_breached = bool(
                move.ar_sla_deadline and not move.ar_acknowledged_at and move.ar_sla_deadline < now
            )
            move.ar_sla_state = "breached" if move.ar_sla_breached else "on_time"

    def _search_ar_sla_breached(self, operator, value):
        positive = (operator == "=") == bool(value)
        domain = [
            ("ar_sla_deadline", "<", fields.Datetime.now()),
            ("ar_acknowledged_at", "=", False),
        ]
        return domain if positive else ["!", "&", *domain]

    @api.depends("ar_sla_deadline", "ar_acknowledged_at")
    def _compute_ar_sla_late(self):
        for move in self:
            move.ar_sla_late = bool(
                move.ar_sla_deadline
                and move.ar_acknowledged_at
                and move.ar_acknowledged_at > move.ar_sla_deadline
            )

    @api.depends("ar_case_id.owner_id", "ar_case_id.state", "ar_acknowledged_at")
    @api.depends_context("uid")
    def _compute_ar_can_acknowledge(self):
        # only the AR team acknowledges: for anyone else the case is not even read
        if not (self.env.su or self.env.user.has_group("ar_escalation_ladder.group_ar_user")):
            self.ar_can_acknowledge = False
            return
        for move in self:
            case = move.ar_case_id
            move.ar_can_acknowledge = bool(
                case and not move.ar_acknowledged_at and case._ar_may_acknowledge()
            )

    @api.depends("ar_closed_date", "ar_disposition")
    def _compute_ar_held_closed(self):
        for move in self:
            move.ar_held_closed = bool(move.ar_closed_date and move.ar_disposition in HELD_DISPOSITIONS)

    @api.depends("ar_promise_ids.state", "ar_promise_ids.line_ids.state", "ar_promise_ids.line_ids.date")
    def _compute_ar_promise(self):
        for move in self:
            promises = move.ar_promise_ids.filtered(lambda p: p.state != "cancelled")
            # a plan holds while none of its instalments is broken; it holds
            # until its next open instalment's date (each is kept or broken on
            # its own date): a broken instalment escalates, the rest of the
            # plan is still judged date by date
            holding = promises.filtered(lambda p: p.state == "open")
            open_lines = holding.line_ids.filtered(lambda line: line.state == "open")
            move.ar_broken_promise_count = len(promises.filtered(lambda p: p.state == "broken"))
            move.ar_promise_date = min(open_lines.mapped("date")) if open_lines else False
            if open_lines:
                move.ar_promise_state = "open"
            elif promises:
                move.ar_promise_state = promises.sorted("id")[-1].state
            else:
                move.ar_promise_state = "none"

    @api.depends("ar_dispute_ids.state", "ar_dispute_ids.code")
    def _compute_ar_dispute(self):
        for move in self:
            disputes = move.ar_dispute_ids
            open_disputes = disputes.filtered(lambda d: d.state == "open")
            if open_disputes:
                move.ar_dispute_state = "open"
                move.ar_dispute_code = open_disputes.sorted("id")[-1].code
            else:
                move.ar_dispute_state = "resolved" if disputes else "none"
                move.ar_dispute_code = False

    def _compute_ar_promise_line_ids(self):
        for move in self:
            move.ar_promise_line_ids = move.ar_promise_ids.filtered(
                lambda p: p.state != "cancelled"
            ).line_ids.sorted(lambda line: (line.date, line.id))

    def _compute_ar_event_count(self):
        # sudo: a count per invoice, the figure the field shows, whoever reads the
        # invoice; the events themselves stay the AR team's
        events = self.env["ar.escalation.event"].sudo()
        data = events._read_group([("move_id", "in", self.ids)], ["move_id"], ["__count"])
        counts = {move.id: count for move, count in data}
        for move in self:
            move.ar_event_count = counts.get(move.id, 0)
