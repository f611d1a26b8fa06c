# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What an invoice's chatter shows is what its escalation events store (issue 14).

The events are what the reports count and the board explains; the chatter
line is what a user reads on the invoice. After a run, each event has its line
naming its stage, its kind and its reason exactly as the event stores them,
and no line tells of anything that is not an event.
"""

import re

from markupsafe import Markup

from odoo.tests import tagged
from odoo.tools.mail import html_to_inner_content

from .common import ArEscalationCommon

LINE_BREAK = re.compile(r"<br\s*/?>")
SEPARATOR = " — "


def _words(text):
    """``text`` as HTML shows it: a line break or a run of spaces is one space."""
    return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestChatterMatchesEvents(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.silent = cls._customer("Silent Partner", "standard", email=False)

    def _lines(self, message):
        """The text lines of one chatter message, as its reader sees them (spaces collapsed)."""
        return [_words(html_to_inner_content(Markup(part))) for part in LINE_BREAK.split(str(message.body))]

    def _head(self, event):
        """The line's head: the event's kind and its stage, as the event stores them."""
        kinds = dict(event._fields["kind"]._description_selection(self.env))
        if event.kind in ("stage", "override") and event.to_stage_id:
            old = event.from_stage_id.name or "none"
            return f"{kinds[event.kind]}: {old} → {event.to_stage_id.name}"
        if event.stage_id:
            return f"{kinds[event.kind]} ({event.stage_id.name})"
        return kinds[event.kind]

    def _assert_chatter_is_the_events(self, move, first_message_id):
        """``move``'s chatter since ``first_message_id`` and its events tell the same story."""
        events = self._events(move).sorted("id")
        self.assertTrue(events, f"{move.name} has events")
        self.assertFalse(events.filtered(lambda e: not e.message_id), "every event has its chatter line")
        self.assertEqual(events.message_id.mapped("model"), ["account.move"] * len(events.message_id))
        self.assertEqual(set(events.message_id.mapped("res_id")), {move.id}, "on its own invoice")
        for message in events.message_id:
            own = events.filtered(lambda e, message=message: e.message_id == message)
            lines = self._lines(message)
            self.assertEqual(len(lines), len(own), f"one line per event, no other: {lines}")
            for event, line in zip(own, lines, strict=True):
                head, *rest = line.split(SEPARATOR)
                self.assertEqual(head, self._head(event), line)
                if event.reason:
                    self.assertEqual(rest[0], _words(event.reason), "the reason as the event stores it")
                if event.case_id:
                    self.assertIn(event.case_id.name, line, "the case the event belongs to")
        # and no chatter line of the ladder without its event
        kinds = dict(self.env["ar.escalation.event"]._fields["kind"]._description_selection(self.env))
        others = move.message_ids.filtered(lambda m: m.id >= first_message_id and m not in events.message_id)
        for message in others:
            for line in self._lines(message):
                self.assertFalse(
                    any(line.startswith(label) for label in kinds.values()),
                    f"a ladder line without its event on {move.name}: {line}",
                )

    def test_each_invoice_chatter_line_names_what_its_events_store(self):
        emailed = self._invoice(self.customer, 400.0, 20)
        failed = self._invoice(self.customer_b, 700.0, 40)
        blocked = self._invoice(self.silent, 300.0, 20)
        # the administrator broke the Executive stage's template: its message fails
        self.stage3.mail_template_id.body_html = "<p><t t-out='object.no_such_field'/></p>"
        self.env.flush_all()
        first_message_id = self.env["mail.message"].search([], order="id desc", limit=1).id + 1

        self._run(emailed | failed | blocked)

        # the situations this test is about did happen
        self.assertEqual(emailed.ar_stage_id, self.stage2)
        self.assertEqual(len(self._events(emailed, "stage")), 1, "stage entered")
        self.assertEqual(len(self._events(emailed, "external")), 1, "customer emailed")
        self.assertEqual(len(self._events(failed, "error")), 1, "the failed message is an error")
        self.assertFalse(self._events(failed, "external"))
        self.assertEqual(len(self._events(blocked, "hygiene")), 1, "no address: blocked")
        self.assertFalse(self._events(blocked, "external"))
        for move in emailed | failed | blocked:
            self._assert_chatter_is_the_events(move, first_message_id)

        # a second run changes nothing: no new event, no new line
        lines_before = self.env["mail.message"].search_count(
            [("model", "=", "account.move"), ("res_id", "in", (emailed | failed | blocked).ids)]
        )
        events_before = len(self._events(emailed | failed | blocked))
        self.stage3.mail_template_id.body_html = "<p>Executive reminder</p>"
        self._run(emailed | blocked)
        self.assertEqual(len(self._events(emailed | failed | blocked)), events_before)
        self.assertEqual(
            self.env["mail.message"].search_count(
                [("model", "=", "account.move"), ("res_id", "in", (emailed | failed | blocked).ids)]
            ),
            lines_before,
        )
        # the repaired template: the failed invoice's message goes, its line and event agree
        self._run(failed)
        self.assertEqual(len(self._events(failed, "external")), 1, "sent once the template is repaired")
        self._assert_chatter_is_the_events(failed, first_message_id)
