# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The daily sweep: which invoices a batch takes, one bad record never spoiling the batch, progress.

A run of a batch reads its facts (``ar.escalation.facts``), asks the
database-free engine for a decision per invoice (:func:`~..engine.decide`) and
applies them (``ar.escalation.apply``: values, events, cases, and the messages
through ``ar.escalation.delivery``). Every effect that must happen once is
keyed in ``ar.escalation.event`` by a unique index, so a rerun — after a
crash, or beside another worker — repeats nothing.
"""

import logging
from collections import defaultdict

import psycopg2
import psycopg2.errors
from psycopg2 import errorcodes

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL

from ..engine import decide, next_change
from .ar_escalation_facts import NOT_HELD_CLOSED, PAID_STATES

_logger = logging.getLogger(__name__)


class ArConcurrentRun(psycopg2.errors.SerializationFailure):
    """Another transaction opened the same customer's case, or recorded the same event, meanwhile.

    Not bad data but a serialization conflict, raised as one: Odoo retries the
    request in a new transaction that sees the other one's work, and the daily
    sweep calls the batch again.
    """

    pgcode = errorcodes.SERIALIZATION_FAILURE


class ArEscalationRunner(models.AbstractModel):
    _name = "ar.escalation.runner"
    _description = "AR escalation run"

    # ------------------------------------------------------------------
    # scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _cron_run(self, batch_size=None):
        """One batch of the daily sweep; the cron framework calls again while work remains.

        The day's sweep walks the book customer by customer (by commercial
        partner id) from the cursor kept in ``ar.escalation.run``, taking whole
        customers into a batch, so that a customer's invoices at a stage are
        always evaluated together and get one message; a customer already done
        today is not taken again by the scheduled action (what changes an
        invoice re-evaluates it at once).
        """
        batch_size = batch_size or int(
            self.env["ir.config_parameter"].sudo().get_param("ar_escalation.batch_size", 1000)
        )
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        self.env["ar.escalation.promise"]._cron_settle(today)
        self.env["ar.escalation.case"]._cron_rollup(now)
        run, cursor = self.env["ar.escalation.run"]._ar_today(today)
        ids, last = self._select_batch(cursor, batch_size)
        queue = self.env["ar.escalation.queue"]
        queued = bool(ids) and queue._ar_queue_enabled()
        if queued:
            # queue_job's runners evaluate the batches (models/ar_escalation_queue_sweep.py)
            ids, last = queue._ar_enqueue_batches(ids, last, batch_size, today)
        elif ids:
            try:
                with self.env.cr.savepoint():
                    self._ar_process_safely(self.env["account.move"].browse(ids), today, now)
            except Exception as exc:
                if not self._ar_is_concurrency_error(exc.__cause__ or exc):
                    raise
                # another run holds these customers right now: the cursor stays
                # here and the cron framework calls again at once, in a new
                # transaction that sees what the other run committed
                _logger.info("AR escalation: batch after customer %s retried: %s", cursor, exc)
                self.env["ir.cron"]._notify_progress(done=1, remaining=max(run.total - run.evaluated, 1))
                return 0
        # counting what is left would scan the rest of the book at every batch:
        # the run knows its total, and one probe says whether anything is left
        more = last is not None and self._has_more(last)
        run._ar_advance(last if last is not None else cursor, len(ids), not more, queued=queued)
        remaining = max(run.total - run.evaluated, 1) if more else 0
        # a batch whose customers were all held by another worker took nothing
        # but moved on: "nothing done" would end the cron job, so count it as a step
        self.env["ir.cron"]._notify_progress(done=len(ids) or int(more), remaining=remaining)
        if not remaining:
            self._schedule_next(now)
        return len(ids)

    def _open_invoices_where(self, after_partner, due_on=None):
        """Open customer invoices of the customers after ``after_partner`` (a commercial partner id).

        ``due_on`` (a day): only those due for the daily sweep that day (:meth:`_due_where`).
        """
        where = SQL(
            """m.commercial_partner_id > %s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND (m.payment_state NOT IN %s
                    OR (m.ar_stage_id IS NOT NULL AND m.ar_closed_date IS NULL))
               AND %s
               AND m.company_id IN (SELECT id FROM res_company WHERE ar_escalation_enabled)""",
            after_partner,
            PAID_STATES,
            NOT_HELD_CLOSED,
        )
        return where if due_on is None else SQL("%s AND %s", where, self._due_where(due_on))

    def _due_where(self, today):
        """Invoices whose decision may change ``today``: never evaluated or marked (no next
        check), their next check come, or of a company whose policy changed since the last run
        (models/ar_escalation_next_check.py)."""
        changed = self.env["res.company"]._ar_policy_changed_ids(today)
        if not changed:
            # the usual day: a range of the next-check index (account_move_ar_next_check_idx)
            return SQL("(m.ar_next_check IS NULL OR m.ar_next_check <= %s)", today)
        # sudo: which companies escalate is the sweep's to know, whoever runs it
        live = self.env["res.company"].sudo().search([("ar_escalation_enabled", "=", True)])
        if set(changed) >= set(live.ids):
            # every company's whole book (a policy edit where one company escalates): the
            # customer-ordered range scan (ar_escalation_move_sweep_idx), no condition to mix in
            return SQL("TRUE")
        # a company's whole book: the customer-ordered range scan (ar_escalation_move_sweep_idx)
        return SQL(
            "(m.ar_next_check IS NULL OR m.ar_next_check <= %s OR m.company_id = ANY(%s))",
            today,
            changed,
        )

    @api.model
    def _select_batch(self, after_partner, limit, today=None):
        """Take the next customers with a due invoice, about ``limit`` invoices, whole customers only.

        A customer with one invoice due ``today`` comes with all its open
        invoices (one message, at its highest stage, lists them all). Returns
        (invoice ids, last customer id taken), or ([], None) at the end of the
        book. A customer with more due invoices than ``limit`` makes a batch
        of its own. Invoices another worker holds are skipped (FOR UPDATE SKIP
        LOCKED): that worker evaluates them.
        """
        today = today or fields.Date.context_today(self)
        self.env.flush_all()
        # the next limit + 1 due invoices in customer order: an index range
        # scan that stops there (grouping the rest of the book would read it all)
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id FROM account_move m WHERE %s
                    ORDER BY m.commercial_partner_id, m.id LIMIT %s""",
                self._open_invoices_where(after_partner, due_on=today),
                limit + 1,
            )
        )
        rows = [row[0] for row in self.env.cr.fetchall()]
        partners = list(dict.fromkeys(rows[:limit]))
        if len(rows) > limit and rows[limit] == rows[limit - 1] and len(partners) > 1:
            partners.pop()  # that customer goes on past the batch: it starts the next one
        if not partners:
            return [], None
        self.env.cr.execute(
            SQL(
                """SELECT m.id FROM account_move m
                    WHERE %s AND m.commercial_partner_id IN %s
                    ORDER BY m.id FOR UPDATE OF m SKIP LOCKED""",
                self._open_invoices_where(0),
                tuple(partners),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()], partners[-1]

    @api.model
    def _count_remaining(self, after_id, today=None):
        """How many invoices after customer ``after_id`` are due ``today`` (the sweep's own)."""
        today = today or fields.Date.context_today(self)
        where = self._open_invoices_where(after_id, due_on=today)
        self.env.cr.execute(SQL("SELECT COUNT(*) FROM account_move m WHERE %s", where))
        return self.env.cr.fetchone()[0]

    @api.model
    def _has_more(self, after_id, today=None):
        today = today or fields.Date.context_today(self)
        where = self._open_invoices_where(after_id, due_on=today)
        self.env.cr.execute(SQL("SELECT 1 FROM account_move m WHERE %s LIMIT 1", where))
        return bool(self.env.cr.fetchone())

    @api.model
    def _schedule_next(self, now):
        """Wake up again exactly when the next open SLA falls due (roll-ups)."""
        case = self.env["ar.escalation.case"].search(
            [("state", "=", "open"), ("sla_deadline", ">", now)], order="sla_deadline", limit=1
        )
        if case:
            self.env.ref("ar_escalation_ladder.ir_cron_ar_escalation")._trigger(case.sla_deadline)

    # ------------------------------------------------------------------
    # safety: one bad record never spoils the batch
    # ------------------------------------------------------------------
    @api.model
    def _ar_process_safely(self, moves, today=None, now=None):
        today = today or fields.Date.context_today(self)
        now = now or fields.Datetime.now()
        try:
            with self.env.cr.savepoint():
                self._ar_process(moves, today, now)
            return
        except Exception as exc:  # noqa: BLE001 - isolate the faulty record below
            if self._ar_is_concurrency_error(exc):
                # another transaction is escalating the same customers: not bad
                # data; the whole transaction must be retried (Odoo retries a
                # request on serialization failures, the cron its next call)
                if exc.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                    raise  # Odoo retries a request on these as they are
                raise self._ar_concurrency_error(exc) from exc
            if len(moves) == 1:
                self._ar_record_error(moves, exc)
                return
        # split: first per customer, then per invoice
        groups = defaultdict(list)
        for move in moves:
            groups[move.commercial_partner_id.id].append(move.id)
        parts = [moves.browse(ids) for ids in groups.values()] if len(groups) > 1 else list(moves)
        for part in parts:
            self._ar_process_safely(part, today, now)

    @api.model
    def _ar_is_concurrency_error(self, exc):
        """A conflict with a concurrent transaction: lock, serialization, deadlock,
        or the other transaction opening the same case or recording the same event."""
        if not isinstance(exc, psycopg2.Error):
            return False
        if exc.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
            return True
        constraint = getattr(getattr(exc, "diag", None), "constraint_name", None)
        return exc.pgcode == errorcodes.UNIQUE_VIOLATION and constraint in (
            "ar_escalation_case_open_uniq",
            "ar_escalation_event_once",
        )

    @api.model
    def _ar_concurrency_error(self, exc):
        _logger.info("AR escalation: concurrent run on the same customers, retried: %s", exc)
        return ArConcurrentRun(str(exc))

    @api.model
    def _ar_record_error(self, move, exc):
        _logger.warning("AR escalation failed for %s: %s", move.display_name, exc, exc_info=True)
        message = self.env._("Escalation failed: %s", exc)
        with self.env.cr.savepoint():
            move._ar_write({"ar_error": str(exc)[:250]})
            move._ar_event("error", message)

    # ------------------------------------------------------------------
    # the run proper
    # ------------------------------------------------------------------
    @api.model
    def _ar_process(self, moves, today, now):
        """Evaluate ``moves`` and apply the decisions, company by company (no isolation: see above)."""
        # go-live gate: nothing for a company not activated (models/ar_escalation_go_live.py)
        moves = self._ar_live_moves(moves)
        if not moves:
            return
        Facts = self.env["ar.escalation.facts"]
        by_company = Facts._ar_rows_by_company(moves)
        moves = moves.browse([move_id for rows in by_company.values() for move_id in rows])
        # the events of a run are written to the chatter at the end, one line
        # per invoice for all that happened to it in this run
        run_events = []
        runner = self.with_context(ar_run_events=run_events)
        for company_id, company_rows in by_company.items():
            company = self.env["res.company"].browse(company_id)
            runner._ar_process_company(company, moves.browse(list(company_rows)), company_rows, today, now)
        if run_events:
            self.env["ar.escalation.event"].browse(run_events)._ar_post_chatter()

    @api.model
    def _ar_process_company(self, company, moves, rows, today, now):
        """One company's invoices of the batch, track by track (each customer is on one)."""
        for track, track_rows in self.env["ar.escalation.facts"]._ar_rows_by_track(rows).items():
            self._ar_process_track(company, track, moves.browse(list(track_rows)), track_rows, today, now)

    @api.model
    def _ar_process_track(self, company, track, moves, rows, today, now):
        """One track's invoices of a company: facts, the engine's decisions, the go-live cap, apply."""
        policy, stages = self.env["ar.escalation.stage"]._get_policy(company, track)
        facts, data = self.env["ar.escalation.facts"]._ar_collect(moves, company, policy, today, rows)
        decisions = [decide(policy, fact, today) for fact in facts]
        # go-live cap on the existing book's entry (models/ar_escalation_go_live.py)
        decisions = self._ar_go_live_decisions(company, facts, decisions, policy, today)
        # the day each decision can next change, written with its other values (the daily sweep
        # takes an invoice again then, or when a fact changes first)
        data["next_checks"] = {
            fact.invoice_id: next_change(policy, fact, decision, today, now.date())
            for fact, decision in zip(facts, decisions, strict=True)
        }
        self.env["ar.escalation.apply"]._ar_apply(company, moves, decisions, stages, data, today, now)
