# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from ..models.ar_escalation_event import DISPOSITIONS


class ArEscalationActionWizard(models.TransientModel):
    """Pause, override the stage of, or close the escalation of invoices: one or a selection.

    From the invoice's buttons, the board (a card dropped on a column) or the
    list's *Action* menu; one reason for all; each invoice gets its event and
    chatter line, and the notification says which were changed and which not.
    """

    _name = "ar.escalation.action.wizard"
    _description = "AR escalation: pause, override or close"

    action = fields.Selection(
        [("pause", "Pause"), ("override", "Override stage"), ("close", "Close the case")],
        required=True,
        default="pause",
    )
    move_ids = fields.Many2many(
        "account.move", string="Invoices", default=lambda self: self.env.context.get("active_ids")
    )
    until = fields.Date("Paused until")
    stage_id = fields.Many2one("ar.escalation.stage", "New stage")
    disposition = fields.Selection(DISPOSITIONS)
    reason = fields.Text(required=True)

    def _ar_targets(self):
        """The selected invoices the action applies to: (targets, left alone with why)."""
        invoices = self.move_ids.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        skipped = [(move, self.env._("not a posted customer invoice")) for move in self.move_ids - invoices]
        if self.action == "close":
            closable = invoices.filtered(lambda m: m.ar_stage_id and not m.ar_closed_date)
            skipped += [(move, self.env._("not on the ladder")) for move in invoices - closable]
            invoices = closable
        elif self.action == "pause":
            open_moves = invoices.filtered(lambda m: m.payment_state in ("not_paid", "partial"))
            skipped += [(move, self.env._("paid")) for move in invoices - open_moves]
            invoices = open_moves
        return invoices, skipped

    def action_confirm(self):
        self.ensure_one()
        reason = (self.reason or "").strip()
        if not reason:
            raise UserError(self.env._("A reason is required."))
        if not self.move_ids:
            raise UserError(self.env._("Choose the invoices."))
        moves, skipped = self._ar_targets()
        if not moves:
            raise UserError(
                self.env._(
                    "Nothing to do: %s",
                    "; ".join(f"{move.display_name} ({why})" for move, why in skipped[:10]),
                )
            )
        _ = self.env._
        if self.action == "pause":
            if not self.until or self.until <= fields.Date.context_today(self):
                raise UserError(_("Pause until a date in the future."))
            moves._ar_pause(self.until, reason)
            done = _(
                "Paused until %(until)s: %(invoices)s", until=format_date(self.env, self.until), invoices="%s"
            )
        elif self.action == "override":
            if not self.env.user.has_group("ar_escalation_ladder.group_ar_manager"):
                raise UserError(_("Only an AR manager can override a stage."))
            if not self.stage_id:
                raise UserError(_("Choose the stage."))
            moves._ar_override(self.stage_id, reason)
            done = _("Moved to %(stage)s: %(invoices)s", stage=self.stage_id.name, invoices="%s")
        else:
            if not self.disposition:
                raise UserError(_("Choose how the case closes."))
            # refused as Paid while money is open; recorded as the user's
            moves._ar_close_by_hand(self.disposition, reason)
            label = dict(self._fields["disposition"]._description_selection(self.env))[self.disposition]
            done = _("Closed (%(disposition)s): %(invoices)s", disposition=label, invoices="%s")
        if len(self.move_ids) == 1:
            # from the invoice or a card: the form or the board shows the result
            return {"type": "ir.actions.act_window_close"}
        lines = [done % ", ".join(moves[:10].mapped("display_name"))]
        lines += [
            _("Left alone: %(invoice)s (%(why)s)", invoice=move.display_name, why=why)
            for move, why in skipped
        ]
        title = dict(self._fields["action"]._description_selection(self.env))[self.action]
        return self.env["ar.escalation.everyday"]._ar_notify(title, lines, in_dialog=True)
