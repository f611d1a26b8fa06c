# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The escalation run: facts in bulk, decisions by the engine, effects in bulk.

For a batch of invoices the runner reads everything the rules need with a
fixed number of queries, asks the database-free engine for a decision per
invoice, and writes stage changes, cases, activities, events and chatter lines
back in bulk. External messages are grouped per customer and stage. Every
effect that must happen once is keyed in ``ar.escalation.event`` by a unique
index, so a rerun — after a crash, or beside another worker — repeats nothing.
"""

import functools
import logging
from collections import defaultdict
from datetime import date, timedelta

import psycopg2
import psycopg2.errors
from psycopg2 import errorcodes

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL, email_normalize

from ..engine import InvoiceFacts, decide, risk_signals
from .ar_escalation_access import ladder_context
from .ar_escalation_event import HELD_DISPOSITIONS
from .ar_escalation_format import reason_words

_logger = logging.getLogger(__name__)

PAID_STATES = ("paid", "in_payment", "reversed")

# trust (issue 12): an invoice closed off the ladder (agency, legal, written
# off) is neither evaluated nor listed to its customer until it is reopened
NOT_HELD_CLOSED = SQL(
    "(m.ar_closed_date IS NULL OR m.ar_disposition IS NULL OR m.ar_disposition NOT IN %s)",
    HELD_DISPOSITIONS,
)


@functools.lru_cache(maxsize=8192)
def _is_email(value):
    """Whether ``value`` is an email address (the customers' few addresses recur on every invoice)."""
    return bool(email_normalize(value or ""))


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
        if ids:
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
        run._ar_advance(last if last is not None else cursor, len(ids), not more)
        remaining = max(run.total - run.evaluated, 1) if more else 0
        # a batch whose customers were all held by another worker took nothing
        # but moved on: "nothing done" would end the cron job, so count it as a step
        self.env["ir.cron"]._notify_progress(done=len(ids) or int(more), remaining=remaining)
        if not remaining:
            self._schedule_next(now)
        return len(ids)

    def _open_invoices_where(self, after_partner):
        """Open customer invoices of the customers after ``after_partner`` (a commercial partner id)."""
        return SQL(
            """m.commercial_partner_id > %s AND m.move_type = 'out_invoice' AND m.state = 'posted'
               AND (m.payment_state NOT IN %s
                    OR (m.ar_stage_id IS NOT NULL AND m.ar_closed_date IS NULL))
               AND %s
               AND m.company_id IN (SELECT id FROM res_company WHERE ar_escalation_enabled)""",
            after_partner,
            PAID_STATES,
            NOT_HELD_CLOSED,
        )

    @api.model
    def _select_batch(self, after_partner, limit):
        """Take the next customers' invoices, about ``limit`` of them, whole customers only.

        Returns (invoice ids, last customer id taken), or ([], None) at the end
        of the book. A customer with more open invoices than ``limit`` makes a
        batch of its own. Invoices another worker holds are skipped (FOR UPDATE
        SKIP LOCKED): that worker evaluates them.
        """
        self.env.flush_all()
        # the next limit + 1 open invoices in customer order: an index range
        # scan that stops there (grouping the rest of the book would read it all)
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id FROM account_move m WHERE %s
                    ORDER BY m.commercial_partner_id, m.id LIMIT %s""",
                self._open_invoices_where(after_partner),
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
    def _count_remaining(self, after_id):
        self.env.cr.execute(
            SQL("SELECT COUNT(*) FROM account_move m WHERE %s", self._open_invoices_where(after_id))
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _has_more(self, after_id):
        self.env.cr.execute(
            SQL("SELECT 1 FROM account_move m WHERE %s LIMIT 1", self._open_invoices_where(after_id))
        )
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

    def _ar_record_error(self, move, exc):
        _logger.warning("AR escalation failed for %s: %s", move.display_name, exc, exc_info=True)
        message = self.env._("Escalation failed: %s", exc)
        with self.env.cr.savepoint():
            move._ar_write({"ar_error": str(exc)[:250]})
            move._ar_event("error", message)

    # ------------------------------------------------------------------
    # the run proper
    # ------------------------------------------------------------------
    def _ar_process(self, moves, today, now):
        # go-live gate: nothing for a company not activated (models/ar_escalation_go_live.py)
        moves = self._ar_live_moves(moves)
        if not moves:
            return
        rows = self._ar_read_rows(moves)
        by_company = defaultdict(dict)
        for move_id, row in rows.items():
            by_company[row["company_id"]][move_id] = row
        moves = moves.browse(list(rows))
        # the events of a run are written to the chatter at the end, one line
        # per invoice for all that happened to it in this run
        run_events = []
        runner = self.with_context(ar_run_events=run_events)
        for company_id, company_rows in by_company.items():
            company = self.env["res.company"].browse(company_id)
            company_moves = moves.browse(list(company_rows))
            policy, stages = self.env["ar.escalation.stage"]._get_policy(company)
            facts, data = runner._ar_collect(company_moves, company, policy, today, company_rows)
            # the reasons in words: the run's language, amounts in the company's currency
            words = reason_words(self.env, company)
            decisions = [decide(policy, fact, today, words) for fact in facts]
            # go-live cap on the existing book's entry (models/ar_escalation_go_live.py)
            decisions = runner._ar_go_live_decisions(company, facts, decisions, policy, today)
            runner._ar_apply(company, company_moves, decisions, stages, data, today, now)
        if run_events:
            self.env["ar.escalation.event"].browse(run_events)._ar_post_chatter()

    def _ar_read_rows(self, moves):
        """The invoice and customer columns the rules need, for a whole batch, in one query.

        ORM attribute access on thousands of records costs more than the
        whole evaluation; deleted invoices simply do not come back.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT m.id, m.company_id, m.commercial_partner_id, m.invoice_date_due,
                       m.amount_residual_signed, m.payment_state, m.ref, m.ar_stage_entries,
                       m.ar_broken_promise_count, m.ar_dispute_state, m.ar_promise_date, m.ar_pause_until,
                       m.ar_contact_attempts, m.ar_last_contact_date, m.ar_last_contact_channel,
                       m.ar_unanswered_since,
                       m.ar_closed_date, m.ar_hygiene, m.ar_error, entry.amount AS ar_stage_residual,
                       m.ar_acknowledged_at, m.ar_disposition,
                       s.sequence AS stage_level, cp.ar_account_tier,
                       cp.ar_pause_until AS partner_pause_until, cp.ar_requires_ref,
                       ip.email AS invoice_partner_email, cp.email AS customer_email,
                       ec.email AS escalation_contact_email
                  FROM account_move m
                  JOIN res_partner cp ON cp.id = m.commercial_partner_id
             LEFT JOIN res_partner ip ON ip.id = m.partner_id
             LEFT JOIN res_partner ec ON ec.id = cp.ar_escalation_contact_id
             LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
             LEFT JOIN LATERAL (
                        SELECT e.amount FROM ar_escalation_event e
                         WHERE e.move_id = m.id AND e.kind IN ('stage', 'override')
                      ORDER BY e.id DESC LIMIT 1
                       ) entry ON m.ar_stage_id IS NOT NULL
                 WHERE m.id IN %s AND %s
              ORDER BY m.id
                """,
                tuple(moves.ids),
                NOT_HELD_CLOSED,
            )
        )
        return {row["id"]: row for row in self.env.cr.dictfetchall()}

    def _ar_collect(self, moves, company, policy, today, rows):
        """Facts for every invoice of the batch, from its rows and a few history queries."""
        by_id = {move.id: move for move in moves}
        partner_ids = list({row["commercial_partner_id"] for row in rows.values()})
        history = self.env["res.partner"]._ar_history_batch(partner_ids, company, today)
        grace = timedelta(days=policy.promise_grace_days)
        signals = {pid: risk_signals(hist["history"], policy) for pid, hist in history.items()}
        facts = []
        for row in rows.values():
            pid = row["commercial_partner_id"]
            hist = history[pid]
            residual = abs(row["amount_residual_signed"] or 0.0)
            pauses = (row["ar_pause_until"], row["partner_pause_until"])
            current = row["stage_level"] if not row["ar_closed_date"] else None
            due = row["invoice_date_due"]
            promised = row["ar_promise_date"]
            last_contact = row["ar_last_contact_date"]
            facts.append(
                InvoiceFacts(
                    invoice_id=row["id"],
                    partner_id=pid,
                    days_overdue=(today - due).days if due else 0,
                    residual=residual,
                    customer_overdue=hist.get("overdue", 0.0),
                    over_credit_limit=hist.get("over_credit_limit", False),
                    broken_promises_invoice=row["ar_broken_promise_count"] or 0,
                    broken_promises_customer=hist["broken"],
                    open_dispute=row["ar_dispute_state"] == "open",
                    account_tier=row["ar_account_tier"] or "standard",
                    risk_signals=signals[pid],
                    unanswered_since={
                        int(level): date.fromisoformat(day)
                        for level, day in (row["ar_unanswered_since"] or {}).items()
                    },
                    current_stage=current,
                    paid=row["payment_state"] in PAID_STATES or residual <= 0,
                    paused=any(until and until >= today for until in pauses),
                    promise_holds=bool(promised and promised + grace >= today),
                    hygiene_blockers=self._ar_hygiene_blockers(by_id[row["id"]], company, row),
                    external_attempts=(row["ar_contact_attempts"] or 0) if current is not None else 0,
                    last_external=last_contact.date() if last_contact else None,
                )
            )
        return facts, {"history": history, "rows": rows}

    @api.model
    def _ar_explain(self, moves):
        """Why each invoice is at its stage today, as the engine decides it now: ``{id: reason}``.

        Read for display (the invoice's "Escalation reason"), so that a day
        count in the text is never stale and the daily run does not rewrite
        every invoice to keep it current.
        """
        today = fields.Date.context_today(self)
        rows = self._ar_read_rows(moves)
        by_company = defaultdict(dict)
        for move_id, row in rows.items():
            by_company[row["company_id"]][move_id] = row
        reasons = {}
        for company_id, company_rows in by_company.items():
            company = self.env["res.company"].browse(company_id)
            policy, __ = self.env["ar.escalation.stage"]._get_policy(company)
            facts, __ = self._ar_collect(
                moves.browse(list(company_rows)), company, policy, today, company_rows
            )
            words = reason_words(self.env, company)
            reasons.update((fact.invoice_id, decide(policy, fact, today, words).reason) for fact in facts)
        return reasons

    @api.model
    def _ar_hygiene_blockers(self, move, company, row=None):
        """Why an invoice is not payable as sent (hook: extend for more checks).

        ``row`` holds the invoice's columns read by :meth:`_ar_collect`; without
        it the invoice record is read.
        """
        if row is None:
            partner = move.commercial_partner_id
            row = {
                "invoice_partner_email": move.partner_id.email,
                "customer_email": partner.email,
                "escalation_contact_email": partner.ar_escalation_contact_id.email,
                "ar_requires_ref": partner.ar_requires_ref,
                "ref": move.ref,
            }
        blockers = []
        emails = (row["invoice_partner_email"], row["customer_email"], row["escalation_contact_email"])
        if company.ar_hygiene_require_email and not any(_is_email(email) for email in emails):
            blockers.append(
                self.env._("no valid email address to reach the customer")
                if any(emails)
                else self.env._("no email address to reach the customer")
            )
        if company.ar_hygiene_require_ref and row["ar_requires_ref"] and not row["ref"]:
            blockers.append(self.env._("the customer's reference (PO) is missing"))
        return tuple(blockers)

    def _ar_apply(self, company, moves, decisions, stages, data, today, now):
        Event = self.env["ar.escalation.event"]
        rows = data["rows"]
        events = []
        move_updates = {}  # invoice id -> values
        entering = defaultdict(list)  # (partner, stage) -> moves
        due = defaultdict(list)  # partner -> (move, stage level, cycle): a message is due
        position = {}  # partner -> highest stage level of its invoices on the external track
        fixing = defaultdict(list)  # partner -> moves not payable as sent
        closing = []
        # invoice id -> (channel, values to restore if no message goes out)
        contact_plan = {}
        by_id = {move.id: move for move in moves}  # records that share the batch's prefetch
        # the columns the run reads from the invoices (events, cases, messages),
        # rather than every column of account.move at the first miss
        moves.fetch(self._ar_fetched_fields())
        for decision in decisions:
            row = rows[decision.invoice_id]
            move = by_id[decision.invoice_id]
            pid = row["commercial_partner_id"]
            vals = {}
            if row["ar_error"]:
                vals["ar_error"] = False
            blockers = "; ".join(decision.blockers) or False
            if blockers != (row["ar_hygiene"] or False):
                vals["ar_hygiene"] = blockers
            if decision.action == "close":
                closing.append(move)
            elif decision.action == "enter":
                stage = stages[decision.stage]
                entering[(pid, stage.id)].append(move)
                residual = abs(row["amount_residual_signed"] or 0.0)
                entry = (row["ar_stage_entries"] or 0) + 1
                vals.update(
                    ar_stage_id=stage.id,
                    ar_stage_date=now,
                    ar_stage_entries=entry,
                    ar_contact_attempts=0,
                )
                # what a new stage clears, where there is something to clear
                for name in ("ar_acknowledged_at", "ar_closed_date", "ar_disposition"):
                    if row[name]:
                        vals[name] = False
                level = row["stage_level"] if not row["ar_closed_date"] else None
                previous = stages[level].id if level in stages else False
                recovered = max((row["ar_stage_residual"] or 0.0) - residual, 0.0) if previous else 0.0
                events.append(
                    {
                        "kind": "stage",
                        "move_id": move.id,
                        "partner_id": pid,
                        "company_id": row["company_id"],
                        "stage_id": stage.id,
                        "amount": residual,
                        "reason": decision.reason,
                        "from_stage_id": previous,
                        "to_stage_id": stage.id,
                        "entry": entry,
                        "amount_recovered": recovered,
                    }
                )
            if decision.stage is not None and decision.hold in self._ar_track_holds():
                position[pid] = max(position.get(pid, decision.stage), decision.stage)
            if decision.stage is not None and decision.send_external:
                stage = stages[decision.stage]
                due[pid].append((move, decision.stage, decision.external_cycle))
                # the contact is counted with the stage's values (one write of
                # the invoice, not two); an invoice whose message does not go
                # out gets its values back below
                attempts = vals.get("ar_contact_attempts", row["ar_contact_attempts"] or 0)
                unanswered = row["ar_unanswered_since"] or {}
                contact_plan[move.id] = (
                    stage.channel,
                    {
                        "ar_contact_attempts": attempts,
                        "ar_last_contact_date": row["ar_last_contact_date"] or False,
                        "ar_last_contact_channel": row["ar_last_contact_channel"] or False,
                        "ar_unanswered_since": unanswered or False,
                    },
                )
                vals.update(self._ar_contact_values(attempts, unanswered, stage, stage.channel, now))
            elif decision.stage is not None and decision.hold == "not payable as sent":
                fixing[pid].append(move)
            if vals:
                move_updates[decision.invoice_id] = vals
        # the cases entering invoices join, opened first: writing an invoice's
        # stage then finds its case (ar_case_id is computed, in batch)
        opened = self._ar_open_cases(company, entering, now) if entering else None
        old_case_ids = set()
        for entering_moves in entering.values():
            old_case_ids.update(move.ar_case_id.id for move in entering_moves if move.ar_case_id)
        # the portal links of the messages due need the invoices' access
        # tokens: given before the ladder's own values, so that both reach the
        # database in the same flush (one UPDATE per invoice row, not two)
        if due:
            moves.filtered(
                lambda move: rows[move.id]["commercial_partner_id"] in due
            )._ar_ensure_access_tokens()
        # only what changed is written, invoices with equal values together:
        # an unchanged rerun writes nothing
        moves._ar_write_many(move_updates)
        Event._ar_log(events)
        if entering:
            self._ar_enter_cases(
                company,
                entering,
                today,
                now,
                history=data["history"],
                opened=opened,
                old_case_ids=old_case_ids,
            )
        if closing:
            self._ar_close(self.env["account.move"].concat(*closing), "paid", "")
        if fixing:
            self._ar_raise_fixits(company, fixing, today, now, history=data["history"])
        contacted = self._ar_communicate(company, due, position, stages, today, now)
        # what went otherwise than planned: no message (held for a higher
        # stage's message, failed, or sent by an earlier run), or another
        # channel than the stage's (SMS fallbacks)
        corrections = {}
        for move_id, (channel, restore) in contact_plan.items():
            used = contacted.get(move_id)
            if used is None:
                corrections[move_id] = restore
            elif used != channel:
                corrections[move_id] = {"ar_last_contact_channel": used}
        moves._ar_write_many(corrections)

    @api.model
    def _ar_track_holds(self):
        """Holds under which an invoice still sets its customer's position on the external track.

        An invoice whose next reminder is not due yet (or whose cadence is
        complete) still stands for its stage in the customer's eyes; one under
        a dispute, a promise, a pause or not payable as sent does not.
        """
        return ("", "next reminder not due yet", "cadence complete")

    def _ar_communicate(self, company, due, position, stages, today, now):
        """One communication per customer: at its highest stage, carrying every invoice due a message.

        ``due`` lists per customer the invoices a message is due for (with
        their stage level and cycle), ``position`` the highest stage level of
        its invoices on the external track in this batch. The customer's
        other open invoices (outside the batch) count too. A message goes
        only when an invoice at the customer's position is due one; the
        invoices due at lower stages are then listed in it and counted as
        contacted, else they wait for that next communication.

        Returns ``{invoice id: channel}`` for the invoices contacted.
        """
        if not due:
            return {}
        outside = self._ar_outside_positions(
            company, list(due), [m.id for items in due.values() for m, *__ in items]
        )
        by_stage = defaultdict(list)
        for pid, items in due.items():
            level = max(position.get(pid, -1), outside.get(pid, -1))
            if not any(item_level == level for __, item_level, __ in items):
                continue  # the customer's position is not due: nothing goes alone
            moves = self.env["account.move"].concat(*(move for move, __, __ in items))
            by_stage[stages[level].id].append(
                {
                    "moves": moves,
                    "cycles": {move.id: cycle for move, __, cycle in items},
                    "stages": {move.id: stages[item_level] for move, item_level, __ in items},
                }
            )
        listing = self._ar_listing(
            company, [g["moves"][0].commercial_partner_id.id for gs in by_stage.values() for g in gs], today
        )
        contacted = {}
        for stage_id, groups in by_stage.items():
            for group in groups:
                group["listing"] = listing.get(group["moves"][0].commercial_partner_id.id) or tuple(
                    group["moves"].ids
                )
            contacted.update(
                self._ar_send_stage(self.env["ar.escalation.stage"].browse(stage_id), groups, now)
            )
        return contacted

    @api.model
    def _ar_fetched_fields(self):
        """The invoice fields a run reads for its events, cases and messages (hook)."""
        return [
            "company_id",
            "commercial_partner_id",
            "partner_id",
            "name",
            "move_type",
            "state",
            "ref",
            "date",
            "invoice_date_due",
            "currency_id",
            "amount_residual",
            "amount_residual_signed",
            "access_token",
            "ar_case_id",
            "ar_stage_id",
            "ar_stage_entries",
            "ar_hygiene",
            "ar_promise_state",
        ]

    @api.model
    def _event_vals(self, move, kind, stage, reason, **vals):
        return {
            "kind": kind,
            "move_id": move.id,
            "partner_id": move.commercial_partner_id.id,
            "company_id": move.company_id.id,
            "stage_id": stage.id if stage else False,
            "amount": abs(move.amount_residual_signed),
            "reason": reason,
            "entry": move.ar_stage_entries,
            **vals,
        }

    # ------------------------------------------------------------------
    # internal track
    # ------------------------------------------------------------------
    def _ar_open_cases(self, company, entering, now):
        """The open case of each (customer, stage) of ``entering``, opened where missing.

        Returns ``({(customer id, stage id): case}, new cases)``.
        """
        Case = self.env["ar.escalation.case"].with_context(mail_create_nosubscribe=True)
        partner_ids = list({pid for pid, __ in entering})
        stage_ids = list({sid for __, sid in entering})
        existing = Case.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partner_ids),
                ("stage_id", "in", stage_ids),
                ("state", "!=", "closed"),
                ("kind", "=", "escalation"),
            ]
        )
        cases = {(case.partner_id.id, case.stage_id.id): case for case in existing}
        partners = {partner.id: partner for partner in self.env["res.partner"].browse(partner_ids)}
        stages = {stage.id: stage for stage in self.env["ar.escalation.stage"].browse(stage_ids)}
        deadlines = {
            sid: self.env["account.move"]._ar_sla_deadline(stage, company, now)
            for sid, stage in stages.items()
        }
        to_create = []
        for pid, sid in entering:
            if (pid, sid) in cases:
                continue
            stage, partner = stages[sid], partners[pid]
            owner, role = Case._ar_resolve_owner(stage.owner_role, partner, company)
            to_create.append(
                {
                    "partner_id": pid,
                    "company_id": company.id,
                    "stage_id": sid,
                    "owner_id": owner.id,
                    "owner_role": role,
                    "sla_deadline": deadlines[sid],
                }
            )
        new_cases = Case._ar_create_for_run(to_create) if to_create else Case
        for case in new_cases:
            cases[(case.partner_id.id, case.stage_id.id)] = case
        return cases, new_cases

    def _ar_enter_cases(self, company, entering, today, now, history=None, opened=None, old_case_ids=None):
        """Put entering invoices in their customer's open case for the stage.

        One case (and one activity for its owner) per customer and stage.
        ``opened`` is what :meth:`_ar_open_cases` returned when the caller
        wrote the invoices' case with their stage already.
        """
        if opened is None:
            old_case_ids = {move.ar_case_id.id for moves in entering.values() for move in moves} - {False}
            opened = self._ar_open_cases(company, entering, now)
            self.env["account.move"].concat(*entering.values())._ar_refresh_case()
        cases, new_cases = opened
        events = []
        for (pid, sid), moves in entering.items():
            case = cases[(pid, sid)]
            reason = self.env._("Escalated to %s", case.owner_id.name)
            for move in moves:
                events.append(
                    self._event_vals(
                        move,
                        "activity",
                        case.stage_id,
                        reason,
                        case_id=case.id,
                        owner_id=case.owner_id.id,
                        sla_deadline=case.sla_deadline,
                    )
                )
        joined = (
            self.env["ar.escalation.case"]
            .browse({cases[key].id for key in entering} - set(new_cases.ids))
            .filtered("activity_ref_id")
        )
        touched = new_cases | joined
        if touched:
            context_cache = self.env["res.partner"]._ar_context_batch(
                touched.partner_id.ids, company, today, history=history
            )
            if new_cases:
                new_cases.with_context(ar_context_cache=context_cache)._ar_schedule_activity({})
            # an invoice joining an open case: its owner's note lists it too
            # (one existence query for all; the notes are flushed in one UPDATE)
            live = set(joined.activity_ref_id.exists().ids)
            self.env["ar.escalation.case"]._ar_set_activity_notes(
                {
                    case.activity_ref_id.id: note
                    for case, note in zip(
                        joined,
                        joined.with_context(ar_context_cache=context_cache)._ar_activity_notes().values(),
                        strict=True,
                    )
                    if case.activity_ref_id.id in live
                }
            )
        self.env["ar.escalation.event"]._ar_log(events)
        self._ar_close_empty_cases(self.env["ar.escalation.case"].browse(old_case_ids - set(new_cases.ids)))

    def _ar_close_empty_cases(self, cases):
        cases = cases.exists().filtered(lambda c: c.state != "closed")
        if not cases:
            return
        counts = dict(
            self.env["account.move"]._read_group(
                [("ar_case_id", "in", cases.ids)], ["ar_case_id"], ["__count"]
            )
        )
        empty = cases.filtered(lambda c: not counts.get(c))
        if empty:
            empty.activity_ref_id.exists().with_context(ar_escalation_ack=True).unlink()
            empty.with_context(**ladder_context()).write({"state": "closed"})  # the ladder's own write

    def _ar_raise_fixits(self, company, fixing, today, now, history=None):
        """Not payable as sent: an internal task to fix the invoice instead of a reminder."""
        Case = self.env["ar.escalation.case"].with_context(mail_create_nosubscribe=True)
        events = []
        for moves in fixing.values():
            for move in moves:
                events.append(self._event_vals(move, "hygiene", move.ar_stage_id, move.ar_hygiene or ""))
        logged = self.env["ar.escalation.event"]._ar_log(events)
        partner_ids = logged.partner_id.ids
        if not partner_ids:
            return
        existing = Case.search(
            [
                ("company_id", "=", company.id),
                ("partner_id", "in", partner_ids),
                ("kind", "=", "hygiene"),
                ("state", "!=", "closed"),
            ]
        )
        have = {case.partner_id.id for case in existing}
        stage = self.env["ar.escalation.stage"].search([], limit=1)
        vals = []
        for partner in self.env["res.partner"].browse(partner_ids):
            if partner.id in have:
                continue
            owner, role = Case._ar_resolve_owner("ar_operator", partner, company)
            vals.append(
                {
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "stage_id": stage.id,
                    "kind": "hygiene",
                    "owner_id": owner.id,
                    "owner_role": role,
                    "sla_deadline": now + timedelta(hours=24),
                }
            )
        if vals:
            new_cases = Case._ar_create_for_run(vals)
            context_cache = self.env["res.partner"]._ar_context_batch(
                new_cases.partner_id.ids, company, today, history=history
            )
            new_cases.with_context(ar_context_cache=context_cache)._ar_schedule_activity(
                {
                    case.id: self.env._("Fix before dunning: %s", case.partner_id.display_name)
                    for case in new_cases
                }
            )

    # ------------------------------------------------------------------
    # external track
    # ------------------------------------------------------------------
    def _ar_outside_positions(self, company, partner_ids, batch_move_ids):
        """The highest stage level of the customers' other open invoices on the ladder (one query).

        An invoice outside the batch (a payment or a promise re-evaluates one
        invoice) still stands for its stage, unless a dispute or a pause
        holds it.
        """
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id, MAX(s.sequence)
                     FROM account_move m
                     JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
                    WHERE m.company_id = %s AND m.commercial_partner_id IN %s AND m.id NOT IN %s
                      AND m.move_type = 'out_invoice' AND m.state = 'posted'
                      AND m.payment_state NOT IN %s AND m.ar_closed_date IS NULL
                      AND m.ar_dispute_state IS DISTINCT FROM 'open'
                      AND (m.ar_pause_until IS NULL OR m.ar_pause_until < CURRENT_DATE)
                 GROUP BY m.commercial_partner_id""",
                company.id,
                tuple(partner_ids),
                tuple(batch_move_ids) or (0,),
                PAID_STATES,
            )
        )
        return dict(self.env.cr.fetchall())

    def _ar_listing(self, company, partner_ids, today):
        """Every open invoice a customer's communication lists, in the order it shows them.

        Returns ``{customer id: (invoice ids)}``: the invoices on the ladder
        and the ones past due, highest stage first, then by due date. One
        query for all the customers of the batch, after its writes.
        """
        if not partner_ids:
            return {}
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id, m.id
                     FROM account_move m
                LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id AND m.ar_closed_date IS NULL
                    WHERE m.company_id = %s AND m.commercial_partner_id IN %s
                      AND m.move_type = 'out_invoice' AND m.state = 'posted'
                      AND m.payment_state NOT IN %s AND m.amount_residual > 0
                      AND (s.id IS NOT NULL OR m.invoice_date_due < %s) AND %s
                 ORDER BY m.commercial_partner_id, s.sequence DESC NULLS LAST, m.invoice_date_due, m.id""",
                company.id,
                tuple(set(partner_ids)),
                PAID_STATES,
                today,
                NOT_HELD_CLOSED,
            )
        )
        listing = defaultdict(list)
        for partner_id, move_id in self.env.cr.fetchall():
            listing[partner_id].append(move_id)
        return {partner_id: tuple(ids) for partner_id, ids in listing.items()}

    def _ar_send_stage(self, stage, groups, now):
        """Send the communication at ``stage`` to every customer of ``groups``: one each.

        ``groups`` holds per customer the invoices due a message (``moves``),
        their ``cycles`` and ``stages``, and the invoices its communication
        lists (``listing``). The whole stage is delivered in one savepoint; if
        anything fails, each customer is retried alone so that the error
        lands on its own invoices and the other customers still get theirs.

        Returns the channel each invoice was contacted on (``{invoice id:
        channel}``); the caller counts the contacts.
        """
        try:
            with self.env.cr.savepoint():
                contacted = self._ar_deliver_groups(stage, groups, now)
        except Exception as exc:  # noqa: BLE001 - isolated per customer, reported on its invoices
            if self._ar_is_concurrency_error(exc):
                raise  # not this customer's fault: the whole batch is retried
            contacted = {}
            if len(groups) > 1:
                for group in groups:
                    contacted.update(self._ar_send_stage(stage, [group], now))
            else:
                self._ar_report_failure(stage, groups[0]["moves"], exc)
        return contacted

    def _ar_report_failure(self, stage, moves, exc):
        partner = moves[0].commercial_partner_id
        _logger.warning(
            "AR escalation: message at %s for %s failed: %s",
            stage.name,
            partner.display_name,
            exc,
            exc_info=True,
        )
        message = self.env._(
            "Message to the customer at %(stage)s failed: %(error)s", stage=stage.name, error=exc
        )
        with self.env.cr.savepoint():
            moves._ar_write({"ar_error": str(exc)[:250]})
            self.env["ar.escalation.event"]._ar_log(
                [self._event_vals(move, "error", stage, message, channel=stage.channel) for move in moves]
            )

    def _ar_deliver_groups(self, stage, groups, now):
        """Record the external events (never twice) and deliver.

        Each invoice's event is keyed at its own stage and cycle; the message
        is the one of ``stage``, the customer's position. Returns ``{invoice
        id: channel}`` for the invoices a message went to.
        """
        vals = []
        for group in groups:
            for move in group["moves"]:
                vals.append(
                    self._event_vals(
                        move,
                        "external",
                        group["stages"][move.id],
                        "",
                        cycle=group["cycles"][move.id],
                        channel=stage.channel,
                        case_id=move.ar_case_id.id,
                    )
                )
        Event = self.env["ar.escalation.event"]
        if self._ar_records_before_delivery(stage):
            events = Event._ar_log(vals, post=False)
            todo = self._ar_delivery_todo(stage, groups, set(events.move_id.ids))
            if not todo:
                return {}  # already sent by an earlier or concurrent run
            results = self._ar_deliver_todo(stage, todo)
            case_of = {move.id: case.id for case, moves, __ in todo for move in moves}
            events._ar_record_delivery({event.id: results[case_of[event.move_id.id]] for event in events})
        else:
            # the events are written once, with what the delivery did: the
            # ones recorded already are left out first, and one recorded by
            # another transaction meanwhile makes the insert fall short, which
            # retries the whole batch (nothing is sent: it rolls back)
            vals = Event._ar_unrecorded(vals)
            todo = self._ar_delivery_todo(stage, groups, {v["move_id"] for v in vals})
            if not todo:
                return {}  # already sent by an earlier run
            results = self._ar_deliver_todo(stage, todo)
            case_of = {move.id: case.id for case, moves, __ in todo for move in moves}
            for event_vals in vals:
                result = results[case_of[event_vals["move_id"]]]
                event_vals.update(
                    case_id=case_of[event_vals["move_id"]],
                    reason=result["summary"] or False,
                    channel=result["channel"] or False,
                    mail_id=result.get("mail_id") or False,
                )
            events = Event._ar_log(vals, post=False)
            if len(events) != len(vals):
                raise ArConcurrentRun(
                    self.env._(
                        "Another run recorded messages at %s for these invoices meanwhile.", stage.name
                    )
                )
        deferred = self.env.context.get("ar_run_events")
        if deferred is not None:
            deferred.extend(events.ids)
        else:
            events._ar_post_chatter()
        return {move.id: results[case.id]["channel"] for case, moves, __ in todo for move in moves}

    def _ar_deliver_todo(self, stage, todo):
        """Deliver ``todo`` [(case, invoices due, invoices listed)] with the listing in the context."""
        invoice_map = tuple((case.id, listing) for case, __, listing in todo)
        runner = self.with_context(ar_invoice_map=invoice_map)
        return runner._ar_deliver(stage, [(case, moves) for case, moves, __ in todo])

    def _ar_delivery_todo(self, stage, groups, move_ids):
        """(case, invoices due, invoices listed) to message, per customer.

        The communication goes on the customer's case at ``stage``, which its
        invoices at that stage belong to.
        """
        todo = []
        for group in groups:
            moves = group["moves"]
            kept = moves.filtered(lambda move: move.id in move_ids)
            if not kept:
                continue
            case = next(
                (m.ar_case_id for m in moves if group["stages"][m.id] == stage and m.ar_case_id),
                kept[0].ar_case_id,
            )
            if not case:
                raise ValueError(self.env._("%s has no escalation case.", kept[0].display_name))
            todo.append((case, kept, group["listing"]))
        return todo

    def _ar_records_before_delivery(self, stage):
        """Whether the stage's delivery needs its events recorded first.

        Email needs nothing but the events' key, checked beforehand; the SMS
        addon's channels key their outbox on the events themselves.
        """
        return stage.channel != "email"

    @api.model
    def _ar_contact_values(self, attempts, unanswered, stage, channel, now):
        """An invoice's contact fields once a message at ``stage`` went out on ``channel``.

        ``attempts`` and ``unanswered`` are its values before: the count goes
        up and the stage's level starts waiting for an answer (unless it was).
        """
        unanswered = dict(unanswered or {})
        unanswered.setdefault(str(stage.sequence), fields.Date.to_string(now.date()))
        return {
            "ar_contact_attempts": attempts + 1,
            "ar_last_contact_date": now,
            "ar_last_contact_channel": channel,
            "ar_unanswered_since": unanswered,
        }

    def _ar_deliver(self, stage, todo):
        """Send on the stage's channel; the SMS addon extends this for SMS and WhatsApp.

        ``todo`` is a list of (case, invoices); the invoices each message
        lists are in the context (``ar_invoice_map``). Returns, per case id, a
        dict with the channel, a summary in words for the chatter and the
        queued mail's id.
        """
        if stage.channel in ("email", "email_sms"):
            results = self._ar_deliver_email(stage, todo)
            if stage.channel == "email_sms":
                results = self._ar_deliver_sms(stage, todo, results)
            return results
        if stage.channel == "none":
            return {case.id: {"channel": "none", "summary": ""} for case, __ in todo}
        return self._ar_deliver_sms(stage, todo, {})

    def _ar_deliver_sms(self, stage, todo, results):
        raise ValueError(
            self.env._(
                "Stage %(stage)s sends by %(channel)s, which needs the AR Escalation SMS addon.",
                stage=stage.name,
                channel=stage.channel,
            )
        )

    @api.model
    def _ar_recipients(self, contact, moves, partner):
        """Who a message to ``partner`` about ``moves`` goes to, for a stage's ``contact`` setting.

        Billing contacts: each invoice's partner when its email is valid, else
        the customer. The escalation contact falls back to the billing
        contacts when the customer has none with a valid address. Invalid
        addresses ("not-an-email") are no recipients. The templates read it
        through the case's ``message_recipient_ids``.
        """

        def valid(partners):
            return partners.filtered(lambda p: email_normalize(p.email or ""))

        billing = self.env["res.partner"]
        for move in moves:
            billing |= move.partner_id if valid(move.partner_id) else partner
        billing = valid(billing or partner)
        escalation = valid(partner.ar_escalation_contact_id)
        if contact == "escalation":
            return escalation or billing
        if contact == "both":
            return billing | escalation
        return billing

    def _ar_invoice_map(self, todo):
        """What each message lists: the run's listing (context), else the invoices it is due for."""
        listed = dict(self.env.context.get("ar_invoice_map") or ())
        return tuple((case.id, listed.get(case.id) or tuple(moves.ids)) for case, moves in todo)

    def _ar_deliver_email(self, stage, todo):
        """Post the stage's email template on every case at once, through core's composer.

        ``mail.compose.message`` in batch comment mode renders the
        template for all the cases (subject, body, recipients from
        ``partner_to``, ``reply_to``, ``email_cc``, attachments and
        ``report_template_ids``, ``lang``, mail server, scheduled date) and
        posts one message per case: its recipients get the email through the
        notification layout, the case's followers (its owner) are notified.
        The emails are queued (``mail_notify_force_send``: the mail queue
        sends them after the commit), so a crash before the commit sends
        nothing and a rerun sends exactly once.
        """
        template = stage.mail_template_id
        if not template:
            raise ValueError(self.env._("Stage %s has no email template.", stage.name))
        invoice_map = self._ar_invoice_map(todo)
        cases = self.env["ar.escalation.case"].concat(*(case for case, __ in todo))
        cases = cases.with_context(
            ar_invoice_map=invoice_map,
            ar_render_batch=True,
            ar_notice_stage_id=stage.id,
            mail_notify_force_send=False,
            mail_post_autofollow=False,
        )
        listed = dict(invoice_map)
        # the portal links of the message need the invoices' access tokens
        listed_moves = self.env["account.move"].browse({i for ids in listed.values() for i in ids})
        listed_moves._ar_ensure_access_tokens()
        for case in cases:
            if not case.message_recipient_ids:
                raise ValueError(
                    self.env._("No contact with a valid email address for %s.", case.partner_id.display_name)
                )
        # core's comment mode takes the Reply-To from the records, one post at
        # a time (_notify_get_reply_to): the template's when it has one, else
        # the company's "Replies go to"; worked out here once for all the cases
        if template.reply_to:
            replies = template.with_env(cases.env)._render_field("reply_to", cases.ids)
        else:
            replies = cases._notify_get_reply_to()
        cases = cases.with_context(ar_template_reply_to=tuple(replies.items()))
        # one composer for all the cases (message_post_with_source makes one
        # per record, rendering each alone): batch comment mode renders the
        # template once for all of them, then posts on each case
        composer = cases.env["mail.compose.message"].create(
            {
                "composition_mode": "comment",
                "model": cases._name,
                "res_ids": repr(cases.ids),
                "template_id": template.id,
                "message_type": "comment",
                "subtype_id": self.env.ref("mail.mt_comment").id,
                "email_layout_xmlid": "mail.mail_notification_light",
            }
        )
        __, messages = composer._action_send_mail()
        message_of = {message.res_id: message for message in messages}
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "in", messages.ids)])
        )  # sudo: the outbox
        # the customer's email: the mail to the message's recipients (a follower
        # who reads notifications by email gets a mail of their own)
        mail_of = {}
        for mail in mails:
            if mail.recipient_ids & mail.mail_message_id.partner_ids:
                mail_of.setdefault(mail.mail_message_id.id, mail.id)
        results = {}
        for case, __ in todo:
            message = message_of[case.id]
            results[case.id] = {
                "channel": "email",
                "summary": self.env._(
                    "Email “%(subject)s” to %(to)s",
                    subject=message.subject,
                    to=", ".join(message.partner_ids.mapped("email")),
                ),
                "mail_id": mail_of.get(message.id),
                "message_id": message.id,
            }
        return results

    # ------------------------------------------------------------------
    # manual moves and case closing
    # ------------------------------------------------------------------
    def _ar_override(self, moves, stage, reason):
        if not (reason or "").strip():
            raise ValueError(self.env._("A stage override needs a reason."))
        now = fields.Datetime.now()
        today = fields.Date.context_today(self)
        for move in moves:
            old = move.ar_stage_id
            old_case_ids = {move.ar_case_id.id} - {False}
            self.env["ar.escalation.event"]._ar_log(
                [
                    self._event_vals(
                        move,
                        "override",
                        stage,
                        reason,
                        from_stage_id=old.id,
                        to_stage_id=stage.id,
                        user_id=self.env.uid,  # who moved it; its owner comes with its case
                    )
                ]
            )
            entering = {(move.commercial_partner_id.id, stage.id): [move]}
            opened = self._ar_open_cases(move.company_id, entering, now)
            move._ar_write(
                {
                    "ar_stage_id": stage.id,
                    "ar_stage_date": now,
                    "ar_stage_entries": move.ar_stage_entries + 1,
                    "ar_contact_attempts": 0,
                    "ar_acknowledged_at": False,
                }
            )
            self._ar_enter_cases(
                move.company_id, entering, today, now, opened=opened, old_case_ids=old_case_ids
            )

    def _ar_close(self, moves, disposition, reason, user=None):
        """Close the invoices' escalation; ``user`` closes it by hand (the ladder when paid otherwise).

        What the closing records as recovered is the money received during the
        stay at the stage (trust, issue 12), never what was open.
        """
        now = fields.Datetime.now()
        events = []
        received = self.env["account.move"]._ar_money_received(moves)
        for move in moves:
            recovered = received.get(move.id, 0.0)
            if disposition == "paid" and move.ar_promise_ids.filtered("is_plan"):
                disposition_eff = "paid_plan"
            else:
                disposition_eff = disposition
            events.append(
                self._event_vals(
                    move,
                    "closed",
                    move.ar_stage_id,
                    reason
                    or dict(self.env["ar.escalation.event"]._fields["disposition"].selection)[
                        disposition_eff
                    ],
                    disposition=disposition_eff,
                    amount=recovered,
                    amount_recovered=recovered,
                    case_id=move.ar_case_id.id,
                    user_id=user.id if user else False,
                )
            )
            move._ar_write({"ar_disposition": disposition_eff})
        self.env["ar.escalation.event"]._ar_log(events)
        old_cases = moves.ar_case_id
        moves._ar_write({"ar_closed_date": now})
        self._ar_close_empty_cases(old_cases)
