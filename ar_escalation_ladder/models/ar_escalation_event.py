# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.vocabulary import CHANNEL_SELECTION, EVENT_KIND_SELECTION

EVENT_KINDS = EVENT_KIND_SELECTION  # the vocabulary's (engine/vocabulary.py)
DISPOSITIONS = [
    ("paid", "Paid"),
    ("paid_plan", "Paid on a plan"),
    ("agency", "Sent to a collection agency"),
    ("legal", "Legal"),
    ("written_off", "Written off"),
]
# closings that take an invoice off the ladder until it is reopened (trust,
# issue 12): the debt is someone else's to collect, or no longer collected
HELD_DISPOSITIONS = ("agency", "legal", "written_off")
# Kinds whose (invoice, stage, kind, entry, cycle) key is unique: doing them
# twice is what a rerun after a crash must never do.
IDEMPOTENT_KINDS = ("stage", "external", "activity", "rollup", "hygiene", "closed")


class ArEscalationEvent(models.Model):
    _name = "ar.escalation.event"
    _description = "AR escalation event"
    _order = "date desc, id desc"
    # an event belongs to its invoice's, customer's and case's company (events
    # are written by the ladder's own insert, _ar_log; users only read them)
    _check_company_auto = True

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    move_id = fields.Many2one("account.move", "Invoice", index=True, ondelete="cascade", check_company=True)
    partner_id = fields.Many2one("res.partner", "Customer", index=True, check_company=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    case_id = fields.Many2one(
        "ar.escalation.case", index="btree_not_null", ondelete="set null", check_company=True
    )
    kind = fields.Selection(EVENT_KINDS, required=True, index=True)
    stage_id = fields.Many2one("ar.escalation.stage", index=True)
    from_stage_id = fields.Many2one("ar.escalation.stage", "From stage")
    to_stage_id = fields.Many2one("ar.escalation.stage", "To stage")
    channel = fields.Selection(CHANNEL_SELECTION)
    owner_id = fields.Many2one("res.users", help="Who owns the escalation.")
    user_id = fields.Many2one(
        "res.users",
        "Done by",
        help="The user whose action this is (acknowledge, override, pause, close, reopen); "
        "empty for what the ladder does itself.",
    )
    # why, in the reader's language: worded from reason_data (models/ar_escalation_reason.py)
    reason = fields.Char(compute="_compute_reason")
    amount = fields.Monetary(
        currency_field="company_currency_id", help="Open amount, or amount recovered, in company currency."
    )
    company_currency_id = fields.Many2one(related="company_id.currency_id")
    amount_recovered = fields.Monetary(
        currency_field="company_currency_id",
        help="Value recovered while the invoice was at the stage it leaves or closes at.",
    )
    sla_deadline = fields.Datetime("SLA deadline")
    acknowledged_at = fields.Datetime()
    disposition = fields.Selection(DISPOSITIONS)
    entry = fields.Integer(help="Which entry of the invoice into its stage.")
    cycle = fields.Integer(help="Which message of the stage (0 = first).")
    message_id = fields.Many2one("mail.message", "Chatter line", index="btree_not_null")
    mail_id = fields.Many2one("mail.mail", "Email")

    @api.depends("kind", "move_id")
    def _compute_display_name(self):
        """The kind in the reader's words and the invoice, e.g. "Stage change — INV/2026/00012"."""
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for event in self:
            event.display_name = " — ".join(filter(None, (labels.get(event.kind), event.move_id.name)))

    def init(self):
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS ar_escalation_event_once
                   ON ar_escalation_event (move_id, stage_id, kind, entry, cycle)
                   WHERE kind IN %s""",
                IDEMPOTENT_KINDS,
            )
        )

    # ------------------------------------------------------------------
    # writing the audit trail
    # ------------------------------------------------------------------
    _INSERT_COLUMNS = (
        "date",
        "move_id",
        "partner_id",
        "company_id",
        "case_id",
        "kind",
        "stage_id",
        "from_stage_id",
        "to_stage_id",
        "channel",
        "owner_id",
        "user_id",
        "reason_data",
        "amount",
        "amount_recovered",
        "sla_deadline",
        "acknowledged_at",
        "disposition",
        "entry",
        "cycle",
        "mail_id",
        "message_id",
        "create_uid",
        "create_date",
        "write_uid",
        "write_date",
    )

    def _ar_log(self, vals_list, post=True):
        """Record events and their chatter lines in bulk; return the events written.

        Events of an idempotent kind that already exist (same invoice, stage,
        kind, entry and cycle) are skipped by the database itself, so a rerun
        or a concurrent run cannot record, or post, anything twice. A constant
        number of queries whatever the number of events.

        Inside a run (``ar_run_events``, a list, in the context) the chatter
        lines are written once at the end of the run: one line per invoice for
        all that happened to it (:meth:`_ar_post_chatter`).
        """
        if not vals_list:
            return self.browse()
        # the rows inserted only refer to records that exist in the database
        # (ORM creates are immediate); pending writes elsewhere, such as the
        # invoices' escalation fields, are flushed together later
        self.flush_model()
        now = fields.Datetime.now()
        uid = self.env.uid
        defaults = {"date": now, "entry": 0, "cycle": 0}
        magic = {"create_uid": uid, "create_date": now, "write_uid": uid, "write_date": now}
        # one array per column (not one SQL object per row): the ORM's False
        # for "no value" is SQL's NULL (no boolean column here)
        arrays = []
        for column in self._INSERT_COLUMNS:
            if column in magic:
                values = [magic[column]] * len(vals_list)
            else:
                default = defaults.get(column)
                values = [vals.get(column, default) for vals in vals_list]
                values = [None if value is False else value for value in values]
            arrays.append(SQL("%s::%s[]", values, SQL(self._fields[column].column_type[1])))
        self.env.cr.execute(
            SQL(
                "INSERT INTO ar_escalation_event (%s) SELECT * FROM unnest(%s) "
                "ON CONFLICT DO NOTHING RETURNING id",
                SQL(", ").join(SQL.identifier(c) for c in self._INSERT_COLUMNS),
                SQL(", ").join(arrays),
            )
        )
        events = self.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        self.env["ar.escalation.webhook.delivery"]._ar_outbox(events.ids, vals_list)  # same transaction
        deferred = self.env.context.get("ar_run_events")
        if post and events:
            if deferred is not None:
                deferred.extend(events.ids)
            else:
                events._ar_post_chatter()
        return events

    def _ar_unrecorded(self, vals_list):
        """The events of ``vals_list`` not recorded yet (by their unique key), in one query."""
        keyed = [vals for vals in vals_list if vals.get("kind") in IDEMPOTENT_KINDS]
        if not keyed:
            return list(vals_list)
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT v.i FROM unnest(%s::int[], %s::int[], %s::varchar[], %s::int[], %s::int[])
                          WITH ORDINALITY AS v(move_id, stage_id, kind, entry, cycle, i)
                     JOIN ar_escalation_event e
                       ON e.move_id = v.move_id AND e.stage_id = v.stage_id AND e.kind = v.kind
                      AND e.entry = v.entry AND e.cycle = v.cycle
                    WHERE e.kind IN %s""",
                [vals["move_id"] for vals in keyed],
                [vals.get("stage_id") or None for vals in keyed],
                [vals["kind"] for vals in keyed],
                [vals.get("entry", 0) for vals in keyed],
                [vals.get("cycle", 0) for vals in keyed],
                IDEMPOTENT_KINDS,
            )
        )
        recorded = {id(keyed[row[0] - 1]) for row in self.env.cr.fetchall()}
        return [vals for vals in vals_list if id(vals) not in recorded]

    def _ar_record_delivery(self, results):
        """Record on external events what their delivery did, in one statement.

        ``results`` maps an event id to its delivery result (``channel``,
        ``summary`` in words, the queued ``mail_id`` if any). The events are
        the run's own rows, just inserted by :meth:`_ar_log`; an ORM write per
        event cost more than the delivery itself on a first escalation.
        """
        if not results:
            return
        self.flush_model(["reason_data", "channel", "mail_id"])
        ids = list(results)
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_event e
                      SET reason_data = v.reason_data, channel = v.channel, mail_id = v.mail_id,
                          write_uid = %s, write_date = %s
                     FROM unnest(%s::int[], %s::jsonb[], %s::varchar[], %s::int[])
                          AS v(id, reason_data, channel, mail_id)
                    WHERE e.id = v.id""",
                self.env.uid,
                fields.Datetime.now(),
                ids,
                [self._ar_reason_json(results[i]["summary"]) for i in ids],
                [results[i]["channel"] or None for i in ids],
                [results[i].get("mail_id") or None for i in ids],
            )
        )
        self.browse(ids).invalidate_recordset(
            ["reason_data", "reason", "channel", "mail_id", "write_uid", "write_date"]
        )

    @api.model
    def _prepare_event_vals(self, move, kind, stage, reason, **vals):
        """The values of one event about ``move``: the one place an event's dict is made."""
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
