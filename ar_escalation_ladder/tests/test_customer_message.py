# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What the customer reads, who gets it, where their reply goes, in their language.

The stage templates are rendered on a case directly, as the run renders them
(``ar_invoice_map`` in the context), or posted through core's composer; the
run itself is not needed to say what a customer sees.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools import format_amount, format_date, formataddr, mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import ArEscalationCommon

REPLY = """Return-Path: <{email_from}>
To: {to}
From: {email_from}
Subject: Re: {subject}
Date: Mon, 01 Jun 2026 09:00:00 +0000
Message-ID: <reply-{uniq}@acme.example.com>
In-Reply-To: {in_reply_to}
References: {in_reply_to}
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

We will pay INV on Friday, the transfer is approved.
--
Acme accounts payable
"""


@tagged("post_install", "-at_install")
class TestCustomerMessage(ArEscalationCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"phone": False, "website": False})
        cls.company.partner_id.bank_ids = [
            Command.create({"acc_number": "FR76 3000 6000 0112 3456 7890 189"}),
        ]
        cls.eur = cls.setup_other_currency("EUR")  # 2 EUR for 1 USD (the company's currency)
        cls.billing = cls.env["res.partner"].create(
            {
                "name": "Anna Payables",
                "email": "anna.payables@acme.example.com",
                "parent_id": cls.customer.id,
                "type": "invoice",
            }
        )
        cls.exec_contact = cls.env["res.partner"].create(
            {"name": "Eve Martin", "email": "eve@acme.example.com", "parent_id": cls.customer.id}
        )
        cls.customer.ar_escalation_contact_id = cls.exec_contact
        cls.inv_old = cls._invoice(cls.customer, 1000, 40, ref="PO-4711")
        cls.inv_mid = cls._invoice(cls.customer, 2000, 20)
        cls.inv_eur = cls._invoice(cls.customer, 300, 5, currency=cls.eur)
        cls.inv_future = cls._invoice(cls.customer, 400, -3)
        cls.case = cls._case(cls.customer, cls.stage3, cls.inv_old)
        for invoice in cls.inv_old | cls.inv_mid | cls.inv_eur | cls.inv_future:
            invoice._portal_ensure_token()  # as the run does before rendering

    @classmethod
    def _case(cls, partner, stage, invoices, owner=None):
        owner = owner or cls.user_cfo
        case = cls._open_case(partner, stage, owner, owner_role="cfo")
        invoices.sudo().write({"ar_case_id": case.id, "ar_stage_id": stage.id})
        case.message_subscribe(partner_ids=owner.partner_id.ids)
        return case

    def _listed(self, case, invoices):
        """The case as the run hands it to the template: with the invoices it lists, in order."""
        return case.with_context(ar_invoice_map=((case.id, tuple(invoices.ids)),))

    def _render(self, template, case, invoices, fields_=("subject", "body_html", "partner_to", "lang")):
        template = template.with_context(ar_invoice_map=((case.id, tuple(invoices.ids)),))
        return template._generate_template(case.ids, list(fields_))[case.id]

    def _statement(self):
        return self.inv_old | self.inv_mid | self.inv_eur | self.inv_future

    # ------------------------------------------------------------------
    # the statement of account
    # ------------------------------------------------------------------
    def test_the_message_lists_the_invoices_in_the_runs_order_else_by_due_date(self):
        order = self.inv_old | self.inv_future | self.inv_mid | self.inv_eur  # highest stage first
        self.assertEqual(self._listed(self.case, order).message_invoice_ids.ids, order.ids)
        (self.inv_mid | self.inv_future).sudo().ar_case_id = self.case
        self.assertEqual(
            self.case.message_invoice_ids.ids,
            (self.inv_old | self.inv_mid | self.inv_future).ids,
            "without the run's listing: the case's invoices, the oldest due first",
        )

    def test_statement_shows_every_invoice_totals_and_how_to_pay(self):
        template = self.stage3.mail_template_id
        statement = self._statement()
        values = self._render(template, self.case, statement)
        body = str(values["body_html"])
        usd = self.company.currency_id
        # every invoice: number, customer reference, due date, days overdue, open amount in its currency
        for invoice in statement:
            self.assertIn(invoice.name, body)
            self.assertIn(format_date(self.env, invoice.invoice_date_due), body)
            self.assertIn(invoice.get_base_url() + invoice.get_portal_url(), body.replace("&amp;", "&"))
        self.assertIn("PO-4711", body)
        self.assertIn("Your reference", body)
        # without a customer reference on any listed invoice, no empty column
        without_refs = self._render(template, self.case, self.inv_mid | self.inv_eur)
        self.assertNotIn("Your reference", str(without_refs["body_html"]))
        self.assertIn(self.inv_mid.name, str(without_refs["body_html"]))
        self.assertIn(">40</span> days overdue", body)
        self.assertIn(">20</span> days overdue", body)
        self.assertIn("due in <span", body)
        self.assertIn(format_amount(self.env, 300, self.eur), body, "the EUR invoice in euros")
        # totals in the company's currency: 1000 + 2000 + 150 (300 EUR) overdue, + 400 not yet due
        self.assertIn("Total overdue", body)
        self.assertIn(format_amount(self.env, 3150, usd), body)
        self.assertIn("Total outstanding", body)
        self.assertIn(format_amount(self.env, 3550, usd), body)
        self.assertIn(format_amount(self.env, 3150, usd), values["subject"])
        # how to pay: the company's bank account and the portal
        self.assertIn("How to pay", body)
        self.assertIn("FR76 3000 6000 0112 3456 7890 189", body)
        self.assertIn(self.company.partner_id.name, body)
        # the deadline, in the customer's language
        self.assertIn(format_date(self.env, self.case.notice_deadline), body)

    def test_invoice_status_says_promises_and_disputes(self):
        promise_date = self.today + timedelta(days=6)
        # sudo: promises and disputes as the ladder records them (plain creates are refused)
        self.env["ar.escalation.promise"].sudo().create(
            {"move_id": self.inv_mid.id, "line_ids": [Command.create({"date": promise_date, "amount": 500})]}
        )
        self.env["ar.escalation.promise"].sudo().create(
            {
                "move_id": self.inv_old.id,
                "line_ids": [
                    Command.create({"date": self.today - timedelta(days=9), "amount": 500, "state": "broken"})
                ],
            }
        )
        self.env["ar.escalation.dispute"].sudo().create(
            {"move_id": self.inv_eur.id, "code": "pricing", "note": "Price differs from the quote"}
        )
        self.assertEqual(self.inv_old.ar_promise_state, "broken")
        body = str(self._render(self.stage3.mail_template_id, self.case, self._statement())["body_html"])
        self.assertIn("Payment promised by", body)
        self.assertIn(format_date(self.env, promise_date), body)
        self.assertIn("Promised payment not received", body)
        self.assertIn("A payment promised to us was not received", body)
        self.assertIn("Disputed: on hold while we look into it", body)
        self.assertNotIn("Price differs", body, "the internal dispute note stays internal")

    def test_no_untrue_or_internal_line(self):
        """No reminder was received: no word of earlier reminders, promises or internal history."""
        for stage in (self.stage0, self.stage1, self.stage2, self.stage3, self.stage4):
            values = self._render(stage.mail_template_id, self.case, self._statement())
            body = str(values["body_html"])
            for untrue in (
                "reminder",
                "What happened so far",
                "have not resolved",
                "Despite our earlier",
                "promised",
                "Stage change",
                "External message",
                stage.name + " —",
            ):
                self.assertNotIn(untrue, body, f"{stage.name}: {untrue!r}")
            self.assertNotIn("False", body)

    def test_earlier_reminders_are_the_ones_the_customer_received(self):
        Mail = self.env["mail.mail"].sudo()
        sent = Mail.create({"body_html": "<p>x</p>", "email_to": "billing@acme.example.com"})
        failed = Mail.create({"body_html": "<p>x</p>", "email_to": "billing@acme.example.com"})
        queued = Mail.create({"body_html": "<p>x</p>", "email_to": "billing@acme.example.com"})
        sent.state, failed.state = "sent", "exception"
        days = {
            sent: fields.Datetime.now() - timedelta(days=12),
            failed: fields.Datetime.now() - timedelta(days=9),
            queued: fields.Datetime.now() - timedelta(days=2),
        }
        self.env["ar.escalation.event"].sudo().create(  # sudo: events are the system's
            [
                {
                    "kind": "external",
                    "move_id": self.inv_old.id,
                    "partner_id": self.customer.id,
                    "company_id": self.company.id,
                    "stage_id": self.stage2.id,
                    "channel": "email",
                    "mail_id": mail.id,
                    "date": date,
                    "cycle": cycle,
                }
                for cycle, (mail, date) in enumerate(days.items())
            ]
        )
        # another customer's reminder is not this customer's
        other_case = self._case(self.customer_b, self.stage3, self._invoice(self.customer_b, 900, 35))
        cases = self.case | other_case
        self.assertEqual(
            cases.mapped("message_reminder_dates"),
            [[fields.Date.to_string(fields.Date.context_today(self.case, days[sent]))], False],
        )
        received = format_date(self.env, days[sent].date())
        body = str(self._render(self.stage3.mail_template_id, self.case, self._statement())["body_html"])
        self.assertIn(f"Our reminders of {received} have not resolved it.", body)
        for not_received in (days[failed], days[queued]):
            self.assertNotIn(format_date(self.env, not_received.date()), body)

    # ------------------------------------------------------------------
    # recipients
    # ------------------------------------------------------------------
    def test_recipients_follow_the_stage_contact_setting_and_need_a_valid_email(self):
        broken = self.env["res.partner"].create(
            {"name": "Nobody", "email": "not-an-email", "parent_id": self.customer.id}
        )
        inv_billing = self._invoice(self.billing, 500, 12)  # invoiced to the billing contact
        inv_broken = self._invoice(broken, 200, 8)  # to a contact without a valid address
        statement = self.inv_old | inv_billing | inv_broken
        self.assertEqual(inv_billing.commercial_partner_id, self.customer)
        case = self._listed(self.case, statement)
        expected = {
            "billing": self.customer | self.billing,  # the invalid contact's invoice goes to the customer
            "escalation": self.exec_contact,
            "both": self.customer | self.billing | self.exec_contact,
        }
        for contact, partners in expected.items():
            self.stage3.contact = contact
            case.invalidate_recordset(["message_recipient_ids"])
            self.assertEqual(case.message_recipient_ids, partners, contact)
            values = self._render(self.stage3.mail_template_id, self.case, statement)
            self.assertEqual(sorted(values["partner_ids"]), sorted(partners.ids), contact)
        self.assertNotIn(broken, case.message_recipient_ids)
        # an escalation contact without a valid address: no recipient, the billing contacts step in
        self.exec_contact.email = "eve at acme"
        self.stage3.contact = "escalation"
        case.invalidate_recordset(["message_recipient_ids"])
        self.assertEqual(case.message_recipient_ids, self.customer | self.billing)
        # nobody with a valid address: nobody
        (self.customer | self.billing).write({"email": "not-an-email"})
        case.invalidate_recordset(["message_recipient_ids"])
        self.assertFalse(case.message_recipient_ids)

    # ------------------------------------------------------------------
    # Reply-To
    # ------------------------------------------------------------------
    def _alias_domain(self):
        domain = self.env["mail.alias.domain"].create(
            {"name": "company.example.com", "catchall_alias": "catchall", "bounce_alias": "bounce"}
        )
        self.company.alias_domain_id = domain
        return domain

    def test_reply_to_follows_the_company_setting_and_is_never_odoobot(self):
        odoobot = self.env.ref("base.partner_root").email_formatted
        self.company.alias_domain_id = False
        self.assertEqual(self.company.ar_reply_to, "catchall", "the default")
        # no alias domain: the owner, who follows the case
        self.assertEqual(
            self.case._notify_get_reply_to(default=odoobot)[self.case.id],
            self.user_cfo.partner_id.email_formatted,
        )
        # with an alias domain: the catchall, named after the company only (the case is internal)
        self._alias_domain()
        reply_to = self.case._notify_get_reply_to(default=odoobot)[self.case.id]
        self.assertEqual(reply_to, formataddr((self.company.name, "catchall@company.example.com")))
        self.assertNotIn(self.case.name, reply_to)
        settings = Form(self.env["res.config.settings"])
        settings.ar_reply_to = "owner"
        settings.save().execute()
        self.assertEqual(
            self.case._notify_get_reply_to(default=odoobot)[self.case.id],
            self.user_cfo.partner_id.email_formatted,
        )
        settings = Form(self.env["res.config.settings"])
        settings.ar_reply_to = "address"
        settings.ar_reply_to_address = "collections@company.example.com"
        settings.save().execute()
        self.assertIn(
            "<collections@company.example.com>", self.case._notify_get_reply_to(default=odoobot)[self.case.id]
        )
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.company.ar_reply_to_address = "not-an-email"
        # neither alias nor owner email: the company's email; never OdooBot's
        self.company.write({"ar_reply_to": "owner", "alias_domain_id": False})
        self.user_cfo.partner_id.email = False
        self.assertIn(
            "<ar@company.example.com>", self.case._notify_get_reply_to(default=odoobot)[self.case.id]
        )
        self.company.email = False
        self.assertFalse(self.case._notify_get_reply_to(default=odoobot)[self.case.id])

    # ------------------------------------------------------------------
    # through core's composer, and the customer's reply through the gateway
    # ------------------------------------------------------------------
    def _post(self, case, invoices, template=None):
        template = template or case.stage_id.mail_template_id
        with self.mock_mail_gateway():
            messages = self._listed(case, invoices).message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        return messages

    def test_customer_email_through_the_composer_and_the_reply_back_on_the_case(self):
        self._alias_domain()
        self.stage3.contact = "both"
        statement = self._statement()
        statement.sudo().write(
            {"ar_unanswered_since": {"3": fields.Date.to_string(self.today - timedelta(days=4))}}
        )
        message = self._post(self.case, statement)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.partner_ids, self.customer | self.exec_contact)
        self.assertEqual(message.reply_to, formataddr((self.company.name, "catchall@company.example.com")))
        self.assertEqual(
            message.record_name, self.customer.display_name, "the customer's account, not the case"
        )
        # the customer's email: Reply-To the catchall, the statement, no internal name
        to_customer = [mail for mail in self._mails if "billing@acme.example.com" in str(mail["email_to"])]
        self.assertEqual(len(to_customer), 1)
        email = to_customer[0]
        self.assertEqual(email["reply_to"], message.reply_to)
        self.assertIn(self.inv_old.name, email["body"])
        self.assertIn("statement of account", email["body"])
        self.assertNotIn(self.case.name, email["body"])
        self.assertNotIn("Executive", email["body"])
        # the owner follows the case and is told
        self.assertIn(self.user_cfo.partner_id, message.notification_ids.res_partner_id)

        # the customer answers the email
        reply = REPLY.format(
            email_from=self.customer.email,
            to="catchall@company.example.com",
            subject=message.subject,
            uniq=self.case.id,
            in_reply_to=email["message_id"],
        )
        with self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_thread"):
            self.env["mail.thread"].sudo().message_process(False, reply)
        answer = self.case.message_ids.filtered(lambda m: m.message_type == "email")
        self.assertEqual(len(answer), 1, "the reply lands on the case's chatter")
        self.assertEqual(answer.author_id, self.customer)
        self.assertIn("We will pay", str(answer.body))
        self.assertEqual(answer.parent_id, message)
        self.assertIn(self.user_cfo.partner_id, answer.notification_ids.res_partner_id, "the owner is told")
        # a response on every invoice the statement listed: the no-response clock stops
        for invoice in statement:
            self.assertFalse(invoice.ar_unanswered_since, invoice.name)
            self.assertTrue(invoice.ar_last_response_date, invoice.name)

    def test_an_email_from_someone_else_is_no_customer_response(self):
        self._alias_domain()
        self.inv_old.sudo().ar_unanswered_since = {"3": fields.Date.to_string(self.today)}
        message = self._post(self.case, self.inv_old)
        reply = REPLY.format(
            email_from="someone@elsewhere.example.com",
            to="catchall@company.example.com",
            subject=message.subject,
            uniq="other",
            in_reply_to=message.message_id,
        )
        with self.mock_mail_gateway(), mute_logger("odoo.addons.mail.models.mail_thread"):
            self.env["mail.thread"].sudo().message_process(False, reply)
        self.assertTrue(self.case.message_ids.filtered(lambda m: m.message_type == "email"))
        self.assertTrue(self.inv_old.ar_unanswered_since, "not the customer: the clock runs on")

    # ------------------------------------------------------------------
    # in the customer's language
    # ------------------------------------------------------------------
    def _french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        modules = ["ar_escalation_ladder"]
        if self.env["ir.module.module"].search_count(
            [("name", "=", "ar_escalation_sms"), ("state", "=", "installed")]
        ):
            modules.append("ar_escalation_sms")
        self.env["ir.module.module"]._load_module_terms(modules, ["fr_FR"], overwrite=True)
        self.customer.lang = "fr_FR"
        return self.env(context=dict(self.env.context, lang="fr_FR"))

    def test_a_french_customer_reads_the_statement_in_french(self):
        env_fr = self._french()
        self.env["ar.escalation.promise"].sudo().create(
            {
                "move_id": self.inv_mid.id,
                "line_ids": [Command.create({"date": self.today + timedelta(days=6), "amount": 500})],
            }
        )
        usd = self.company.currency_id
        statement = self._statement()
        for stage, words in (
            (self.stage0, ("Petit rappel", "Cordialement")),
            (self.stage1, ("pouvez-vous confirmer", "Merci")),
            (self.stage2, ("engagement de paiement", "Cordialement")),
            (self.stage3, ("décision", "Nous avons besoin")),
            (self.stage4, ("MISE EN DEMEURE", "Date limite")),
        ):
            case = (
                self.case
                if stage == self.stage3
                else self._case(self.customer, stage, self.env["account.move"])
            )
            values = self._render(stage.mail_template_id, case, statement)
            subject, body = values["subject"], str(values["body_html"])
            self.assertEqual(values["lang"], "fr_FR")
            for word in words:
                self.assertIn(word, subject + body, stage.name)
            for english in (
                "Dear",
                "Total overdue",
                "How to pay",
                "days overdue",
                "Kind regards",
                "Invoice<",
            ):
                self.assertNotIn(english, body, f"{stage.name}: {english!r}")
            # the invoice table and payment details in French
            for french in (
                "Facture",
                "Échéance",
                "jours de retard",
                "Total échu",
                "Comment payer",
                "Voir et payer",
            ):
                self.assertIn(french, body, f"{stage.name}: {french!r}")
            # amounts and dates formatted for French
            overdue = format_amount(env_fr, 3150, usd)
            self.assertIn(",00", overdue)
            self.assertIn(overdue, body)
            self.assertIn(self.inv_old.invoice_date_due.strftime("%d/%m/%Y"), body)
            self.assertIn((self.today + timedelta(days=6)).strftime("%d/%m/%Y"), body, "the promised date")
            if stage in (self.stage1, self.stage3, self.stage4):
                self.assertIn(overdue, subject)
            self.assertNotIn("payment", subject.lower())

    def test_a_french_customer_gets_the_sms_in_french(self):
        if "ar_sms_portal_url" not in self.case._fields:
            self.skipTest("ar_escalation_sms is not installed")
        env_fr = self._french()
        usd = self.company.currency_id
        for stage, words, names in (
            ("sms_template_stage_preventive", "petit rappel", True),
            ("sms_template_stage_early", "confirmer votre date de paiement", True),
            ("sms_template_stage_managed", "engagement de paiement dat", True),
            ("sms_template_stage_executive", "reste impay", False),
            ("sms_template_stage_predefault", "MISE EN DEMEURE", False),
        ):
            template = self.env.ref(f"ar_escalation_sms.{stage}").with_context(
                ar_invoice_map=((self.case.id, tuple(self._statement().ids)),)
            )
            body = template._render_field("body", self.case.ids, compute_lang=True)[self.case.id]
            self.assertIn(words, body, stage)
            self.assertIn("STOP", body)
            if names:
                self.assertIn(f"{self.inv_old.name}, {self.inv_mid.name}, {self.inv_eur.name} +1", body)
            self.assertIn(
                format_amount(env_fr, 3150 if stage != "sms_template_stage_preventive" else 3550, usd), body
            )
            self.assertNotIn("overdue", body)

    # ------------------------------------------------------------------
    # upgrades keep the administrator's edits
    # ------------------------------------------------------------------
    def test_shipped_configuration_is_noupdate(self):
        xmlids = [
            "ar_escalation_ladder.mail_template_stage_preventive",
            "ar_escalation_ladder.mail_template_stage_early",
            "ar_escalation_ladder.mail_template_stage_managed",
            "ar_escalation_ladder.mail_template_stage_executive",
            "ar_escalation_ladder.mail_template_stage_predefault",
            "ar_escalation_ladder.ir_cron_ar_escalation",
            "ar_escalation_ladder.config_batch_size",
            "ar_escalation_ladder.mail_activity_type_escalation",
            "ar_escalation_ladder.mail_activity_type_invoice_dispute",
            "ar_escalation_ladder.stage_preventive",
            "ar_escalation_ladder.stage_predefault",
            "ar_escalation_ladder.rule_early_days",
        ]
        if "ar_sms_portal_url" in self.case._fields:
            xmlids += [
                "ar_escalation_sms.sms_template_stage_preventive",
                "ar_escalation_sms.sms_template_stage_early",
                "ar_escalation_sms.sms_template_stage_managed",
                "ar_escalation_sms.sms_template_stage_executive",
                "ar_escalation_sms.sms_template_stage_predefault",
                "ar_escalation_sms.ir_cron_send",
            ]
        for xmlid in xmlids:
            module, name = xmlid.split(".")
            data = self.env["ir.model.data"].search([("module", "=", module), ("name", "=", name)])
            self.assertEqual(len(data), 1, xmlid)
            self.assertTrue(data.noupdate, f"{xmlid} is kept by an upgrade")

    def test_activity_types_belong_to_their_model(self):
        escalation = self.env.ref("ar_escalation_ladder.mail_activity_type_escalation")
        dispute = self.env.ref("ar_escalation_ladder.mail_activity_type_invoice_dispute")
        self.assertEqual(escalation.res_model, "ar.escalation.case")
        self.assertEqual(dispute.res_model, "account.move")
        # a type kept done shows in its own model's activity view only
        kept_done_generic = self.env["mail.activity.type"].search(
            [("keep_done", "=", True), ("res_model", "=", False)]
        )
        self.assertNotIn(escalation | dispute, kept_done_generic)
