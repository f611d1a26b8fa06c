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

import logging
import uuid
from collections import defaultdict
from datetime import date, timedelta

import psycopg2
import psycopg2.errors
from psycopg2 import errorcodes

from odoo import api, fields, models
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from ..engine import InvoiceFacts, decide, risk_signals

_logger = logging.getLogger(__name__)

PAID_STATES = ("paid", "in_payment", "reversed")


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
               AND m.company_id IN (SELECT id FROM res_company WHERE ar_escalation_enabled)""",
            after_partner,
            PAID_STATES,
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
        if not moves:
            return
        rows = self._ar_read_rows(moves)
        by_company = defaultdict(dict)
        for move_id, row in rows.items():
            by_company[row["company_id"]][move_id] = row
        moves = moves.browse(list(rows))
        # the events of a run are written to the chatter at the end, one line
        # per invoice for all that happened to it in this run; the events
        # carry the id of that line from the start (ar_chatter_ids)
        chatter_ids = {}
        runner = self.with_context(ar_defer_chatter=True, ar_chatter_ids=chatter_ids)
        for company_id, company_rows in by_company.items():
            company = self.env["res.company"].browse(company_id)
            company_moves = moves.browse(list(company_rows))
            policy, stages = self.env["ar.escalation.stage"]._get_policy(company)
            facts, data = runner._ar_collect(company_moves, company, policy, today, company_rows)
            decisions = [decide(policy, fact, today) for fact in facts]
            runner._ar_apply(company, company_moves, decisions, stages, data, today, now)
        Event = self.env["ar.escalation.event"]
        if chatter_ids:
            Event.search([("message_id", "in", list(chatter_ids.values()))])._ar_post_chatter()
            Event._ar_check_chatter_links()

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
                       m.ar_closed_date, m.ar_reason, m.ar_hygiene, m.ar_error, m.ar_stage_residual,
                       m.ar_acknowledged_at, m.ar_disposition,
                       m.access_token IS NOT NULL AS has_access_token,
                       s.sequence AS stage_level, cp.ar_account_tier,
                       cp.ar_pause_until AS partner_pause_until, cp.ar_requires_ref,
                       COALESCE(ip.email, '') <> '' OR COALESCE(cp.email, '') <> ''
                           OR COALESCE(ec.email, '') <> '' AS has_email
                  FROM account_move m
                  JOIN res_partner cp ON cp.id = m.commercial_partner_id
             LEFT JOIN res_partner ip ON ip.id = m.partner_id
             LEFT JOIN res_partner ec ON ec.id = cp.ar_escalation_contact_id
             LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
                 WHERE m.id IN %s
              ORDER BY m.id
                """,
                tuple(moves.ids),
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
    def _ar_hygiene_blockers(self, move, company, row=None):
        """Why an invoice is not payable as sent (hook: extend for more checks).

        ``row`` holds the invoice's columns read by :meth:`_ar_collect`; without
        it the invoice record is read.
        """
        if row is None:
            partner = move.commercial_partner_id
            emails = (move.partner_id.email, partner.email, partner.ar_escalation_contact_id.email)
            row = {"has_email": any(emails), "ar_requires_ref": partner.ar_requires_ref, "ref": move.ref}
        blockers = []
        if company.ar_hygiene_require_email and not row["has_email"]:
            blockers.append(self.env._("no email address to reach the customer"))
        if company.ar_hygiene_require_ref and row["ar_requires_ref"] and not row["ref"]:
            blockers.append(self.env._("the customer's reference (PO) is missing"))
        return tuple(blockers)

    def _ar_apply(self, company, moves, decisions, stages, data, today, now):
        Event = self.env["ar.escalation.event"]
        rows = data["rows"]
        events = []
        move_updates = {}  # invoice id -> values
        entering = defaultdict(list)  # (partner, stage) -> moves
        sending = defaultdict(list)  # (partner, stage) -> (move, cycle)
        fixing = defaultdict(list)  # partner -> moves not payable as sent
        closing = []
        # invoice id -> (channel, values to restore if no message goes out)
        contact_plan = {}
        by_id = {move.id: move for move in moves}  # records that share the batch's prefetch
        # writing the stage's open amount (Monetary) reads each invoice's
        # currency: one read of their company for the batch, not one per write
        # and the columns the run reads from the invoices (events, cases,
        # messages), rather than every column of account.move at the first miss
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
                    ar_stage_residual=residual,
                    ar_reason=decision.reason,
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
            elif decision.action == "stay" and decision.reason != row["ar_reason"]:
                vals["ar_reason"] = decision.reason
            if decision.stage is not None and decision.send_external:
                stage = stages[decision.stage]
                sending[(pid, stage.id)].append((move, decision.external_cycle))
                if not row["has_access_token"]:
                    # the portal link of the message needs it: written with the
                    # stage's values rather than by an UPDATE of its own later
                    vals["access_token"] = str(uuid.uuid4())
                # the contact is counted with the stage's values too (one
                # update of the invoice row, not two); an invoice whose message
                # does not go out gets its values back below
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
        # only what changed is written (values shared by invoices together,
        # the others in one cache update per field): an unchanged rerun writes nothing
        moves._ar_write_many(move_updates)
        Event._ar_log(events)
        if entering:
            self._ar_enter_cases(company, entering, today, now, history=data["history"])
        if closing:
            self._ar_close(self.env["account.move"].concat(*closing), "paid", "")
        if fixing:
            self._ar_raise_fixits(company, fixing, today, now, history=data["history"])
        by_stage = defaultdict(list)
        for (__, stage_id), items in sending.items():
            group = self.env["account.move"].concat(*(move for move, __ in items))
            by_stage[stage_id].append((group, {move.id: cycle for move, cycle in items}))
        contacted = {}
        for stage_id, groups in by_stage.items():
            contacted.update(
                self._ar_send_stage(self.env["ar.escalation.stage"].browse(stage_id), groups, now)
            )
        # what went otherwise than planned: no message (failed, or sent by an
        # earlier run), or another channel than the stage's (SMS fallbacks)
        corrections = {}
        for move_id, (channel, restore) in contact_plan.items():
            used = contacted.get(move_id)
            if used is None:
                corrections[move_id] = restore
            elif used != channel:
                corrections[move_id] = {"ar_last_contact_channel": used}
        moves._ar_write_many(corrections)

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
            "ar_stage_residual",
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
    def _ar_enter_cases(self, company, entering, today, now, history=None):
        """Put entering invoices in their customer's open case for the stage.

        One case (and one activity for its owner) per customer and stage.
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
        old_case_ids = set()
        events = []
        assignments = {}
        for (pid, sid), moves in entering.items():
            case = cases[(pid, sid)]
            old_case_ids.update(move.ar_case_id.id for move in moves if move.ar_case_id)
            for move in moves:
                assignments[move.id] = {
                    "ar_case_id": case.id,
                    "ar_owner_id": case.owner_id.id,
                    "ar_sla_deadline": case.sla_deadline,
                }
        self.env["account.move"]._ar_write_many(assignments)
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
            empty.write({"state": "closed"})

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
    def _ar_send_stage(self, stage, groups, now):
        """Message every customer of ``groups`` at ``stage``: one message per customer.

        ``groups`` is a list of (invoices, cycles) per customer. The whole
        stage is delivered in bulk inside one savepoint; if anything fails,
        each customer is retried alone so that the error lands on its own
        invoices and the other customers still get their message.

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
                self._ar_report_failure(stage, groups[0][0], exc)
        return contacted

    def _ar_report_failure(self, stage, moves, exc):
        partner = moves[0].commercial_partner_id
        _logger.warning(
            "AR escalation: message at %s for %s failed: %s", stage.name, partner.display_name, exc
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

        Returns ``{invoice id: channel}`` for the invoices a message went to.
        """
        vals = []
        for moves, cycles in groups:
            for move in moves:
                vals.append(
                    self._event_vals(
                        move,
                        "external",
                        stage,
                        "",
                        cycle=cycles[move.id],
                        channel=stage.channel,
                        case_id=move.ar_case_id.id,
                    )
                )
        Event = self.env["ar.escalation.event"]
        if self._ar_records_before_delivery(stage):
            events = Event._ar_log(vals, post=False)
            todo = self._ar_delivery_todo(groups, set(events.move_id.ids))
            if not todo:
                return {}  # already sent by an earlier or concurrent run
            results = self._ar_deliver(stage, todo)
            case_of = {move.id: case.id for case, moves in todo for move in moves}
            events._ar_record_delivery({event.id: results[case_of[event.move_id.id]] for event in events})
        else:
            # the events are written once, with what the delivery did: the
            # ones recorded already are left out first, and one recorded by
            # another transaction meanwhile makes the insert fall short, which
            # retries the whole batch (nothing is sent: it rolls back)
            vals = Event._ar_unrecorded(vals)
            todo = self._ar_delivery_todo(groups, {v["move_id"] for v in vals})
            if not todo:
                return {}  # already sent by an earlier run
            results = self._ar_deliver(stage, todo)
            case_of = {move.id: case.id for case, moves in todo for move in moves}
            for event_vals in vals:
                result = results[case_of[event_vals["move_id"]]]
                event_vals.update(
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
        if not self.env.context.get("ar_defer_chatter"):
            events._ar_post_chatter()
        return {move.id: results[case.id]["channel"] for case, moves in todo for move in moves}

    def _ar_delivery_todo(self, groups, move_ids):
        """(case, invoices) to message: the invoices of ``move_ids`` per customer."""
        todo = []
        for moves, __ in groups:
            kept = moves.filtered(lambda move: move.id in move_ids)
            if kept:
                if not kept[0].ar_case_id:
                    raise ValueError(self.env._("%s has no escalation case.", kept[0].display_name))
                todo.append((kept[0].ar_case_id, kept))
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

        ``todo`` is a list of (case, invoices). Returns, per case id, a dict
        with the channel label, a summary in words for the chatter and the
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

    def _ar_recipients(self, stage, moves, partner):
        billing = self.env["res.partner"]
        for move in moves:
            billing |= move.partner_id if move.partner_id.email else move.commercial_partner_id
        escalation = partner.ar_escalation_contact_id
        if stage.contact == "escalation":
            recipients = escalation or billing
        elif stage.contact == "both":
            recipients = billing | escalation
        else:
            recipients = billing
        return recipients.filtered("email")

    def _ar_deliver_email(self, stage, todo):
        """Render the stage's template for every case at once and queue the emails.

        Messages are written on each case's chatter and queued in the mail
        outbox in the same transaction as the events that record them: the
        mail queue sends them after the commit, so a crash before the commit
        sends nothing and a rerun sends exactly once.
        """
        template = stage.mail_template_id
        if not template:
            raise ValueError(self.env._("Stage %s has no email template.", stage.name))
        cases = self.env["ar.escalation.case"].concat(*(case for case, __ in todo))
        self._ar_ensure_access_tokens(self.env["account.move"].concat(*(moves for __, moves in todo)))
        invoice_map = tuple((case.id, tuple(moves.ids)) for case, moves in todo)
        # ar_render_batch: compile the template once for all cases (mail_render_mixin)
        template = template.with_context(ar_invoice_map=invoice_map, ar_render_batch=True)
        subjects = template._render_field("subject", cases.ids)
        bodies = template._render_field("body_html", cases.ids, compute_lang=True)
        senders = template._render_field("email_from", cases.ids)
        comment = self.env.ref("mail.mt_comment")
        author = self.env.user.partner_id
        # sudo: computing the reply-to address reads aliases, as mail itself does
        reply_to = cases.sudo()._notify_get_reply_to(default=author.email_formatted)
        message_vals, recipients_by_case = [], {}
        for case, moves in todo:
            recipients = self._ar_recipients(stage, moves, case.partner_id)
            if not recipients:
                raise ValueError(
                    self.env._("No contact with an email address for %s.", case.partner_id.display_name)
                )
            recipients_by_case[case.id] = recipients
            message_vals.append(
                {
                    "res_id": case.id,
                    "record_name": case.name,
                    "record_company_id": case.company_id.id,
                    "subtype_id": comment.id,
                    "author_id": author.id,
                    "email_from": senders[case.id] or author.email_formatted,
                    "reply_to": reply_to.get(case.id),
                    "subject": subjects[case.id],
                    "body": bodies[case.id],
                    "partner_ids": recipients.ids,
                    "attachment_ids": self._ar_external_attachments(stage, moves, case.partner_id).ids,
                }
            )
        messages = self._ar_insert_customer_messages(cases._name, message_vals)
        mail_of = self._ar_queue_customer_mails(message_vals, messages, author.id)
        results = {}
        for case, __ in todo:
            results[case.id] = {
                "channel": "email",
                "summary": self.env._(
                    "Email “%(subject)s” to %(to)s",
                    subject=subjects[case.id],
                    to=", ".join(recipients_by_case[case.id].mapped("email")),
                ),
                "mail_id": mail_of[case.id],
            }
        return results

    def _ar_queue_customer_mails(self, vals_list, message_of, author_id):
        """Queue the customer messages in the mail outbox; return ``{case id: mail id}``.

        What ``_notify_thread_by_email`` queues for a message, written in three
        statements for the whole batch (the ORM's create costs about a
        millisecond per mail and its notification): one ``mail.mail`` per
        message (its body is the message's, rendered by the stage's template),
        its recipients, and one ready email notification per recipient, read
        already as core marks them. Mail's queue sends them after the commit.
        """
        if not vals_list:
            return {}
        cr = self.env.cr
        now = fields.Datetime.now()
        uid = self.env.uid
        cr.execute(
            SQL(
                """INSERT INTO mail_mail (mail_message_id, body_html, state, is_notification, auto_delete,
                                          create_uid, create_date, write_uid, write_date)
                   SELECT v.message_id, v.body, 'outgoing', TRUE, FALSE, %s, %s, %s, %s
                     FROM unnest(%s::int[], %s::text[]) AS v(message_id, body)
                   RETURNING id, mail_message_id""",
                uid,
                now,
                uid,
                now,
                [message_of[vals["res_id"]] for vals in vals_list],
                [str(vals["body"]) for vals in vals_list],
            )
        )
        mail_of_message = {message_id: mail_id for mail_id, message_id in cr.fetchall()}
        pairs = [
            (mail_of_message[message_of[vals["res_id"]]], message_of[vals["res_id"]], partner_id)
            for vals in vals_list
            for partner_id in vals["partner_ids"]
        ]
        mail_ids, message_ids, partner_ids = (list(column) for column in zip(*pairs, strict=True))
        cr.execute(
            SQL(
                "INSERT INTO mail_mail_res_partner_rel (mail_mail_id, res_partner_id) "
                "SELECT * FROM unnest(%s::int[], %s::int[])",
                mail_ids,
                partner_ids,
            )
        )
        cr.execute(
            SQL(
                """INSERT INTO mail_notification (mail_message_id, mail_mail_id, res_partner_id, author_id,
                                                  notification_type, notification_status, is_read, read_date)
                   SELECT v.message_id, v.mail_id, v.partner_id, %s, 'email', 'ready', TRUE, %s
                     FROM unnest(%s::int[], %s::int[], %s::int[]) AS v(message_id, mail_id, partner_id)""",
                author_id,
                now,
                message_ids,
                mail_ids,
                partner_ids,
            )
        )
        self.env["mail.message"].browse(list(mail_of_message)).invalidate_recordset(["notification_ids"])
        return {vals["res_id"]: mail_of_message[message_of[vals["res_id"]]] for vals in vals_list}

    def _ar_insert_customer_messages(self, model, vals_list):
        """Write the customer messages in the cases' chatter in bulk; return {case id: message id}.

        ``mail.message.create`` sanitises every body twice (for the cache and
        for the column), about 5 ms a message: on a first escalation of a book
        that alone costs more than everything else the run does. The bodies
        here are the stage's ``mail.template`` rendered by QWeb, which escapes
        every value it prints (``t-out``), and the very same rendering is the
        outgoing email's ``body_html``, which core does not sanitise either.
        Recipients and attachments go to their relation tables; the
        attachments are the run's own (``_ar_external_attachments``), created
        on the case by the escalation itself.
        """
        if not vals_list:
            return {}
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = [
            SQL(
                "(%s, %s, %s, %s, 'comment', %s, %s, %s, %s, %s, %s, %s, %s, TRUE, FALSE, %s, %s, %s, %s)",
                model,
                vals["res_id"],
                vals["record_name"],
                vals["record_company_id"],
                vals["subtype_id"],
                vals["author_id"],
                vals["email_from"],
                vals["reply_to"],
                vals["subject"],
                str(vals["body"]),
                now,
                generate_tracking_message_id(f"{vals['res_id']}-{model}"),
                uid,
                now,
                uid,
                now,
            )
            for vals in vals_list
        ]
        cr = self.env.cr
        cr.execute(
            SQL(
                """INSERT INTO mail_message (model, res_id, record_name, record_company_id, message_type,
                       subtype_id, author_id, email_from, reply_to, subject, body, date, message_id,
                       email_add_signature, is_internal, create_uid, create_date, write_uid, write_date)
                   VALUES %s RETURNING id, res_id""",
                SQL(", ").join(rows),
            )
        )
        message_of = {res_id: message_id for message_id, res_id in cr.fetchall()}
        # recipients and attachments: the two many2many tables of mail.message
        for table, message_column, other_column, key in (
            ("mail_message_res_partner_rel", "mail_message_id", "res_partner_id", "partner_ids"),
            ("message_attachment_rel", "message_id", "attachment_id", "attachment_ids"),
        ):
            pairs = [
                SQL("(%s, %s)", message_of[vals["res_id"]], other_id)
                for vals in vals_list
                for other_id in vals[key]
            ]
            if pairs:
                cr.execute(
                    SQL(
                        "INSERT INTO %s (%s, %s) VALUES %s",
                        SQL.identifier(table),
                        SQL.identifier(message_column),
                        SQL.identifier(other_column),
                        SQL(", ").join(pairs),
                    )
                )
        self.env[model].browse(list(message_of)).invalidate_recordset(["message_ids"])
        return message_of

    def _ar_ensure_access_tokens(self, moves):
        """Give the invoices their portal access token before messages link to them.

        Done in one statement: ``_portal_ensure_token`` would go through
        ``account.move.write`` (several queries per invoice) for a column that
        has no accounting meaning.
        """
        missing = moves.filtered(lambda m: not m.access_token)
        if missing:
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET access_token = gen_random_uuid()::text "
                    "WHERE id IN %s AND access_token IS NULL",
                    tuple(missing.ids),
                )
            )
            missing.invalidate_recordset(["access_token"])

    def _ar_external_attachments(self, stage, moves, partner):
        """Attachments for the customer message (the reports addon adds the formal notice)."""
        return self.env["ir.attachment"]

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
            self.env["ar.escalation.event"]._ar_log(
                [
                    self._event_vals(
                        move,
                        "override",
                        stage,
                        reason,
                        from_stage_id=old.id,
                        to_stage_id=stage.id,
                        owner_id=self.env.uid,
                    )
                ]
            )
            move._ar_write(
                {
                    "ar_stage_id": stage.id,
                    "ar_stage_date": now,
                    "ar_stage_entries": move.ar_stage_entries + 1,
                    "ar_stage_residual": abs(move.amount_residual_signed),
                    "ar_contact_attempts": 0,
                    "ar_acknowledged_at": False,
                    "ar_reason": self.env._("Set by hand: %s", reason),
                }
            )
            self._ar_enter_cases(
                move.company_id, {(move.commercial_partner_id.id, stage.id): [move]}, today, now
            )

    def _ar_close(self, moves, disposition, reason):
        now = fields.Datetime.now()
        events = []
        for move in moves:
            recovered = (
                abs(move.ar_stage_residual or 0.0)
                if disposition == "paid"
                else max(abs(move.ar_stage_residual or 0.0) - abs(move.amount_residual_signed), 0.0)
            )
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
                )
            )
            move._ar_write({"ar_disposition": disposition_eff})
        self.env["ar.escalation.event"]._ar_log(events)
        old_cases = moves.ar_case_id
        moves._ar_write({"ar_closed_date": now, "ar_case_id": False, "ar_sla_deadline": False})
        self._ar_close_empty_cases(old_cases)
