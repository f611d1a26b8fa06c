# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One communication per customer per run, through Odoo's own mail stack."""

from datetime import timedelta

from odoo.tests import tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestCustomerCommunication(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.umbrella = cls._customer("Umbrella Retail", "standard", "ap@umbrella.example.com")

    def _messages(self, partner):
        return self._customer_mails(partner)

    def test_one_message_at_the_highest_stage_lists_every_open_invoice(self):
        moves = [
            self._invoice(self.umbrella, 100.0 * (i + 1), days) for i, days in enumerate((5, 20, 40, 70))
        ]
        not_due = self._invoice(self.umbrella, 50.0, -20)
        self._run()
        messages = self._messages(self.umbrella)
        self.assertEqual(len(messages), 1, "one message for the customer, not one per stage")
        case = self.env["ar.escalation.case"].browse(messages.res_id)
        self.assertEqual(case.stage_id, self.stage4, "in the tone of the customer's highest stage")
        self.assertEqual(messages.partner_ids.mapped("email"), ["ap@umbrella.example.com"])
        body = str(messages.body)
        for move in moves:
            self.assertIn(move.name, body, "the whole overdue balance is listed")
        self.assertNotIn(not_due.name, body, "an invoice not yet due and not on the ladder is not dunned")
        self.assertLess(body.index(moves[3].name), body.index(moves[0].name), "highest stage first")
        # every invoice says which communication carried it
        for move in moves:
            external = self._events(move, "external")
            self.assertEqual(len(external), 1)
            self.assertEqual(external.case_id, case)
            self.assertEqual(external.stage_id, move.ar_stage_id, "recorded at the invoice's own stage")
            self.assertIn(messages.subject, external.reason)
            self.assertIn(case.name, str(external.message_id.body))
            self.assertEqual(external.message_id.model, "account.move")
            self.assertEqual(move.ar_contact_attempts, 1)
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", messages.id)])
        self.assertEqual(
            len(mails.filtered(lambda mail: self.umbrella in mail.recipient_ids)),
            1,
            "one email queued for the customer",
        )

    def test_an_invoice_entering_a_lower_stage_waits_for_the_next_communication(self):
        old = self._invoice(self.umbrella, 900.0, 40)
        self._run()
        self.assertEqual(len(self._messages(self.umbrella)), 1)
        new = self._invoice(self.umbrella, 100.0, 3)
        self._run()
        self.assertEqual(new.ar_stage_id, self.stage1, "the new invoice is on the ladder")
        self.assertEqual(len(self._messages(self.umbrella)), 1, "nothing goes alone at a lower stage")
        self.assertFalse(self._events(new, "external"))
        self.assertEqual(new.ar_contact_attempts, 0, "not counted as contacted")
        # the Executive stage's next reminder falls due: one message lists both
        later = self.today + timedelta(days=self.stage3.cadence_days)
        self.runner._ar_process_safely(old | new, today=later)
        self.env.flush_all()
        messages = self._messages(self.umbrella)
        self.assertEqual(len(messages), 2)
        latest = messages.sorted("id")[-1]
        self.assertIn(new.name, str(latest.body))
        self.assertIn(old.name, str(latest.body))
        self.assertEqual(self._events(new, "external").case_id, old.ar_case_id)
        self.assertEqual(new.ar_contact_attempts, 1)

    def test_message_goes_through_the_mail_stack_and_notifies_the_owner(self):
        move = self._invoice(self.umbrella, 500.0, 20)
        move.is_manually_modified = False
        self._run()
        message = self._messages(self.umbrella)
        self.assertEqual(len(message), 1)
        case = move.ar_case_id
        self.assertEqual(message.model, "ar.escalation.case")
        self.assertEqual(message.res_id, case.id)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
        self.assertIn(case.owner_id.partner_id, case.message_partner_ids, "the owner follows the case")
        self.assertIn(
            case.owner_id.partner_id,
            message.notification_ids.res_partner_id,
            "the owner is notified of the customer email",
        )
        self.assertNotIn("odoobot", (message.reply_to or "").lower(), "replies never go to OdooBot")
        activity = case.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, case.owner_id)
        self.assertIn(self.umbrella.name, str(activity.note))
        # the invoice's fields went through its own write: stamped by the ORM
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.assertFalse(move.is_manually_modified, "bookkeeping is not a manual change")

    def test_the_owner_is_told_as_their_own_preference_says(self):
        move = self._invoice(self.umbrella, 500.0, 20)
        self._run()
        case = move.ar_case_id
        owner = case.owner_id
        owner.notification_type = "email"
        # the stage's next reminder falls due: the owner now reads notifications by email
        later = self.today + timedelta(days=self.stage2.cadence_days)
        self.runner._ar_process_safely(move, today=later)
        self.env.flush_all()
        message = self._messages(self.umbrella).sorted("id")[-1]
        self.assertEqual(message.res_id, case.id)
        notification = message.notification_ids.filtered(lambda n: n.res_partner_id == owner.partner_id)
        self.assertEqual(notification.mapped("notification_type"), ["email"], "as core does for followers")
        mails = self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        customer_mail = mails.filtered(lambda mail: self.umbrella in mail.recipient_ids)
        self.assertEqual(customer_mail.recipient_ids, self.umbrella, "the customer's email names only them")
        self.assertEqual(
            (mails - customer_mail).recipient_ids, owner.partner_id, "the owner's copy is their own"
        )

    def test_an_invalid_address_gets_a_fix_it_task_not_a_reminder(self):
        customer = self._customer("No Mail Corp", "standard", "not-an-email")
        move = self._invoice(customer, 300.0, 20)
        self._run()
        self.assertFalse(self._messages(customer), "nothing is sent to an invalid address")
        self.assertIn("no valid email address", move.ar_hygiene)
        self.assertEqual(move.ar_contact_attempts, 0, "nothing counts as contact")
        fixit = self.env["ar.escalation.case"].search(
            [("partner_id", "=", customer.id), ("kind", "=", "hygiene")]
        )
        self.assertEqual(len(fixit), 1)
        self.assertTrue(fixit.activity_ids, "its owner has a task to fix the address")
