# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .ar_escalation_format import format_reader_datetime

# what a run's screen counts among the events recorded while it ran
RUN_EVENT_KINDS = ("stage", "external", "error")


class ArEscalationRun(models.Model):
    """One day's sweep of the book by the scheduled action, and where it is.

    The sweep walks open invoices customer by customer (increasing commercial
    partner id); ``cursor`` is the last customer done. Keeping the position
    here, rather than stamping every invoice with an evaluation date, spares an
    update of every open invoice every day.
    """

    _name = "ar.escalation.run"
    _description = "AR escalation daily run"
    _order = "date desc"
    _rec_name = "date"

    date = fields.Date(required=True, readonly=True)
    cursor = fields.Integer("Last customer done", readonly=True, help="Commercial partner id.")
    total = fields.Integer("Open invoices at the start", readonly=True)
    # recorded by the scheduled action, and by the run's closing job for what queue_job evaluated
    evaluated = fields.Integer("Invoices evaluated (recorded)", readonly=True)
    # through queue_job (models/ar_escalation_queue_sweep.py): the scheduled action hands the
    # batches over, the jobs evaluate them, the run's closing job counts them and ends the run
    queued = fields.Integer("Invoices handed to queue_job", readonly=True)
    queued_at = fields.Datetime(
        "Handed to queue_job", readonly=True, help="When the scheduled action had handed every batch over."
    )
    batches = fields.Integer(readonly=True)
    started_at = fields.Datetime("Started", readonly=True)
    finished_at = fields.Datetime("Ended", readonly=True)

    # what the run did (Escalation > Runs): read from the events recorded while it ran
    state = fields.Selection(
        [("running", "Running"), ("done", "Done"), ("errors", "Done with errors")],
        compute="_compute_outcome",
    )
    evaluated_count = fields.Integer(
        "Invoices evaluated",
        compute="_compute_outcome",
        help="So far, while the run goes on: through queue_job, what its jobs done evaluated.",
    )
    progress = fields.Float(
        "Progress (%)", compute="_compute_outcome", help="Invoices evaluated of the book."
    )
    duration = fields.Float("Duration (minutes)", compute="_compute_outcome", digits=(16, 1))
    stage_change_count = fields.Integer("Stage changes", compute="_compute_outcome")
    message_count = fields.Integer(
        "Customers messaged", compute="_compute_outcome", help="Customers a message went to."
    )
    error_count = fields.Integer("Errors", compute="_compute_outcome")
    error_summary = fields.Html("What failed", compute="_compute_outcome", sanitize=False)
    job_waiting_count = fields.Integer(
        "Jobs waiting",
        compute="_compute_outcome",
        help="The run's queue_job jobs not done yet (evaluating batches, sending their messages).",
    )
    job_failed_count = fields.Integer(
        "Jobs failed",
        compute="_compute_outcome",
        help="The run's queue_job jobs that failed after their retries (Settings > Technical > Jobs).",
    )

    _sql_constraints = [("date_uniq", "unique(date)", "One run per day.")]

    @api.depends("date")
    def _compute_display_name(self):
        for run in self:
            run.display_name = self.env._("Run of %s", format_date(self.env, run.date))

    def _ar_window(self):
        """The moments the run covers: its start to its end (now while it runs)."""
        return self.started_at, self.finished_at or fields.Datetime.now()

    @api.depends("started_at", "finished_at", "evaluated", "total", "queued")
    def _compute_outcome(self):
        Event = self.env["ar.escalation.event"]
        # the jobs of every run through queue_job here, in one read
        run_jobs = self.env["ar.escalation.queue"]._ar_run_jobs(self.filtered("queued").mapped("date"))
        for run in self:
            jobs = run_jobs.get(fields.Date.to_string(run.date), {})
            run.job_waiting_count = jobs.get("waiting", 0)
            run.job_failed_count = jobs.get("failed", 0)
            # while it runs, what its jobs evaluated so far (its closing job adds them up)
            evaluated = run.evaluated + (0 if run.finished_at else jobs.get("evaluated", 0))
            run.evaluated_count = evaluated
            start, end = run._ar_window()
            counts = {}
            partners = 0
            errors = Event
            if start:
                domain = [("date", ">=", start), ("date", "<=", end), ("kind", "in", RUN_EVENT_KINDS)]
                counts = dict(Event._read_group(domain, ["kind"], ["__count"]))
                partners = len(
                    Event._read_group(domain + [("kind", "=", "external")], ["partner_id"], ["__count"])
                )
                errors = Event.search(domain + [("kind", "=", "error")], order="date, id", limit=50)
            run.stage_change_count = counts.get("stage", 0)
            run.message_count = partners
            run.error_count = counts.get("error", 0)
            run.state = "running" if not run.finished_at else "errors" if run.error_count else "done"
            run.progress = 100.0 if run.finished_at else min(100.0 * evaluated / (run.total or 1), 99.0)
            run.duration = (end - start).total_seconds() / 60 if start else 0.0
            # each error names its invoice, a link to it
            run.error_summary = (
                Markup("<ul>%s</ul>")
                % Markup().join(
                    Markup('<li><a href="/odoo/account.move/%s">%s</a>: %s</li>')
                    % (event.move_id.id, event.move_id.display_name, event.reason or "")
                    if event.move_id
                    else Markup("<li>%s</li>") % escape(event.reason or "")
                    for event in errors
                )
                if errors
                else False
            )

    @api.model
    def ar_board_status(self):
        """The board's line on the last run: when it ended and whether it had errors (or its progress)."""
        run = self.search([], limit=1)
        if not run:
            return {}
        if not run.finished_at:
            text = self.env._(
                "Today's run is under way: %(evaluated)s of %(total)s invoices evaluated.",
                evaluated=run.evaluated_count,
                total=run.total,
            )
        elif run.error_count == 1:
            text = self.env._(
                "Last run ended %(when)s with 1 error.",
                when=format_reader_datetime(self.env, run.finished_at),
            )
        elif run.error_count:
            text = self.env._(
                "Last run ended %(when)s with %(count)s errors.",
                when=format_reader_datetime(self.env, run.finished_at),
                count=run.error_count,
            )
        else:
            text = self.env._(
                "Last run ended %(when)s without errors.",
                when=format_reader_datetime(self.env, run.finished_at),
            )
        return {"id": run.id, "text": text, "errors": run.error_count, "running": not run.finished_at}

    def init(self):
        # the sweep takes the book customer by customer: next customers with
        # open invoices, then their invoices (ar.escalation.runner._select_batch)
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_escalation_move_sweep_idx
               ON account_move (commercial_partner_id, id)
               WHERE move_type = 'out_invoice' AND state = 'posted'"""
        )

    @api.model
    def _ar_today(self, today):
        """The run of ``today``, created on its first batch."""
        self.env.cr.execute(
            SQL(
                """INSERT INTO ar_escalation_run (date, cursor, evaluated, queued, batches, started_at,
                                                  create_uid, create_date, write_uid, write_date)
                   VALUES (%(today)s, 0, 0, 0, 0, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
                   ON CONFLICT (date) DO NOTHING
                   RETURNING id""",
                today=today,
                now=fields.Datetime.now(),
                uid=self.env.uid,
            )
        )
        created = self.env.cr.fetchone()
        if created:  # first batch of the day: how big is the book to sweep
            total = self.env["ar.escalation.runner"]._count_remaining(0)
            self.env.cr.execute(
                SQL("UPDATE ar_escalation_run SET total = %s WHERE id = %s", total, created[0])
            )
        self.env.cr.execute(SQL("SELECT id, cursor FROM ar_escalation_run WHERE date = %s", today))
        run_id, cursor = self.env.cr.fetchone()
        return self.browse(run_id), cursor

    def _ar_advance(self, last_id, count, finished, queued=False):
        """Move the cursor forward (never back: a slower worker may finish later).

        ``queued``: the ``count`` invoices were handed to queue_job, not
        evaluated; the run then ends when its jobs are done (its closing job,
        ``ar.escalation.queue._ar_job_close_run``), not when the scheduled
        action has handed the last batch over.
        """
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_run
                      SET cursor = GREATEST(cursor, %(last)s),
                          evaluated = evaluated + CASE WHEN %(queued)s THEN 0 ELSE %(count)s END,
                          queued = COALESCE(queued, 0) + CASE WHEN %(queued)s THEN %(count)s ELSE 0 END,
                          batches = batches + 1,
                          queued_at = CASE WHEN NOT %(queued)s THEN queued_at
                                           WHEN %(finished)s THEN %(now)s END,
                          finished_at = CASE WHEN %(queued)s THEN finished_at
                                             WHEN %(finished)s AND COALESCE(queued, 0) = 0 THEN %(now)s END,
                          write_date = %(now)s
                    WHERE id = %(id)s
                RETURNING queued""",
                last=last_id,
                count=count,
                queued=bool(queued),
                finished=finished,
                now=fields.Datetime.now(),
                id=self.id,
            )
        )
        # handed to queue_job (all of the run, or part of it before the setting went off):
        # the closing job ends the run once the jobs are done
        if finished and self.env.cr.fetchone()[0]:
            self.env["ar.escalation.queue"]._ar_enqueue_close_run(self.date)
        self.invalidate_recordset()
