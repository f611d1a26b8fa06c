# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from .ar_escalation_format import format_reader_datetime

EVENT_KINDS = [
    ("stage", "Stage change"),
    ("external", "External message"),
    ("activity", "Internal escalation"),
    ("acknowledged", "Acknowledged"),
    ("rollup", "Rolled up"),
    ("promise", "Promise logged"),
    ("promise_kept", "Promise kept"),
    ("promise_broken", "Promise broken"),
    ("dispute", "Dispute logged"),
    ("dispute_resolved", "Dispute resolved"),
    ("override", "Stage override"),
    ("pause", "Paused"),
    ("resume", "Pause lifted"),
    ("hygiene", "Not payable as sent"),
    ("closed", "Case closed"),
    ("reopened", "Case reopened"),
    ("error", "Error"),
]
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


def _ar_shows_owner(kind, owner_id, user_id):
    """Whether an event's chatter line names the escalation's owner.

    It does when the event hands the escalation to its owner (a case opened,
    a roll-up); a user's action says who acted ("by"), and names the owner
    only when the owner is someone else: an acknowledgement for another says
    so in its own words ("on behalf of").
    """
    return bool(owner_id) and owner_id != user_id and kind != "acknowledged"


class ArEscalationEvent(models.Model):
    _name = "ar.escalation.event"
    _description = "AR escalation event"
    _order = "date desc, id desc"
    _rec_name = "kind"
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
    channel = fields.Char()
    owner_id = fields.Many2one("res.users", help="Who owns the escalation.")
    user_id = fields.Many2one(
        "res.users",
        "Done by",
        help="The user whose action this is (acknowledge, override, pause, close, reopen); "
        "empty for what the ladder does itself.",
    )
    reason = fields.Char()
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
        "reason",
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
        self.flush_model(["reason", "channel", "mail_id"])
        ids = list(results)
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_event e
                      SET reason = v.reason, channel = v.channel, mail_id = v.mail_id,
                          write_uid = %s, write_date = %s
                     FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::int[])
                          AS v(id, reason, channel, mail_id)
                    WHERE e.id = v.id""",
                self.env.uid,
                fields.Datetime.now(),
                ids,
                [results[i]["summary"] or None for i in ids],
                [results[i]["channel"] or None for i in ids],
                [results[i].get("mail_id") or None for i in ids],
            )
        )
        self.browse(ids).invalidate_recordset(["reason", "channel", "mail_id", "write_uid", "write_date"])

    def _ar_post_chatter(self):
        """Write the events in their invoices' chatter: one note per invoice, in batch.

        All events of one invoice in this call share one note, a line each,
        logged with core's ``_message_log_batch`` (one ``mail.message``
        create for all the invoices); each event then links to its line.

        The lines of this module's kinds are built from the events' columns
        read in one query, with the labels, names and links they cite read
        once per call (:meth:`_ar_chatter_line`); a kind added by another
        module is written by its override of :meth:`_ar_chatter_body`.
        """
        if not self:
            return
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT id, move_id, kind, stage_id, from_stage_id, to_stage_id, reason, owner_id,
                          user_id, sla_deadline, channel, case_id
                     FROM ar_escalation_event
                    WHERE id IN %s AND move_id IS NOT NULL AND message_id IS NULL ORDER BY id""",
                tuple(self.ids),
            )
        )
        rows = self.env.cr.dictfetchall()
        if not rows:
            return
        by_move = defaultdict(list)
        for row in rows:
            by_move[row["move_id"]].append(row)
        labels = self._ar_chatter_labels(rows)
        own_kinds = dict(EVENT_KINDS)
        separator = Markup("<br/>")
        bodies = {
            move_id: separator.join(
                self._ar_chatter_line(row, labels)
                if row["kind"] in own_kinds
                else self.browse(row["id"])._ar_chatter_body()
                for row in move_rows
            )
            for move_id, move_rows in by_move.items()
        }
        moves = self.env["account.move"].browse(list(by_move))
        # the events were written by the ladder for invoices the user may act
        # on; _message_log_batch creates the notes as core's chatter log does
        messages = moves._message_log_batch(bodies=bodies)
        message_of = {message.res_id: message.id for message in messages}
        # the link of each event (our own table) to its invoice's new line
        self.env.cr.execute(
            SQL(
                "UPDATE ar_escalation_event e SET message_id = v.message_id "
                "FROM unnest(%s::int[], %s::int[]) AS v(id, message_id) WHERE e.id = v.id",
                [row["id"] for row in rows],
                [message_of[row["move_id"]] for row in rows],
            )
        )
        self.browse([row["id"] for row in rows]).invalidate_recordset(["message_id"])

    def _ar_chatter_labels(self, rows):
        """What the chatter lines of ``rows`` cite, read once: translated phrases, names, links."""
        _ = self.env._
        stage_ids = {row[key] for row in rows for key in ("stage_id", "from_stage_id", "to_stage_id")}
        stage_ids.discard(None)
        user_ids = {row[key] for row in rows for key in ("owner_id", "user_id")} - {None}
        case_ids = {row["case_id"] for row in rows} - {None}
        stages = self.env["ar.escalation.stage"].browse(stage_ids)
        users = self.env["res.users"].browse(user_ids)
        cases = self.env["ar.escalation.case"].browse(case_ids)
        users_by_id = {user.id: user for user in users}
        date_format = get_lang(self.env).date_format
        return {
            "kinds": dict(EVENT_KINDS),
            "stage": {stage.id: stage.name for stage in stages},
            "owner": {user.id: user.name for user in users},
            # the deadline as its reader (the owner, else the user acting) reads dates
            "date": lambda value, owner_id: format_reader_datetime(
                self.env, value, users_by_id.get(owner_id), date_format
            ),
            "case": {case.id: case._ar_link_markup() for case in cases},
            "move": _("%(kind)s: %(old)s → %(new)s"),
            "none": _("none"),
            "owner_fmt": _("Owner: %s"),
            "by_fmt": _("by %s"),
            "sla_fmt": _("SLA: %s"),
            "channel_fmt": _("Channel: %s"),
            "case_label": _("Case:"),
        }

    @staticmethod
    def _ar_chatter_line(row, labels):
        """The chatter line of one event row: the same text as :meth:`_ar_chatter_body`.

        Built as a string of escaped values (the case link is markup already):
        tens of thousands of lines on a first escalation.
        """
        kind = row["kind"]
        head = labels["kinds"][kind]
        if kind in ("stage", "override") and row["to_stage_id"]:
            head = labels["move"] % {
                "kind": head,
                "old": labels["stage"].get(row["from_stage_id"]) or labels["none"],
                "new": labels["stage"][row["to_stage_id"]],
            }
        elif row["stage_id"]:
            head = f"{head} ({labels['stage'][row['stage_id']]})"
        parts = [f"<b>{escape(head)}</b>"]
        if row["reason"]:
            parts.append(str(escape(row["reason"])))
        if row["user_id"]:
            parts.append(str(escape(labels["by_fmt"] % labels["owner"][row["user_id"]])))
        if _ar_shows_owner(row["kind"], row["owner_id"], row["user_id"]):
            parts.append(str(escape(labels["owner_fmt"] % labels["owner"][row["owner_id"]])))
        if row["sla_deadline"]:
            deadline = labels["date"](row["sla_deadline"], row["owner_id"] or row["user_id"])
            parts.append(str(escape(labels["sla_fmt"] % deadline)))
        if row["channel"]:
            parts.append(str(escape(labels["channel_fmt"] % row["channel"])))
        if row["case_id"]:
            parts.append(f"{escape(labels['case_label'])} {labels['case'][row['case_id']]}")
        return Markup(" — ".join(parts))

    def _ar_chatter_body(self):
        self.ensure_one()
        kinds = dict(EVENT_KINDS)
        head = kinds[self.kind]
        if self.kind in ("stage", "override") and self.to_stage_id:
            head = self.env._(
                "%(kind)s: %(old)s → %(new)s",
                kind=head,
                old=self.from_stage_id.name or self.env._("none"),
                new=self.to_stage_id.name,
            )
        elif self.stage_id:
            head = f"{head} ({self.stage_id.name})"
        parts = [Markup("<b>%s</b>") % head]
        if self.reason:
            parts.append(escape(self.reason))
        if self.user_id:
            parts.append(escape(self.env._("by %s", self.user_id.name)))
        if _ar_shows_owner(self.kind, self.owner_id.id, self.user_id.id):
            parts.append(escape(self.env._("Owner: %s", self.owner_id.name)))
        if self.sla_deadline:
            deadline = format_reader_datetime(self.env, self.sla_deadline, self.owner_id or self.user_id)
            parts.append(escape(self.env._("SLA: %s", deadline)))
        if self.channel:
            parts.append(escape(self.env._("Channel: %s", self.channel)))
        if self.case_id:
            parts.append(Markup("%s %s") % (self.env._("Case:"), self.case_id._ar_link_markup()))
        return Markup(" — ").join(parts)

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
