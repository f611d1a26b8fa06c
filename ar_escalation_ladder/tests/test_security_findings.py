# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The security findings of issue 12, each as it was found: over JSON-RPC, the portal, a payment."""

import re
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_permissions import ArRolesCommon


@tagged("post_install", "-at_install")
class TestPlainWrites(ArRolesCommon):
    """Manager-only actions are not bypassed by writing the fields; accounting goes on as before."""

    def test_billing_user_cannot_move_pause_or_close_an_invoice_by_writing_it(self):
        stage = self.invoice.ar_stage_id
        for vals in (
            {"ar_stage_id": self.stage4.id},
            {"ar_pause_until": fields.Date.to_string(self.today + timedelta(days=365))},
            {"ar_closed_date": fields.Datetime.to_string(fields.Datetime.now())},
            {"ar_disposition": "written_off"},
        ):
            self.assertRefused(self.billing, "account.move", "write", self.invoice.ids, vals)
            self.assertRefused(self.ar_user, "account.move", "write", self.invoice.ids, vals)
            # the web client's save goes through write as well
            self.assertRefused(
                self.ar_user, "account.move", "web_save", self.invoice.ids, vals, specification={"id": {}}
            )
        self.assertEqual(self.invoice.ar_stage_id, stage)
        self.assertFalse(self.invoice.ar_pause_until or self.invoice.ar_closed_date)

    def test_accounting_flows_still_work_for_a_billing_user(self):
        moves = self.env["account.move"].with_user(self.billing)
        invoice = moves.browse(self._invoice(self.customer, 700, 30).id)
        invoice.ref = "PO-4711"  # an edit that touches no ladder field
        self._pay(invoice, 200.0, user=self.billing)
        self.assertEqual(invoice.payment_state, "partial")
        self.runner._ar_run_pending()  # the ladder's next run
        self.assertTrue(invoice.ar_stage_id, "the ladder re-evaluated it through its own path")
        self.assertTrue(self._events(invoice))
        reversal = (
            self.env["account.move.reversal"]
            .with_user(self.billing)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Discount"})
        )
        reversal.refund_moves()
        copy = invoice.with_user(self.billing).copy()
        self.assertFalse(copy.ar_stage_id or copy.ar_case_id, "a copy starts outside the ladder")


@tagged("post_install", "-at_install")
class TestCrossCompany(ArRolesCommon):
    """Records are consistent with the company of the invoice and the customer they point to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.customer_only_b = cls.env["res.partner"].create(
            {"name": "Only in B", "is_company": True, "company_id": cls.company_b.id}
        )
        cls.move_b = (
            cls.env["account.move"]
            .with_company(cls.company_b)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": cls.customer_only_b.id,
                    "invoice_date": cls.today - timedelta(days=20),
                    "invoice_line_ids": [
                        Command.create({"name": "B service", "quantity": 1, "price_unit": 100, "tax_ids": []})
                    ],
                }
            )
        )
        cls.move_b.action_post()

    def test_a_company_a_user_cannot_write_records_into_company_b(self):
        event_vals = {
            "kind": "closed",
            "company_id": self.company.id,
            "move_id": self.move_b.id,
            "amount_recovered": 1e6,
        }
        case_vals = {
            "company_id": self.company.id,
            "partner_id": self.customer_only_b.id,
            "stage_id": self.stage1.id,
        }
        for user in (self.ar_user, self.ar_manager):
            self.assertRefused(user, "ar.escalation.event", "create", event_vals)
            self.assertRefused(user, "ar.escalation.case", "create", case_vals)
            self.assertRefused(
                user,
                "ar.escalation.promise",
                "create",
                {
                    "move_id": self.move_b.id,
                    "line_ids": [Command.create({"date": str(self.today), "amount": 1})],
                },
            )
        self.assertRefused(
            self.ar_user, "ar.escalation.case", "write", self.case.ids, {"company_id": self.company_b.id}
        )
        event = self._events(self.invoice)[0]
        self.assertRefused(
            self.ar_manager, "ar.escalation.event", "write", event.ids, {"company_id": self.company_b.id}
        )
        self.assertEqual((self.case.company_id, event.company_id), (self.company, self.company))
        self.assertFalse(self.env["ar.escalation.event"].search([("move_id", "=", self.move_b.id)]))

    def test_even_the_ladder_cannot_mix_companies(self):
        # the ladder's own writes (superuser) are checked as well
        with self.assertRaises(UserError), mute_logger("odoo.models"):
            self.env["ar.escalation.case"].sudo().create(
                {
                    "company_id": self.company.id,
                    "partner_id": self.customer_only_b.id,
                    "stage_id": self.stage1.id,
                }
            )
        event = self._events(self.invoice)[0]
        with self.assertRaises(UserError):
            event.sudo().company_id = self.company_b
        with self.assertRaises(UserError):
            self.env["ar.escalation.dispute"].sudo().create(
                {
                    "move_id": self.invoice.id,
                    "code": "other",
                    "note": "x",
                    "raised_by_id": self.customer_only_b.id,
                }
            )


@tagged("post_install", "-at_install")
class TestPortalBounds(ArRolesCommon):
    """What a customer may post on the portal: bounded, refused with a clear notice, never a 500."""

    def _post(self, route, move=None, user=None, with_token=True, **data):
        return self._portal_post(user, route, move or self.invoice, with_token, **data)

    def _notice(self, response):
        self.assertEqual(response.status_code, 303)
        location = response.headers["Location"]
        code = re.search(r"ar_message=(\w+)", location)
        page = self.url_open(location)
        self.assertEqual(page.status_code, 200)
        return code and code.group(1), page.text

    def test_a_promise_is_bounded_by_the_company_settings(self):
        residual = self.invoice.amount_residual  # 1000
        for data, code, text in (
            (self._promise_data("500", days=91), "promise_far", "Please choose a date within"),
            (self._promise_data("99", days=10), "promise_small", "covers at least"),
            (self._promise_data(str(residual + 1), days=10), "promise_large", "cannot exceed what is open"),
            (self._promise_data("500", days=-1), "promise_past", "from today on"),
            ({"date": "9999-12-31", "amount": "500"}, "promise_far", "Please choose a date within"),
            ({"date": "31/12/2026", "amount": "500"}, "promise_invalid", "valid date and amount"),
        ):
            notice, page = self._notice(self._post("ar_promise", **data))
            self.assertEqual(notice, code, data)
            self.assertIn(text, page)
        self.assertFalse(self.invoice.ar_promise_ids, "nothing recorded")
        page = self._notice(self._post("ar_promise", **self._promise_data("99", days=10)))[1]
        self.assertIn("100.00", page, "the least amount, in the invoice's currency")
        # the settings move the bounds
        self.company.write({"ar_portal_promise_horizon_days": 120, "ar_portal_promise_min_percent": 5.0})
        code = self._notice(self._post("ar_promise", **self._promise_data("60", days=100)))[0]
        self.assertEqual(code, "promise_noted")
        self.assertEqual(self.invoice.ar_promise_ids.amount, 60.0)
        with self.assertRaises(ValidationError):
            self.company.ar_portal_promise_horizon_days = 0

    def test_not_a_number_and_nul_bytes_get_a_notice_not_a_500(self):
        for amount in ("nan", "NaN", "inf", "-inf", "1e309", "0x10", "", "1" * 400):
            code, page = self._notice(self._post("ar_promise", **self._promise_data(amount)))
            self.assertIn(code, ("promise_invalid", "promise_large"), amount)
        code, page = self._notice(self._post("ar_promise", note="late\x00payment", **self._promise_data()))
        self.assertEqual(code, "note_invalid")
        self.assertIn("characters we cannot store", page)
        code, __ = self._notice(self._post("ar_dispute", code="pricing", note="wrong\x00price"))
        self.assertEqual(code, "note_invalid")
        code, __ = self._notice(self._post("ar_dispute", code="pricing\x00", note="wrong price"))
        self.assertEqual(code, "dispute_code")
        code, __ = self._notice(self._post("ar_dispute", code="pricing", note="x" * 2001))
        self.assertEqual(code, "note_long")
        self.assertFalse(self.invoice.ar_promise_ids)
        self.assertFalse(self.invoice.ar_dispute_ids)
        # 2,000 characters are fine
        code, __ = self._notice(self._post("ar_dispute", code="pricing", note="x" * 2000))
        self.assertEqual(code, "dispute_noted")

    def test_one_open_promise_and_one_open_dispute_per_invoice(self):
        self.assertEqual(
            self._notice(self._post("ar_promise", **self._promise_data("300")))[0], "promise_noted"
        )
        self.assertEqual(
            self._notice(self._post("ar_promise", **self._promise_data("200")))[0], "promise_exists"
        )
        self.assertEqual(len(self.invoice.ar_promise_ids), 1)
        activities = len(self.invoice.activity_ids)
        self.assertEqual(
            self._notice(self._post("ar_dispute", code="pricing", note="Too high"))[0], "dispute_noted"
        )
        for __ in range(3):
            code = self._notice(self._post("ar_dispute", code="quality", note="Also damaged"))[0]
            self.assertEqual(code, "dispute_exists")
        self.assertEqual(len(self.invoice.ar_dispute_ids), 1)
        self.assertEqual(len(self.invoice.activity_ids), activities + 1, "the owner is asked once")

    def test_the_notice_is_the_servers_never_the_urls(self):
        token = self.invoice._portal_ensure_token()
        phishing = "Our bank details have changed: pay to IBAN XX00 0000"
        page = self.url_open(f"/my/invoices/{self.invoice.id}?access_token={token}&ar_message={phishing}")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("bank details have changed", page.text)
        self.assertNotIn("IBAN XX00", page.text)
        page = self.url_open(f"/my/invoices/{self.invoice.id}?access_token={token}&ar_message=dispute_noted")
        self.assertIn("we will look into it", page.text)


@tagged("post_install", "-at_install")
class TestPaymentsNeverFail(ArRolesCommon):
    """Nothing the ladder does makes a payment fail: the error goes on the invoice."""

    def test_partial_payment_on_an_invoice_with_a_year_9999_promise(self):
        # an old bad record, from before the portal bounded promises
        self.invoice._ar_log_promise([(self.today + timedelta(days=5), 900.0)])
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE ar_escalation_promise_line SET date = '9999-12-31' WHERE promise_id = %s",
            [self.invoice.ar_promise_ids.id],
        )
        self.env.cr.execute(
            "UPDATE ar_escalation_promise SET date = '9999-12-31' WHERE id = %s",
            [self.invoice.ar_promise_ids.id],
        )
        self.env.cr.execute(
            "UPDATE account_move SET ar_promise_date = '9999-12-31' WHERE id = %s", self.invoice.ids
        )
        self.env.invalidate_all()
        with mute_logger("odoo.addons.ar_escalation_ladder.models.ar_escalation_runner"):
            payment = self._pay_as(self.billing, self.invoice, 300.0)
            self.runner._ar_run_pending()  # the ladder's next run
        self.assertTrue(payment)
        self.assertEqual(self.invoice.payment_state, "partial")
        self.assertEqual(self.invoice.amount_residual, 700.0)
        # the invoice says its escalation failed; the payment went through
        self.assertIn("out of range", self.invoice.ar_error)
        self.assertTrue(self._events(self.invoice, "error"))

    def test_whatever_the_re_evaluation_raises_the_payment_goes_through(self):
        promise_model = type(self.env["ar.escalation.promise"])
        self.invoice._ar_log_promise([(self.today + timedelta(days=5), 100.0)])
        with (
            patch.object(
                promise_model, "_ar_settle_and_log", side_effect=OverflowError("date value out of range")
            ),
            mute_logger(
                "odoo.addons.ar_escalation_ladder.models.ar_escalation_runner",
                "odoo.addons.ar_escalation_ladder.models.ar_escalation_promise",
            ),
        ):
            self._pay_as(self.billing, self.invoice, 250.0)
            self.runner._ar_run_pending()  # the ladder's next run
        self.assertEqual(self.invoice.payment_state, "partial")
        self.assertIn("date value out of range", self.invoice.ar_error)
        self.assertIn("date value out of range", self._events(self.invoice, "error")[0].reason)
        runner_model = type(self.env["ar.escalation.runner"])
        with (
            patch.object(runner_model, "_ar_process", side_effect=ValueError("broken rule")),
            mute_logger("odoo.addons.ar_escalation_ladder.models.ar_escalation_runner"),
        ):
            self._pay_as(self.billing, self.invoice, 250.0)
            self.runner._ar_run_pending()
        self.assertEqual(self.invoice.amount_residual, 500.0)
        self.assertIn("broken rule", self.invoice.ar_error)

    def _pay_as(self, user, move, amount):
        wizard = (
            self.env["account.payment.register"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=move.ids)
            .create({"amount": amount, "payment_date": self.today})
        )
        payments = wizard._create_payments()
        self.env.invalidate_all()
        return payments


@tagged("post_install", "-at_install")
class TestCustomerTextIsText(ArRolesCommon):
    """A customer's note from the portal is shown as the customer typed it: text, not HTML."""

    NOTE = 'See <a href="https://evil.example.com/pay">our new bank</a> <img src="https://evil.example.com/pixel.gif"/>'

    def test_dispute_note_is_escaped_in_the_activity_and_the_chatter(self):
        response = self._portal_post(None, "ar_dispute", self.invoice, True, code="pricing", note=self.NOTE)
        self.assertIn("dispute_noted", response.headers["Location"])
        activity = self.invoice.activity_ids.filtered(lambda a: "Resolve dispute" in (a.summary or ""))
        self.assertEqual(len(activity), 1)
        for html in (str(activity.note), str(self._events(self.invoice, "dispute").message_id.body)):
            self.assertNotIn('<a href="https://evil', html)
            self.assertNotIn("<img", html)
            self.assertIn("&lt;img src=", html, "shown as the customer wrote it")
        # the owner's account note on the case lists the dispute as text too
        note = str(self.case._ar_activity_note())
        self.assertNotIn("<img", note)
        self.assertIn("&lt;img", note)

    def test_portal_actions_are_written_by_the_customers_contact(self):
        self._portal_post(None, "ar_promise", self.invoice, True, **self._promise_data("300"))
        promise = self.invoice.ar_promise_ids
        self.assertEqual(promise.contact_id, self.invoice.partner_id)
        self.assertEqual(promise.create_uid, self.env.ref("base.public_user"), "not as superuser")
        line = self._events(self.invoice, "promise").message_id
        self.assertEqual(line.author_id, self.invoice.partner_id)
        portal_invoice = self._invoice(self.customer, 400, 15)
        self._portal_post(self.portal, "ar_dispute", portal_invoice, False, code="quality", note="Damaged")
        dispute = portal_invoice.ar_dispute_ids
        self.assertEqual((dispute.raised_by_id, dispute.create_uid), (self.customer_contact, self.portal))
        self.assertEqual(self._events(portal_invoice, "dispute").message_id.author_id, self.customer_contact)


@tagged("post_install", "-at_install")
class TestBroadActions(ArRolesCommon):
    """Narrow roles do not reach broad actions, whatever they call over RPC."""

    def test_whole_book_escalation_is_refused_to_an_ar_user_and_sends_nothing(self):
        book = self.env["account.move"].concat(
            *(
                self._invoice(self._customer(f"Book {n}", email=f"ap{n}@book.example.com"), 500, 30)
                for n in range(25)
            )
        )
        mails = self.env["mail.mail"].sudo()
        before = mails.search_count([])
        self.assertRefused(self.ar_user, "account.move", "action_ar_escalate_now", book.ids)
        self.assertEqual(mails.search_count([]), before, "no customer email")
        self.assertFalse(book.filtered("ar_stage_id"))
        self.assertAllowed(self.ar_user, "account.move", "action_ar_escalate_now", book[:20].ids)
        self.assertEqual(len(book[:20].filtered("ar_stage_id")), 20, "a selection is fine")

    def test_send_a_test_to_me_is_refused_to_an_ar_user(self):
        lead = self._user(
            "ar_perm_lead_mail",
            "base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_user",
            email="lead@company.example.com",
        )
        self.assertRefused(lead, "ar.escalation.stage", "action_send_test_to_me", self.case.stage_id.ids)
        self.assertFalse(
            self.env["mail.mail"].sudo().search([("email_to", "ilike", "lead@company.example.com")])
        )
