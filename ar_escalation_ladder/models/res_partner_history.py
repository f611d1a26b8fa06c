# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A customer's payment behaviour and account context, read in batch.

A constant number of queries for any number of customers: the runs, the
customer's tab and the owners' activity notes read them for thousands at once.
"""

from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import CustomerHistory, aging_bucket


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model
    def _ar_history_batch(self, partner_ids, company, today):
        """Payment behaviour of commercial partners, keyed by partner id."""
        if not partner_ids:
            return {}
        self.env.flush_all()
        late = self._ar_lateness_batch(partner_ids, company, today)
        promises = self._ar_count_batch(
            SQL(
                """SELECT partner_id, COUNT(*) FILTER (WHERE state = 'kept'),
                          COUNT(*) FILTER (WHERE state = 'broken')
                     FROM ar_escalation_promise
                    WHERE company_id = %s AND partner_id IN %s
                 GROUP BY partner_id""",
                company.id,
                tuple(partner_ids),
            )
        )
        disputes = {
            pid: counts[0]
            for pid, counts in self._ar_count_batch(
                SQL(
                    """SELECT partner_id, COUNT(*) FROM ar_escalation_dispute
                        WHERE company_id = %s AND partner_id IN %s AND state = 'open'
                     GROUP BY partner_id""",
                    company.id,
                    tuple(partner_ids),
                )
            ).items()
        }
        balances = self._ar_balances_batch(partner_ids, company, today)
        for pid in self._ar_early_risk_ids(partner_ids):  # res_partner_segment.py
            balances[pid]["early_risk"] = True
        out = {}
        for pid in partner_ids:
            kept, broken = promises.get(pid, (0, 0))
            balance = balances.get(pid, {})
            # three averages, then where two windows start
            hist, trend = self._ar_history_of(
                late.get(pid, (None,) * 5)[:3], broken, disputes.get(pid, 0), balance, company
            )
            out[pid] = {
                "history": hist,
                "trend": trend,
                "kept": kept,
                "broken": broken,
                "disputes": disputes.get(pid, 0),
                "changes_on": self._ar_history_changes_on(late.get(pid, (None,) * 5)[3:]),
                **balance,
            }
        return out

    @api.model
    def _ar_history_of(self, late, broken, disputes, balance, company):
        """A customer's CustomerHistory and payment trend from its batch figures."""
        avg, recent, before = late
        hist = CustomerHistory(
            avg_days_late_12m=float(avg) if avg is not None else None,
            avg_days_late_recent=float(recent) if recent is not None else None,
            avg_days_late_before=float(before) if before is not None else None,
            broken_promises=broken,
            open_disputes=disputes,
            over_credit_limit=balance.get("over_credit_limit", False),
            early_risk=balance.get("early_risk", False),
        )
        trend = "stable"
        if recent is not None and before is not None:
            delta = float(recent) - float(before)
            threshold = company.ar_worsening_days
            trend = "worsening" if delta >= threshold else "improving" if delta <= -threshold else "stable"
        return hist, trend

    @api.model
    def _ar_history_changes_on(self, window_starts):
        """The next day a paid invoice leaves the 12 months' or the last quarter's average
        (the windows of :meth:`_ar_lateness_batch`), from the earliest due date in each."""
        year_first, quarter_first = window_starts or (None, None)
        days = [year_first + timedelta(days=366) if year_first else None]
        days.append(quarter_first + timedelta(days=91) if quarter_first else None)
        return min((day for day in days if day), default=None)

    @api.model
    def _ar_count_batch(self, query):
        """``{partner id: (counts...)}`` of a query grouped by partner."""
        self.env.cr.execute(query)
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.model
    def _ar_lateness_batch(self, partner_ids, company, today):
        """Average days late of the paid invoices and where their windows start,
        ``{partner id: (12 months, last quarter, before, earliest due in 12 months, in the quarter)}``."""
        return self._ar_count_batch(
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
                       AVG(late) FILTER (WHERE due < %(quarter_ago)s),
                       MIN(due), MIN(due) FILTER (WHERE due >= %(quarter_ago)s)
                  FROM paid GROUP BY partner_id
                """,
                company=company.id,
                partners=tuple(partner_ids),
                year_ago=today - timedelta(days=365),
                quarter_ago=today - timedelta(days=90),
            )
        )

    @api.model
    def _ar_balances_batch(self, partner_ids, company, today):
        """Receivable and overdue totals (company currency) and the credit limit check."""
        self.env.flush_all()
        rows = self._ar_count_batch(
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
        own_limits, fallback = self._ar_credit_limits(partner_ids, company)
        out = {}
        for pid in partner_ids:
            total, overdue = rows.get(pid, (0.0, 0.0))
            total, overdue = float(total or 0.0), float(overdue or 0.0)
            own = own_limits.get(pid)
            limit = own if own is not None else fallback
            # a partner-specific limit applies even when the company-wide check is off
            applies = company.account_use_credit_limit or (own is not None and own != fallback)
            over = bool(applies and limit > 0 and total > limit)
            out[pid] = {"receivable": total, "overdue": overdue, "over_credit_limit": over}
        return out

    @api.model
    def _ar_credit_limits(self, partner_ids, company):
        """The partners' own credit limits in ``company`` (``{partner id: limit}``) and the default one."""
        # credit limits are company-dependent (jsonb keyed by company): read
        # them in SQL rather than loading every partner column through the ORM
        self.env.cr.execute(
            SQL(
                "SELECT id, (credit_limit->>%s)::float FROM res_partner WHERE id IN %s AND credit_limit ? %s",
                str(company.id),
                tuple(partner_ids),
                str(company.id),
            )
        )
        own_limits = dict(self.env.cr.fetchall())
        fallback = (
            self._fields["credit_limit"].get_company_dependent_fallback(self.with_company(company)) or 0.0
        )
        return own_limits, fallback

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
        invoices, aging = self._ar_open_invoices_batch(partner_ids, company, today)
        outreach = self._ar_count_batch(
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
        promises = self._ar_open_records_batch(
            "ar.escalation.promise", ["partner_id", "move_id", "date", "amount"], partner_ids, company
        )
        disputes = self._ar_open_records_batch(
            "ar.escalation.dispute", ["partner_id", "move_id", "code", "note"], partner_ids, company
        )
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

    @api.model
    def _ar_open_invoices_batch(self, partner_ids, company, today):
        """The customers' open invoices (oldest due first) and their aging: two dicts by partner id."""
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
        return invoices, aging

    @api.model
    def _ar_open_records_batch(self, model, field_names, partner_ids, company):
        """The customers' open promises or disputes, ``{partner id: [records]}``."""
        records = self.env[model].search_fetch(
            [("partner_id", "in", partner_ids), ("company_id", "=", company.id), ("state", "=", "open")],
            field_names,
        )
        by_partner = defaultdict(list)
        for record in records:
            by_partner[record.partner_id.id].append(record)
        return by_partner

    def _ar_account_context(self, company):
        self.ensure_one()
        today = fields.Date.context_today(self)
        cache = self.env.context.get("ar_context_cache")
        if cache is not None and self.id in cache:
            return cache[self.id]
        return self._ar_context_batch([self.id], company, today)[self.id]
