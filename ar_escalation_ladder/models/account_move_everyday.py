# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The everyday actions on invoices: promise, dispute, pause and resume, close by hand, reopen."""

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .ar_escalation_access import ladder_context
from .ar_escalation_dispute import text_as_html


class AccountMove(models.Model):
    _inherit = "account.move"

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
        the owner's *AR dispute* activity is marked done with it; dunning resumes at the next run."""
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
        self.env["ar.escalation.apply"]._ar_close(self, disposition, reason, user=self.env.user)

    def _ar_reopen(self, reason):
        """Put invoices closed off the ladder (agency, legal, written off) back on it.

        The closing is undone and the invoice enters the ladder again at the
        stage its age gives, as a new stay (a new case, the owner's activity);
        it is evaluated at the ladder's next run, a few seconds later, as after
        other actions that lift a hold.
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
        labels = dict(self.env["ar.escalation.event"]._fields["disposition"]._description_selection(self.env))
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
