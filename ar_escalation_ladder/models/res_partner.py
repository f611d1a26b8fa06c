# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's escalation settings, its pause, its figures on the customer's tab.

The batch readers of payment behaviour and account context are in res_partner_history.py.
"""

from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from ..engine import CustomerHistory, risk_signals
from ..engine.vocabulary import ACCOUNT_TIER_SELECTION
from .ar_escalation_format import signal_label

ACCOUNT_TIERS = ACCOUNT_TIER_SELECTION  # the vocabulary's (engine/vocabulary.py)


# set by AR users and managers on the customer's "Accounts receivable" tab
AR_TEAM_FIELDS = frozenset(
    {"ar_account_tier", "ar_account_manager_id", "ar_escalation_contact_id", "ar_requires_ref"}
)
# pausing a whole customer: AR managers, logged
AR_PAUSE_FIELDS = frozenset({"ar_pause_until", "ar_pause_reason"})


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_account_tier = fields.Selection(
        ACCOUNT_TIERS, "Account tier", default="standard", company_dependent=False
    )
    ar_account_manager_id = fields.Many2one(
        "res.users",
        "Account manager",
        compute="_compute_ar_account_manager_id",
        store=True,
        readonly=False,
        help="Owns the relationship in escalations; defaults to the salesperson.",
    )
    ar_escalation_contact_id = fields.Many2one(
        "res.partner",
        "Escalation contact",
        domain="[('parent_id', '=', id)]",
        help="The senior contact that firmer stages write to.",
    )
    # pausing a customer is an AR manager's decision, logged (see write); a
    # duplicate of the customer is not paused
    ar_pause_until = fields.Date("Escalation paused until", copy=False)
    ar_pause_reason = fields.Char("Pause reason", copy=False)
    ar_requires_ref = fields.Boolean(
        "Requires its reference on invoices",
        help="Invoices without the customer's reference (PO number) are not payable as sent.",
    )
    ar_avg_days_late = fields.Float("Average days late (12 months)", compute="_compute_ar_behaviour")
    ar_trend = fields.Selection(
        [("improving", "Improving"), ("stable", "Stable"), ("worsening", "Worsening")],
        "Payment trend",
        compute="_compute_ar_behaviour",
    )
    ar_promises_kept = fields.Integer("Promises kept", compute="_compute_ar_behaviour")
    ar_promises_broken = fields.Integer("Promises broken", compute="_compute_ar_behaviour")
    ar_open_disputes = fields.Integer("Open disputes", compute="_compute_ar_behaviour")
    ar_risk_signals = fields.Char("Risk signals", compute="_compute_ar_behaviour")
    ar_risk_signal_count = fields.Integer(compute="_compute_ar_behaviour")

    ar_open_escalations = fields.Integer("Escalated invoices", compute="_compute_ar_open_escalations")

    # ------------------------------------------------------------------
    # security (README, "Permissions")
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(name) for vals in vals_list for name in AR_PAUSE_FIELDS):
            self._ar_check_group("ar_escalation_ladder.group_ar_manager", AR_PAUSE_FIELDS)
            for vals in vals_list:
                self._ar_check_pause_date(vals.get("ar_pause_until"))
        partners = super().create(vals_list)
        paused = partners.filtered("ar_pause_until")
        if paused:
            paused._ar_log_pause()
        return partners

    def write(self, vals):
        # the customer's escalation settings are the AR team's: tier, account
        # manager, escalation contact, reference rule for AR users; pausing
        # the customer's whole escalation for AR managers, logged
        if any(name in vals for name in AR_TEAM_FIELDS):
            self._ar_check_group("ar_escalation_ladder.group_ar_user", AR_TEAM_FIELDS & set(vals))
        pausing = AR_PAUSE_FIELDS & set(vals)
        if pausing:
            self._ar_check_group("ar_escalation_ladder.group_ar_manager", pausing)
            # as the Pause dialog: a pause runs until a date to come
            self._ar_check_pause_date(vals.get("ar_pause_until"))
            before = {partner.id: (partner.ar_pause_until, partner.ar_pause_reason) for partner in self}
        result = super().write(vals)
        if pausing:
            changed = self.filtered(lambda p: (p.ar_pause_until, p.ar_pause_reason) != before[p.id])
            changed._ar_log_pause()
            # a lifted pause (the date cleared on the form, or *Resume*): evaluated again shortly
            today = fields.Date.context_today(self)
            lifted = changed.filtered(
                lambda p: before[p.id][0] and before[p.id][0] >= today and not p.ar_pause_until
            )
            if lifted:
                lifted._ar_reevaluate_open_invoices()
        return result

    def _ar_check_pause_date(self, until):
        if until and fields.Date.to_date(until) <= fields.Date.context_today(self):
            raise UserError(self.env._("Pause until a date in the future."))

    def _ar_reevaluate_open_invoices(self):
        """Evaluate the customers' open invoices again at the next run (a pause was lifted)."""
        moves = self.env["account.move"].search(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
            ]
        )
        moves._ar_reevaluate()

    def action_ar_resume(self):
        """*Resume* on the customer's tab: lift the whole customer's pause now (AR managers), logged;
        its open invoices are evaluated again in a moment."""
        self._ar_check_group("ar_escalation_ladder.group_ar_manager", AR_PAUSE_FIELDS)
        paused = self.filtered("ar_pause_until")
        paused.write({"ar_pause_until": False, "ar_pause_reason": False})
        everyday = self.env["ar.escalation.everyday"]
        if not paused:
            return everyday._ar_notify(
                self.env._("Resume"), [self.env._("The customer is not paused.")], "warning"
            )
        return everyday._ar_notify(
            self.env._("Resume"),
            [
                self.env._(
                    "Escalation resumed for %s; its open invoices are evaluated again in a moment.",
                    ", ".join(paused.mapped("display_name")),
                )
            ],
        )

    def _ar_check_group(self, group, names):
        if self.env.su or self.env.user.has_group(group):
            return
        labels = ", ".join(sorted(self._fields[name]._description_string(self.env) for name in names))
        role = (
            self.env._("AR managers")
            if group == "ar_escalation_ladder.group_ar_manager"
            else self.env._("AR users")
        )
        raise AccessError(
            self.env._("%(fields)s of a customer are set by %(role)s.", fields=labels, role=role)
        )

    def _ar_log_pause(self):
        """A customer's pause, or its end, in the audit trail and on the customer's chatter."""
        company = self.env.company
        events = []
        for partner in self:
            if partner.ar_pause_until:
                kind = "pause"
                reason = self.env._(
                    "Customer paused until %(until)s by %(user)s: %(reason)s",
                    until=format_date(self.env, partner.ar_pause_until),
                    user=self.env.user.name,
                    reason=partner.ar_pause_reason or "",
                )
            else:
                kind = "resume"
                reason = self.env._("Customer pause lifted by %s", self.env.user.name)
            partner._message_log(body=escape(reason))  # the reason is typed text
            events.append(
                {
                    "kind": kind,
                    "partner_id": partner.commercial_partner_id.id,
                    "company_id": company.id,
                    "owner_id": self.env.uid,
                    "user_id": self.env.uid,  # who paused or resumed it
                    "reason": reason,
                }
            )
        self.env["ar.escalation.event"]._ar_log(events)

    def _compute_ar_open_escalations(self):
        # sudo: a count of the customer's escalated invoices in the user's companies, the
        # figure the field shows, also to a user who reads contacts but not invoices
        invoices = self.env["account.move"].sudo()
        data = invoices._read_group(
            [
                ("commercial_partner_id", "in", self.commercial_partner_id.ids),
                ("company_id", "in", self.env.companies.ids),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("ar_stage_id", "!=", False),
            ],
            ["commercial_partner_id"],
            ["__count"],
        )
        counts = {partner.id: count for partner, count in data}
        for partner in self:
            partner.ar_open_escalations = counts.get(partner.commercial_partner_id.id, 0)

    def action_ar_open_board(self):
        """The customer's open receivables on the ladder board."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ar_escalation_ladder.account_move_action_ar_board"
        )
        action["domain"] = [
            ("commercial_partner_id", "=", self.commercial_partner_id.id),
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ]
        action["display_name"] = self.env._("Receivables of %s", self.commercial_partner_id.display_name)
        return action

    @api.depends("user_id")
    def _compute_ar_account_manager_id(self):
        for partner in self:
            if not partner.ar_account_manager_id:
                partner.ar_account_manager_id = partner.user_id

    @api.depends_context("company")
    def _compute_ar_behaviour(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        partners = self.commercial_partner_id
        history = self._ar_history_batch(partners.ids, company, today) if partners.ids else {}
        # sudo: the risk signals are judged by the ladder's policy (its thresholds),
        # which only the AR team reads; the fields show the signals, not the policy
        policy, __ = self.env["ar.escalation.stage"].sudo()._get_policy(company)
        for partner in self:
            hist = history.get(partner.commercial_partner_id.id, {})
            customer_history = hist.get("history") or CustomerHistory()
            partner.ar_avg_days_late = customer_history.avg_days_late_12m or 0.0
            partner.ar_trend = hist.get("trend", "stable")
            partner.ar_promises_kept = hist.get("kept", 0)
            partner.ar_promises_broken = hist.get("broken", 0)
            partner.ar_open_disputes = hist.get("disputes", 0)
            signals = risk_signals(customer_history, policy)
            partner.ar_risk_signals = ", ".join(signal_label(self.env, s) for s in signals)
            partner.ar_risk_signal_count = len(signals)
