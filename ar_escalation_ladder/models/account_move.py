# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
import logging
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL, format_date

from .ar_escalation_access import check_ladder_fields, ladder_context, portal_author_id
from .ar_escalation_dispute import DISPUTE_CODES, text_as_html
from .ar_escalation_event import DISPOSITIONS, HELD_DISPOSITIONS

_logger = logging.getLogger(__name__)

# core's switches for a write that touches no journal item, no amount and no
# tracked field (the ladder's fields are not tracked: their history is the
# escalation events and the chatter lines the ladder writes itself)
AR_BOOKKEEPING_CONTEXT = {
    "skip_invoice_sync": True,
    "check_move_validity": False,
    "skip_is_manually_modified": True,
    "mail_notrack": True,
}

# plain stored values, which an ORM write only puts in the cache for the next flush

# "Escalate now" by an AR user (not manager): a selection, never the whole book
AR_USER_ESCALATE_NOW_LIMIT = 20


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
        "(or the reason given when it was set by hand).",
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
        "Promised by",
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
    ar_last_contact_channel = fields.Char("Last channel", copy=False)
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

    @api.model
    def read_progress_bar(self, domain, group_by, progress_bar):
        """The board's on-time / breached bar: breach depends on the clock, so it is counted here."""
        if progress_bar.get("field") != "ar_sla_state":
            return super().read_progress_bar(domain, group_by, progress_bar)

        def key(value):
            return str(value[0] if isinstance(value, tuple) else value)

        result = {}
        for group in self.read_group(domain, ["__count"], [group_by], lazy=False):
            result[key(group[group_by])] = {"on_time": group["__count"], "breached": 0}
        breached = expression.AND(
            [domain, [("ar_sla_deadline", "<", fields.Datetime.now()), ("ar_acknowledged_at", "=", False)]]
        )
        for group in self.read_group(breached, ["__count"], [group_by], lazy=False):
            counts = result.setdefault(key(group[group_by]), {"on_time": 0, "breached": 0})
            counts["breached"] = group["__count"]
            counts["on_time"] = max(counts["on_time"] - group["__count"], 0)
        return result

    @api.model
    def _read_group_ar_stage_ids(self, stages, domain):
        return stages.search([])

    @api.model
    def _read_group_fill_results(
        self, domain, groupby, annoted_aggregates, read_group_result, read_group_order=None
    ):
        model = self
        if groupby.split(":")[0] == "ar_stage_id" and not self.env["ar.escalation.stage"].has_access("read"):
            # sudo: an accountant's report of invoices by escalation stage gets every stage
            # as a group, with its name and folding only, as the invoices' stage field
            # shows them; the ladder's configuration stays the AR team's
            model = self.sudo()
        return super(AccountMove, model)._read_group_fill_results(
            domain, groupby, annoted_aggregates, read_group_result, read_group_order=read_group_order
        )

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
                """SELECT DISTINCT ON (move_id) move_id, kind, amount, reason
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

    @api.depends_context("lang")
    def _compute_ar_reason(self):
        latest = self._ar_latest_stage_events()
        live = self.filtered(
            lambda m: (
                m.id
                and m.ar_stage_id
                and not m.ar_closed_date
                and (latest.get(m.id) or ("",))[0] != "override"
            )
        )
        # sudo: the reason is the invoice's own field, shown to whoever reads the
        # invoice; it is worded from the ladder's policy, which only the AR team reads
        reasons = self.env["ar.escalation.runner"].sudo()._ar_explain(live) if live else {}
        for move in self:
            event = latest.get(move.id)
            if move.id in reasons:
                move.ar_reason = reasons[move.id]
            elif event and event[0] == "override" and move.ar_stage_id:
                move.ar_reason = self.env._("Set by hand: %s", event[2] or "")
            else:
                move.ar_reason = (event[2] if event and move.ar_stage_id else False) or False

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

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_ar_view_events(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Escalation events"),
            "res_model": "ar.escalation.event",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_ar_escalate_now(self):
        """Evaluate these invoices right away instead of waiting for the scheduled run.

        Their customers' other open invoices are evaluated with them, as the
        scheduled run does: a customer gets one message per stage listing all
        its invoices there, not one per selection.

        Who may (README, "Permissions"): an AR manager on any selection; an
        AR user on at most ``AR_USER_ESCALATE_NOW_LIMIT`` invoices, each an
        escalation it owns or of a customer it is the account manager of.
        """
        self.company_id._ar_check_live()  # go-live gate
        self._ar_check_escalate_now()
        everyday = self.env["ar.escalation.everyday"]
        # sudo: what the run did to the invoices this user may escalate (checked
        # above) is read back from them, after the run wrote it, whatever the
        # company the user's session has selected
        before = everyday._ar_snapshot(self.sudo())
        self.env["ar.escalation.runner"]._ar_process_safely(self._ar_escalation_scope()._ar_whole_customers())
        # what happened, invoice by invoice, rather than a silent reload
        lines = everyday._ar_escalate_now_lines(self.sudo(), before)
        failed = any(move.ar_error for move in self.sudo())
        return everyday._ar_notify(self.env._("Escalate now"), lines, "warning" if failed else "info")

    def _ar_whole_customers(self):
        """The invoices with their customers' other open invoices (same companies).

        A customer is evaluated whole whatever changed one of its invoices: its
        one message goes at its highest stage and lists everything open, never
        a message about one invoice alone.
        """
        if not self:
            return self
        return (
            self
            | self.search(
                [
                    ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                    ("company_id", "in", self.company_id.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                ]
            )._ar_escalation_scope()
        )

    def _ar_check_escalate_now(self):
        """Refuse "Escalate now" to a user whose role does not cover the selection."""
        if self.env.su or self.env.user.has_group("ar_escalation_ladder.group_ar_manager"):
            return
        if not self.env.user.has_group("ar_escalation_ladder.group_ar_user"):
            raise AccessError(self.env._("Escalating invoices now is for AR users and AR managers."))
        if len(self) > AR_USER_ESCALATE_NOW_LIMIT:
            raise AccessError(
                self.env._(
                    "An AR user escalates at most %(limit)s invoices at once (%(count)s selected); "
                    "an AR manager can escalate more.",
                    limit=AR_USER_ESCALATE_NOW_LIMIT,
                    count=len(self),
                )
            )
        user = self.env.user
        others = self.filtered(
            lambda m: m.ar_owner_id != user and m.commercial_partner_id.ar_account_manager_id != user
        )
        if others:
            raise AccessError(
                self.env._(
                    "%(invoices)s: neither your escalation nor your customer's; an AR manager can "
                    "escalate it now.",
                    invoices=", ".join(others[:5].mapped("display_name")),
                )
            )

    def action_ar_acknowledge(self):
        self.ar_case_id._ar_acknowledge()
        return True

    def action_ar_acknowledge_selected(self):
        """Bulk *Acknowledge*: the selected invoices' open escalations (the owner's, or an AR manager's).

        Each escalation acknowledged writes its event and chatter line on each
        of its invoices, as from the invoice; the notification says how many.
        """
        self._ar_check_ar_group("ar_escalation_ladder.group_ar_user", self.env._("Acknowledging"))
        open_cases = self.ar_case_id.filtered(lambda c: c.state == "open")
        cases = open_cases.filtered(lambda c: c._ar_may_acknowledge())
        others = open_cases - cases
        if others and not cases:
            others._ar_check_acknowledge()  # refused in words: only the owner or an AR manager
        cases._ar_acknowledge()
        moves = cases.invoice_ids
        skipped = self - moves - others.invoice_ids
        everyday = self.env["ar.escalation.everyday"]
        if not cases:
            return everyday._ar_notify(
                self.env._("Acknowledge"),
                [self.env._("Nothing to acknowledge: no open escalation among the selected invoices.")],
                "warning",
            )
        lines = [
            self.env._(
                "Acknowledged: %(cases)s (invoices %(invoices)s).",
                cases=", ".join(cases[:10].mapped("name")),
                invoices=", ".join(moves[:10].mapped("display_name")),
            )
        ]
        if others:
            lines.append(
                self.env._(
                    "Left alone, only their owner or an AR manager acknowledges them: %s",
                    ", ".join(others[:10].mapped("name")),
                )
            )
        if skipped:
            lines.append(
                self.env._(
                    "Left alone, no open escalation: %s", ", ".join(skipped[:10].mapped("display_name"))
                )
            )
        return everyday._ar_notify(self.env._("Acknowledge"), lines)

    def action_ar_resume(self):
        """*Resume*: lift the invoices' pause now (AR managers, as pausing is); evaluated at once."""
        self._ar_check_ar_group(
            "ar_escalation_ladder.group_ar_manager", self.env._("Resuming a paused escalation")
        )
        paused = self.filtered("ar_pause_until")
        everyday = self.env["ar.escalation.everyday"]
        if not paused:
            return everyday._ar_notify(
                self.env._("Resume"), [self.env._("None of the selected invoices is paused.")], "warning"
            )
        paused._ar_resume()
        return everyday._ar_notify(
            self.env._("Resume"),
            [
                self.env._(
                    "Escalation resumed on %s; evaluated now.", ", ".join(paused[:10].mapped("display_name"))
                )
            ],
        )

    def _ar_check_ar_group(self, group, what):
        """Refuse an action to a user without ``group`` (README, "Permissions"), in words."""
        if self.env.su or self.env.user.has_group(group):
            return
        role = (
            self.env._("AR managers")
            if group == "ar_escalation_ladder.group_ar_manager"
            else self.env._("AR users and AR managers")
        )
        raise AccessError(self.env._("%(what)s is for %(role)s.", what=what, role=role))

    def _ar_write(self, vals):
        """Write escalation bookkeeping only (``ar_*`` fields) through the invoice's own ``write``.

        Everything that hooks ``account.move.write`` (audit logs, tracking,
        other modules' overrides) sees these changes as any other. The
        ladder's bookkeeping touches no journal item and no amount, so it
        takes core's own switches for such writes (as the payment wizard
        does): no resynchronisation of the invoice's dynamic lines, no
        balance check, not marked as manually modified, no value tracking
        (none of these fields is tracked).
        """
        if any(not name.startswith("ar_") for name in vals):
            raise ValueError(f"_ar_write only writes escalation fields, not {sorted(vals)}")
        # the ladder's own write: the one path the write guard lets through
        return self.with_context(**AR_BOOKKEEPING_CONTEXT, **ladder_context()).write(vals)

    @api.model
    def _ar_write_many(self, vals_by_id):
        """Write escalation fields with values per invoice (``{invoice id: vals}``).

        One ``write`` per set of equal values: the invoices of a batch that
        enter the same stage, or join the same case, are written together.
        """
        groups = {}
        for move_id, vals in vals_by_id.items():
            if not vals:
                continue
            # a Json value (dict) is compared by its content
            key = tuple(
                sorted(
                    (k, json.dumps(v, sort_keys=True, default=str) if isinstance(v, dict) else v)
                    for k, v in vals.items()
                )
            )
            groups.setdefault(key, (vals, []))[1].append(move_id)
        for vals, ids in groups.values():
            self.browse(ids)._ar_write(vals)

    def _ar_ensure_access_tokens(self):
        """Give the invoices their portal access token (core's ``_portal_ensure_token``) before
        a message links to them; each invoice gets one once in its life."""
        for move in self.filtered(lambda m: not m.access_token).with_context(**AR_BOOKKEEPING_CONTEXT):
            move._portal_ensure_token()

    def _ar_escalation_scope(self):
        return self.filtered(
            lambda m: (
                m.move_type == "out_invoice" and m.state == "posted" and m.company_id.ar_escalation_enabled
            )
        )

    def _ar_log_promise(self, lines, contact=None, confidence="medium", note=None, source="backoffice"):
        """Record a promise to pay (one line = a promise; several = a plan)."""
        self.ensure_one()
        promise = (
            self.env["ar.escalation.promise"]
            .with_context(**ladder_context())
            .create(
                {
                    "move_id": self.id,
                    "contact_id": contact.id if contact else False,
                    "confidence": confidence,
                    "note": note,
                    "source": source,
                    "residual_at_promise": self.amount_residual,
                    "line_ids": [(0, 0, {"date": date, "amount": amount}) for date, amount in lines],
                }
            )
        )
        summary = ", ".join(
            self.env._(
                "%(amount)s by %(date)s",
                amount=self.currency_id.format(line.amount),
                date=format_date(self.env, line.date),
            )
            for line in promise.line_ids
        )
        self._ar_customer_responded()
        self._ar_event(
            "promise",
            self.env._(
                "Promise to pay: %(summary)s (confidence %(confidence)s)",
                summary=summary,
                confidence=confidence,
            ),
        )
        self._ar_reevaluate()
        return promise

    def _ar_log_dispute(self, code, note, raised_by=None, source="backoffice"):
        self.ensure_one()
        # go-live gate: a dispute assigns the owner an activity, not before go-live
        self.company_id._ar_check_live()
        # one open dispute per invoice (the database refuses a second one too)
        if self.ar_dispute_ids.filtered(lambda d: d.state == "open"):
            raise UserError(
                self.env._(
                    "%s already has an open dispute: add to it, or resolve it before logging another.",
                    self.name,
                )
            )
        dispute = (
            self.env["ar.escalation.dispute"]
            .with_context(**ladder_context())
            .create(
                {
                    "move_id": self.id,
                    "code": code,
                    "note": note,
                    "source": source,
                    "raised_by_id": raised_by.id if raised_by else False,
                }
            )
        )
        self._ar_customer_responded()
        label = dict(self.env["ar.escalation.dispute"]._fields["code"]._description_selection(self.env))[code]
        self._ar_event("dispute", self.env._("Dispute (%(code)s): %(note)s", code=label, note=note))
        # the dispute goes to the invoice's owner; dunning pauses meanwhile
        owner = (
            self.ar_owner_id
            or self.env["ar.escalation.case"]._ar_resolve_owner(
                "account_manager", self.commercial_partner_id, self.company_id
            )[0]
        )
        self.activity_schedule(
            "ar_escalation_ladder.mail_activity_type_invoice_dispute",
            user_id=owner.id,
            summary=self.env._("Resolve dispute: %s", label),
            # the customer's words, as text (a link or an image in them stays text)
            note=text_as_html(note),
        )
        self._ar_reevaluate()
        return dispute

    def _ar_portal_open(self):
        return (
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            # go-live gate: the portal's forms are the ladder's, shown and accepted once live
            and self.company_id.ar_escalation_enabled
        )

    def _ar_resolve_disputes(self, resolution, outcome=None):
        """Resolve the invoices' open disputes: the outcome and what was done, event and chatter line;
        the owner's *AR dispute* activity is marked done with it; dunning resumes at once."""
        disputes = self.ar_dispute_ids.filtered(lambda d: d.state == "open")
        disputes.with_context(**ladder_context()).write(
            {
                "state": "resolved",
                "resolved_at": fields.Datetime.now(),
                "resolution": resolution,
                "outcome": outcome or False,
                "resolved_by_id": self.env.uid,
            }
        )
        if outcome:
            label = dict(
                self.env["ar.escalation.dispute"]._fields["outcome"]._description_selection(self.env)
            )[outcome]
            reason = self.env._("%(outcome)s: %(note)s", outcome=label, note=resolution)
        else:
            reason = resolution
        dispute_type = self.env.ref("ar_escalation_ladder.mail_activity_type_invoice_dispute", False)
        for move in self:
            move._ar_event("dispute_resolved", reason, user_id=self.env.uid)
            activities = move.activity_ids.filtered(lambda a: a.activity_type_id == dispute_type)
            if activities:
                # the dispute's task is done with it, whoever of the AR team resolved it
                activities.action_feedback(feedback=reason)
        self._ar_reevaluate()

    def _ar_pause(self, until, reason):
        self._ar_write({"ar_pause_until": until, "ar_pause_reason": reason})
        for move in self:
            move._ar_event(
                "pause",
                self.env._(
                    "Paused until %(until)s: %(reason)s", until=format_date(self.env, until), reason=reason
                ),
                user_id=self.env.uid,
            )

    def _ar_resume(self):
        was = {move.id: move.ar_pause_until for move in self}
        self._ar_write({"ar_pause_until": False, "ar_pause_reason": False})
        for move in self:
            reason = (
                self.env._("Pause lifted (it ran until %s)", format_date(self.env, was[move.id]))
                if was[move.id]
                else self.env._("Pause lifted")
            )
            move._ar_event("resume", reason, user_id=self.env.uid)
        self._ar_reevaluate()

    def _ar_override(self, stage, reason):
        """Move to ``stage`` by hand (up or down), with a mandatory reason."""
        self.company_id._ar_check_live()  # go-live gate
        self.env["ar.escalation.runner"]._ar_override(self, stage, reason)

    def _ar_close(self, disposition, reason=""):
        self.env["ar.escalation.runner"]._ar_close(self, disposition, reason)

    # trust (issue 12): truthful closing, reopening, money received
    def _ar_check_closable(self, disposition):
        """Refuse *Paid* while money is open on any of the invoices, in words."""
        if disposition not in ("paid", "paid_plan"):
            return
        still_open = self.filtered(lambda m: not m.currency_id.is_zero(m.amount_residual))
        if still_open:
            raise UserError(
                self.env._(
                    "%(invoices)s still has money open (%(amount)s): a case closes as Paid once "
                    "the invoice is paid. To stop escalating it now, close it as sent to a "
                    "collection agency, legal or written off.",
                    invoices=", ".join(still_open[:5].mapped("display_name")),
                    amount=", ".join(
                        f"{move.currency_id.format(move.amount_residual)}" for move in still_open[:5]
                    ),
                )
            )

    def _ar_close_by_hand(self, disposition, reason):
        """*Close case* as the user (the dialog): refused as Paid while money is open."""
        self._ar_check_closable(disposition)
        self.env["ar.escalation.runner"]._ar_close(self, disposition, reason, user=self.env.user)

    def _ar_reopen(self, reason):
        """Put invoices closed off the ladder (agency, legal, written off) back on it.

        The closing is undone and the invoice enters the ladder again at the
        stage its age gives, as a new stay (a new case, the owner's activity);
        it is evaluated at once, as other actions that lift a hold are.
        """
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required."))
        moves = self.filtered("ar_held_closed")
        if not moves:
            raise UserError(
                self.env._("Only a case closed as sent to an agency, legal or written off is reopened.")
            )
        user = self.env.user
        labels = dict(self.env["ar.escalation.event"]._fields["disposition"].selection)
        events = []
        for move in moves:
            events.append(
                {
                    "kind": "reopened",
                    "move_id": move.id,
                    "partner_id": move.commercial_partner_id.id,
                    "company_id": move.company_id.id,
                    "stage_id": move.ar_stage_id.id,
                    "user_id": user.id,
                    "disposition": move.ar_disposition,
                    "amount": abs(move.amount_residual_signed),
                    "reason": self.env._(
                        "Reopened (was: %(disposition)s): %(reason)s",
                        disposition=labels[move.ar_disposition],
                        reason=reason,
                    ),
                }
            )
        self.env["ar.escalation.event"]._ar_log(events)
        # off the ladder until now: it enters again at the stage its age gives
        moves._ar_write({"ar_closed_date": False, "ar_disposition": False, "ar_stage_id": False})
        moves._ar_reevaluate()
        return moves

    @api.model
    def _ar_money_received(self, moves):
        """Money received on each invoice during its stay at its stage: ``{invoice id: amount}``.

        Payments and bank statement lines reconciled with the invoice, dated on
        or after the day it entered its stage, in company currency, and never
        more than the open amount went down by in the stay: a credit note, a
        write-off or an exchange difference is not money received.
        """
        moves = moves.filtered(lambda m: m.id and m.ar_stage_date)
        if not moves:
            return {}
        self.env["account.partial.reconcile"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT line.move_id, SUM(part.amount)
                     FROM unnest(%s::int[], %s::date[]) AS v(move_id, since)
                     JOIN account_move_line line ON line.move_id = v.move_id
                     JOIN account_account account ON account.id = line.account_id
                      AND account.account_type = 'asset_receivable'
                     JOIN account_partial_reconcile part ON part.debit_move_id = line.id
                     JOIN account_move_line other ON other.id = part.credit_move_id
                     JOIN account_move paid_by ON paid_by.id = other.move_id
                    WHERE part.max_date >= v.since
                      AND (paid_by.origin_payment_id IS NOT NULL OR paid_by.statement_line_id IS NOT NULL)
                 GROUP BY line.move_id""",
                moves.ids,
                [fields.Date.to_date(move.ar_stage_date) for move in moves],
            )
        )
        paid = dict(self.env.cr.fetchall())
        received = {}
        for move in moves:
            went_down = max(abs(move.ar_stage_residual or 0.0) - abs(move.amount_residual_signed), 0.0)
            received[move.id] = move.company_currency_id.round(min(paid.get(move.id, 0.0), went_down))
        return received

    def _ar_event(self, kind, reason, **vals):
        self.ensure_one()
        return self.env["ar.escalation.event"]._ar_log(
            [
                {
                    "kind": kind,
                    "move_id": self.id,
                    "partner_id": self.commercial_partner_id.id,
                    "company_id": self.company_id.id,
                    "stage_id": self.ar_stage_id.id,
                    "case_id": self.ar_case_id.id,
                    "amount": abs(self.amount_residual_signed),
                    "reason": reason,
                    **vals,
                }
            ]
        )

    def _ar_customer_responded(self):
        self._ar_write({"ar_last_response_date": fields.Datetime.now(), "ar_unanswered_since": {}})

    def _ar_payment_changed(self):
        """A payment or credit note changed what is open: settle promises, re-evaluate now."""
        moves = self._ar_escalation_scope()
        if not moves or self.env.context.get("ar_no_reevaluate"):
            return
        moves.flush_recordset()
        # sudo: the ladder's response to a payment is the system's, whoever
        # registered it (an accountant without AR rights has none on the
        # ladder's stages and cases); the chatter still names who paid
        moves = moves.sudo()
        runner = self.env["ar.escalation.runner"].sudo()
        # nothing the ladder does may make a payment fail: what raises here
        # (a bad promise, bad data) is rolled back to this savepoint and
        # written on the invoice as its escalation error, as a run does
        try:
            with self.env.cr.savepoint():
                today = fields.Date.context_today(self)
                # a plan with a broken instalment still has the others to judge
                promises = moves.ar_promise_ids.filtered(lambda p: "open" in p.line_ids.mapped("state"))
                if promises:
                    promises._ar_settle_and_log(today)
                moves._ar_customer_responded()
        except Exception as exc:  # noqa: BLE001 - the payment goes through whatever the ladder raises
            if runner._ar_is_concurrency_error(exc):
                raise  # a conflict, not an error: the whole transaction is retried
            for move in moves:
                try:
                    runner._ar_record_error(move, exc)
                except Exception:  # noqa: BLE001 - not even the error record stops a payment
                    _logger.exception("AR escalation: could not record the error on %s", move.display_name)
            return  # the next scheduled run evaluates them again
        # isolates each invoice's error itself (savepoints, error on the invoice)
        runner._ar_process_safely(moves._ar_whole_customers())

    def _ar_reevaluate(self):
        scope = self._ar_escalation_scope()
        if scope and not self.env.context.get("ar_no_reevaluate"):
            self.env["ar.escalation.runner"]._ar_process_safely(scope._ar_whole_customers())

    # ------------------------------------------------------------------
    # hooks
    # ------------------------------------------------------------------
    def _message_compute_author(self, author_id=None, email_from=None, raise_on_email=True):
        # a customer's action on the portal is written by the customer's contact,
        # not by the public user or OdooBot (controllers/portal.py)
        if author_id is None and email_from is None:
            author_id = portal_author_id(self.env)
        return super()._message_compute_author(author_id, email_from, raise_on_email=raise_on_email)

    def _message_post_after_hook(self, message, msg_vals):
        """An email from the customer on the invoice counts as a response."""
        result = super()._message_post_after_hook(message, msg_vals)
        if message.message_type == "email" and message.author_id:
            customers = self.filtered(
                lambda m: (
                    m.move_type == "out_invoice"
                    and message.author_id.commercial_partner_id == m.commercial_partner_id
                )
            )
            if customers:
                customers._ar_customer_responded()
        return result

    @api.model
    def _ar_sla_deadline(self, stage, company, now):
        """When an escalation at ``stage`` is due: SLA hours, or the end of the business day."""
        if not stage.sla_same_business_day:
            return now + timedelta(hours=stage.sla_hours or 0)
        calendar = company.resource_calendar_id
        if not calendar:
            return now.replace(hour=23, minute=59, second=0, microsecond=0)
        start = now.replace(tzinfo=None)
        start_utc = pytz.utc.localize(start)
        intervals = calendar._work_intervals_batch(start_utc, start_utc + timedelta(days=14))[False]
        ends = [stop for __, stop, __ in intervals]
        if not ends:
            return now + timedelta(hours=8)
        first_day = ends[0].date()
        same_day = [end for end in ends if end.date() == first_day]
        return max(same_day).astimezone(pytz.utc).replace(tzinfo=None)
