# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's segments: from its payment behaviour, and by rule.

The fields are the segmentation run's (ar_escalation_segment_run.py), written
as the superuser: people read them, nobody types them. The run's readers are
here: every customer's posted invoices of the last two years with the date
each was settled, its disputes and broken promises, read with a fixed number
of queries for the whole company.
"""

import json
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..engine.segment import CustomerRecord, InvoiceRecord
from ..engine.segment_rules import RuleFacts
from ..engine.vocabulary import phrases_to_json
from .ar_escalation_access import is_ladder_write
from .ar_escalation_segment_words import segment_text

HISTORY_DAYS = 730  # the segmentation reads two years of invoices
SEGMENT_FIELDS = frozenset(
    {"ar_segment_id", "ar_rule_segment_id", "ar_segment_data", "ar_early_risk", "ar_segment_date"}
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_segment_id = fields.Many2one(
        "ar.escalation.segment", "Behaviour segment", readonly=True, copy=False, index=True
    )
    ar_rule_segment_id = fields.Many2one(
        "ar.escalation.segment", "Rule segment", readonly=True, copy=False, index=True
    )
    ar_segment_data = fields.Json(
        "Segment reasons", readonly=True, copy=False, help="Why the customer is in its segment, as phrases."
    )
    ar_segment_reason = fields.Char("Why this segment", compute="_compute_ar_segment_reason")
    ar_early_risk = fields.Boolean(
        "Early risk",
        readonly=True,
        copy=False,
        help="Nothing overdue, but paying later and later: a risk signal the preventive stage counts.",
    )
    ar_segment_date = fields.Date(
        "Segmented on", readonly=True, copy=False, help="The run that last changed the customer's segments."
    )

    @api.depends("ar_segment_data")
    @api.depends_context("lang")
    def _compute_ar_segment_reason(self):
        for partner in self:
            why = (partner.ar_segment_data or {}).get("why")
            partner.ar_segment_reason = segment_text(self.env, why) if why else False

    @api.model_create_multi
    def create(self, vals_list):
        if any(SEGMENT_FIELDS & set(vals) for vals in vals_list):
            self._ar_check_segment_write()
        return super().create(vals_list)

    def write(self, vals):
        # the segments are computed: only the run writes them
        if SEGMENT_FIELDS & set(vals):
            self._ar_check_segment_write()
        return super().write(vals)

    def _ar_check_segment_write(self):
        if not is_ladder_write(self.env):
            raise AccessError(
                self.env._("A customer's segments are set by the segmentation run, not by hand.")
            )

    @api.model
    def _ar_early_risk_ids(self, partner_ids):
        """Which of ``partner_ids`` the last run found current but deteriorating (one query)."""
        self.env.cr.execute(
            SQL("SELECT id FROM res_partner WHERE id IN %s AND ar_early_risk", tuple(partner_ids))
        )
        return {row[0] for row in self.env.cr.fetchall()}

    # ------------------------------------------------------------------
    # the run's readers
    # ------------------------------------------------------------------
    @api.model
    def _ar_segment_book(self, company, today):
        """The company's customers as the engine reads them, read in three queries.

        Returns ``{partner id: CustomerRecord}`` and ``{partner id: RuleFacts}``:
        the customers invoiced in the company, its own, those its last run
        segmented, and customers never invoiced and never segmented. A customer
        shared with another company and segmented there, not invoiced here,
        keeps that company's segment.
        """
        self.env.flush_all()
        rows = self._ar_segment_invoice_rows(company, today)
        broken = self._ar_count_batch(
            SQL(
                """SELECT partner_id, COUNT(*) FROM ar_escalation_promise
                    WHERE company_id = %s AND state = 'broken' AND date >= %s
                 GROUP BY partner_id""",
                company.id,
                today - timedelta(days=HISTORY_DAYS),
            )
        )
        self.env.cr.execute(
            SQL(
                """SELECT p.id, p.ar_account_tier FROM res_partner p
                LEFT JOIN ar_escalation_segment s ON s.id = p.ar_segment_id
                    WHERE p.parent_id IS NULL AND p.active
                      AND (p.company_id IS NULL OR p.company_id = %(company)s)
                      AND (p.id IN %(invoiced)s OR p.company_id = %(company)s OR s.company_id = %(company)s
                           OR (p.ar_segment_id IS NULL AND p.customer_rank > 0))
                 ORDER BY p.id""",
                company=company.id,
                invoiced=tuple(rows) or (0,),
            )
        )
        tiers = dict(self.env.cr.fetchall())
        book, facts = {}, {}
        for pid, tier in tiers.items():
            invoices, oldest_open = rows.get(pid, ([], None))
            book[pid] = CustomerRecord(pid, invoices, broken.get(pid, (0,))[0])
            amounts = [inv.amount for inv in invoices]
            average = sum(amounts) / len(amounts) if amounts else None
            facts[pid] = RuleFacts(tier or "standard", oldest_open and (today - oldest_open).days, average)
        return book, facts

    @api.model
    def _ar_segment_invoice_rows(self, company, today):
        """``{partner id: ([InvoiceRecord], due date of the oldest open invoice)}`` in one query."""
        self.env.cr.execute(
            SQL(
                """
                SELECT m.commercial_partner_id, m.invoice_date, m.invoice_date_due,
                       m.amount_total_signed, m.payment_state, MAX(apr.max_date),
                       BOOL_OR(d.id IS NOT NULL)
                  FROM account_move m
                  LEFT JOIN account_move_line l ON l.move_id = m.id AND l.display_type = 'payment_term'
                  LEFT JOIN account_partial_reconcile apr ON apr.debit_move_id = l.id
                  LEFT JOIN ar_escalation_dispute d ON d.move_id = m.id
                 WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
                   AND m.payment_state != 'reversed' AND m.company_id = %s
                   AND m.invoice_date_due >= %s
              GROUP BY m.id
                """,
                company.id,
                today - timedelta(days=HISTORY_DAYS),
            )
        )
        invoices, oldest = defaultdict(list), {}
        for pid, issued, due, amount, state, settled_on, disputed in self.env.cr.fetchall():
            settled = state in ("paid", "in_payment")
            paid = (settled_on or due) if settled else None
            invoices[pid].append(InvoiceRecord(due, float(amount or 0.0), issued, paid, bool(disputed)))
            if not settled and (pid not in oldest or due < oldest[pid]):
                oldest[pid] = due
        return {pid: (records, oldest.get(pid)) for pid, records in invoices.items()}

    # ------------------------------------------------------------------
    # the run's writes
    # ------------------------------------------------------------------
    @api.model
    def _ar_write_segments(self, vals_by_id):
        """Write the segment fields, one ``write`` per set of equal values (as the superuser).

        sudo: the fields are the system's (a person's write of them is refused).
        """
        groups = {}
        for pid, vals in vals_by_id.items():
            key = json.dumps(vals, sort_keys=True, default=str)
            groups.setdefault(key, (vals, []))[1].append(pid)
        for vals, ids in groups.values():
            # no field written here is tracked: the change of segment is logged by
            # _ar_log_segment_changes, once per customer
            self.browse(ids).sudo().with_context(tracking_disable=True).write(vals)
        return len(groups)

    def _ar_segment_values_differ(self, vals):
        """Whether ``vals`` change the customer's segment fields (the date aside): unchanged
        customers are not written, and keep the date their segment was last found."""
        current = {
            "ar_segment_id": self.ar_segment_id.id,
            "ar_rule_segment_id": self.ar_rule_segment_id.id,
            "ar_early_risk": self.ar_early_risk,
            "ar_segment_data": self.ar_segment_data,
        }
        return any(current[name] != value for name, value in vals.items() if name in current)

    @api.model
    def _ar_log_segment_changes(self, changes):
        """One chatter note per customer whose behaviour segment changed: ``{id: (old, new)}``."""
        if not changes:
            return
        # the segments named, read together (a run has a handful)
        segment_ids = {segment_id for pair in changes.values() for segment_id in pair if segment_id}
        segments = self.env["ar.escalation.segment"].with_context(active_test=False).browse(segment_ids)
        names = {segment.id: segment.display_name for segment in segments}
        none = self.env._("no segment")
        bodies = {}
        for pid, (old, new) in changes.items():
            text = self.env._(
                "Behaviour segment: %(old)s → %(new)s",
                old=names.get(old, none),
                new=names.get(new, none),
            )
            bodies[pid] = Markup("<p>%s</p>") % escape(text)
        # sudo: a log line on the customer is the run's record, whoever pressed the button
        self.browse(list(bodies)).sudo()._message_log_batch(bodies)

    @api.model
    def _ar_apply_segment_result(self, result, segment_ids, rule_of, today):
        """Write a run's outcome on its customers; the ids whose segments changed.

        ``segment_ids`` maps the run's segment keys to records; None (the
        behaviour segmentation unavailable) keeps the behaviour segments as
        they were, the early-risk flag and the rule segments are written anyway.
        """
        partners = self.browse(list(result.customers))
        partners.fetch(["ar_segment_id", "ar_rule_segment_id", "ar_early_risk", "ar_segment_data"])
        vals_by_id, logged, changed = {}, {}, []
        for partner in partners:
            customer = result.customers[partner.id]
            vals = {
                "ar_rule_segment_id": rule_of.get(partner.id) or False,
                "ar_early_risk": customer.early_risk,
                "ar_segment_date": today,
            }
            old = partner.ar_segment_id.id
            new = old
            if segment_ids is not None:
                new = segment_ids.get(customer.segment, False) if customer.segment else False
                vals["ar_segment_id"] = new
                vals["ar_segment_data"] = {"why": phrases_to_json(customer.why)}
            if new != old:
                logged[partner.id] = (old, new)
            if new != old or vals["ar_rule_segment_id"] != partner.ar_rule_segment_id.id:
                changed.append(partner.id)
            if partner._ar_segment_values_differ(vals):
                vals_by_id[partner.id] = vals
        self._ar_write_segments(vals_by_id)
        self._ar_log_segment_changes(logged)
        return changed
