# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Send a reminder / statement now, from the customer or from selected invoices (issue 13)."""

from datetime import timedelta

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestSendNow(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.umbrella = cls._customer("Umbrella Retail", "standard", "ap@umbrella.example.com")

    def _send_now(self, records, user=None):
        """Press the button (the server action) as ``user``; the notification's parameters."""
        xmlid = (
            "ar_escalation_ladder.action_ar_send_now_partners"
            if records._name == "res.partner"
            else "ar_escalation_ladder.action_ar_send_now_moves"
        )
        action = self.env.ref(xmlid).with_user(user or self.user_am)
        result = action.with_context(
            active_model=records._name, active_ids=records.ids, active_id=records[:1].id
        ).run()
        self.env.flush_all()
        self.assertEqual(result["tag"], "display_notification")
        return result["params"]

    def test_from_the_customer_the_ladders_message_goes_again_and_counts_as_contact(self):
        managed = self._invoice(self.umbrella, 400.0, 20)
        executive = self._invoice(self.umbrella, 600.0, 40)
        self._run()
        self.assertEqual(len(self._customer_mails(self.umbrella)), 1, "the run's message")
        self.assertEqual(executive.ar_stage_id, self.stage3)

        params = self._send_now(self.umbrella)

        self.assertEqual(params["type"], "success")
        self.assertEqual(
            params["message"], "Statement sent to ap@umbrella.example.com (2 invoices, Executive)."
        )
        messages = self._customer_mails(self.umbrella).sorted("id")
        self.assertEqual(len(messages), 2, "one more message, the same communication as the run's")
        latest = messages[-1]
        self.assertEqual(latest.model, "ar.escalation.case")
        self.assertEqual(
            latest.res_id, executive.ar_case_id.id, "on the customer's case at its highest stage"
        )
        self.assertEqual(latest.subject, messages[0].subject, "the stage's own template")
        self.assertIn(managed.name, str(latest.body))
        self.assertIn(executive.name, str(latest.body))
        for move in managed | executive:
            external = self._events(move, "external").sorted("id")
            self.assertEqual(len(external), 2, "one external event per invoice, as a run records")
            self.assertEqual(external[-1].cycle, 1, "the stage's next reminder")
            self.assertEqual(external[-1].stage_id, move.ar_stage_id)
            self.assertIn("ap@umbrella.example.com", external[-1].reason)
            self.assertEqual(external[-1].message_id.model, "account.move", "its chatter line")
            self.assertEqual(move.ar_contact_attempts, 2, "counted as the stage's contact")
            self.assertEqual(move.ar_last_contact_channel, "email")
        # the next reminder waits the stage's cadence from now
        self._run()
        self.assertEqual(len(self._customer_mails(self.umbrella)), 2, "the same day's run sends nothing more")

    def test_from_selected_invoices_one_message_per_customer_listing_all_open_invoices(self):
        first = self._invoice(self.umbrella, 400.0, 5)
        second = self._invoice(self.umbrella, 100.0, 8)
        beta = self._invoice(self.customer_b, 900.0, 25)
        self._run()
        before = len(self._customer_mails(self.umbrella))
        params = self._send_now(first | second | beta)
        self.assertEqual(params["type"], "success", params["message"])
        self.assertIn("Statement sent to ap@umbrella.example.com (2 invoices, Early).", params["message"])
        self.assertIn("Statement sent to ap@beta.example.com (1 invoice, ", params["message"])
        self.assertEqual(
            len(self._customer_mails(self.umbrella)), before + 1, "one message per customer, not per invoice"
        )
        self.assertEqual(len(self._customer_mails(self.customer_b)), 2)

    def test_nothing_goes_before_go_live_and_the_user_is_told(self):
        move = self._invoice(self.umbrella, 400.0, 20)
        self._run()
        self.company._ar_deactivate()
        sent = len(self._customer_mails(self.umbrella))
        params = self._send_now(move)
        self.assertEqual(params["type"], "warning")
        self.assertTrue(params["sticky"], "a refusal stays until read")
        self.assertEqual(
            params["message"],
            f"Nothing sent to Umbrella Retail: AR escalation is not active for {self.company.name} yet.",
        )
        self.assertEqual(len(self._customer_mails(self.umbrella)), sent)
        self.assertEqual(len(self._events(move, "external")), 1, "no contact recorded")

    def test_held_invoices_say_why_nothing_went(self):
        move = self._invoice(self.umbrella, 400.0, 20)
        self._run()
        move._ar_pause(self.today + timedelta(days=10), "Waiting for the customer's audit")
        params = self._send_now(move)
        self.assertIn(
            "Nothing sent to Umbrella Retail: every invoice on the ladder is held:", params["message"]
        )
        self.assertIn(f"{move.name} paused", params["message"])
        # a paused customer
        self.umbrella.with_user(self.env.ref("base.user_admin")).write(
            {"ar_pause_until": self.today + timedelta(days=5), "ar_pause_reason": "Merger"}
        )
        params = self._send_now(self.umbrella)
        self.assertIn("the customer's escalation is paused until", params["message"])
        self.assertEqual(len(self._customer_mails(self.umbrella)), 1, "only the run's message")

    def test_a_customer_not_on_the_ladder_gets_nothing(self):
        move = self._invoice(self.umbrella, 400.0, -10)  # not due yet
        self._run()
        params = self._send_now(self.umbrella)
        self.assertEqual(
            params["message"],
            "Nothing sent to Umbrella Retail: no open invoice of theirs is on the escalation ladder.",
        )
        self.assertFalse(self._events(move, "external"))

    def test_only_ar_users_send(self):
        move = self._invoice(self.umbrella, 400.0, 20)
        self._run()
        clerk = new_test_user(self.env, "ar_clerk", groups="base.group_user,account.group_account_invoice")
        with self.assertRaises(AccessError):
            self._send_now(move, user=clerk)
        with self.assertRaises(AccessError):
            self.env["ar.escalation.send.now"].with_user(clerk)._ar_send(move)
        self.assertEqual(len(self._customer_mails(self.umbrella)), 1)
