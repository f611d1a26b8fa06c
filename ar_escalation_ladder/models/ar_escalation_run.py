# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL


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
    evaluated = fields.Integer("Invoices evaluated", readonly=True)
    batches = fields.Integer(readonly=True)
    started_at = fields.Datetime(readonly=True)
    finished_at = fields.Datetime(readonly=True)

    _sql_constraints = [("date_uniq", "unique(date)", "One run per day.")]

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
                """INSERT INTO ar_escalation_run (date, cursor, evaluated, batches, started_at,
                                                  create_uid, create_date, write_uid, write_date)
                   VALUES (%(today)s, 0, 0, 0, %(now)s, %(uid)s, %(now)s, %(uid)s, %(now)s)
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

    def _ar_advance(self, last_id, count, finished):
        """Move the cursor forward (never back: a slower worker may finish later)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_run
                      SET cursor = GREATEST(cursor, %(last)s), evaluated = evaluated + %(count)s,
                          batches = batches + 1, finished_at = CASE WHEN %(finished)s THEN %(now)s END,
                          write_date = %(now)s
                    WHERE id = %(id)s""",
                last=last_id,
                count=count,
                finished=finished,
                now=fields.Datetime.now(),
                id=self.id,
            )
        )
        self.invalidate_recordset()
