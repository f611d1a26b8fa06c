# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Truthful closing and acknowledging, on the invoice.

- *Close case → Paid* only when nothing is open; a case handed to an agency,
  to legal or written off stays closed — no run re-opens it nor writes to the
  customer about it — until an AR manager *reopens* it, with a reason.
- What a closing records as recovered is money received (payments and bank
  statement lines reconciled with the invoice), never what was open.
- An acknowledgement after the SLA deadline stays visible as late.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# closings that take an invoice off the ladder for good (until Reopen): the
# debt is someone else's to collect, or no longer collected
HELD_DISPOSITIONS = ("agency", "legal", "written_off")


class AccountMove(models.Model):
    _inherit = "account.move"

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
        for move in self:
            case = move.ar_case_id
            move.ar_can_acknowledge = bool(
                case and not move.ar_acknowledged_at and case._ar_may_acknowledge()
            )

    @api.depends("ar_closed_date", "ar_disposition")
    def _compute_ar_held_closed(self):
        for move in self:
            move.ar_held_closed = bool(move.ar_closed_date and move.ar_disposition in HELD_DISPOSITIONS)

    # ------------------------------------------------------------------
    # closing and reopening
    # ------------------------------------------------------------------
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
