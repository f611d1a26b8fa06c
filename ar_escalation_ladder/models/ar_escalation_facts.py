# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The engine's boundary: the facts of a batch of invoices, read with a fixed number of queries.

``ar.escalation.facts`` reads the invoice and customer columns the rules need
in one query (:meth:`_ar_read_rows`), adds the customers' history, and hands
the engine one :class:`~..engine.InvoiceFacts` per invoice
(:meth:`_ar_collect`). An addon whose rule kind needs facts of its own
extends :meth:`_get_extra_facts`; one with more checks of whether an invoice
is payable as sent extends :meth:`_ar_hygiene_blockers`.
"""

import functools
from collections import defaultdict
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize

from ..engine import RULE_KINDS, InvoiceFacts, decide, risk_signals
from .ar_escalation_event import HELD_DISPOSITIONS

PAID_STATES = ("paid", "in_payment", "reversed")

# trust (issue 12): an invoice closed off the ladder (agency, legal, written
# off) is neither evaluated nor listed to its customer until it is reopened
NOT_HELD_CLOSED = SQL(
    "(m.ar_closed_date IS NULL OR m.ar_disposition IS NULL OR m.ar_disposition NOT IN %s)",
    HELD_DISPOSITIONS,
)

ROWS_QUERY = """
    SELECT m.id, m.company_id, m.commercial_partner_id, m.invoice_date_due,
           m.amount_residual_signed, m.payment_state, m.ref, m.ar_stage_entries,
           m.ar_broken_promise_count, m.ar_dispute_state, m.ar_promise_date, m.ar_pause_until,
           m.ar_contact_attempts, m.ar_last_contact_date, m.ar_last_contact_channel,
           m.ar_unanswered_since,
           m.ar_closed_date, m.ar_hygiene, m.ar_error, entry.amount AS ar_stage_residual,
           m.ar_acknowledged_at, m.ar_disposition, m.ar_next_check, m.ar_go_live_capped, m.ar_stage_date,
           s.sequence AS stage_level, s.track_id AS stage_track_id, m.ar_stage_id,
           cp.ar_track_id AS customer_track_id, cp.ar_account_tier,
           c.message_approved_at IS NOT NULL AS ar_message_approved,
           cp.ar_pause_until AS partner_pause_until, cp.ar_requires_ref,
           ip.email AS invoice_partner_email, cp.email AS customer_email,
           ec.email AS escalation_contact_email
      FROM account_move m
      JOIN res_partner cp ON cp.id = m.commercial_partner_id
 LEFT JOIN res_partner ip ON ip.id = m.partner_id
 LEFT JOIN res_partner ec ON ec.id = cp.ar_escalation_contact_id
 LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
 LEFT JOIN ar_escalation_case c ON c.id = m.ar_case_id
 LEFT JOIN LATERAL (
            SELECT e.amount FROM ar_escalation_event e
             WHERE e.move_id = m.id AND e.kind IN ('stage', 'override')
          ORDER BY e.id DESC LIMIT 1
           ) entry ON m.ar_stage_id IS NOT NULL
     WHERE m.id IN %s AND %s
  ORDER BY m.id
"""


@functools.lru_cache(maxsize=8192)
def _is_email(value):
    """Whether ``value`` is an email address (the customers' few addresses recur on every invoice)."""
    return bool(email_normalize(value or ""))


def _days_overdue(row, today):
    due = row["invoice_date_due"]
    return (today - due).days if due else 0


def _unanswered_since(row):
    return {int(level): date.fromisoformat(day) for level, day in (row["ar_unanswered_since"] or {}).items()}


class ArEscalationFacts(models.AbstractModel):
    _name = "ar.escalation.facts"
    _description = "AR escalation: the facts of a batch of invoices"

    @api.model
    def _ar_read_rows(self, moves):
        """The invoice and customer columns the rules need, for a whole batch, in one query.

        ORM attribute access on thousands of records costs more than the
        whole evaluation; deleted invoices simply do not come back.
        """
        self.env.flush_all()
        self.env.cr.execute(SQL(ROWS_QUERY, tuple(moves.ids), NOT_HELD_CLOSED))
        return {row["id"]: row for row in self.env.cr.dictfetchall()}

    @api.model
    def _ar_rows_by_company(self, moves):
        """The batch's rows grouped by company: ``{company id: {invoice id: row}}``."""
        by_company = defaultdict(dict)
        for move_id, row in self._ar_read_rows(moves).items():
            by_company[row["company_id"]][move_id] = row
        return by_company

    @api.model
    def _ar_collect(self, moves, company, policy, today, rows):
        """Facts for every invoice of the batch, from its rows and a few history queries.

        Returns ``(facts, data)``: data holds the customers' ``history`` and
        the ``rows``, which applying the decisions reads again.
        """
        by_id = {move.id: move for move in moves}
        partner_ids = list({row["commercial_partner_id"] for row in rows.values()})
        history = self.env["res.partner"]._ar_history_batch(partner_ids, company, today)
        signals = {pid: risk_signals(hist["history"], policy) for pid, hist in history.items()}
        extra = self._get_extra_facts(company, moves, rows)
        context = {
            "today": today,
            "grace": timedelta(days=policy.promise_grace_days),
            "history": history,
            "signals": signals,
            # the customers' history windows move the facts only of a policy that reads them
            "windows": "risk_signals" in RULE_KINDS.reads(policy),
        }
        facts = [
            self._ar_fact(row, by_id[row["id"]], company, context, extra.get(row["id"], {}))
            for row in rows.values()
        ]
        return facts, {"history": history, "rows": rows}

    @api.model
    def _ar_fact(self, row, move, company, context, extra):
        """One invoice's facts, from its row and its customer's history."""
        today = context["today"]
        pid = row["commercial_partner_id"]
        hist = context["history"][pid]
        residual = abs(row["amount_residual_signed"] or 0.0)
        pauses = [day for day in (row["ar_pause_until"], row["partner_pause_until"]) if day and day >= today]
        current = row["stage_level"] if not row["ar_closed_date"] else None
        promised = row["ar_promise_date"]
        promise_until = promised + context["grace"] if promised else None
        last_contact = row["ar_last_contact_date"]
        return InvoiceFacts(
            invoice_id=row["id"],
            partner_id=pid,
            days_overdue=_days_overdue(row, today),
            residual=residual,
            customer_overdue=hist.get("overdue", 0.0),
            over_credit_limit=hist.get("over_credit_limit", False),
            broken_promises_invoice=row["ar_broken_promise_count"] or 0,
            broken_promises_customer=hist["broken"],
            open_dispute=row["ar_dispute_state"] == "open",
            account_tier=row["ar_account_tier"] or "standard",
            risk_signals=context["signals"][pid],
            unanswered_since=_unanswered_since(row),
            current_stage=current,
            paid=row["payment_state"] in PAID_STATES or residual <= 0,
            paused=bool(pauses),
            promise_holds=bool(promise_until and promise_until >= today),
            hygiene_blockers=self._ar_hygiene_blockers(move, company, row),
            message_approved=bool(row["ar_message_approved"]),
            external_attempts=(row["ar_contact_attempts"] or 0) if current is not None else 0,
            last_external=last_contact.date() if last_contact else None,
            extra=extra,
            paused_until=max(pauses, default=None),
            promise_until=promise_until,
            stage_since=self._ar_climbing_since(row),
            customer_changes_on=hist.get("changes_on") if context["windows"] else None,
        )

    @staticmethod
    def _ar_climbing_since(row):
        """The day an invoice climbing from the go-live cap entered its stage (None if not climbing)."""
        return row["ar_stage_date"].date() if row["ar_go_live_capped"] and row["ar_stage_date"] else None

    @api.model
    def _get_extra_facts(self, company, moves, rows):
        """Facts an addon's rule kinds read, per invoice: ``{invoice id: {key: value}}`` (hook).

        The engine's matcher of such a kind reads them from ``facts.extra``.
        Read them for the whole batch at once (``rows`` holds the invoices'
        columns, by id): this is called once per batch and company.
        """
        return {}

    @api.model
    def _ar_hygiene_blockers(self, move, company, row=None):
        """Why an invoice is not payable as sent (hook: extend for more checks).

        ``row`` holds the invoice's columns read by :meth:`_ar_read_rows`;
        without it the invoice record is read.
        """
        if row is None:
            partner = move.commercial_partner_id
            row = {
                "invoice_partner_email": move.partner_id.email,
                "customer_email": partner.email,
                "escalation_contact_email": partner.ar_escalation_contact_id.email,
                "ar_requires_ref": partner.ar_requires_ref,
                "ref": move.ref,
            }
        blockers = []
        emails = (row["invoice_partner_email"], row["customer_email"], row["escalation_contact_email"])
        if company.ar_hygiene_require_email and not any(_is_email(email) for email in emails):
            blockers.append(
                self.env._("no valid email address to reach the customer")
                if any(emails)
                else self.env._("no email address to reach the customer")
            )
        if company.ar_hygiene_require_ref and row["ar_requires_ref"] and not row["ref"]:
            blockers.append(self.env._("the customer's reference (PO) is missing"))
        return tuple(blockers)

    @api.model
    def _ar_rows_by_track(self, rows):
        """A company's rows grouped by their customer's track: ``{track: {invoice id: row}}``.

        A customer on no track, or on one no longer active, is on the default
        track. An invoice whose stage is of another track than its customer's
        (the customer changed track) has no current stage on this one: it
        takes the stage its new track gives it.
        """
        Track = self.env["ar.escalation.track"]
        default = Track._ar_default_track()
        live = Track.search([("state", "=", "active")])
        by_track = defaultdict(dict)
        for move_id, row in rows.items():
            track = live.browse(row["customer_track_id"]) if row["customer_track_id"] in live.ids else default
            if row["stage_track_id"] and row["stage_track_id"] != track.id:
                row = {**row, "stage_level": None}
            by_track[track][move_id] = row
        return by_track

    @api.model
    def _ar_decide(self, moves, today):
        """The engine's decision for each invoice as it stands now, nothing written: ``{id: decision}``."""
        decisions = {}
        for company_id, company_rows in (self._ar_rows_by_company(moves) if moves else {}).items():
            company = self.env["res.company"].browse(company_id)
            for track, rows in self._ar_rows_by_track(company_rows).items():
                policy, __ = self.env["ar.escalation.stage"]._get_policy(company, track)
                facts, __ = self._ar_collect(moves.browse(list(rows)), company, policy, today, rows)
                decisions.update((fact.invoice_id, decide(policy, fact, today)) for fact in facts)
        return decisions

    @api.model
    def _ar_explain(self, moves):
        """Why each invoice is at its stage today, as the engine decides it now: ``{id: phrases}``.

        Read for display (the invoice's "Escalation reason"), so that a day
        count in the text is never stale and the daily run does not rewrite
        every invoice to keep it current.
        """
        decisions = self._ar_decide(moves, fields.Date.context_today(self))
        return {move_id: decision.reasons for move_id, decision in decisions.items()}
