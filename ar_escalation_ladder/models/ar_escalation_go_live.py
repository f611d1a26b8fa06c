# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Safe go-live: the ladder acts for a company only once an administrator has activated it.

Installed into a database with an existing book, the ladder does nothing
until then: no message, no stage, no activity, whatever calls it — the
scheduled sweep, a payment (the reconcile hook), a promise settled, Escalate
now, a stage override, a dispute, a roll-up or the portal. The one test is
``res.company.ar_escalation_enabled`` (``_ar_check_live`` for the buttons).
Every evaluation passes through ``ar.escalation.runner._ar_process``, which
keeps the invoices of activated companies only (:meth:`_ar_live_moves`); the
scheduled sweep selects those only; the entry points that act without a run
are gated where they act, each marked "go-live gate": Escalate now, the stage
override and a dispute (``account_move.py``, refused with a message), the
portal's forms (``_ar_portal_open``), the roll-ups (``_cron_rollup``).

At activation the administrator may cap how the existing book enters the
ladder: an invoice evaluated for the first time whose age points above the
cap enters at the cap, gets that stage's message, and climbs one stage at a
time as each stage's cadence completes (:meth:`_ar_go_live_decisions`).
"""

import dataclasses

from odoo import api, models
from odoo.tools import SQL

from ..engine import external_plan
from ..engine.vocabulary import Phrase


class ArEscalationRunnerGoLive(models.AbstractModel):
    _inherit = "ar.escalation.runner"

    @api.model
    def _ar_live_moves(self, moves):
        """The invoices of ``moves`` whose company has gone live (one query, order kept)."""
        if not moves:
            return moves
        self.env["res.company"].flush_model(["ar_escalation_enabled"])
        self.env.cr.execute(
            SQL(
                """SELECT m.id FROM account_move m JOIN res_company c ON c.id = m.company_id
                    WHERE m.id IN %s AND c.ar_escalation_enabled""",
                tuple(moves.ids),
            )
        )
        live = {row[0] for row in self.env.cr.fetchall()}
        if len(live) == len(set(moves.ids)):
            return moves
        return moves.browse([move_id for move_id in moves.ids if move_id in live])

    def _ar_go_live_decisions(self, company, facts, decisions, policy, today, cap_stage=None, write=True):
        """The engine's ``decisions`` with the company's go-live cap applied.

        ``cap_stage``: the cap to apply (the activation wizard's preview),
        else the company's. An invoice never on the ladder whose decision
        enters above the cap enters at the cap instead, and is marked; a
        marked invoice climbs one stage when its stage's cadence is complete
        (every message sent and the last one ``cadence_days`` old; a stage
        without customer messages after ``cadence_days`` there), else stays,
        until it reaches the stage its age gives. ``write``: record the marks
        (not in a preview).
        """
        cap_stage = cap_stage if cap_stage is not None else company.ar_go_live_cap_stage_id
        if not cap_stage or not decisions:
            return decisions
        capped_levels = [level for level in sorted(policy.by_sequence) if level <= cap_stage.sequence]
        if not capped_levels:
            return decisions
        info = self._ar_go_live_info(decisions)
        out, marks = [], {}
        for fact, decision in zip(facts, decisions, strict=True):
            decision, mark = self._ar_go_live_decision(
                decision,
                fact,
                info.get(decision.invoice_id, (0, False, None)),
                policy,
                capped_levels[-1],
                today,
            )
            out.append(decision)
            if mark is not None:
                marks[decision.invoice_id] = mark
        if write:
            self._ar_go_live_mark(marks)
        return out

    def _ar_go_live_mark(self, marks):
        """Record which invoices climb from the cap: ``{invoice id: capped}``, two writes."""
        moves = self.env["account.move"]
        moves.browse([i for i, mark in marks.items() if mark])._ar_write({"ar_go_live_capped": True})
        moves.browse([i for i, mark in marks.items() if not mark])._ar_write({"ar_go_live_capped": False})

    def _ar_go_live_info(self, decisions):
        """Per invoice: (stage entries, capped at go-live, stage date), in one query."""
        self.env["account.move"].flush_model(["ar_stage_entries", "ar_go_live_capped", "ar_stage_date"])
        self.env.cr.execute(
            SQL(
                """SELECT id, ar_stage_entries, ar_go_live_capped, ar_stage_date
                     FROM account_move WHERE id IN %s""",
                tuple(decision.invoice_id for decision in decisions),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    def _ar_go_live_decision(self, decision, fact, info, policy, cap, today):
        """One invoice's decision under the cap, and its mark: True, False (cleared) or None (as is)."""
        entries, capped, stage_date = info
        stages = policy.by_sequence
        current = fact.current_stage if fact.current_stage in stages else None
        if decision.stage is None or decision.action == "close":
            return decision, (False if capped else None)
        if decision.action == "enter" and current is None and not entries and decision.stage > cap:
            # the existing book's first entry: at the cap, with the cap's message
            return self._ar_go_live_at(decision, policy, fact, cap, today, "go_live_entered"), True
        if not (capped and current is not None and decision.action == "enter" and decision.stage > current):
            return decision, None
        return self._ar_go_live_climb(decision, fact, policy, current, stage_date, today)

    def _ar_go_live_climb(self, decision, fact, policy, current, stage_date, today):
        """A capped invoice whose age points higher: it stays until its stage's cadence completes,
        then climbs one stage (or reaches the stage its age gives, and is no longer capped)."""
        stages = policy.by_sequence
        stage = stages[current]
        if not self._ar_cadence_done(stage, fact, stage_date, today):
            return self._ar_go_live_at(decision, policy, fact, current, today, "go_live_held"), None
        step = min(level for level in stages if level > current)
        if step >= decision.stage:
            return decision, False  # the stage its age gives: climbed
        return self._ar_go_live_at(decision, policy, fact, step, today, "go_live_entered"), None

    @staticmethod
    def _ar_cadence_done(stage, fact, stage_date, today):
        """Whether a capped invoice has had every message of its stage (or its time there)."""
        if stage.channel == "none":
            return bool(stage_date) and (today - stage_date.date()).days >= stage.cadence_days
        last = fact.last_external
        return fact.external_attempts >= max(stage.cadence_max, 1) and (
            last is None or (today - last).days >= stage.cadence_days
        )

    def _ar_go_live_at(self, decision, policy, fact, level, today, phrase):
        """``decision`` at ``level`` instead: entering it ("go_live_entered", with that stage's
        message) or staying there ("go_live_held"), the reason saying so."""
        stage = policy.by_sequence[level]
        entering = phrase == "go_live_entered"
        send, cycle, hold = external_plan(stage, fact, entering, today)
        return dataclasses.replace(
            decision,
            action="enter" if entering else "stay",
            stage=level,
            reasons=(*decision.reasons, Phrase.of(phrase, stage=stage.name)),
            send_external=send,
            external_cycle=cycle,
            hold=hold,
        )
