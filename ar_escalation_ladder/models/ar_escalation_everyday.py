# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What an everyday action did, in words: the notification a button answers with.

*Escalate now* says, invoice by invoice, where the ladder left it and why
("INV/2026/00004 stays at Early: last reminder 3 days ago, next in 4 days");
the bulk actions say how many invoices they changed and which they left alone.
"""

from odoo import api, fields, models
from odoo.tools import format_date

from ..engine.vocabulary import as_phrases
from .ar_escalation_format import reason_text

# lines of a notification before "and N more"
NOTIFY_MAX_LINES = 10


class ArEscalationEveryday(models.AbstractModel):
    _name = "ar.escalation.everyday"
    _description = "AR escalation: what an action did, in words"

    @api.model
    def _ar_notify(self, title, lines, level="success", in_dialog=False):
        """A ``display_notification`` client action, then the view reloads (or the dialog closes)."""
        lines = [line for line in lines if line]
        if len(lines) > NOTIFY_MAX_LINES:
            more = len(lines) - NOTIFY_MAX_LINES
            lines = lines[:NOTIFY_MAX_LINES] + [self.env._("… and %s more.", more)]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": "\n".join(lines),
                "type": level,
                "className": "o_ar_notification",  # one line each (static/src/scss)
                # several lines are read, not glimpsed
                "sticky": len(lines) > 1 or level != "success",
                "next": (
                    {"type": "ir.actions.act_window_close"}
                    if in_dialog
                    else {"type": "ir.actions.client", "tag": "soft_reload"}
                ),
            },
        }

    @api.model
    def _ar_days(self, days):
        return self.env._("1 day") if days == 1 else self.env._("%s days", days)

    @api.model
    def _ar_ago(self, day, today):
        days = (today - day).days
        if days <= 0:
            return self.env._("today")
        if days == 1:
            return self.env._("yesterday")
        return self.env._("%s days ago", days)

    @api.model
    def _ar_snapshot(self, moves):
        """What *Escalate now* compares with: each invoice's stage, last contact and closing."""
        return {
            move.id: (move.ar_stage_id, move.ar_last_contact_date, move.ar_closed_date, move.ar_error)
            for move in moves
        }

    @api.model
    def _ar_escalate_now_lines(self, moves, before):
        """One sentence per invoice: what *Escalate now* did to it, or why nothing changed."""
        moves.invalidate_recordset()
        today = fields.Date.context_today(self)
        staying = moves.filtered(lambda m: m.ar_stage_id and not m.ar_closed_date)
        # why an invoice off the ladder stays off, for all of them at once
        # (the facts unit explains a batch with a fixed number of queries)
        unexplained = moves.filtered(
            lambda m: (
                not m.ar_stage_id and not m.ar_reason and m.move_type == "out_invoice" and m.state == "posted"
            )
        )
        known = {
            "today": today,
            "decisions": self.env["ar.escalation.facts"]._ar_decide(staying, today),
            "explained": self.env["ar.escalation.facts"]._ar_explain(unexplained) if unexplained else {},
        }
        return [
            self._ar_escalate_now_line(move, before.get(move.id, (move.browse(), False, False, False)), known)
            for move in moves
        ]

    @api.model
    def _ar_escalate_now_line(self, move, before, known):
        """What *Escalate now* did to ``move`` (``before``: its stage, last contact and closing)."""
        _ = self.env._
        old_stage, old_contact, old_closed, __ = before
        contacted = move.ar_last_contact_date and move.ar_last_contact_date != old_contact
        if move.ar_error:
            return _("%(invoice)s: escalation failed: %(error)s", invoice=move.name, error=move.ar_error)
        if move.ar_closed_date and not old_closed:
            return _("%s is paid: its escalation is closed.", move.name)
        if move.ar_closed_date:
            return _("%s is closed: the ladder leaves it alone until it is reopened.", move.name)
        if not move.ar_stage_id:
            return _(
                "%(invoice)s is not on the ladder: %(reason)s",
                invoice=move.name,
                reason=self._ar_off_ladder_reason(move, known["explained"]),
            )
        if move.ar_stage_id != old_stage:
            template = (
                _("%(invoice)s moves from %(old)s to %(new)s: %(reason)s%(sent)s")
                if old_stage
                else _("%(invoice)s enters %(new)s: %(reason)s%(sent)s")
            )
            return template % {
                "invoice": move.name,
                "old": old_stage.name,
                "new": move.ar_stage_id.name,
                "reason": move.ar_reason or "",
                "sent": _("; the customer was sent a reminder now") if contacted else "",
            }
        if contacted:
            return _(
                "%(invoice)s stays at %(stage)s: the customer was sent a reminder now",
                invoice=move.name,
                stage=move.ar_stage_id.name,
            )
        why = self._ar_why_nothing_sent(move, known["decisions"].get(move.id), known["today"])
        return _(
            "%(invoice)s stays at %(stage)s: %(why)s", invoice=move.name, stage=move.ar_stage_id.name, why=why
        )

    @api.model
    def _ar_off_ladder_reason(self, move, explained):
        """Why an invoice is not on the ladder, in words."""
        if move.move_type != "out_invoice" or move.state != "posted":
            return self.env._("only posted customer invoices are escalated")
        return move.ar_reason or reason_text(self.env, move.company_id, as_phrases(explained.get(move.id)))

    @api.model
    def _ar_why_nothing_sent(self, move, decision, today):
        """Why an invoice that stays at its stage gets no message now, in words."""
        _ = self.env._
        stage = move.ar_stage_id
        hold = decision.hold if decision else ""
        last = move.ar_last_contact_date and fields.Date.to_date(move.ar_last_contact_date)
        if hold == "not_due_yet" and last:
            wait = max(stage.cadence_days - (today - last).days, 1)
            return _(
                "last reminder %(ago)s, next in %(days)s",
                ago=self._ar_ago(last, today),
                days=self._ar_days(wait),
            )
        if hold == "cadence_complete":
            if last:
                return _(
                    "all %(count)s reminders of the stage were sent, the last %(ago)s",
                    count=move.ar_contact_attempts,
                    ago=self._ar_ago(last, today),
                )
            return _("the stage's reminders are complete")
        if hold == "paused":
            dates = [d for d in (move.ar_pause_until, move.commercial_partner_id.ar_pause_until) if d]
            if not dates:
                return _("escalation is paused")
            return _("escalation is paused until %s", format_date(self.env, max(dates)))
        if hold == "open_dispute":
            return _("a dispute is open: reminders wait until it is resolved")
        if hold == "promise_holds":
            return _("a promise to pay by %s holds", format_date(self.env, move.ar_promise_date))
        if hold == "not_payable":
            return _("not payable as sent (%s)", move.ar_hygiene or "")
        if hold == "no_channel":
            return _("this stage sends the customer no message; its owner has the escalation")
        if hold == "awaiting_approval":
            return _("the stage's message waits for the account manager's approval on the escalation")
        return move.ar_reason or _("nothing is due today")
