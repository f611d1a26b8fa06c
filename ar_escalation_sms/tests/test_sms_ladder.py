# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""SMS and WhatsApp as the ladder's external channel, end to end."""

from datetime import datetime

from odoo import fields
from odoo.tests import Form, tagged

from .common import ArSmsCommon


@tagged("post_install", "-at_install")
class TestSmsLadder(ArSmsCommon):
    def _chatter(self, move):
        return "\n".join(str(m.body) for m in move.message_ids)

    def test_sms_stage_queues_one_message_per_customer_and_sends_it_once(self):
        self._use_provider("webhook")
        self.stage2.channel = "sms"
        inv1 = self._invoice(self.customer_fr, 1000, 20)
        inv2 = self._invoice(self.customer_fr, 250, 22)
        self._run(inv1 | inv2)
        sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
        self.assertEqual(len(sms), 1, "one message per customer and stage")
        self.assertEqual(sms.number, "+33612345678", "normalised with the customer's country")
        self.assertEqual(sms.move_ids, inv1 | inv2)
        for expected in (inv1.name, inv2.name, "/my/invoices", "STOP"):
            self.assertIn(expected, sms.body)
        self.assertIn(fields.Date.to_string(inv1.invoice_date_due)[:4], sms.body)
        self.assertFalse(self._customer_mails(self.customer_fr), "SMS only: no email")
        events = self._events(inv1 | inv2, "external")
        self.assertEqual(events.sms_id, sms)
        self.assertEqual(set(events.mapped("channel")), {"sms"})
        self.assertIn("SMS queued to +33612345678", events[0].reason)
        self.assertIn("SMS queued to +33612345678", self._chatter(inv1))
        # a rerun of the ladder queues nothing more
        self._run(inv1 | inv2)
        self.assertEqual(self.queue.search_count([("customer_id", "=", self.customer_fr.id)]), 1)
        self._send()
        self.assertEqual(sms.state, "pending")
        self.assertEqual(len(self.provider.delivered()), 1)
        self.assertEqual(self.provider.delivered()[0]["body"], sms.body)
        self.assertIn("accepted by the provider", self._chatter(inv1))
        self.assertEqual(len(self._events(inv1, "delivery")), 1)
        self._send()
        self.assertEqual(len(self.provider.delivered()), 1)

    def test_an_ar_user_running_the_ladder_queues_the_sms(self):
        self.stage2.channel = "sms"
        inv = self._invoice(self.customer_fr, 1000, 20)
        self.runner.with_user(self.user_lead)._ar_process_safely(inv)
        self.env.flush_all()
        sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
        self.assertEqual(len(sms), 1)
        self.assertEqual(sms.create_uid, self.user_lead)
        self.assertFalse(self._events(inv, "error"))

    def test_escalation_contact_gets_the_sms_at_stages_that_ask_for_it(self):
        self.stage2.write({"channel": "sms", "contact": "escalation"})
        boss = self.env["res.partner"].create(
            {"name": "Mme Durand", "parent_id": self.customer_fr.id, "mobile": "+33 7 81 23 45 67"}
        )
        self.customer_fr.ar_escalation_contact_id = boss
        inv = self._invoice(self.customer_fr, 1000, 20)
        self._run(inv)
        sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
        self.assertEqual((sms.partner_id, sms.number), (boss, "+33781234567"))

    def test_single_invoice_message_links_its_portal_page(self):
        self.stage2.channel = "sms"
        inv = self._invoice(self.customer_fr, 1000, 20)
        self._run(inv)
        sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
        self.assertIn(f"/my/invoices/{inv.id}?access_token={inv.access_token}", sms.body)

    def test_email_and_sms_stage_sends_both(self):
        self.stage2.channel = "email_sms"
        inv = self._invoice(self.customer_fr, 1000, 20)
        self._run(inv)
        self.assertEqual(len(self._customer_mails(self.customer_fr)), 1)
        self.assertEqual(self.queue.search_count([("customer_id", "=", self.customer_fr.id)]), 1)
        event = self._events(inv, "external")
        self.assertEqual(event.channel, "email_sms")
        self.assertIn("Email", event.reason)
        self.assertIn("SMS queued", event.reason)
        self.assertTrue(event.mail_id)

    def test_the_smb_track_nudges_by_email_and_sms(self):
        nudge = self.env.ref("ar_escalation_ladder.stage_smb_nudge")
        self.assertEqual(nudge.channel, "email_sms", "with SMS installed, the SMB nudge texts too")
        self.customer_fr.ar_track_id = self.env.ref("ar_escalation_ladder.track_smb")
        inv = self._invoice(self.customer_fr, 300, 2)
        self._run(inv)
        self.assertEqual(inv.ar_stage_id, nudge)
        self.assertEqual(len(self._customer_mails(self.customer_fr)), 1)
        sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
        self.assertEqual(len(sms), 1)
        self.assertIn("friendly reminder", sms.body)

    def test_landline_is_never_texted_and_email_goes_instead(self):
        self.stage2.channel = "sms"
        customer = self._customer(
            "Martin SARL",
            "standard",
            "ap@martin.example.com",
            country_id=self.france.id,
            phone="01 42 68 53 00",
        )
        inv = self._invoice(customer, 800, 20)
        self._run(inv)
        self.assertFalse(self.queue.search([("customer_id", "=", customer.id)]))
        error = self._events(inv, "error")
        self.assertEqual(len(error), 1)
        self.assertIn("+33142685300 is a landline", error.reason)
        self.assertIn("is a landline", self._chatter(inv))
        self.assertEqual(len(self._customer_mails(customer)), 1, "the stage's email goes out instead")
        external = self._events(inv, "external")
        self.assertEqual(external.channel, "email")
        self.assertIn("sent by email instead", external.reason)
        self.assertIn("landline", customer.ar_sms_number_problem, "the customer form warns")
        self.env.invalidate_all()
        self.assertEqual(inv.ar_last_contact_channel, "email", "the invoice shows the channel used")
        self.assertEqual(inv.ar_contact_attempts, 1)

    def test_unparseable_number_without_email_template_fails_clearly(self):
        self.stage2.write({"channel": "sms", "mail_template_id": False})
        customer = self._customer("Nowhere Ltd", "standard", "ap@nowhere.example.com", mobile="call me")
        inv = self._invoice(customer, 800, 20)
        self._run(inv)
        self.assertFalse(self.queue.search([("customer_id", "=", customer.id)]))
        self.assertIn("not a phone number", self._events(inv, "error").reason)
        self.assertFalse(self._customer_mails(customer))
        self.assertIn("SMS not sent", self._events(inv, "external").reason)

    def test_blacklisted_number_is_never_messaged(self):
        self.stage2.channel = "sms"
        self.env["phone.blacklist"].sudo()._add(["+33612345678"])
        inv = self._invoice(self.customer_fr, 1000, 20)
        self._run(inv)
        self.assertFalse(self.queue.search([("customer_id", "=", self.customer_fr.id)]))
        self.assertIn("opted out", self._events(inv, "error").reason)
        self.assertEqual(len(self._customer_mails(self.customer_fr)), 1, "email instead")
        # a number that opts out after queueing is not sent to either
        self._use_provider("webhook")
        sms = self._sms(number="+33611111111")
        self.env["phone.blacklist"].sudo()._add(["+33611111111"])
        self._send()
        self.assertEqual(sms.state, "canceled")
        self.assertFalse(self.provider.delivered())

    def test_whatsapp_goes_through_twilio_with_prefixed_addresses(self):
        self._use_provider("twilio")
        self.stage2.channel = "whatsapp"
        inv = self._invoice(self.customer_fr, 1000, 20)
        self._run(inv)
        sms = self.queue.search([("customer_id", "=", self.customer_fr.id)])
        self.assertEqual(sms.channel, "whatsapp")
        self._send()
        [message] = self.provider.delivered()
        self.assertEqual(message["to"], "whatsapp:+33612345678")
        self.assertEqual(message["from"], "whatsapp:+14155238886")
        self.assertEqual(sms.state, "pending")
        self.assertIn("WhatsApp to +33612345678 accepted", self._chatter(inv))

    def test_quiet_hours_in_the_customers_time_zone(self):
        self._use_provider("webhook")
        self.company.write({"ar_sms_window_start": 8.0, "ar_sms_window_end": 20.0})
        night = datetime(2026, 1, 15, 21, 30)  # 22:30 in Paris
        sms = self._sms(next_try=night)  # Durand SA is in Europe/Paris
        self._send(now=night)
        self.assertEqual(sms.state, "outgoing")
        self.assertEqual(sms.next_try, datetime(2026, 1, 16, 7, 0), "08:00 in Paris")
        self.assertIn("Europe/Paris", sms.note)
        self.assertFalse(self.provider.delivered())
        self._send(now=datetime(2026, 1, 16, 7, 0))
        self.assertEqual(sms.state, "pending")
        # without a partner time zone, the country's main one: New York for the US
        us = self._customer("Acme US", country_id=self.env.ref("base.us").id)
        sms_us = self._sms(partner=us, number="+12015550123", next_try=datetime(2026, 1, 16, 12, 0))
        self._send(now=datetime(2026, 1, 16, 12, 0))  # 07:00 in New York
        self.assertEqual(sms_us.next_try, datetime(2026, 1, 16, 13, 0))

    def test_odoo_sms_provider_hands_over_to_odoos_outbox(self):
        self._use_provider("odoo")
        sms = self._sms(body="Via IAP")
        self._send()
        self.assertEqual(sms.state, "pending")
        self.assertEqual(sms.sms_sms_id.number, "+33612345678")
        self.assertEqual(sms.sms_sms_id.body, "Via IAP")
        self.assertEqual(sms.sms_sms_id.state, "outgoing")
        # Odoo's service reports no credit: the queue and the invoices say so
        sms.sms_sms_id.write({"state": "error", "failure_type": "sms_credit"})
        self._send()
        self.assertEqual(sms.state, "error")
        self.assertEqual(sms.note, "Insufficient Credit")

    def test_partner_form_shows_the_normalised_number_or_the_problem(self):
        with Form(self.env["res.partner"]) as form:
            form.name = "Typed By Hand"
            form.country_id = self.france
            form.mobile = "06 12 34 56 78"
            self.assertEqual(form.ar_sms_number, "+33612345678")
            self.assertFalse(form.ar_sms_number_problem)
            form.mobile = "01 42 68 53 00"
            self.assertFalse(form.ar_sms_number)
            self.assertIn("landline", form.ar_sms_number_problem)

    def test_template_form_counts_characters_and_segments(self):
        template = self.env.ref("ar_escalation_sms.sms_template_stage_managed")
        self.assertIn("sms_template_id", self.stage2._fields)
        self.assertEqual(self.stage2.sms_template_id, template)
        self.company.ar_sms_max_segments = 1
        with Form(template.with_company(self.company)) as form:
            form.body = "Short and plain"
            self.assertEqual(
                (form.ar_sms_length, form.ar_sms_segments, form.ar_sms_encoding), (15, 1, "GSM-7")
            )
            self.assertFalse(form.ar_sms_too_long)
            form.body = "Échéance dépassée ç " * 5  # Ç is GSM-7, ç is not
            self.assertEqual(form.ar_sms_encoding, "UCS-2")
            self.assertEqual(form.ar_sms_segments, 2)
            self.assertTrue(form.ar_sms_too_long)
