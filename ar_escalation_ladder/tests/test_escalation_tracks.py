# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import format_amount

from ..models.ar_escalation_format import format_reader_datetime
from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestEscalationTracks(ArEscalationCommon):
    """Internal owners get one activity per customer and stage; customers one message."""

    def test_one_activity_per_customer_and_stage_with_account_context(self):
        inv1 = self._invoice(self.customer, 1000, 20, ref="PO-1")
        inv2 = self._invoice(self.customer, 2000, 25, ref="PO-2")
        inv3 = self._invoice(self.customer, 300, 5)
        self._run()
        self.assertEqual((inv1 | inv2).ar_stage_id, self.stage2)
        case = inv1.ar_case_id
        self.assertEqual(inv2.ar_case_id, case, "same customer, same stage: one case")
        self.assertNotEqual(inv3.ar_case_id, case)
        self.assertEqual(case.owner_id, self.user_finance, "Managed is owned by the finance lead")
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "ar.escalation.case"), ("res_id", "=", case.id)]
        )
        self.assertEqual(len(activities), 1)
        activity = activities
        self.assertEqual(activity.user_id, self.user_finance)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("ar_escalation_ladder.mail_activity_type_escalation")
        )
        # deadline = SLA (6 hours from now)
        self.assertAlmostEqual(
            case.sla_deadline, fields.Datetime.now() + timedelta(hours=6), delta=timedelta(minutes=5)
        )
        self.assertEqual(activity.date_deadline, fields.Date.context_today(case, case.sla_deadline))
        self.assertEqual(activity.res_name, case.display_name)
        self.assertEqual(case.activity_ref_id, activity, "the case knows its current activity")
        self.assertEqual(case.activity_user_id, self.user_finance)
        # as for any activity assigned to them: the owner follows the case, and
        # their activity counter is told to refresh
        self.assertIn(self.user_finance.partner_id, case.message_partner_ids)
        follower = case.message_follower_ids.filtered(lambda f: f.partner_id == self.user_finance.partner_id)
        self.assertEqual(
            follower.subtype_ids, self.env["mail.message.subtype"].default_subtypes(case._name)[0]
        )
        note = str(activity.note)
        for expected in (
            inv1.name,
            inv2.name,
            inv3.name,
            "Aging",
            "1-30",
            "Payment history",
            "Earlier reminders",
        ):
            self.assertIn(expected, note)
        # in words and money the owner reads: amounts in the company's currency,
        # days overdue, the tier's label and the deadline in the owner's time zone
        currency = self.env.company.currency_id
        self.assertIn(format_amount(self.env, 2000, currency).replace("\xa0", "&nbsp;"), note)
        self.assertNotIn("2000.00", note)
        self.assertIn("25 days overdue", note)
        self.assertIn(", standard account.", note)
        self.assertIn(format_reader_datetime(self.env, case.sla_deadline, self.user_finance), note)
        # every invoice's chatter points to the case
        for move in inv1 | inv2:
            line = self._events(move, "activity")
            self.assertEqual(line.owner_id, self.user_finance)
            self.assertIn(f'data-oe-id="{case.id}"', str(line.message_id.body))
        # early stage goes to the account manager
        self.assertEqual(inv3.ar_owner_id, self.user_am)
        # a later invoice joining the open case shows up in the owner's note
        inv4 = self._invoice(self.customer, 700, 17)
        self._run(inv4)
        self.assertEqual(inv4.ar_case_id, case)
        self.assertIn(inv4.name, str(case.activity_ref_id.note).split("Open invoices")[0])

    def test_one_customer_message_per_stage_listing_all_its_invoices(self):
        inv1 = self._invoice(self.customer, 1000, 18)
        inv2 = self._invoice(self.customer, 2000, 22)
        other = self._invoice(self.customer_b, 500, 20)
        self._run()
        mails = self._customer_mails(self.customer)
        self.assertEqual(len(mails), 1, "one email for both invoices")
        self.assertIn(inv1.name, mails.body)
        self.assertIn(inv2.name, mails.body)
        self.assertNotIn(other.name, mails.body)
        self.assertIn("payment commitment", mails.subject)
        self.assertIn("/my/invoices/", mails.body, "links to the portal page")
        queued = (
            self.env["mail.mail"]
            .sudo()
            .search([("mail_message_id", "=", mails.id), ("recipient_ids", "=", self.customer.id)])
        )
        self.assertEqual(queued.state, "outgoing", "queued in the same transaction, sent by the mail queue")
        self.assertEqual(queued.recipient_ids, self.customer)
        for move in inv1 | inv2:
            event = self._events(move, "external")
            self.assertEqual(event.channel, "email")
            self.assertEqual(event.mail_id, queued)
            self.assertIn("billing@acme.example.com", event.reason)
            self.assertEqual(move.ar_contact_attempts, 1)
            self.assertEqual(move.ar_last_contact_channel, "email")

    def test_messages_for_many_customers_in_one_run_match_the_template_rendered_one_by_one(self):
        customers = [self.customer, self.customer_b] + [
            self._customer(f"Gamma {i}", "small", f"ap{i}@gamma.example.com") for i in range(3)
        ]
        invoices = {c: self._invoice(c, 700 + 100 * i, 20) for i, c in enumerate(customers)}
        self._run()
        template = self.stage2.mail_template_id
        cases = self.env["ar.escalation.case"].search(
            [("partner_id", "in", [c.id for c in customers]), ("stage_id", "=", self.stage2.id)]
        )
        self.assertEqual(len(cases), 5)
        # core's rendering, one record at a time, gives the same bodies as the run's batch
        one_by_one = {case.id: template._render_field("body_html", case.ids)[case.id] for case in cases}
        batch = template.with_context(ar_render_batch=True)._render_field("body_html", cases.ids)
        self.assertEqual(batch, one_by_one)
        for customer in customers:
            message = self._customer_mails(customer)
            self.assertEqual(len(message), 1)
            self.assertEqual(message.partner_ids, customer, "the customer is the recipient")
            self.assertEqual(message.model, "ar.escalation.case")
            self.assertIn(invoices[customer].name, message.body)
            self.assertEqual(message.subtype_id, self.env.ref("mail.mt_comment"))
            self.assertIn(message, cases.filtered(lambda c, p=customer: c.partner_id == p).message_ids)
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", message.id), ("recipient_ids", "=", customer.id)])
            )
            self.assertEqual(len(mail), 1, "one email to the customer")
            self.assertIn(invoices[customer].name, mail.body_html, "what is sent is what the chatter shows")
            self.assertEqual(mail.recipient_ids, customer)

    def test_escalate_now_on_one_invoice_messages_the_customer_once_for_all_its_invoices(self):
        inv1 = self._invoice(self.customer, 1000, 18)
        inv2 = self._invoice(self.customer, 2000, 22)
        inv1.action_ar_escalate_now()
        self.assertEqual(inv2.ar_stage_id, self.stage2, "the customer's other invoice is evaluated too")
        mails = self._customer_mails(self.customer)
        self.assertEqual(len(mails), 1, "one message for the customer's invoices at the stage")
        self.assertIn(inv1.name, mails.body)
        self.assertIn(inv2.name, mails.body)
        inv2.action_ar_escalate_now()
        self.assertEqual(len(self._customer_mails(self.customer)), 1, "nothing is sent twice")

    def test_cadence_repeats_every_n_days_up_to_the_maximum(self):
        move = self._invoice(self.customer, 1000, 18)
        self._run(move)
        self.assertEqual(len(self._events(move, "external")), 1)
        self._run(move)
        self.assertEqual(len(self._events(move, "external")), 1, "not due again yet")
        for expected in (2, 3, 3):
            # sudo: time passes (the ladder's own field, refused to a plain write)
            move.sudo().ar_last_contact_date = fields.Datetime.now() - timedelta(
                days=self.stage2.cadence_days
            )
            self._run(move)
            self.assertEqual(len(self._events(move, "external")), expected)
        self.assertEqual(len(self._customer_mails(self.customer)), 3, "cadence_max is 3 at Managed")

    def test_no_customer_message_when_paused_disputed_or_promised(self):
        paused = self._invoice(self.customer, 100, 20)
        paused._ar_pause(self.today + timedelta(days=5), "Customer in merger talks")
        disputed = self._invoice(self.customer_b, 100, 20)
        disputed._ar_log_dispute("quantity", "Delivered 8 of 10")
        promised = self._invoice(self._customer("Prom", email="p@example.com"), 100, 20)
        promised._ar_log_promise([(self.today + timedelta(days=3), 100.0)])
        paused_customer = self._customer(
            "Paused Co",
            email="x@paused.example.com",
            ar_pause_until=self.today + timedelta(days=2),
            ar_pause_reason="CFO call",
        )
        by_customer = self._invoice(paused_customer, 100, 20)
        self._run()
        for move in paused | disputed | promised | by_customer:
            self.assertEqual(move.ar_stage_id, self.stage2, "the stage still moves")
            self.assertFalse(self._events(move, "external"), move.partner_id.name)
            self.assertTrue(self._events(move, "activity"), "the owner still hears of it")
        # the dispute went internally to its owner
        dispute_activity = disputed.activity_ids
        self.assertIn("Resolve dispute: Quantity", dispute_activity.summary)
        # lifting the pause sends at the ladder's next run
        paused._ar_resume()
        self.runner._ar_run_pending()
        self.assertEqual(len(self._events(paused, "external")), 1)

    def test_not_payable_as_sent_raises_fixit_instead_of_reminder(self):
        no_mail = self._customer("Silent Ltd")
        needs_po = self._customer("PO Corp", email="ap@po.example.com", ar_requires_ref=True)
        m1 = self._invoice(no_mail, 100, 10)
        m2 = self._invoice(needs_po, 100, 10)
        m3 = self._invoice(needs_po, 100, 10, ref="PO-778")
        self._run()
        self.assertFalse(self._events(m1 | m2, "external"))
        self.assertEqual(len(self._events(m3, "external")), 1)
        self.assertIn("no email address", m1.ar_hygiene)
        self.assertIn("reference (PO) is missing", m2.ar_hygiene)
        fixits = self.env["ar.escalation.case"].search(
            [("kind", "=", "hygiene"), ("partner_id", "in", (no_mail | needs_po).ids)]
        )
        self.assertEqual(len(fixits), 2)
        self.assertEqual(fixits.activity_ids.user_id, self.user_operator)
        self.assertEqual(len(self._events(m1, "hygiene")), 1)
        self._run()
        self.assertEqual(len(self._events(m1, "hygiene")), 1, "raised once per stage")

    def test_acknowledge_by_marking_activity_done_or_button(self):
        m1 = self._invoice(self.customer, 100, 20)
        m2 = self._invoice(self.customer_b, 100, 20)
        self._run()
        case1, case2 = m1.ar_case_id, m2.ar_case_id
        case1.activity_ref_id.with_user(self.user_finance).action_feedback("On it")
        self.assertEqual(case1.state, "acknowledged")
        self.assertEqual(case1.acknowledged_by_id, self.user_finance)
        self.assertTrue(m1.ar_acknowledged_at)
        self.assertEqual(len(self._events(m1, "acknowledged")), 1)
        m2.action_ar_acknowledge()
        self.assertEqual(case2.state, "acknowledged")
        self.assertFalse(case2.activity_ids, "the activity is marked done")

    def test_unacknowledged_escalation_rolls_up_the_chain(self):
        move = self._invoice(self.customer, 100, 5)
        self._run(move)
        case = move.ar_case_id
        self.assertEqual(case.owner_id, self.user_am)
        later = case.sla_deadline + timedelta(minutes=1)
        self.env["ar.escalation.case"]._cron_rollup(later)
        self.assertEqual(case.owner_id, self.user_lead, "account manager -> AR lead")
        self.assertEqual(case.owner_role, "ar_lead")
        self.assertEqual(move.ar_owner_id, self.user_lead)
        self.assertEqual(case.activity_ids.user_id, self.user_lead, "a new activity for the new owner")
        self.assertEqual(len(case.activity_ids), 1)
        rollup = self._events(move, "rollup")
        self.assertIn("rolled up from Adam Account-Manager to Lena Lead", rollup.reason)
        self.env["ar.escalation.case"]._cron_rollup(case.sla_deadline + timedelta(minutes=1))
        self.env["ar.escalation.case"]._cron_rollup(case.sla_deadline + timedelta(minutes=1))
        self.assertEqual(case.owner_id, self.user_cfo, "AR lead -> finance lead -> CFO")
        self.assertEqual(len(self._events(move, "rollup")), 3)
        case.action_acknowledge()
        self.env["ar.escalation.case"]._cron_rollup(case.sla_deadline + timedelta(days=1))
        self.assertEqual(len(self._events(move, "rollup")), 3, "an acknowledged case stays put")

    def test_stage_roll_up_target_and_next_run_at_the_next_deadline(self):
        self.stage1.rollup_role = "finance_lead"
        move = self._invoice(self.customer, 100, 5)
        cron = self.env.ref("ar_escalation_ladder.ir_cron_ar_escalation")
        self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]).unlink()
        cron.method_direct_trigger()
        case = move.ar_case_id
        trigger = self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
        self.assertIn(case.sla_deadline, trigger.mapped("call_at"), "wakes up when the SLA falls due")
        self.env["ar.escalation.case"]._cron_rollup(case.sla_deadline + timedelta(minutes=1))
        self.assertEqual(case.owner_id, self.user_finance, "the stage's own roll-up target first")
        self.env["ar.escalation.case"]._cron_rollup(case.sla_deadline + timedelta(minutes=1))
        self.assertEqual(case.owner_id, self.user_cfo, "then the chain")

    def test_same_business_day_sla_ends_on_the_working_calendar(self):
        move = self._invoice(self.customer, 100, 90)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage4)
        deadline = move.ar_sla_deadline
        self.assertTrue(deadline)
        self.assertLessEqual(
            deadline - fields.Datetime.now(), timedelta(days=4), "end of the next working day at most"
        )

    def test_every_event_is_on_the_invoice_chatter(self):
        move = self._invoice(self.customer, 100, 20)
        self._run(move)
        events = self._events(move)
        self.assertEqual(set(events.mapped("kind")), {"stage", "activity", "external"})
        for event in events:
            self.assertEqual(event.message_id.model, "account.move")
            self.assertEqual(event.message_id.res_id, move.id)
        stage_line = self._events(move, "stage").message_id
        self.assertIn("Stage change: none → Managed", stage_line.body)
        self.assertIn("20 days overdue", stage_line.body)
