# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What installing the SMS addon changes for a company already on the ladder."""

from odoo.tests import tagged

from .common import ArSmsCommon

STAGES = ("preventive", "early", "managed", "executive", "predefault")


@tagged("post_install", "-at_install")
class TestInstall(ArSmsCommon):
    def test_installing_texts_nobody_until_an_administrator_switches_a_stage(self):
        for key in STAGES:
            stage = self.env.ref(f"ar_escalation_ladder.stage_{key}")
            template = self.env.ref(f"ar_escalation_sms.sms_template_stage_{key}")
            self.assertEqual(stage.channel, "email", f"{stage.name} still emails")
            self.assertEqual(stage.sms_template_id, template, f"{stage.name} has its own text ready")
            self.assertEqual(template.model, "ar.escalation.case", "rendered per customer's case")
            self.assertIn("STOP", template.body, "every text says how to opt out")
        cron = self.env.ref("ar_escalation_sms.ir_cron_send")
        self.assertEqual(
            (cron.active, cron.interval_number, cron.interval_type, cron.code),
            (True, 5, "minutes", "model._cron_send()"),
            "the queue is sent every five minutes",
        )

        # a customer with a mobile number on an email stage: the email goes, no text
        move = self._invoice(self.customer_fr, 1000, 20)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(self.queue.search([("customer_id", "=", self.customer_fr.id)]), "no SMS queued")
        self.assertEqual(len(self._customer_mails(self.customer_fr)), 1, "the stage's email")
        self.assertEqual(self._events(move, "external").channel, "email")

        # the administrator switches the stage to SMS: the next message is that stage's text
        self.stage2.channel = "sms"
        self.stage2.sms_template_id.body = "Managed text for {{ object.partner_id.name }}. STOP to opt out"
        mobile = {"country_id": self.france.id, "mobile": "06 98 76 54 32"}
        martin = self._customer("Martin SARL", "standard", "compta@martin.example.com", **mobile)
        later = self._invoice(martin, 500, 22)
        self._run(later)
        sms = self.queue.search([("customer_id", "=", martin.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(
            (sms.number, sms.body), ("+33698765432", "Managed text for Martin SARL. STOP to opt out")
        )
        self.assertFalse(self._customer_mails(martin), "SMS only")
