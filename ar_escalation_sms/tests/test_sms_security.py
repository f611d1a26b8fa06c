# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ArSmsCommon


@tagged("post_install", "-at_install")
class TestSmsSecurity(ArSmsCommon):
    def test_a_company_reads_only_its_own_text_messages(self):
        company_b = self.setup_other_company(name="Company SMS B")["company"]
        sms_a = self._sms(body="A")
        sms_b = self._sms(body="B", company_id=company_b.id)
        user_a = new_test_user(
            self.env,
            "ar_sms_company_a",
            groups="base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        seen = self.env["ar.escalation.sms"].with_user(user_a).search([("id", "in", (sms_a | sms_b).ids)])
        self.assertEqual(seen, sms_a)
        with self.assertRaises(AccessError, msg="AR users read the queue, they do not edit it"):
            sms_a.with_user(user_a).write({"body": "changed"})

    def test_provider_credentials_are_for_administrators_only(self):
        self._use_provider("twilio")
        settings = self.env["res.config.settings"]
        for name in ("ar_sms_twilio_auth_token", "ar_sms_twilio_account_sid", "ar_sms_webhook_secret"):
            self.assertEqual(settings._fields[name].groups, "base.group_system")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.user_lead).search(
                [("key", "=", "ar_escalation_sms.twilio_auth_token")]
            ).read(["value"])
        self.assertEqual(
            settings.create({}).ar_sms_twilio_auth_token, "test-auth-token", "an administrator reads them"
        )

    def test_queueing_triggers_the_send_cron(self):
        self.stage2.channel = "sms"
        cron = self.env.ref("ar_escalation_sms.ir_cron_send")
        before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        self._run(self._invoice(self.customer_fr, 1000, 20))
        self.assertGreater(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), before)
