# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the ladder writes and records on invoices: its bookkeeping, events, re-evaluation."""

import json
import logging
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from .ar_escalation_access import ladder_context, portal_author_id

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


class AccountMove(models.Model):
    _inherit = "account.move"

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

    def _ar_override(self, stage, reason):
        """Move to ``stage`` by hand (up or down), with a mandatory reason."""
        self.company_id._ar_check_live()  # go-live gate
        self.env["ar.escalation.apply"]._ar_override(self, stage, reason)

    def _ar_close(self, disposition, reason=""):
        self.env["ar.escalation.apply"]._ar_close(self, disposition, reason)

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
        """One event about this invoice, at its stage and in its case (with its chatter line)."""
        self.ensure_one()
        Event = self.env["ar.escalation.event"]
        return Event._ar_log(
            [
                Event._prepare_event_vals(
                    self, kind, self.ar_stage_id, reason, case_id=self.ar_case_id.id, **vals
                )
            ]
        )

    def _ar_customer_responded(self):
        self._ar_write({"ar_last_response_date": fields.Datetime.now(), "ar_unanswered_since": {}})

    def _ar_payment_changed(self):
        """A payment or credit note changed what is open: the customer responded, and the invoices
        are marked for the ladder's next run, a few seconds later, which settles their promises and
        evaluates them (models/ar_escalation_pending.py), outside the payment's transaction."""
        moves = self._ar_escalation_scope()
        if not moves or self.env.context.get("ar_no_reevaluate"):
            return
        # sudo: the ladder's bookkeeping of a payment is the system's, whoever
        # registered it (an accountant without AR rights has none on the ladder)
        moves = moves.sudo()
        # nothing the ladder does may make a payment fail: what raises here is
        # rolled back to this savepoint and logged; the payment goes through
        try:
            with self.env.cr.savepoint():
                moves._ar_customer_responded()
                self.env["ar.escalation.pending"]._ar_mark(moves)
        except Exception as exc:  # noqa: BLE001 - the payment goes through whatever the ladder raises
            if self.env["ar.escalation.runner"]._ar_is_concurrency_error(exc):
                raise  # a conflict, not an error: the whole transaction is retried
            _logger.exception("AR escalation: could not note the payment on %s", moves.mapped("display_name"))

    def _ar_reevaluate(self):
        """Evaluate the invoices again at the ladder's next run, a few seconds from now.

        What the user or the customer changed (a promise, a dispute, a pause
        lifted, a case reopened) is not escalated inside their transaction:
        the invoices are marked pending and the scheduled action is woken up.
        """
        if not self.env.context.get("ar_no_reevaluate"):
            self.env["ar.escalation.pending"]._ar_mark(self)

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
