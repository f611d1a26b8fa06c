# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from lxml import etree

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSmsScreens(TransactionCase):
    """The SMS queue is the ladder's (no New); a template shows one length counter."""

    def _arch(self, model, view_type):
        return etree.fromstring(self.env[model].get_view(view_type=view_type)["arch"])

    def test_the_queue_has_no_new_button(self):
        for view_type in ("list", "form"):
            root = self._arch("ar.escalation.sms", view_type)
            self.assertEqual(root.get("create"), "0", f"{view_type}: no New on a queue only runs fill")

    def test_a_template_counts_its_length_once(self):
        root = self._arch("sms.template", "form")
        [body] = root.xpath("//field[@name='body']")
        self.assertEqual(body.get("widget"), "text_emojis", "core's counter is not shown beside the ladder's")
        self.assertEqual(len(root.xpath("//div[@name='ar_sms_counts']")), 1)
        template = self.env["sms.template"].create(
            {
                "name": "Reminder",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Invoice {{ object.name }} is overdue: please pay today.",
            }
        )
        self.assertEqual(template.ar_sms_segments, 1)
        self.assertEqual(template.ar_sms_encoding, "GSM-7")
