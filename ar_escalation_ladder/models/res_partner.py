# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict
from datetime import timedelta

from markupsafe import escape

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date

from ..engine import CustomerHistory, aging_bucket, risk_signals
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
            # a lifted pause (the date cleared on the form, or *Resume*) re-evaluates at once
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
        """Evaluate the customers' open invoices now (a pause was lifted)."""
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
        its open invoices are evaluated at once."""
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
                    "Escalation resumed for %s; its open invoices were evaluated now.",
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

    # ------------------------------------------------------------------
    # batch readers (a constant number of queries for any number of partners)
    # ------------------------------------------------------------------
    @api.model
    def _ar_history_batch(self, partner_ids, company, today):
        """Payment behaviour of commercial partners, keyed by partner id."""
        if not partner_ids:
            return {}
        self.env.flush_all()
        cr = self.env.cr
        year_ago = today - timedelta(days=365)
        quarter_ago = today - timedelta(days=90)
        cr.execute(
            SQL(
                """
                WITH paid AS (
                    SELECT m.commercial_partner_id AS partner_id, m.invoice_date_due AS due,
                           GREATEST(MAX(apr.max_date) - m.invoice_date_due, 0) AS late
                      FROM account_move m
                      JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'
                      JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                     WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                       AND m.payment_state IN ('paid', 'in_payment')
                       AND m.company_id = %(company)s
                       AND m.commercial_partner_id IN %(partners)s
                       AND m.invoice_date_due >= %(year_ago)s
                  GROUP BY m.id
                )
                SELECT partner_id, AVG(late),
                       AVG(late) FILTER (WHERE due >= %(quarter_ago)s),
                       AVG(late) FILTER (WHERE due < %(quarter_ago)s)
                  FROM paid GROUP BY partner_id
                """,
                company=company.id,
                partners=tuple(partner_ids),
                year_ago=year_ago,
                quarter_ago=quarter_ago,
            )
        )
        late = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT partner_id,
                       COUNT(*) FILTER (WHERE state = 'kept'),
                       COUNT(*) FILTER (WHERE state = 'broken')
                  FROM ar_escalation_promise
                 WHERE company_id = %s AND partner_id IN %s
              GROUP BY partner_id
                """,
                company.id,
                tuple(partner_ids),
            )
        )
        promises = {row[0]: row[1:] for row in cr.fetchall()}
        cr.execute(
            SQL(
                """
                SELECT partner_id, COUNT(*) FROM ar_escalation_dispute
                 WHERE company_id = %s AND partner_id IN %s AND state = 'open'
              GROUP BY partner_id
                """,
                company.id,
                tuple(partner_ids),
            )
        )
        disputes = dict(cr.fetchall())
        balances = self._ar_balances_batch(partner_ids, company, today)
        out = {}
        for pid in partner_ids:
            avg, recent, before = late.get(pid, (None, None, None))
            kept, broken = promises.get(pid, (0, 0))
            balance = balances.get(pid, {})
            hist = CustomerHistory(
                avg_days_late_12m=float(avg) if avg is not None else None,
                avg_days_late_recent=float(recent) if recent is not None else None,
                avg_days_late_before=float(before) if before is not None else None,
                broken_promises=broken,
                open_disputes=disputes.get(pid, 0),
                over_credit_limit=balance.get("over_credit_limit", False),
            )
            trend = "stable"
            if recent is not None and before is not None:
                delta = float(recent) - float(before)
                threshold = company.ar_worsening_days
                trend = (
                    "worsening" if delta >= threshold else "improving" if delta <= -threshold else "stable"
                )
            out[pid] = {
                "history": hist,
                "trend": trend,
                "kept": kept,
                "broken": broken,
                "disputes": disputes.get(pid, 0),
                **balance,
            }
        return out

    @api.model
    def _ar_balances_batch(self, partner_ids, company, today):
        """Receivable and overdue totals (company currency) and the credit limit check."""
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT l.partner_id,
                       SUM(l.amount_residual),
                       SUM(l.amount_residual) FILTER (WHERE l.date_maturity < %(today)s)
                  FROM account_move_line l
                  JOIN account_account a ON a.id = l.account_id
                 WHERE l.parent_state = 'posted' AND a.account_type = 'asset_receivable'
                   AND l.reconciled IS NOT TRUE AND l.company_id = %(company)s
                   AND l.partner_id IN %(partners)s
              GROUP BY l.partner_id
                """,
                today=today,
                company=company.id,
                partners=tuple(partner_ids),
            )
        )
        rows = {row[0]: row[1:] for row in cr.fetchall()}
        # credit limits are company-dependent (jsonb keyed by company): read
        # them in SQL rather than loading every partner column through the ORM
        cr.execute(
            SQL(
                "SELECT id, (credit_limit->>%s)::float FROM res_partner WHERE id IN %s AND credit_limit ? %s",
                str(company.id),
                tuple(partner_ids),
                str(company.id),
            )
        )
        own_limits = dict(cr.fetchall())
        fallback = (
            self._fields["credit_limit"].get_company_dependent_fallback(self.with_company(company)) or 0.0
        )
        use_limit = company.account_use_credit_limit
        out = {}
        for pid in partner_ids:
            total, overdue = rows.get(pid, (0.0, 0.0))
            total, overdue = float(total or 0.0), float(overdue or 0.0)
            own = own_limits.get(pid)
            limit = own if own is not None else fallback
            # a partner-specific limit applies even when the company-wide check is off
            applies = use_limit or (own is not None and own != fallback)
            over = bool(applies and limit > 0 and total > limit)
            out[pid] = {"receivable": total, "overdue": overdue, "over_credit_limit": over}
        return out

    @api.model
    def _ar_context_batch(self, partner_ids, company, today, history=None):
        """Account context per customer for the owners' activity notes.

        Open invoices with their aging bucket, payment behaviour, the last
        outreach, promises and disputes — read with a fixed number of queries.
        ``history`` is the customers' payment behaviour when the caller read it
        already (:meth:`_ar_history_batch`).
        """
        if not partner_ids:
            return {}
        if history is None or any(pid not in history for pid in partner_ids):
            history = self._ar_history_batch(partner_ids, company, today)
        moves = self.env["account.move"].search_fetch(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "=", company.id),
                ("commercial_partner_id", "in", partner_ids),
            ],
            ["name", "commercial_partner_id", "invoice_date_due", "amount_residual_signed", "ar_stage_id"],
            order="invoice_date_due, id",
        )
        invoices = defaultdict(list)
        aging = defaultdict(lambda: dict.fromkeys(("current", "1-30", "31-60", "61-90", "90+"), 0.0))
        for move in moves:
            days = (today - move.invoice_date_due).days if move.invoice_date_due else 0
            pid = move.commercial_partner_id.id
            invoices[pid].append(
                {
                    "name": move.name,
                    "due": move.invoice_date_due,
                    "days": days,
                    "residual": move.amount_residual_signed,
                    "stage": move.ar_stage_id.name or "",
                }
            )
            aging[pid][aging_bucket(days)] += move.amount_residual_signed
        cr = self.env.cr
        cr.execute(
            SQL(
                """
                SELECT partner_id, COUNT(*), MAX(date)
                  FROM ar_escalation_event
                 WHERE kind = 'external' AND company_id = %s AND partner_id IN %s
              GROUP BY partner_id
                """,
                company.id,
                tuple(partner_ids),
            )
        )
        outreach = {row[0]: row[1:] for row in cr.fetchall()}
        open_promises = self.env["ar.escalation.promise"].search_fetch(
            [("partner_id", "in", partner_ids), ("company_id", "=", company.id), ("state", "=", "open")],
            ["partner_id", "move_id", "date", "amount"],
        )
        promises = defaultdict(list)
        for promise in open_promises:
            promises[promise.partner_id.id].append(promise)
        open_disputes = self.env["ar.escalation.dispute"].search_fetch(
            [("partner_id", "in", partner_ids), ("company_id", "=", company.id), ("state", "=", "open")],
            ["partner_id", "move_id", "code", "note"],
        )
        disputes = defaultdict(list)
        for dispute in open_disputes:
            disputes[dispute.partner_id.id].append(dispute)
        return {
            pid: {
                "invoices": invoices[pid],
                "aging": aging[pid],
                "history": history[pid],
                "outreach": outreach.get(pid, (0, None)),
                "promises": promises[pid],
                "disputes": disputes[pid],
            }
            for pid in partner_ids
        }

    def _ar_account_context(self, company):
        self.ensure_one()
        today = fields.Date.context_today(self)
        cache = self.env.context.get("ar_context_cache")
        if cache is not None and self.id in cache:
            return cache[self.id]
        return self._ar_context_batch([self.id], company, today)[self.id]
