# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One internal escalation: a customer's invoices at one stage, owned by one user.

Its acknowledgement is in ar_escalation_case_acknowledge.py, the owner's
activity in ar_escalation_case_activity.py.
"""

import logging
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models

from .ar_escalation_access import check_ladder_fields, ladder_context
from .ar_escalation_format import format_reader_datetime
from .ar_escalation_stage import OWNER_ROLES

_logger = logging.getLogger(__name__)

# set by the ladder (runs, roll-ups) and its explicit actions (acknowledge),
# never by a plain write: who owns the escalation, by when, and its state
CASE_LADDER_FIELDS = frozenset(
    {
        "name",
        "partner_id",
        "company_id",
        "stage_id",
        "kind",
        "state",
        "owner_id",
        "owner_role",
        "sla_deadline",
        "acknowledged_at",
        "acknowledged_by_id",
        "rollup_count",
        "invoice_ids",
        "ar_error",
        "message_approved_at",
        "message_approved_by_id",
    }
)


class ArEscalationCase(models.Model):
    _name = "ar.escalation.case"
    _description = "AR escalation case"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "sla_deadline, id"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True, precompute=True)
    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    stage_id = fields.Many2one("ar.escalation.stage", required=True, index=True, tracking=True)
    owner_id = fields.Many2one("res.users", tracking=True)
    owner_role = fields.Selection(OWNER_ROLES, tracking=True)
    sla_deadline = fields.Datetime("SLA deadline", tracking=True)
    state = fields.Selection(
        [("open", "Open"), ("acknowledged", "Acknowledged"), ("closed", "Closed")],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    kind = fields.Selection(
        [("escalation", "Escalation"), ("hygiene", "Fix before dunning"), ("dispute", "Dispute")],
        default="escalation",
        required=True,
    )
    acknowledged_at = fields.Datetime("Acknowledged on")
    acknowledged_by_id = fields.Many2one("res.users", "Acknowledged by")
    acknowledged_late = fields.Boolean(
        compute="_compute_acknowledged_late",
        help="Acknowledged after its SLA deadline: counted as missed in SLA adherence.",
    )
    sla_breached = fields.Boolean(
        "SLA breached", compute="_compute_sla_breached", help="Still open after its SLA deadline."
    )
    can_acknowledge = fields.Boolean(
        compute="_compute_can_acknowledge",
        help="The current user may acknowledge the escalation: its owner, or an AR manager.",
    )
    rollup_count = fields.Integer(
        "Roll-ups", help="How many times the escalation rolled up to the next owner."
    )
    activity_ref_id = fields.Many2one(
        "mail.activity",
        "Current activity",
        compute="_compute_activity_ref_id",
        help="The owner's open escalation activity on the case (the latest one).",
    )
    invoice_ids = fields.One2many("account.move", "ar_case_id", "Invoices")
    message_invoice_ids = fields.Many2many(
        "account.move",
        compute="_compute_message_invoice_ids",
        help="The invoices a customer message is about (all the case's by default).",
    )
    notice_deadline = fields.Date(
        compute="_compute_notice_deadline", help="Deadline given to the customer in messages."
    )
    timeline = fields.Text(compute="_compute_timeline", help="Earlier outreach, for executive messages.")
    amount_open = fields.Monetary(compute="_compute_amount_open", currency_field="company_currency_id")
    ar_error = fields.Char(
        "Roll-up error", copy=False, readonly=True, help="Why the ladder could not roll the escalation up."
    )

    # security: the ladder's fields of a case change only through the ladder (ar_escalation_access)
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_ladder_fields(self, vals, CASE_LADDER_FIELDS)
        return super().create(vals_list)

    def write(self, vals):
        check_ladder_fields(self, vals, CASE_LADDER_FIELDS)
        return super().write(vals)

    def init(self):
        # one open case per customer, stage and kind: the internal track is
        # per customer, never per invoice
        self.env.cr.execute(
            """CREATE UNIQUE INDEX IF NOT EXISTS ar_escalation_case_open_uniq
               ON ar_escalation_case (company_id, partner_id, stage_id, kind)
               WHERE state != 'closed'"""
        )

    @api.depends("partner_id", "stage_id", "kind")
    def _compute_name(self):
        for case in self:
            case.name = self._ar_case_name(case.kind, case.stage_id, case.partner_id)

    @api.depends("partner_id", "stage_id", "kind")
    @api.depends_context("lang")
    def _compute_display_name(self):
        # the stored name is in the language of the run that opened the case:
        # what a user reads is worded in theirs
        for case in self:
            case.display_name = self._ar_case_name(case.kind, case.stage_id, case.partner_id)

    @api.model
    def _ar_case_name(self, kind, stage, partner):
        prefix = self.env._("Fix before dunning") if kind == "hygiene" else stage.name
        return f"{prefix} — {partner.display_name or ''}"

    @api.depends_context("ar_invoice_map")
    def _compute_message_invoice_ids(self):
        # ((case id, (invoice ids...)), ...): which invoices each message is
        # about, in the order the customer reads them (the run's order: those
        # at the customer's highest stage first, then the rest)
        wanted = dict(self.env.context.get("ar_invoice_map") or ())
        prefetch = [move_id for ids in wanted.values() for move_id in ids]
        for case in self:
            # the invoices a run's message is about come with the run; reading
            # invoice_ids would search (and flush) the invoices for nothing
            if case.id in wanted:
                invoices = self.env["account.move"].browse(wanted[case.id]).with_prefetch(prefetch)
            else:
                invoices = case.invoice_ids.sorted(lambda m: (m.invoice_date_due or m.date, m.id))
            case.message_invoice_ids = invoices

    def _compute_activity_ref_id(self):
        # found from the activities themselves: storing the link would update
        # every new case right after its activity is created
        activity_type = self.env.ref(
            "ar_escalation_ladder.mail_activity_type_escalation", raise_if_not_found=False
        )
        latest = {}
        case_ids = [case_id for case_id in self.ids if case_id]
        if activity_type and case_ids:
            latest = dict(
                self.env["mail.activity"]._read_group(
                    [
                        ("res_model", "=", self._name),
                        ("res_id", "in", case_ids),
                        ("activity_type_id", "=", activity_type.id),
                    ],
                    ["res_id"],
                    ["id:max"],
                )
            )
        for case in self:
            case.activity_ref_id = latest.get(case.id, False)

    def _compute_notice_deadline(self):
        today = fields.Date.context_today(self)
        for case in self:
            case.notice_deadline = today + timedelta(days=case.stage_id.notice_days or 0)

    def _compute_timeline(self):
        events = self.env["ar.escalation.event"].search_fetch(
            [
                ("partner_id", "in", self.partner_id.ids),
                ("company_id", "in", self.company_id.ids),
                ("kind", "in", ("external", "promise_broken", "stage")),
            ],
            ["date", "kind", "move_id", "reason", "partner_id", "company_id"],
            order="date, id",
        )
        labels = dict(self.env["ar.escalation.event"]._fields["kind"]._description_selection(self.env))
        lines = defaultdict(list)
        for event in events:
            day = fields.Date.to_string(event.date.date())
            text = f"{day}: {labels[event.kind]} — {event.move_id.name or ''} {event.reason or ''}".strip()
            lines[(event.partner_id.id, event.company_id.id)].append(text)
        for case in self:
            # the same line twice (several invoices, same day) is said once
            case.timeline = "\n".join(dict.fromkeys(lines[(case.partner_id.id, case.company_id.id)]))

    @api.depends("acknowledged_at", "sla_deadline")
    def _compute_acknowledged_late(self):
        for case in self:
            case.acknowledged_late = bool(
                case.acknowledged_at and case.sla_deadline and case.acknowledged_at > case.sla_deadline
            )

    @api.depends("state", "sla_deadline")
    def _compute_sla_breached(self):
        now = fields.Datetime.now()
        for case in self:
            case.sla_breached = bool(case.state == "open" and case.sla_deadline and case.sla_deadline < now)

    @api.depends("state", "owner_id")
    @api.depends_context("uid")
    def _compute_can_acknowledge(self):
        for case in self:
            case.can_acknowledge = case._ar_may_acknowledge()

    def _compute_amount_open(self):
        for case in self:
            case.amount_open = sum(case.invoice_ids.mapped("amount_residual_signed"))

    # ------------------------------------------------------------------
    # business
    # ------------------------------------------------------------------
    @api.model
    def _ar_create_for_run(self, vals_list):
        """Open the cases a run needs, without the chatter's creation bookkeeping.

        A run records each case's opening itself (events, and a line with the
        case's link on every invoice's chatter); the generic "created" note,
        the follower lookups and the tracking of a new case would cost about a
        millisecond per case for nothing new. Later changes of the case (owner,
        state, deadline) are tracked as usual.
        """
        # the name is known here: computing it would make a draft record per case
        # (partners and stages read together, not one by one)
        partners = self.env["res.partner"].browse({vals["partner_id"] for vals in vals_list})
        stages = self.env["ar.escalation.stage"].browse({vals["stage_id"] for vals in vals_list})
        vals_list = [
            {
                "name": self._ar_case_name(
                    vals.get("kind", "escalation"),
                    stages.browse(vals["stage_id"]).with_prefetch(stages.ids),
                    partners.browse(vals["partner_id"]).with_prefetch(partners.ids),
                ),
                **vals,
            }
            for vals in vals_list
        ]
        cases = self.with_context(
            tracking_disable=True, mail_create_nosubscribe=True, **ladder_context()
        ).create(vals_list)
        return cases.with_env(self.env)

    @api.model
    def _ar_resolve_owner(self, role, partner, company):
        """The user who holds ``role`` for ``partner``; climbs the chain when unset.

        Returns (user, effective role)."""
        seen = set()
        while role and role not in seen:
            seen.add(role)
            user = self._ar_role_user(role, partner, company)
            if user:
                return user, role
            role = company._ar_next_owner_role(role)
        return self.env.ref("base.user_admin"), "cfo"

    @api.model
    def _ar_role_user(self, role, partner, company):
        if role == "account_manager":
            return partner.ar_account_manager_id or partner.user_id
        field = {
            "ar_operator": "ar_operator_user_id",
            "ar_lead": "ar_lead_user_id",
            "finance_lead": "ar_finance_lead_user_id",
            "cfo": "ar_cfo_user_id",
        }[role]
        return company[field]

    @api.model
    def _cron_rollup(self, now=None):
        """Roll every open escalation whose SLA passed up to the next owner.

        Each in its own savepoint: one that raises keeps its error (``ar_error``,
        logged) and is tried again at the next run; the others still roll up.
        """
        now = now or fields.Datetime.now()
        cases = self.search(
            [
                ("state", "=", "open"),
                ("sla_deadline", "<", now),
                ("stage_id.rollup", "=", True),
                ("kind", "=", "escalation"),
                # go-live gate: a deactivated company's escalations stay with their owner
                ("company_id.ar_escalation_enabled", "=", True),
            ],
            limit=1000,
        )
        runner = self.env["ar.escalation.runner"]
        for case in cases:
            try:
                with self.env.cr.savepoint():
                    case._ar_rollup(now)
                    if case.ar_error:
                        case.with_context(**ladder_context()).write({"ar_error": False})
            except Exception as exc:  # noqa: BLE001 - one bad roll-up never stops the others
                if runner._ar_is_concurrency_error(exc):
                    raise  # a conflict, not an error: the run is retried
                case._ar_record_error(exc)
        return cases

    def _ar_record_error(self, exc):
        self.ensure_one()
        _logger.warning("AR escalation: roll-up of %s failed: %s", self.display_name, exc, exc_info=True)
        self.with_context(**ladder_context()).write({"ar_error": str(exc)[:250]})

    def _ar_rollup(self, now):
        self.ensure_one()
        next_role = self.company_id._ar_next_owner_role(self.owner_role)
        target = self.stage_id.rollup_role
        if target and target != self.owner_role and not self.rollup_count:
            next_role = target  # the stage's own first roll-up target
        if not next_role:
            return False
        previous = self.owner_id
        previous_deadline = self.sla_deadline or now
        user, role = self._ar_resolve_owner(next_role, self.partner_id, self.company_id)
        deadline = self.env["account.move"]._ar_sla_deadline(self.stage_id, self.company_id, now)
        old_activity = self.activity_ref_id.exists()
        if old_activity:
            old_activity.with_context(ar_escalation_ack=True).unlink()
        self.with_context(**ladder_context()).write(
            {
                "owner_id": user.id,
                "owner_role": role,
                "sla_deadline": deadline,
                "rollup_count": self.rollup_count + 1,
            }
        )
        reason = self.env._(
            "Not acknowledged by the deadline of %(deadline)s: rolled up from %(old)s to %(new)s",
            deadline=format_reader_datetime(self.env, previous_deadline, previous),
            old=previous.name or "-",
            new=user.name,
        )
        self._ar_schedule_activity({self.id: self.env._("Rolled up: %s", self.name)})
        self.message_post(body=reason, subtype_xmlid="mail.mt_note")
        events = [
            {
                "kind": "rollup",
                "move_id": move.id,
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "case_id": self.id,
                "stage_id": self.stage_id.id,
                "owner_id": user.id,
                "sla_deadline": deadline,
                "amount": move.amount_residual_signed,
                "reason": reason,
                "entry": move.ar_stage_entries,
                "cycle": self.rollup_count,
            }
            for move in self.invoice_ids
        ]
        self.env["ar.escalation.event"]._ar_log(events)
        return True

    def _ar_link_markup(self):
        self.ensure_one()
        return Markup('<a href="#" data-oe-model="%s" data-oe-id="%s">%s</a>') % (
            self._name,
            self.id,
            escape(self.name or ""),
        )
