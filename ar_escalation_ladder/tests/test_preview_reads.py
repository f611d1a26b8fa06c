# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The preview reads like a report (issue 13): read-only, titled, its reasons in full."""

from datetime import timedelta

from lxml import etree

from odoo.tests import Form, tagged
from odoo.tools import format_date

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestPreviewReads(ArEscalationCommon):
    def _preview(self):
        action = self.env["ar.escalation.preview"].action_open()
        preview = self.env["ar.escalation.preview"].browse(action["res_id"])
        return action, preview, {line.move_id: line for line in preview.line_ids}

    def test_title_and_no_editing_of_the_lines(self):
        self._invoice(self.customer, 100, 20)
        action, preview, __ = self._preview()
        self.assertEqual(action["name"], "Escalation preview")
        today = format_date(self.env, self.today)
        self.assertEqual(preview.display_name, f"What the ladder would do on {today}", "the breadcrumb")
        arch = etree.fromstring(self.env["ar.escalation.preview"].get_view(view_type="form")["arch"])
        self.assertEqual(
            arch.xpath("//h1")[0].xpath("string()").split()[:6], "What the ladder would do on".split()
        )
        [lines] = arch.xpath("//field[@name='line_ids']")
        self.assertEqual(lines.get("readonly"), "1", "no 'Add a line', no trash icons")
        [listing] = lines.xpath("list")
        self.assertEqual((listing.get("create"), listing.get("delete")), ("false", "false"))
        self.assertTrue(listing.xpath("field[@name='hold_text']"), "the reasons in full")
        self.assertFalse(listing.xpath("field[@name='hold']"), "not the engine's code")
        form = Form(preview)
        with self.assertRaises(AssertionError):
            form.line_ids.new()
        with self.assertRaises(AssertionError):
            form.line_ids.remove(0)

    def test_not_sent_because_in_full(self):
        reminded = self._invoice(self.customer, 200, 20)
        promised = self._invoice(self.customer_b, 300, 20)
        paused = self._invoice(self._customer("Paused Co", email="ap@paused.example.com"), 400, 20)
        unreachable = self._invoice(self._customer("No Mail Co"), 500, 20)
        self._run()
        promise_date = self.today + timedelta(days=4)
        promised._ar_log_promise([(promise_date, promised.amount_residual)])
        paused._ar_pause(self.today + timedelta(days=9), "Audit")
        __, __, lines = self._preview()
        cadence = self.stage2.cadence_days
        self.assertEqual(
            lines[reminded].hold_text,
            f"The last reminder of Managed went on {format_date(self.env, self.today)}; the next is due "
            f"on {format_date(self.env, self.today + timedelta(days=cadence))} (every {cadence} days).",
        )
        grace = self.company.ar_promise_grace_days
        self.assertEqual(
            lines[promised].hold_text,
            f"The customer promised to pay by {format_date(self.env, promise_date)}: reminders wait until "
            f"{format_date(self.env, promise_date + timedelta(days=grace))} (the promise's grace days).",
        )
        self.assertEqual(
            lines[paused].hold_text,
            f"Escalation is paused until {format_date(self.env, self.today + timedelta(days=9))}.",
        )
        self.assertEqual(
            lines[unreachable].hold_text,
            "Not payable as sent (no email address to reach the customer): the invoice is fixed first, "
            "its owner gets a task.",
        )
