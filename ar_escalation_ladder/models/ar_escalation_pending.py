# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Invoices to evaluate again at the ladder's next run, and the run that takes them first.

A payment, a promise, a dispute, a lifted pause or a reopened case changes
what the ladder decides for an invoice. Rather than running the whole
escalation pipeline inside that transaction (a payment's posting, the portal's
form), the change marks the invoice pending in ``ar.escalation.pending`` and
wakes the ladder's scheduled action a few seconds later; the run evaluates the
pending invoices (with their customers' other open invoices) before its daily
sweep. The sweep takes a customer once a day: pending invoices are how a change
made after it is seen the same day. *Escalate now* and *Send now* still run at
once: the button asks for the result.
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

# the wake-up comes a few seconds after the change (the scheduler looks at its
# wake-ups about once a minute): the changes of that minute share one
PENDING_DELAY = timedelta(seconds=5)
PENDING_WAKE_WINDOW = timedelta(minutes=1)


class ArEscalationPending(models.Model):
    _name = "ar.escalation.pending"
    _description = "AR escalation: invoice to evaluate again"
    _order = "id"
    _log_access = False

    move_id = fields.Many2one("account.move", "Invoice", required=True, readonly=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    create_date = fields.Datetime("Marked on", readonly=True)

    _sql_constraints = [
        ("move_uniq", "UNIQUE(move_id)", "An invoice is pending once."),
    ]

    @api.model
    def _ar_mark(self, moves):
        """Mark ``moves`` (those the ladder escalates) to be evaluated again shortly.

        Written in SQL (our own table): whoever made the change (an accountant
        registering a payment, the portal's public user) has no rights on the
        ladder's records, and marking an invoice twice keeps one row.
        """
        moves = moves._ar_escalation_scope()
        if not moves:
            return
        self.env.cr.execute(
            SQL(
                """INSERT INTO ar_escalation_pending (move_id, company_id, create_date)
                   SELECT move_id, company_id, %s
                     FROM unnest(%s::int[], %s::int[]) AS v(move_id, company_id)
                   ON CONFLICT (move_id) DO NOTHING""",
                fields.Datetime.now(),
                moves.ids,
                [move.company_id.id for move in moves],
            )
        )
        self._ar_wake_up()

    @api.model
    def _ar_wake_up(self, at=None):
        """Have the ladder's scheduled action run in a few seconds (once for the minute's changes)."""
        cron = self.env.ref("ar_escalation_ladder.ir_cron_ar_escalation", raise_if_not_found=False)
        if not cron:
            return
        now = fields.Datetime.now()
        at = at or now + PENDING_DELAY
        # a wake-up already asked for (at or a little after this one) serves this change too
        self.env.cr.execute(
            SQL(
                "SELECT 1 FROM ir_cron_trigger WHERE cron_id = %s AND call_at BETWEEN %s AND %s LIMIT 1",
                cron.id,
                at,
                at + PENDING_WAKE_WINDOW,
            )
        )
        if not self.env.cr.fetchone():
            # sudo: the wake-up is the system's, whoever made the change
            cron.sudo()._trigger(at)

    @api.model
    def _ar_take(self, limit):
        """Take (and delete) up to ``limit`` pending invoices, with their customers' other pending ones.

        Rows another run holds are skipped (FOR UPDATE SKIP LOCKED): that run
        evaluates them. Deleted in the caller's savepoint: if its evaluation is
        rolled back, they are pending again. A change marked meanwhile by
        another transaction waits for this one, then marks its invoice anew.
        """
        self.env.cr.execute(
            SQL(
                """DELETE FROM ar_escalation_pending WHERE id IN (
                       SELECT id FROM ar_escalation_pending ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
                   RETURNING move_id""",
                limit,
            )
        )
        moves = self.env["account.move"].browse([row[0] for row in self.env.cr.fetchall()])
        if not moves:
            return moves
        # a customer is evaluated whole: its other pending invoices go with it
        moves |= moves._ar_escalation_scope()._ar_whole_customers()
        self.env.cr.execute(
            SQL(
                """DELETE FROM ar_escalation_pending WHERE id IN (
                       SELECT id FROM ar_escalation_pending WHERE move_id = ANY(%s)
                          FOR UPDATE SKIP LOCKED)""",
                moves.ids,
            )
        )
        self.invalidate_model()
        return moves

    @api.model
    def _ar_has_pending(self):
        self.env.cr.execute("SELECT 1 FROM ar_escalation_pending LIMIT 1")
        return bool(self.env.cr.fetchone())


class ArEscalationRunner(models.AbstractModel):
    _inherit = "ar.escalation.runner"

    @api.model
    def _cron_run(self, batch_size=None):
        """The pending invoices first (a change after the day's sweep is seen today), then the sweep."""
        self._ar_run_pending(batch_size)
        return super()._cron_run(batch_size=batch_size)

    @api.model
    def _ar_run_pending(self, batch_size=None):
        """Evaluate up to a batch of pending invoices, whole customers, each error on its invoice."""
        limit = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("ar_escalation.batch_size", 1000)
        )
        Pending = self.env["ar.escalation.pending"]
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        try:
            with self.env.cr.savepoint():
                moves = Pending._ar_take(limit)
                if not moves:
                    return 0
                self._ar_process_pending(moves.exists(), today, now)
        except Exception as exc:
            if not self._ar_is_concurrency_error(exc.__cause__ or exc):
                raise
            # another run holds these customers: they are pending again, for a run
            # in a new transaction that sees what the other one committed
            _logger.info("AR escalation: pending invoices retried: %s", exc)
            Pending._ar_wake_up()
            return 0
        if Pending._ar_has_pending():
            Pending._ar_wake_up(now)  # more than a batch: the next one at once
        return len(moves)

    @api.model
    def _ar_process_pending(self, moves, today, now):
        """Settle the invoices' open promises (a payment may keep or break one), then evaluate them.

        An invoice whose promise could not be settled keeps the error on the
        promise and on itself, and its customer is left for the next run.
        """
        promises = moves.ar_promise_ids.filtered(lambda p: "open" in p.line_ids.mapped("state"))
        failed = promises._ar_settle_safely(today)[2] if promises else promises
        held = failed.move_id.commercial_partner_id
        self._ar_process_safely(moves.filtered(lambda m: m.commercial_partner_id not in held), today, now)
