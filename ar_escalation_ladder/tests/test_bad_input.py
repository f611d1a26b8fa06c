# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Bad input in one batch: each odd record is handled on its own, the rest completes.

One book holds a broken stage template, a customer without email or phone,
an invoice in a foreign currency, a zero-amount invoice and a credit note,
next to ordinary invoices. One scheduled run (and one "Escalate now" on the
whole selection) must escalate every ordinary invoice and deal with each odd
one as a user expects to see it.
"""

from odoo import Command
from odoo.tests import tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestBadInput(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 1 company-currency unit = 2 units of the foreign currency
        cls.foreign = cls.setup_other_currency("EUR", rates=[("1900-01-01", 2.0)])
        cls.unreachable = cls._customer("Gamma Unreachable", "standard", email=False, phone=False)
        cls.abroad = cls._customer("Delta Abroad", "key", "ap@delta.example.com")
        cls.zero_customer = cls._customer("Epsilon Zero", "small", "ap@epsilon.example.com")
        # ordinary invoices around the odd ones
        cls.good_early = cls._invoice(cls.customer, 1000, 10)
        cls.good_managed = cls._invoice(cls.customer_b, 2000, 20)
        # the executive stage's template is broken: this customer's message fails
        cls.broken_template = cls._invoice(cls._customer("Zeta Exec", "key", "ap@zeta.example.com"), 700, 45)
        cls.stage3.mail_template_id.body_html = "<p><t t-out='object.no_such_field.name'/></p>"
        cls.no_address = cls._invoice(cls.unreachable, 500, 20)
        cls.in_foreign = cls._invoice(cls.abroad, 10000, 20, currency=cls.foreign)
        cls.zero = cls._invoice(cls.zero_customer, 0.0, 40)
        cls.credit_note = cls.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": cls.customer.id,
                "invoice_date": cls.today,
                "invoice_line_ids": [
                    Command.create({"name": "Refund", "quantity": 1, "price_unit": 300.0, "tax_ids": []})
                ],
            }
        )
        cls.credit_note.action_post()
        cls.ordinary = cls.good_early | cls.good_managed

    def _sweep(self):
        """The scheduled action as the cron framework calls it: the whole book is one batch."""
        cron = self.env.ref("ar_escalation_ladder.ir_cron_ar_escalation")
        for __ in range(3):
            if not self.runner.with_user(cron.user_id)._cron_run(batch_size=50):
                break
        self.env.flush_all()
        self.env.invalidate_all()

    def _assert_batch_outcome(self):
        # ordinary invoices: escalated, messaged, owner alerted, written in the chatter
        self.assertEqual(self.good_early.ar_stage_id, self.stage1)
        self.assertEqual(self.good_managed.ar_stage_id, self.stage2)
        for move in self.ordinary:
            self.assertEqual(len(self._events(move, "external")), 1, move.name)
            self.assertTrue(move.ar_case_id.activity_ids, move.name)
            self.assertFalse(move.ar_error, move.name)
            self.assertIn(move.ar_stage_id.name, move.message_ids[0].body)
        self.assertEqual(len(self._customer_mails(self.customer)), 1)
        self.assertEqual(len(self._customer_mails(self.customer_b)), 1)

        # broken template: the stage change stands, the message fails on this invoice only
        self.assertEqual(self.broken_template.ar_stage_id, self.stage3)
        self.assertFalse(self._events(self.broken_template, "external"), "not recorded as sent")
        error = self._events(self.broken_template, "error")
        self.assertEqual(len(error), 1)
        self.assertIn("Message to the customer at Executive failed", error.reason)
        self.assertTrue(self.broken_template.ar_error, "the error shows on the invoice")
        # the renderer's first sentence, not its traceback (that goes to the log)
        self.assertIn("Failed to render", self.broken_template.ar_error)
        for text in (error.reason, self.broken_template.ar_error):
            self.assertNotIn("Traceback", text)
            self.assertNotIn("\n\n", text)
        self.assertTrue(self.broken_template.ar_case_id.activity_ids, "the owner is still alerted")

        # no email, no phone: escalated internally, a fix-it task instead of a reminder
        self.assertEqual(self.no_address.ar_stage_id, self.stage2)
        self.assertIn("no email address", self.no_address.ar_hygiene)
        self.assertFalse(self._events(self.no_address, "external"))
        self.assertEqual(len(self._events(self.no_address, "hygiene")), 1)
        fixit = self.env["ar.escalation.case"].search(
            [("kind", "=", "hygiene"), ("partner_id", "=", self.unreachable.id)]
        )
        self.assertEqual(len(fixit), 1)
        self.assertEqual(fixit.activity_ids.user_id, self.user_operator)
        self.assertFalse(self.no_address.ar_error)

        # foreign currency: escalated on its days, amounts in company currency
        self.assertEqual(self.in_foreign.ar_stage_id, self.stage2)
        self.assertAlmostEqual(self.in_foreign.ar_stage_residual, 5000.0)
        stage_event = self._events(self.in_foreign, "stage")
        self.assertAlmostEqual(stage_event.amount, 5000.0)
        self.assertEqual(len(self._events(self.in_foreign, "external")), 1)
        self.assertEqual(len(self._customer_mails(self.abroad)), 1)

        # zero amount: nothing is owed, nothing escalates
        self.assertEqual(self.zero.amount_total, 0.0)
        self.assertFalse(self.zero.ar_stage_id)
        self.assertFalse(self._events(self.zero))
        self.assertFalse(self._customer_mails(self.zero_customer))

        # credit note: never a dunning document
        self.assertFalse(self.credit_note.ar_stage_id)
        self.assertFalse(self._events(self.credit_note))

    def test_scheduled_run_handles_each_odd_record_on_its_own(self):
        self._sweep()
        self._assert_batch_outcome()
        counts = self.env["ar.escalation.event"].search_count([])
        # the next run repeats nothing, and retries the broken message (still broken)
        self.env["ar.escalation.run"].sudo().search([]).unlink()  # sudo: runs are system records
        self._sweep()
        self.assertEqual(len(self._events(self.broken_template, "error")), 2, "retried, failed again")
        self.assertEqual(self.env["ar.escalation.event"].search_count([]), counts + 1)

    def test_escalate_now_on_a_mixed_selection(self):
        selection = (
            self.ordinary
            | self.broken_template
            | self.no_address
            | self.in_foreign
            | self.zero
            | self.credit_note
        )
        selection.with_user(self.user_am).action_ar_escalate_now()
        self.env.invalidate_all()
        self._assert_batch_outcome()

    def test_repaired_template_delivers_on_the_next_run(self):
        self._sweep()
        self.stage3.mail_template_id.body_html = "<p>Please pay <t t-out='object.partner_id.name'/></p>"
        self.broken_template.action_ar_escalate_now()
        self.assertEqual(len(self._events(self.broken_template, "external")), 1)
        self.assertFalse(self.broken_template.ar_error, "the error clears once the message goes")
        self.assertEqual(len(self._customer_mails(self.broken_template.partner_id)), 1)
