# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from collections import defaultdict

from markupsafe import Markup, escape

from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

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
    ("error", "Error"),
]
DISPOSITIONS = [
    ("paid", "Paid"),
    ("paid_plan", "Paid on a plan"),
    ("agency", "Sent to a collection agency"),
    ("legal", "Legal"),
    ("written_off", "Written off"),
]
# Kinds whose (invoice, stage, kind, entry, cycle) key is unique: doing them
# twice is what a rerun after a crash must never do.
IDEMPOTENT_KINDS = ("stage", "external", "activity", "rollup", "hygiene", "closed")


class ArEscalationEvent(models.Model):
    _name = "ar.escalation.event"
    _description = "AR escalation event"
    _order = "date desc, id desc"
    _rec_name = "kind"

    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    move_id = fields.Many2one("account.move", "Invoice", index=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", "Customer", index=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    case_id = fields.Many2one("ar.escalation.case", index="btree_not_null", ondelete="set null")
    kind = fields.Selection(EVENT_KINDS, required=True, index=True)
    stage_id = fields.Many2one("ar.escalation.stage", index=True)
    from_stage_id = fields.Many2one("ar.escalation.stage", "From stage")
    to_stage_id = fields.Many2one("ar.escalation.stage", "To stage")
    channel = fields.Char()
    owner_id = fields.Many2one("res.users")
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
        "reason",
        "amount",
        "amount_recovered",
        "sla_deadline",
        "acknowledged_at",
        "disposition",
        "entry",
        "cycle",
        "mail_id",
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
        """
        if not vals_list:
            return self.browse()
        # the rows inserted only refer to records that exist in the database
        # (ORM creates are immediate); pending writes elsewhere, such as the
        # invoices' escalation fields, are flushed together later
        self.flush_model()
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = []
        placeholders = "(" + ", ".join(["%s"] * len(self._INSERT_COLUMNS)) + ")"
        for vals in vals_list:
            vals = dict(vals)
            vals.setdefault("date", now)
            vals.setdefault("entry", 0)
            vals.setdefault("cycle", 0)
            vals.update(create_uid=uid, create_date=now, write_uid=uid, write_date=now)
            # the ORM's False for "no value" is SQL's NULL (no boolean column here)
            rows.append(
                SQL(
                    placeholders,
                    *(None if vals.get(c) is False else vals.get(c) for c in self._INSERT_COLUMNS),
                )
            )
        self.env.cr.execute(
            SQL(
                "INSERT INTO ar_escalation_event (%s) VALUES %s ON CONFLICT DO NOTHING RETURNING id",
                SQL(", ").join(SQL.identifier(c) for c in self._INSERT_COLUMNS),
                SQL(", ").join(rows),
            )
        )
        events = self.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        if post and events and not self.env.context.get("ar_defer_chatter"):
            events._ar_post_chatter()
        return events

    def _ar_post_chatter(self):
        """Write the events in their invoices' chatter: one note per invoice, in bulk.

        All events of one invoice in this call share one note, a line each.
        The notes are inserted with one SQL statement: ``mail.message.create``
        costs about 3 ms per message (defaults, sanitising, reply-to), which
        alone would cap a first escalation of the book at a few hundred
        invoices per second. These are internal notes with no recipients and
        no attachments, whose body is built here from escaped values, so
        nothing that ``create`` does is needed.
        """
        events = self.filtered("move_id").sorted("id")
        if not events:
            return
        events.fetch(
            [
                "move_id",
                "kind",
                "stage_id",
                "from_stage_id",
                "to_stage_id",
                "reason",
                "owner_id",
                "sla_deadline",
                "channel",
                "case_id",
            ]
        )
        by_move = defaultdict(list)
        for event in events:
            by_move[event.move_id.id].append(event)
        moves = self.env["account.move"].browse(list(by_move)).with_prefetch(list(by_move))
        moves.fetch(["name", "company_id"])
        note = self.env.ref("mail.mt_note")
        author = self.env.user.partner_id
        reply_to = moves.sudo()._notify_get_reply_to(default=author.email_formatted)  # sudo: as mail does
        now = fields.Datetime.now()
        uid = self.env.uid
        rows = []
        for move in moves:
            body = Markup("<br/>").join(event._ar_chatter_body() for event in by_move[move.id])
            rows.append(
                SQL(
                    "(%s, %s, %s, %s, 'notification', %s, %s, %s, %s, %s, %s, %s, TRUE, %s, %s, %s, %s)",
                    "account.move",
                    move.id,
                    move.name,
                    move.company_id.id,
                    note.id,
                    author.id,
                    author.email_formatted,
                    reply_to.get(move.id),
                    str(body),
                    now,
                    generate_tracking_message_id(f"{move.id}-account.move"),
                    uid,
                    now,
                    uid,
                    now,
                )
            )
        self.env.cr.execute(
            SQL(
                """INSERT INTO mail_message (model, res_id, record_name, record_company_id, message_type,
                       subtype_id, author_id, email_from, reply_to, body, date, message_id,
                       email_add_signature, create_uid, create_date, write_uid, write_date)
                   VALUES %s RETURNING id, res_id""",
                SQL(", ").join(rows),
            )
        )
        message_of = {res_id: message_id for message_id, res_id in self.env.cr.fetchall()}
        moves.invalidate_recordset(["message_ids"])
        pairs = [SQL("(%s, %s)", event.id, message_of[event.move_id.id]) for event in events]
        self.env.cr.execute(
            SQL(
                "UPDATE ar_escalation_event e SET message_id = v.message_id FROM (VALUES %s) "
                "AS v(id, message_id) WHERE e.id = v.id",
                SQL(", ").join(pairs),
            )
        )
        events.invalidate_recordset(["message_id"])

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
        if self.owner_id:
            parts.append(escape(self.env._("Owner: %s", self.owner_id.name)))
        if self.sla_deadline:
            parts.append(escape(self.env._("SLA: %s", fields.Datetime.to_string(self.sla_deadline))))
        if self.channel:
            parts.append(escape(self.env._("Channel: %s", self.channel)))
        if self.case_id:
            parts.append(Markup("%s %s") % (self.env._("Case:"), self.case_id._ar_link_markup()))
        return Markup(" — ").join(parts)
