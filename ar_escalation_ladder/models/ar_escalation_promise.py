# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Promises to pay, possibly a plan of several dated instalments."""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_date

from .ar_escalation_access import ladder_context

PROMISE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]
# no promise is dated further ahead, whoever logs it: past that, it is not a date
# a person means (and 9999-12-31 plus the grace days is no date at all)
PROMISE_MAX_YEARS = 10

_logger = logging.getLogger(__name__)


class ArEscalationPromise(models.Model):
    _name = "ar.escalation.promise"
    _inherit = ["ar.escalation.invoice.owned"]
    _description = "Promise to pay"

    currency_id = fields.Many2one(related="move_id.currency_id")
    contact_id = fields.Many2one("res.partner", "Promised by", check_company=True)
    confidence = fields.Selection(
        [("low", "Low"), ("medium", "Medium"), ("high", "High")], default="medium", required=True
    )
    note = fields.Text()
    source = fields.Selection(
        [("backoffice", "Back office"), ("portal", "Customer portal")], default="backoffice"
    )
    residual_at_promise = fields.Monetary(
        currency_field="currency_id", help="Open amount of the invoice when the promise was made."
    )
    line_ids = fields.One2many("ar.escalation.promise.line", "promise_id", "Instalments", copy=True)
    date = fields.Date("Final date", compute="_compute_summary", store=True)
    amount = fields.Monetary(compute="_compute_summary", store=True, currency_field="currency_id")
    state = fields.Selection(PROMISE_STATES, compute="_compute_summary", store=True, index=True)
    is_plan = fields.Boolean(compute="_compute_summary", store=True)
    ar_error = fields.Char(
        "Settling error", copy=False, readonly=True, help="Why the ladder could not settle the promise."
    )

    @api.depends("line_ids.date", "line_ids.amount", "line_ids.state")
    def _compute_summary(self):
        for promise in self:
            lines = promise.line_ids
            promise.date = max(lines.mapped("date")) if lines else False
            promise.amount = sum(lines.mapped("amount"))
            promise.is_plan = len(lines) > 1
            states = set(lines.mapped("state"))
            if "broken" in states:
                promise.state = "broken"
            elif states == {"kept"}:
                promise.state = "kept"
            elif states == {"cancelled"}:
                promise.state = "cancelled"
            else:
                promise.state = "open"

    @api.model
    def _ar_portal_refusal(self, move, date, amount):
        """Why the customer's promise of ``amount`` by ``date`` on ``move`` is refused on the
        portal (a message code of the portal page), or None when it is accepted.

        The company's bounds: a date within its horizon, an amount covering at
        least its share of what is open; one open promise per invoice.
        """
        company = move.company_id
        today = fields.Date.context_today(self)
        if date < today:
            return "promise_past"
        if (date - today).days > company.ar_portal_promise_horizon_days:
            return "promise_far"
        currency = move.currency_id
        least = currency.round(move.amount_residual * company.ar_portal_promise_min_percent / 100.0)
        if currency.compare_amounts(amount, max(least, currency.rounding)) < 0:
            return "promise_small"
        if currency.compare_amounts(amount, move.amount_residual) > 0:
            return "promise_large"
        if move.ar_promise_ids.filtered(lambda p: p.state == "open"):
            return "promise_exists"
        return None

    @api.constrains("line_ids")
    def _check_lines(self):
        for promise in self:
            if not promise.line_ids:
                raise ValidationError(self.env._("A promise to pay needs at least one dated amount."))
            total = sum(promise.line_ids.mapped("amount"))
            residual = promise.residual_at_promise or promise.move_id.amount_residual
            if float_compare(total, residual, precision_rounding=promise.currency_id.rounding) > 0:
                raise ValidationError(
                    self.env._(
                        "The promised amount (%(total)s) exceeds what is open on %(invoice)s (%(residual)s).",
                        total=promise.currency_id.format(total),
                        invoice=promise.move_id.name,
                        residual=promise.currency_id.format(residual),
                    )
                )

    def _ar_paid_since(self):
        """Amount paid on the invoice since the promise was made (invoice currency)."""
        self.ensure_one()
        return max(self.residual_at_promise - self.move_id.amount_residual, 0.0)

    def _ar_settle(self, today):
        """Mark instalments kept or broken. Returns (kept lines, broken lines)."""
        kept = broken = self.env["ar.escalation.promise.line"]
        for promise in self:
            grace = promise.company_id.ar_promise_grace_days
            paid = promise._ar_paid_since()
            rounding = promise.currency_id.rounding
            cumulative = 0.0
            for line in promise.line_ids.sorted(lambda line: (line.date, line.id)):
                cumulative += line.amount
                if line.state != "open":
                    continue
                fully_paid = promise.move_id.amount_residual <= 0 or promise.move_id.payment_state in (
                    "paid",
                    "in_payment",
                )
                if fully_paid or float_compare(paid, cumulative, precision_rounding=rounding) >= 0:
                    kept |= line
                elif line.date < today - timedelta(days=grace):
                    # (today - grace, not date + grace: a date far ahead is
                    # never due, where date + grace can pass date.max)
                    broken |= line
        kept.with_context(**ladder_context()).write({"state": "kept"})
        broken.with_context(**ladder_context()).write({"state": "broken"})
        return kept, broken

    @api.model
    def _cron_settle(self, today, limit=1000):
        """Settle open promises whose date has passed (kept or broken), bounded; a broken one
        escalates its invoice in this run. A promise that raises keeps its error, the others settle."""
        lines = self.env["ar.escalation.promise.line"].search(
            [("state", "=", "open"), ("date", "<", today)], limit=limit
        )
        __, broken, __ = lines.promise_id._ar_settle_safely(today)
        moves = broken.promise_id.move_id._ar_escalation_scope()
        if moves:
            # the scheduled action's own run: a broken promise escalates at once
            self.env["ar.escalation.runner"]._ar_process_safely(moves._ar_whole_customers())

    def _ar_settle_safely(self, today):
        """Settle the promises; one that raises gets its error, the others still settle.

        All at once in a savepoint; when that fails, one by one, each in its
        own (as the sweep isolates an invoice). Returns (kept lines, broken
        lines, the promises that failed).
        """
        Line = self.env["ar.escalation.promise.line"]
        if not self:
            return Line, Line, self
        runner = self.env["ar.escalation.runner"]
        try:
            with self.env.cr.savepoint():
                kept, broken = self._ar_settle_and_log(today)
                self.filtered("ar_error").with_context(**ladder_context()).write({"ar_error": False})
            return kept, broken, self.browse()
        except Exception as exc:  # noqa: BLE001 - isolate the faulty promise below
            if runner._ar_is_concurrency_error(exc):
                raise
            if len(self) == 1:
                self._ar_record_error(exc)
                return Line, Line, self
        kept = broken = Line
        failed = self.browse()
        for promise in self:
            promise_kept, promise_broken, promise_failed = promise._ar_settle_safely(today)
            kept |= promise_kept
            broken |= promise_broken
            failed |= promise_failed
        return kept, broken, failed

    def _ar_record_error(self, exc):
        """The promise could not be settled: its error on it and on its invoice (an event), logged."""
        self.ensure_one()
        _logger.warning("AR escalation: promise %s could not be settled: %s", self.id, exc, exc_info=True)
        with self.env.cr.savepoint():
            self.with_context(**ladder_context()).write({"ar_error": str(exc)[:250]})
            self.env["ar.escalation.runner"]._ar_record_error(self.move_id, exc)

    def _ar_settle_and_log(self, today):
        """Settle the promises and record each instalment kept or broken (event, chatter line).

        The invoices are evaluated by the caller: the scheduled action's run
        (``_cron_settle``, the pending invoices of a payment).
        """
        kept, broken = self._ar_settle(today)
        Event = self.env["ar.escalation.event"]
        messages = {
            "promise_kept": self.env._("Promise of %(amount)s by %(date)s kept"),
            "promise_broken": self.env._("Promise of %(amount)s by %(date)s broken"),
        }
        events = []
        for kind, lines in (("promise_kept", kept), ("promise_broken", broken)):
            for line in lines:
                move = line.promise_id.move_id
                reason = messages[kind] % {
                    "amount": line.currency_id.format(line.amount),
                    "date": format_date(self.env, line.date),
                }
                events.append(Event._prepare_event_vals(move, kind, move.ar_stage_id, reason))
        Event._ar_log(events)
        return kept, broken


class ArEscalationPromiseLine(models.Model):
    _name = "ar.escalation.promise.line"
    _inherit = ["ar.escalation.owned"]
    _description = "Promise to pay instalment"
    _order = "date, id"

    promise_id = fields.Many2one("ar.escalation.promise", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="promise_id.company_id", store=True)
    currency_id = fields.Many2one(related="promise_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True, currency_field="currency_id")
    state = fields.Selection(PROMISE_STATES[:3] + [("cancelled", "Cancelled")], default="open", required=True)
    promise_error = fields.Char(related="promise_id.ar_error", string="Settling error")

    @api.constrains("amount")
    def _check_amount(self):
        for line in self:
            if line.amount <= 0:
                raise ValidationError(self.env._("A promised amount must be positive."))

    @api.constrains("date")
    def _check_date(self):
        today = fields.Date.context_today(self)
        latest = today + timedelta(days=366 * PROMISE_MAX_YEARS)
        for line in self:
            if line.date > latest:
                raise ValidationError(
                    self.env._(
                        "A promise to pay is dated at most %(years)s years ahead (%(date)s).",
                        years=PROMISE_MAX_YEARS,
                        date=format_date(self.env, line.date),
                    )
                )
