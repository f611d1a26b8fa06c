# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Test before activating: what the ladder would do today, with no side effect."""

from odoo import api, fields, models

from ..engine import decide


class ArEscalationPreview(models.TransientModel):
    _name = "ar.escalation.preview"
    _description = "AR escalation preview"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    line_ids = fields.One2many("ar.escalation.preview.line", "preview_id", "What would happen")
    move_count = fields.Integer("Invoices on the ladder", readonly=True)
    change_count = fields.Integer("Stage changes", readonly=True)
    message_count = fields.Integer("Customer messages", readonly=True)
    limit = fields.Integer("Invoices at most", default=5000)

    def action_compute(self):
        """Evaluate today's book exactly as the scheduled action would, writing nothing but this preview."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        runner = self.env["ar.escalation.runner"]
        moves = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "=", self.company_id.id),
            ],
            order="id",
            limit=self.limit,
        )
        policy, stages = self.env["ar.escalation.stage"]._get_policy(self.company_id)
        rows = runner._ar_read_rows(moves) if moves else {}
        facts, __ = runner._ar_collect(moves, self.company_id, policy, today, rows) if moves else ([], {})
        by_id = {move.id: move for move in moves}
        lines, messages = [], set()
        for fact in facts:
            decision = decide(policy, fact, today)
            if decision.stage is None:
                continue
            move = by_id[fact.invoice_id]
            stage = stages[decision.stage]
            recipients = ""
            if decision.send_external:
                recipients = ", ".join(
                    runner._ar_recipients(stage.contact, move, move.commercial_partner_id).mapped("email")
                )
                # one communication per customer and run, whatever its invoices' stages
                messages.add(move.commercial_partner_id.id)
            lines.append(
                {
                    "move_id": move.id,
                    "current_stage_id": move.ar_stage_id.id if not move.ar_closed_date else False,
                    "new_stage_id": stage.id,
                    "action": decision.action,
                    "reason": decision.reason,
                    "send": decision.send_external,
                    "channel": stage.channel if decision.send_external else "",
                    "recipients": recipients,
                    "hold": decision.hold,
                }
            )
        self.line_ids.unlink()
        self.write(
            {
                "line_ids": [(0, 0, vals) for vals in lines],
                "move_count": len(lines),
                "change_count": sum(1 for vals in lines if vals["action"] == "enter"),
                "message_count": len(messages),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def action_open(self):
        return self.create({}).action_compute()


class ArEscalationPreviewLine(models.TransientModel):
    _name = "ar.escalation.preview.line"
    _description = "AR escalation preview line"
    _order = "new_stage_id desc, move_id"

    preview_id = fields.Many2one("ar.escalation.preview", required=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", "Invoice", readonly=True)
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", string="Customer")
    current_stage_id = fields.Many2one("ar.escalation.stage", "Now", readonly=True)
    new_stage_id = fields.Many2one("ar.escalation.stage", "Would be", readonly=True)
    action = fields.Selection(
        [("enter", "Moves up"), ("stay", "Stays"), ("close", "Closes"), ("none", "No stage")], readonly=True
    )
    reason = fields.Char(readonly=True)
    send = fields.Boolean("Message sent", readonly=True)
    channel = fields.Char(readonly=True)
    recipients = fields.Char("To", readonly=True)
    hold = fields.Char("Not sent because", readonly=True)
