# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What became of a failed escalation email, said on its invoices and its case.

The verdict on each email (:mod:`.mail_mail`) is told here: the email and its
notifications carry the sentence, the invoices an error, an email that was
not delivered stops counting as a contact (its external event becomes an
error), and the case gets a note.
"""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import fields, models, tools
from odoo.tools import SQL

from .mail_mail import CASE_MODEL
from .mail_smtp import CHECK, REFUSED

_logger = logging.getLogger(__name__)


class MailMail(models.Model):
    _inherit = "mail.mail"

    # ------------------------------------------------------------------
    # flags on the invoices and the case
    # ------------------------------------------------------------------
    def _ar_flag_notes(self, verdicts):
        """What to tell about each email left failed, read before core's post-processing.

        (core deletes an auto-deleted email whose address is invalid.) The
        invoices are those whose external events record the message: the
        events link the customer's email, and a message also gives an email
        to each internal follower notified by email (the case's owner), whose
        failure is said on the case only.
        """
        if not self:
            return []
        # sudo: whoever runs the mail queue (the scheduled action runs as superuser, an
        # administrator may press "Send now") reads the ladder's record of the message
        events = (
            self.env["ar.escalation.event"]
            .sudo()
            .search([("mail_id.mail_message_id", "in", self.mail_message_id.ids), ("kind", "=", "external")])
        )
        events_of = defaultdict(list)
        for event in events:
            events_of[event.mail_id.mail_message_id.id].append(event.id)
        notes = []
        for mail in self:
            outcome, words, error = verdicts[mail]
            recipients = mail.recipient_ids.mapped("email") + tools.mail.email_split(mail.email_to or "")
            customer = mail._ar_is_customer_copy()
            notes.append(
                {
                    "mail_id": mail.id,
                    "outcome": outcome,
                    "words": words,
                    "error": error,
                    "subject": mail.subject or "",
                    "to": ", ".join(email for email in recipients if email),
                    "case_id": mail.res_id,
                    "customer": customer,
                    "event_ids": events_of[mail.mail_message_id.id] if customer else [],
                }
            )
        return notes

    def _ar_is_customer_copy(self):
        """Whether this email of a case message goes to the customer (not only to internal users)."""
        self.ensure_one()
        return bool(self.email_to or self.email_cc) or any(self.recipient_ids.mapped("partner_share"))

    def _ar_flag(self, notes):
        """Say on the invoices and the case what became of these emails; the mail queue goes on."""
        try:
            with self.env.cr.savepoint():
                # sudo: the ladder's bookkeeping of its own email (invoice error, events, case
                # note), written whoever runs the mail queue, as the scheduled run writes it
                self.sudo()._ar_write_flags(notes)
        except Exception:
            _logger.exception("AR escalation: could not flag failed escalation emails %s", notes)

    def _ar_sentence(self, note):
        _ = self.env._
        values = {"subject": note["subject"], "to": note["to"] or _("the customer"), "why": note["words"]}
        if not note["customer"]:
            if note["outcome"] == CHECK:
                return _(
                    "The copy of the email “%(subject)s” for %(to)s (not the customer's) may not have "
                    "arrived: %(why)s.",
                    **values,
                )
            return _(
                "The copy of the email “%(subject)s” for %(to)s (not the customer's) was not delivered: "
                "%(why)s.",
                **values,
            )
        if note["outcome"] == CHECK:
            return _(
                "The email “%(subject)s” to %(to)s may or may not have reached the customer: %(why)s. "
                "It is not sent again automatically: check with the customer before sending it again.",
                **values,
            )
        if note["outcome"] == REFUSED:
            return _(
                "The email “%(subject)s” to %(to)s was not delivered: %(why)s. It does not count as a "
                "contact; correct the address or the mail settings, the next run sends it again.",
                **values,
            )
        return _(
            "The email “%(subject)s” to %(to)s was not delivered: %(why)s. It does not count as a "
            "contact; the next run sends it again.",
            **values,
        )

    def _ar_write_flags(self, notes):
        Event = self.env["ar.escalation.event"]
        new_events, undo_events, invoice_vals, case_lines = [], Event, {}, defaultdict(list)
        for note in notes:
            sentence = self._ar_sentence(note)
            _logger.warning("AR escalation: email %s: %s (%s)", note["mail_id"], sentence, note["error"])
            self.browse(note["mail_id"]).exists()._ar_flag_mail(note, sentence)
            case_lines[note["case_id"]].append(Markup("<p>%s</p>") % sentence)
            events = Event.browse(note["event_ids"]).exists()
            for event in events:
                invoice_vals[event.move_id.id] = {"ar_error": sentence[:1000]}
            if note["outcome"] == CHECK:
                # it may have gone: the contact stands, an error event says what to check
                erred = events
            else:
                undo_events |= events.filtered(lambda event: event.channel == "email")
                # an SMS of the same communication went: only the email is in error
                erred = events.filtered(lambda event: event.channel != "email")
            new_events += [
                Event._prepare_event_vals(
                    event.move_id, "error", event.stage_id, sentence, channel="email", case_id=note["case_id"]
                )
                for event in erred
            ]
        self._ar_undo_external(undo_events, notes, invoice_vals)
        self.env["account.move"]._ar_write_many(invoice_vals)
        Event._ar_log(new_events)
        cases = self.env[CASE_MODEL].browse(list(case_lines)).exists()
        if cases:
            Event._ar_log_notes(cases, {case.id: case_lines[case.id] for case in cases})

    def _ar_flag_mail(self, note, sentence):
        """The email and its failed notifications say what became of it."""
        if not self:
            return  # core deleted it (auto-deleted, invalid address)
        self.write(
            {
                "ar_delivery_issue": note["outcome"],
                "ar_last_error": note["error"],
                "failure_reason": f"{sentence}\n\n{note['error']}",
            }
        )
        # sudo: the notifications of the outbox, as core writes them
        self.env["mail.notification"].sudo().search(
            [("mail_mail_id", "=", self.id), ("notification_status", "in", ("exception", "bounce"))]
        ).write({"failure_reason": sentence})

    def _ar_undo_external(self, events, notes, invoice_vals):
        """Undelivered external events become the error, and stop counting as a contact.

        The invoices' contact fields go back as they were (in ``invoice_vals``);
        the event's key (invoice, stage, entry, cycle) is freed for the next
        run's message, and its chatter line says what happened.
        """
        for move_id, vals in self._ar_undo_contact(events).items():
            invoice_vals[move_id].update(vals)
        if not events:
            return
        reasons = {event_id: self._ar_sentence(note) for note in notes for event_id in note["event_ids"]}
        for event in events:
            event.write({"kind": "error", "reason": reasons[event.id], "message_id": False})
        events.flush_recordset()
        events._ar_post_chatter()

    def _ar_undo_contact(self, events):
        """The invoices' contact fields as they were before these (undelivered) external events.

        Only for an invoice whose contact count is still the one the event
        made (same stage and entry, count = cycle + 1): its count goes back
        to the event's cycle, its last contact to the one before (the latest
        other external event), and a stage level that started waiting for an
        answer with this message stops waiting.
        """
        if not events:
            return {}
        self.env["ar.escalation.event"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT ON (move_id) move_id, date, channel FROM ar_escalation_event
                    WHERE move_id IN %s AND kind = 'external' AND id NOT IN %s
                 ORDER BY move_id, date DESC, id DESC""",
                tuple(events.move_id.ids),
                tuple(events.ids),
            )
        )
        before = {move_id: (date, channel) for move_id, date, channel in self.env.cr.fetchall()}
        vals_by_move = {}
        for event in events:
            move = event.move_id
            counted = (
                move.ar_stage_id == event.stage_id
                and move.ar_stage_entries == event.entry
                and move.ar_contact_attempts == event.cycle + 1
            )
            if not counted:
                continue
            date, channel = before.get(move.id, (False, False))
            vals = {
                "ar_contact_attempts": event.cycle,
                "ar_last_contact_date": date or False,
                "ar_last_contact_channel": channel or False,
            }
            unanswered = dict(move.ar_unanswered_since or {})
            level = str(event.stage_id.sequence)
            if event.cycle == 0 and unanswered.get(level) == fields.Date.to_string(event.date.date()):
                del unanswered[level]
                vals["ar_unanswered_since"] = unanswered or False
            vals_by_move[move.id] = vals
        return vals_by_move
