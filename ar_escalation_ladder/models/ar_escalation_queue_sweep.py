# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The daily sweep as ``queue_job`` jobs: a batch per job, its messages in a job of their own.

With ``queue_job`` on (``ar_escalation_queue.py``), the scheduled action
still walks the book customer by customer (``_select_batch``) but enqueues
each batch on ``<channel>.sweep`` instead of evaluating it (``_cron_run``),
many batches per call.
A sweep job evaluates its invoices with ``_ar_process_safely`` (one bad
record never spoils the batch; its error is on the invoice) and writes
stages, events, cases and activities; the messages its plan says are due go
to a delivery job on ``<channel>.delivery``, enqueued in the same
transaction: the delivery job records the external events (uniquely keyed)
and queues the emails or texts, and writes what delivery did on the
invoices.

Exactly-once rests on the event keys, as in the scheduled action: a job
killed midway left nothing (its transaction rolled back) and is run again by
queue_job; a job run twice finds its events recorded and sends nothing. A
batch already waiting in the queue is not enqueued again (identity key).
"""

import hashlib
import logging
import time

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .ar_escalation_facts import PAID_STATES

_logger = logging.getLogger(__name__)

# one call of the scheduled action enqueues at most this many batches, for at most this long
ENQUEUE_BATCHES = 200
ENQUEUE_SECONDS = 10.0
# the run's closing job: after the sweep's jobs (a higher number runs later), checking again
# every few seconds while some are not done
CLOSE_PRIORITY = 20
CLOSE_RETRY = 10


def _digest(*parts):
    return hashlib.sha1(repr(parts).encode()).hexdigest()[:16]  # noqa: S324 - a key, not a secret


class ArEscalationQueue(models.AbstractModel):
    _inherit = "ar.escalation.queue"

    # ------------------------------------------------------------------
    # the sweep's batches
    # ------------------------------------------------------------------
    @api.model
    def _ar_enqueue_batches(self, move_ids, last, batch_size, today):
        """Enqueue the batch ``move_ids`` and the next ones, for a few seconds at most.

        Enqueueing costs a few milliseconds a batch: one call of the scheduled
        action hands the job runners many batches (the cron framework runs
        ten calls, then waits for its next wake-up). Returns every invoice id
        enqueued and the last customer taken, as ``_select_batch`` does.
        """
        enqueued, deadline = [], time.monotonic() + ENQUEUE_SECONDS
        Runner = self.env["ar.escalation.runner"]
        for __ in range(ENQUEUE_BATCHES):
            self._ar_enqueue_sweep(move_ids, today)
            enqueued += move_ids
            if time.monotonic() > deadline:
                break
            more, after = Runner._select_batch(last, batch_size)
            if not more:
                break
            move_ids, last = more, after
        return enqueued, last

    @api.model
    def _ar_enqueue_sweep(self, move_ids, today):
        """One job evaluating ``move_ids`` (whole customers) for ``today``, unless it is queued already."""
        move_ids = sorted(move_ids)
        key = f"ar_escalation.sweep:{today}:{move_ids[0]}-{move_ids[-1]}:{_digest(move_ids)}"
        return self.with_delay(
            channel=self._ar_channel("sweep"),
            identity_key=key,
            description=self.env._("AR escalation: evaluate %s invoices", len(move_ids)),
        )._ar_job_sweep(move_ids, fields.Date.to_string(today))

    @api.model
    def _ar_job_sweep(self, move_ids, today):
        """Evaluate one batch of the sweep, as the scheduled action would, its messages deferred."""
        moves = self.env["account.move"].browse(move_ids).exists()
        runner = self.env["ar.escalation.runner"].with_context(ar_queue_deliveries=True)
        runner._ar_process_safely(moves, fields.Date.to_date(today), fields.Datetime.now())
        return self.env._("%s invoices evaluated", len(moves))

    # ------------------------------------------------------------------
    # the end of the run: when its jobs are done
    # ------------------------------------------------------------------
    @api.model
    def _ar_enqueue_close_run(self, day):
        """The job that ends the run of ``day`` once its jobs are done (after the sweep's)."""
        return self.with_delay(
            channel=self._ar_channel("sweep"),
            identity_key=f"ar_escalation.close:{day}",
            priority=CLOSE_PRIORITY,
            description=self.env._("AR escalation: end the run of %s", format_date(self.env, day)),
        )._ar_job_close_run(fields.Date.to_string(day))

    @api.model
    def _ar_job_close_run(self, day):
        """Count what the run's jobs evaluated and end the run, or wait while some are not done.

        One job writes the run (the sweep jobs would all update its one row:
        under Odoo's repeatable read, every one but the first would fail and
        be retried); queue_job runs it again ``CLOSE_RETRY`` seconds later
        while jobs wait, without counting that as a failed try.
        """
        from odoo.addons.queue_job.exception import RetryableJobError  # pylint: disable=import-outside-toplevel

        run = self.env["ar.escalation.run"].search([("date", "=", day)], limit=1)
        if not run or run.finished_at:
            return self.env._("No run to end.")
        jobs = self._ar_run_jobs([day])[day]
        if jobs["waiting"]:
            raise RetryableJobError(
                self.env._("%s jobs of the run are not done yet.", jobs["waiting"]),
                seconds=CLOSE_RETRY,
                ignore_retry=True,
            )
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_run
                      SET evaluated = evaluated + %(evaluated)s, finished_at = %(now)s, write_date = %(now)s
                    WHERE id = %(id)s AND finished_at IS NULL""",
                evaluated=jobs["evaluated"],
                now=fields.Datetime.now(),
                id=run.id,
            )
        )
        run.invalidate_recordset()
        return self.env._("%s invoices evaluated by the run's jobs.", jobs["evaluated"])

    # ------------------------------------------------------------------
    # the batch's messages
    # ------------------------------------------------------------------
    @api.model
    def _ar_enqueue_delivery(self, company, plan, stages, today, now, event_ids=()):
        """A job sending what ``plan`` says is due, in the current transaction (the batch's).

        ``event_ids``: the batch's events of those invoices, for their chatter note.
        """
        due = sorted((pid, sorted(items)) for pid, items in plan.due.items())
        key = f"ar_escalation.delivery:{company.id}:{today}:{_digest(due)}"
        payload = {
            "company_id": company.id,
            "due": [[pid, [list(item) for item in items]] for pid, items in due],
            "position": [[pid, level] for pid, level in plan.position.items() if pid in plan.due],
            "stages": [[level, stage.id] for level, stage in stages.items()],
            "contacts": [[move_id, channel, vals] for move_id, (channel, vals) in plan.contacts.items()],
            "today": fields.Date.to_string(today),
            "now": fields.Datetime.to_string(now),
            "events": list(event_ids),
        }
        return self.with_delay(
            channel=self._ar_channel("delivery"),
            identity_key=key,
            description=self.env._("AR escalation: messages to %s customers", len(due)),
        )._ar_job_deliver(payload)

    @api.model
    def _ar_job_deliver(self, payload):
        """Send the messages of a sweep job's batch and write what delivery did on the invoices.

        The invoices paid or taken off the ladder since the batch ran get no
        message (their contact values are given back, as for a message that
        did not go); a customer whose message an earlier run of this job sent
        keeps its values.
        """
        company = self.env["res.company"].browse(payload["company_id"])
        Stage = self.env["ar.escalation.stage"]
        stages = {level: Stage.browse(stage_id) for level, stage_id in payload["stages"]}
        due = self._ar_due_from_payload(payload["due"])
        sent = self._ar_sent_before(due, stages)
        due = {pid: items for pid, items in due.items() if not any(m.id in sent for m, *__ in items)}
        run_events = list(payload.get("events") or ())
        contacted = self.with_context(ar_run_events=run_events)._ar_deliver_safely(
            company,
            due,
            dict(payload["position"]),
            stages,
            fields.Date.to_date(payload["today"]),
            fields.Datetime.to_datetime(payload["now"]),
        )
        corrections = {}
        for move_id, channel, restore in payload["contacts"]:
            used = channel if move_id in sent else contacted.get(move_id)
            if used is None:
                corrections[move_id] = restore
            elif used != channel:
                corrections[move_id] = {"ar_last_contact_channel": used}
        self.env["account.move"].browse(list(corrections))._ar_write_many(corrections)
        # one chatter note per invoice for the batch's events and its message's
        self.env["ar.escalation.event"].browse(run_events)._ar_post_chatter()
        return self.env._("%s invoices contacted", len(contacted))

    @api.model
    def _ar_due_from_payload(self, rows):
        """``{customer: [(invoice, level, cycle)]}`` of the invoices still open on the ladder."""
        open_ids = self._ar_still_open([i for __, items in rows for i, *__ in items])
        # one recordset, iterated: the invoices share their prefetch (one read for all of them,
        # not one per invoice as a browse() each would)
        by_id = {move.id: move for move in self.env["account.move"].browse(sorted(open_ids))}
        due = {}
        for pid, items in rows:
            kept = [(by_id[i], level, cycle) for i, level, cycle in items if i in open_ids]
            if kept:
                due[pid] = kept
        return due

    @api.model
    def _ar_deliver_safely(self, company, due, position, stages, today, now):
        """``_ar_communicate`` in a savepoint; on an error, customer by customer, then on the invoices.

        As in the scheduled action, one customer's failure does not keep the
        others' messages: its error is on its invoices.
        """
        Runner, Delivery = self.env["ar.escalation.runner"], self.env["ar.escalation.delivery"]
        try:
            with self.env.cr.savepoint():
                return Delivery._ar_communicate(company, due, position, stages, today, now)
        except Exception as exc:  # noqa: BLE001 - isolated per customer below
            if Runner._ar_is_concurrency_error(exc.__cause__ or exc):
                raise
            if len(due) == 1:
                for move, __, __ in next(iter(due.values())):
                    Runner._ar_record_error(move, exc)
                return {}
        contacted = {}
        for pid, items in due.items():
            contacted.update(self._ar_deliver_safely(company, {pid: items}, position, stages, today, now))
        return contacted

    @api.model
    def _ar_sent_before(self, due, stages):
        """The invoices of ``due`` whose external event is recorded already (one query).

        queue_job runs a job again after its worker died in it (nothing of
        that attempt was committed) or when a user requeues a done job: then
        the events say what went.
        """
        Event = self.env["ar.escalation.event"]
        vals = [
            Event._prepare_event_vals(move, "external", stages[level], "", cycle=cycle)
            for items in due.values()
            for move, level, cycle in items
        ]
        return {v["move_id"] for v in vals} - {v["move_id"] for v in Event._ar_unrecorded(vals)}

    @api.model
    def _ar_still_open(self, move_ids):
        """The invoices of ``move_ids`` still open on the ladder (one query)."""
        if not move_ids:
            return set()
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id FROM account_move
                WHERE id IN %s AND state = 'posted' AND payment_state NOT IN %s
                  AND ar_stage_id IS NOT NULL AND ar_closed_date IS NULL""",
            (tuple(move_ids), PAID_STATES),
        )
        return {row[0] for row in self.env.cr.fetchall()}


class ArEscalationApply(models.AbstractModel):
    _inherit = "ar.escalation.apply"

    @api.model
    def _ar_apply_messages(self, batch, plan, by_id):
        """In a sweep job, the messages due go to a delivery job of their own."""
        if not self.env.context.get("ar_queue_deliveries") or not plan.due:
            return super()._ar_apply_messages(batch, plan, by_id)
        self.env["ar.escalation.queue"]._ar_enqueue_delivery(
            batch.company, plan, batch.stages, batch.today, batch.now, self._ar_hand_over_events(plan)
        )
        return None

    @api.model
    def _ar_hand_over_events(self, plan):
        """The run's events of the invoices due a message, taken out of the sweep job's chatter.

        The delivery job writes them in the chatter with the message's, one
        note per invoice as the scheduled action does (one query).
        """
        run_events = self.env.context.get("ar_run_events")
        if not run_events:
            return []
        Event = self.env["ar.escalation.event"]
        Event.flush_model(["move_id"])
        self.env.cr.execute(
            "SELECT id FROM ar_escalation_event WHERE id IN %s AND move_id IN %s",
            (tuple(run_events), tuple(i for items in plan.due.values() for i, *__ in items)),
        )
        handed = {row[0] for row in self.env.cr.fetchall()}
        run_events[:] = [event_id for event_id in run_events if event_id not in handed]
        return sorted(handed)
