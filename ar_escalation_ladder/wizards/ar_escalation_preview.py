# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Test before activating: what the ladder would do today, with no side effect."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import format_date

from ..engine import decide, render
from ..engine.vocabulary import HOLD_SELECTION
from ..models.ar_escalation_format import reason_words


class ArEscalationPreview(models.TransientModel):
    _name = "ar.escalation.preview"
    _description = "AR escalation preview"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    line_ids = fields.One2many("ar.escalation.preview.line", "preview_id", "What would happen")
    move_count = fields.Integer("Invoices on the ladder", readonly=True)
    change_count = fields.Integer("Stage changes", readonly=True)
    message_count = fields.Integer("Customer messages", readonly=True)
    limit = fields.Integer("Invoices at most", default=5000)
    date = fields.Date("As of", default=fields.Date.context_today, readonly=True)

    @api.depends("date", "company_id")
    def _compute_display_name(self):
        for preview in self:
            preview.display_name = self.env._(
                "What the ladder would do on %(date)s", date=format_date(self.env, preview.date)
            )

    def action_compute(self):
        """Evaluate today's book exactly as the scheduled action would, writing nothing but this preview."""
        self.ensure_one()
        rows = self._ar_preview(self.company_id, self.limit)
        lines = [vals for vals, __, __ in rows]
        messages = {partner_id for vals, partner_id, __ in rows if vals["send"]}
        self.line_ids.unlink()
        self.write(
            {
                "line_ids": [(0, 0, vals) for vals in lines],
                "move_count": len(lines),
                "change_count": sum(1 for vals in lines if vals["action"] == "enter"),
                "message_count": len(messages),
                "date": fields.Date.context_today(self),
            }
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Escalation preview"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    @api.model
    def _ar_preview(self, company, limit=5000, cap_stage=None):
        """What a run would do today for ``company``'s book, written nowhere.

        Returns ``[(line values, customer id, stage level)]``, one per invoice
        that has or gets a stage. ``cap_stage``: the go-live cap to apply
        (the activation wizard's choice), else the company's.
        """
        today = fields.Date.context_today(self)
        moves = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("company_id", "=", company.id),
            ],
            order="id",
            limit=limit,
        )
        if not moves:
            return []
        facts, decisions, stage_of = self._ar_preview_decisions(company, moves, cap_stage, today)
        by_id = {move.id: move for move in moves}
        facts_of = {fact.invoice_id: fact for fact in facts}
        words = reason_words(self.env, company)
        result = []
        for decision in decisions:
            if decision.stage is None:
                continue
            move = by_id[decision.invoice_id]
            result.append(
                (
                    self._ar_preview_vals(
                        decision, facts_of[move.id], move, stage_of[decision.invoice_id], words, today
                    ),
                    move.commercial_partner_id.id,
                    decision.stage,
                )
            )
        return result

    @api.model
    def _ar_preview_decisions(self, company, moves, cap_stage, today):
        """The facts and the engine's decisions for ``moves``, track by track, go-live cap applied.

        Nothing written. Returns ``(facts, decisions, {invoice id: its stage record})``.
        """
        Facts = self.env["ar.escalation.facts"]
        all_facts, all_decisions, stage_of = [], [], {}
        for track, rows in Facts._ar_rows_by_track(Facts._ar_read_rows(moves)).items():
            facts, decisions, stages = self._ar_preview_track(
                company, track, moves.browse(list(rows)), rows, cap_stage, today
            )
            stage_of.update((d.invoice_id, stages[d.stage]) for d in decisions if d.stage is not None)
            all_facts += facts
            all_decisions += decisions
        return all_facts, all_decisions, stage_of

    @api.model
    def _ar_preview_track(self, company, track, moves, rows, cap_stage, today):
        """One track's facts, decisions (go-live cap applied) and stages by level."""
        policy, stages = self.env["ar.escalation.stage"]._get_policy(company, track)
        facts, __ = self.env["ar.escalation.facts"]._ar_collect(moves, company, policy, today, rows)
        decisions = self.env["ar.escalation.runner"]._ar_go_live_decisions(
            company, facts, [decide(policy, f, today) for f in facts], policy, today, cap_stage, write=False
        )
        return facts, decisions, stages

    @api.model
    def _ar_preview_vals(self, decision, fact, move, stage, words, today):
        """A preview line: the invoice's stage now and after the run, why, and who would be written to."""
        recipients = ""
        if decision.send_external:
            recipients = ", ".join(
                self.env["ar.escalation.delivery"]
                ._ar_recipients(stage.contact, move, move.commercial_partner_id)
                .mapped("email")
            )
        return {
            "move_id": move.id,
            "current_stage_id": move.ar_stage_id.id if not move.ar_closed_date else False,
            "new_stage_id": stage.id,
            "action": decision.action,
            "reason": render(decision.reasons, words),
            "send": decision.send_external,
            "channel": stage.channel if decision.send_external else "",
            "recipients": recipients,
            "hold": decision.hold,
            "hold_text": self._ar_hold_text(decision, fact, stage, move, today),
        }

    @api.model
    def _ar_hold_text(self, decision, fact, stage, move, today):
        """Why no message goes, in full: the engine's hold with its dates and counts."""
        hold = decision.hold
        if not hold or decision.send_external:
            return ""
        if hold == "no_channel":
            return self.env._("%s does not write to the customer (internal escalation only).", stage.name)
        if hold == "awaiting_approval":
            return self.env._("%s's message waits for the account manager's approval.", stage.name)
        if hold == "paused":
            until = max(d for d in (move.ar_pause_until, move.commercial_partner_id.ar_pause_until) if d)
            return self.env._("Escalation is paused until %s.", format_date(self.env, until))
        if hold == "open_dispute":
            return self.env._("The invoice is disputed: no reminder until the dispute is resolved.")
        if hold == "promise_holds":
            until = move.ar_promise_date + timedelta(days=move.company_id.ar_promise_grace_days)
            return self.env._(
                "The customer promised to pay by %(date)s: reminders wait until %(until)s (the promise's "
                "grace days).",
                date=format_date(self.env, move.ar_promise_date),
                until=format_date(self.env, until),
            )
        if hold == "not_payable":
            return self.env._(
                "Not payable as sent (%s): the invoice is fixed first, its owner gets a task.",
                "; ".join(decision.blockers),
            )
        if hold == "cadence_complete" and stage.cadence_max <= 1:
            return self.env._(
                "The reminder of %s was sent; the next message comes with the next stage.", stage.name
            )
        if hold == "cadence_complete":
            return self.env._(
                "All %(count)s reminders of %(stage)s were sent; the next message comes with the next stage.",
                count=stage.cadence_max,
                stage=stage.name,
            )
        if hold == "not_due_yet" and fact.last_external:
            return self.env._(
                "The last reminder of %(stage)s went on %(last)s; the next is due on %(next)s "
                "(every %(days)s days).",
                stage=stage.name,
                last=format_date(self.env, fact.last_external),
                next=format_date(self.env, fact.last_external + timedelta(days=stage.cadence_days)),
                days=stage.cadence_days,
            )
        label = dict(self.env["ar.escalation.preview.line"]._fields["hold"]._description_selection(self.env))
        text = label.get(hold, hold)
        return text[:1].upper() + text[1:] + "."

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
    track_id = fields.Many2one(related="new_stage_id.track_id", string="Track")
    action = fields.Selection(
        [("enter", "Moves up"), ("stay", "Stays"), ("close", "Closes"), ("none", "No stage")], readonly=True
    )
    reason = fields.Char(readonly=True)
    send = fields.Boolean("Message sent", readonly=True)
    channel = fields.Char(readonly=True)
    recipients = fields.Char("To", readonly=True)
    hold = fields.Selection(HOLD_SELECTION, readonly=True, help="Why no message goes, as the engine says it.")
    hold_text = fields.Text("Not sent because", readonly=True)
