# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""How events read in the chatter: one renderer of an event's line, one writer of notes.

Every chatter line of an event, whatever wrote the event (a run, a user's
action, the mail queue, the SMS queue), is rendered by
:meth:`ArEscalationEvent._ar_chatter_line` from the same columns
(:attr:`~ArEscalationEvent._CHATTER_COLUMNS`); every note the ladder logs, on
invoices or cases, goes through :meth:`ArEscalationEvent._ar_log_notes`
(core's ``_message_log_batch``).
"""

from collections import defaultdict

from markupsafe import Markup, escape

from odoo import api, models
from odoo.tools import SQL
from odoo.tools.misc import get_lang

from .ar_escalation_format import format_reader_datetime


def _ar_shows_owner(kind, owner_id, user_id):
    """Whether an event's chatter line names the escalation's owner.

    It does when the event hands the escalation to its owner (a case opened,
    a roll-up); a user's action says who acted ("by"), and names the owner
    only when the owner is someone else: an acknowledgement for another says
    so in its own words ("on behalf of").
    """
    return bool(owner_id) and owner_id != user_id and kind != "acknowledged"


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    # ------------------------------------------------------------------
    # the chatter: one renderer of an event's line, one writer of notes
    # ------------------------------------------------------------------
    # what an event's chatter line shows, read in one query for many events
    _CHATTER_COLUMNS = (
        "id",
        "move_id",
        "kind",
        "stage_id",
        "from_stage_id",
        "to_stage_id",
        "reason_data",  # worded in the chatter's language (_ar_reason_texts)
        "company_id",
        "owner_id",
        "user_id",
        "sla_deadline",
        "channel",
        "case_id",
    )

    @api.model
    def _ar_log_notes(self, records, lines):
        """Log the ladder's notes in the chatter of ``records`` in one batch; return the messages.

        ``lines`` maps a record's id to the lines of its note, one under the
        other (text is escaped, markup kept). The one writer of the ladder's
        chatter notes, on invoices and cases alike: core's
        ``_message_log_batch``, one ``mail.message`` create for all records.
        """
        separator = Markup("<br/>")
        return records._message_log_batch(
            bodies={res_id: separator.join(res_lines) for res_id, res_lines in lines.items()}
        )

    def _ar_post_chatter(self):
        """Write the events in their invoices' chatter: one note per invoice, in batch.

        All events of one invoice in this call share one note, a line each
        (:meth:`_ar_chatter_line`, the one renderer of an event's line),
        logged by :meth:`_ar_log_notes`; each event then links to its line.
        The events' columns are read in one query, the labels, names and links
        they cite once per call (:meth:`_ar_chatter_labels`).
        """
        if not self:
            return
        rows = self._ar_chatter_rows()
        if not rows:
            return
        labels = self._ar_chatter_labels(rows)
        lines = defaultdict(list)
        for row in rows:
            lines[row["move_id"]].append(self._ar_chatter_line(row, labels))
        # the events were written by the ladder for invoices the user may act
        # on; the notes are created as core's chatter log does
        messages = self._ar_log_notes(self.env["account.move"].browse(list(lines)), lines)
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

    def _ar_chatter_rows(self):
        """The chatter columns of these events not in the chatter yet, in one query."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT %s FROM ar_escalation_event
                    WHERE id IN %s AND move_id IS NOT NULL AND message_id IS NULL ORDER BY id""",
                SQL(", ").join(SQL.identifier(column) for column in self._CHATTER_COLUMNS),
                tuple(self.ids),
            )
        )
        return self.env.cr.dictfetchall()

    @api.model
    def _ar_chatter_omits(self):
        """{kind: parts of its chatter line left out}; a module adding a kind says its own.

        The parts: ``reason``, ``user`` (by), ``owner``, ``sla``, ``channel``, ``case``.
        """
        return {}

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
            # every kind's label, a module's added kinds included
            "kinds": dict(self._fields["kind"]._description_selection(self.env)),
            "channels": dict(self._fields["channel"]._description_selection(self.env)),
            "omit": self._ar_chatter_omits(),
            "reason": self._ar_reason_texts(rows),
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
        """The chatter line of one event row (:attr:`_CHATTER_COLUMNS`), the one renderer.

        Built as a string of escaped values (the case link is markup already):
        tens of thousands of lines on a first escalation.
        """
        kind = row["kind"]
        omit = labels["omit"].get(kind, ())
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
        reason = labels["reason"].get(row["id"])
        if reason and "reason" not in omit:
            parts.append(str(escape(reason)))
        if row["user_id"] and "user" not in omit:
            parts.append(str(escape(labels["by_fmt"] % labels["owner"][row["user_id"]])))
        if _ar_shows_owner(kind, row["owner_id"], row["user_id"]) and "owner" not in omit:
            parts.append(str(escape(labels["owner_fmt"] % labels["owner"][row["owner_id"]])))
        if row["sla_deadline"] and "sla" not in omit:
            deadline = labels["date"](row["sla_deadline"], row["owner_id"] or row["user_id"])
            parts.append(str(escape(labels["sla_fmt"] % deadline)))
        if row["channel"] and "channel" not in omit:
            channel = labels["channels"].get(row["channel"], row["channel"])
            parts.append(str(escape(labels["channel_fmt"] % channel)))
        if row["case_id"] and "case" not in omit:
            parts.append(f"{escape(labels['case_label'])} {labels['case'][row['case_id']]}")
        return Markup(" — ".join(parts))

    def _ar_chatter_body(self):
        """This event's chatter line, as :meth:`_ar_post_chatter` writes it (same renderer)."""
        self.ensure_one()
        row = {}
        for column in self._CHATTER_COLUMNS:
            value = self[column] if column != "id" else self.id
            row[column] = (value.id if isinstance(value, models.BaseModel) else value) or None
        return self._ar_chatter_line(row, self._ar_chatter_labels([row]))
