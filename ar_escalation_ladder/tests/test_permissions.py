# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The README's permission table, row by row, as each role reaches the server.

Backend rows over JSON-RPC (``/web/dataset/call_kw``, what the web client and
any script use), portal rows over the customer routes, each with the role's
own session. A refusal is an ``AccessError`` (or a redirect, on the portal)
and changes nothing.
"""

import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .common import ArEscalationCommon

ACCESS_ERROR = "odoo.exceptions.AccessError"


class ArRolesCommon(ArEscalationCommon, HttpCase):
    """One user per role of the README's table, and an escalated invoice of a customer."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # each internal role may edit contacts (Contact creation), so that what
        # is refused below is refused by the ladder, not by that right
        billing = "base.group_user,base.group_partner_manager,account.group_account_invoice"
        # the AR user: account manager of the test customers (common.py)
        cls.ar_user = cls.user_am
        cls.ar_user.groups_id += cls.env.ref("base.group_partner_manager")
        cls.ar_manager = cls._user(
            "ar_perm_manager",
            f"{billing},ar_escalation_ladder.group_ar_manager",
            name="Mia Manager",
            email="mia@company.example.com",
        )
        cls.admin = cls._user(
            "ar_perm_admin",
            "base.group_user,base.group_partner_manager,base.group_system,account.group_account_manager",
            name="Ada Admin",
            email="ada@company.example.com",
        )
        cls.billing = cls._user("ar_perm_billing", billing, name="Bill Billing")
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Paula Payables", "parent_id": cls.customer.id, "email": "paula@acme.example.com"}
        )
        cls.portal = new_test_user(
            cls.env, "ar_perm_portal", groups="base.group_portal", partner_id=cls.customer_contact.id
        )
        cls.other_portal = new_test_user(cls.env, "ar_perm_other_portal", groups="base.group_portal")
        cls.other_portal.partner_id.parent_id = cls.customer_b
        cls.invoice = cls._invoice(cls.customer, 1000, 20)
        cls.runner._ar_process_safely(cls.invoice)
        cls.case = cls.invoice.ar_case_id

    # JSON-RPC as a user ----------------------------------------------
    def _call(self, user, model, method, *args, **kwargs):
        self.authenticate(user.login if user else None, user.login if user else None)
        result = self.make_jsonrpc_request(
            "/web/dataset/call_kw", {"model": model, "method": method, "args": list(args), "kwargs": kwargs}
        )
        self.env.invalidate_all()
        return result

    def assertAllowed(self, user, model, method, *args, **kwargs):
        return self._call(user, model, method, *args, **kwargs)

    def assertRefused(self, user, model, method, *args, error=ACCESS_ERROR, **kwargs):
        with self.assertRaises(JsonRpcException) as caught, mute_logger("odoo.http"):
            self._call(user, model, method, *args, **kwargs)
        self.assertEqual(
            str(caught.exception), error, f"{user.login if user else 'anonymous'}: {model}.{method}"
        )
        self.env.invalidate_all()

    # the portal as a visitor ---------------------------------------------
    def _portal_post(self, user, route, move, with_token, **data):
        """POST a portal form as ``user`` (None: anonymous), with or without the invoice's token."""
        self.authenticate(user.login if user else None, user.login if user else None)
        token = move._portal_ensure_token()
        page = self.url_open(f"/my/invoices/{move.id}?access_token={token}")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        if with_token:
            data["access_token"] = token
        response = self.url_open(
            f"/my/invoices/{move.id}/{route}", data={"csrf_token": csrf, **data}, allow_redirects=False
        )
        self.env.invalidate_all()
        return response

    def _promise_data(self, amount="400", days=10):
        return {"date": str(self.today + timedelta(days=days)), "amount": amount}


@tagged("post_install", "-at_install")
class TestPermissions(ArRolesCommon):
    """One test per row of README.md, "## Permissions"."""

    def test_row_01_ladder_records_are_read_by_the_ar_team_only(self):
        domain = [("move_id", "=", self.invoice.id)]
        for user in (self.ar_user, self.ar_manager, self.admin):
            events = self.assertAllowed(user, "ar.escalation.event", "search_read", domain, ["kind"])
            self.assertTrue(events, f"{user.login} reads the invoice's events")
            cases = self.assertAllowed(
                user, "ar.escalation.case", "search_read", [("id", "=", self.case.id)], ["name"]
            )
            self.assertEqual(len(cases), 1)
            for model in ("ar.escalation.promise", "ar.escalation.dispute"):
                self.assertAllowed(user, model, "search_read", domain, ["state"])
        for user in (self.billing, self.portal):
            for model in (
                "ar.escalation.event",
                "ar.escalation.case",
                "ar.escalation.promise",
                "ar.escalation.dispute",
            ):
                self.assertRefused(user, model, "search_read", [], ["id"])
        self.assertRefused(
            None, "ar.escalation.event", "search_read", [], ["id"], error="odoo.http.SessionExpiredException"
        )

    def test_row_02_nobody_creates_edits_or_deletes_an_event(self):
        event = self._events(self.invoice)[0]
        before = (event.reason, event.amount_recovered, event.company_id)
        vals = {
            "kind": "closed",
            "move_id": self.invoice.id,
            "company_id": self.company.id,
            "amount_recovered": 999999,
        }
        for user in (self.ar_user, self.ar_manager, self.admin, self.billing, self.portal):
            self.assertRefused(user, "ar.escalation.event", "create", vals)
            self.assertRefused(user, "ar.escalation.event", "write", event.ids, {"reason": "edited by clerk"})
            self.assertRefused(user, "ar.escalation.event", "write", event.ids, {"amount_recovered": 999999})
            self.assertRefused(user, "ar.escalation.event", "unlink", event.ids)
        self.assertEqual((event.reason, event.amount_recovered, event.company_id), before)
        self.assertFalse(self._events(self.invoice, "closed"))

    def test_row_03_invoice_escalation_fields_are_not_written_directly(self):
        stage_before = self.invoice.ar_stage_id
        events_before = len(self._events(self.invoice))
        tomorrow = fields.Date.to_string(self.today + timedelta(days=30))
        for vals in (
            {"ar_stage_id": self.stage0.id},
            {"ar_pause_until": tomorrow},
            {"ar_closed_date": fields.Datetime.to_string(fields.Datetime.now())},
            {"ar_disposition": "paid"},
            {"ar_owner_id": self.billing.id},
            {"ar_sla_deadline": False},
            {"ar_case_id": False},
            {"ar_acknowledged_at": fields.Datetime.to_string(fields.Datetime.now())},
            {"ar_error": False, "ar_contact_attempts": 9},
        ):
            for user in (self.ar_user, self.ar_manager, self.admin, self.billing):
                self.assertRefused(user, "account.move", "write", self.invoice.ids, vals)
        self.assertEqual(self.invoice.ar_stage_id, stage_before)
        self.assertFalse(
            self.invoice.ar_pause_until or self.invoice.ar_closed_date or self.invoice.ar_disposition
        )
        self.assertEqual(len(self._events(self.invoice)), events_before, "no event either")
        # the invoice's other fields stay the accountant's
        self.assertAllowed(self.billing, "account.move", "write", self.invoice.ids, {"ref": "PO-77"})
        self.assertEqual(self.invoice.ref, "PO-77")

    def test_row_04_cases_are_the_ladders(self):
        before = (self.case.owner_id, self.case.sla_deadline, self.case.acknowledged_at, self.case.state)
        now = fields.Datetime.to_string(fields.Datetime.now())
        for vals in (
            {"owner_id": self.ar_user.id},
            {"sla_deadline": fields.Datetime.to_string(fields.Datetime.now() + timedelta(days=365))},
            {"acknowledged_at": now},
            {"rollup_count": 0},
            {"state": "closed"},
            {"company_id": self.company.id},
        ):
            for user in (self.ar_user, self.ar_manager, self.admin, self.billing):
                self.assertRefused(user, "ar.escalation.case", "write", self.case.ids, vals)
        case_vals = {
            "partner_id": self.customer_b.id,
            "company_id": self.company.id,
            "stage_id": self.stage1.id,
        }
        for user in (self.ar_user, self.ar_manager, self.admin, self.billing):
            self.assertRefused(user, "ar.escalation.case", "create", case_vals)
        self.assertEqual(
            (self.case.owner_id, self.case.sla_deadline, self.case.acknowledged_at, self.case.state), before
        )
        # the case's chatter stays the team's
        self.assertAllowed(
            self.ar_user, "ar.escalation.case", "message_post", self.case.ids, body="Called AP"
        )
        self.assertIn("Called AP", str(self.case.message_ids[0].body))

    def test_row_05_promises_and_disputes_are_not_created_or_edited_directly(self):
        self.invoice._ar_log_promise([(self.today + timedelta(days=5), 300.0)])
        promise = self.invoice.ar_promise_ids
        self.invoice._ar_log_dispute("pricing", "Price differs")
        dispute = self.invoice.ar_dispute_ids
        promise_vals = {
            "move_id": self.invoice.id,
            "line_ids": [Command.create({"date": str(self.today + timedelta(days=400)), "amount": 0.01})],
        }
        for user in (self.ar_user, self.ar_manager, self.admin):
            self.assertRefused(user, "ar.escalation.promise", "create", promise_vals)
            self.assertRefused(
                user, "ar.escalation.promise.line", "write", promise.line_ids.ids, {"state": "kept"}
            )
            self.assertRefused(user, "ar.escalation.promise", "unlink", promise.ids)
            self.assertRefused(
                user,
                "ar.escalation.dispute",
                "create",
                {"move_id": self.invoice.id, "code": "other", "note": "x"},
            )
            self.assertRefused(user, "ar.escalation.dispute", "write", dispute.ids, {"state": "resolved"})
        self.assertRefused(self.billing, "ar.escalation.promise", "create", promise_vals)
        self.assertRefused(self.billing, "ar.escalation.dispute", "write", dispute.ids, {"state": "resolved"})
        self.assertEqual((promise.state, dispute.state), ("open", "open"))
        self.assertEqual((len(self.invoice.ar_promise_ids), len(self.invoice.ar_dispute_ids)), (1, 1))

    def test_row_06_promises_and_disputes_are_logged_through_their_dialogs(self):
        date = fields.Date.to_string(self.today + timedelta(days=7))
        for user in (self.ar_user, self.ar_manager, self.admin):
            wizard = self.assertAllowed(
                user,
                "ar.escalation.promise.wizard",
                "create",
                {"move_id": self.invoice.id, "line_ids": [Command.create({"date": date, "amount": 10})]},
            )
            self.assertAllowed(user, "ar.escalation.promise.wizard", "action_confirm", [wizard])
        self.assertEqual(len(self.invoice.ar_promise_ids), 3)
        self.assertEqual(len(self._events(self.invoice, "promise")), 3, "each with its event")
        wizard = self.assertAllowed(
            self.ar_user,
            "ar.escalation.dispute.wizard",
            "create",
            {"move_id": self.invoice.id, "mode": "log", "code": "quality", "note": "Damaged"},
        )
        self.assertAllowed(self.ar_user, "ar.escalation.dispute.wizard", "action_confirm", [wizard])
        self.assertEqual(self.invoice.ar_dispute_state, "open")
        self.assertRefused(
            self.billing,
            "ar.escalation.promise.wizard",
            "create",
            {"move_id": self.invoice.id, "line_ids": [Command.create({"date": date, "amount": 10})]},
        )
        self.assertRefused(
            self.billing,
            "ar.escalation.dispute.wizard",
            "create",
            {"move_id": self.invoice.id, "mode": "log", "code": "quality", "note": "Damaged"},
        )
        self.assertEqual(len(self.invoice.ar_promise_ids), 3)

    def test_row_07_acknowledge_an_escalation(self):
        owner = self.case.owner_id
        self.assertTrue(owner.has_group("ar_escalation_ladder.group_ar_user"))
        self.assertRefused(self.billing, "account.move", "action_ar_acknowledge", self.invoice.ids)
        self.assertRefused(self.billing, "ar.escalation.case", "action_acknowledge", self.case.ids)
        self.assertEqual(self.case.state, "open")
        self.assertAllowed(owner, "account.move", "action_ar_acknowledge", self.invoice.ids)
        self.assertEqual(self.case.state, "acknowledged")
        self.assertEqual(len(self._events(self.invoice, "acknowledged")), 1)
        # AR managers (administrators are) acknowledge too
        for user, customer in ((self.ar_manager, self.customer_b), (self.admin, self._customer("Gamma"))):
            move = self._invoice(customer, 600, 25)
            self.runner._ar_process_safely(move)
            self.assertAllowed(user, "ar.escalation.case", "action_acknowledge", move.ar_case_id.ids)
            self.assertEqual(move.ar_case_id.state, "acknowledged")

    def test_row_08_escalate_now_a_selection_of_its_own(self):
        moves = self.invoice | self._invoice(self.customer, 300, 40)
        self.assertAllowed(self.ar_user, "account.move", "action_ar_escalate_now", moves.ids)
        self.assertTrue(moves[1].ar_stage_id, "evaluated at once")
        for user in (self.ar_manager, self.admin):
            self.assertAllowed(user, "account.move", "action_ar_escalate_now", moves.ids)
        self.assertRefused(self.billing, "account.move", "action_ar_escalate_now", moves.ids)

    def test_row_09_escalate_now_beyond_its_own_is_a_managers(self):
        book = self.invoice | self.env["account.move"].concat(
            *(self._invoice(self.customer_b, 100 + n, 5) for n in range(20))
        )
        mails_before = self.env["mail.mail"].search_count([])
        self.assertRefused(self.ar_user, "account.move", "action_ar_escalate_now", book.ids)
        # an AR user who is neither the owner nor the account manager
        other = self.user_operator
        self.assertNotIn(other, (self.invoice.ar_owner_id, self.customer.ar_account_manager_id))
        self.assertRefused(other, "account.move", "action_ar_escalate_now", self.invoice.ids)
        self.assertFalse(book[1:].filtered("ar_stage_id"), "nothing evaluated")
        self.assertEqual(self.env["mail.mail"].search_count([]), mails_before, "no email")
        self.assertRefused(self.billing, "account.move", "action_ar_escalate_now", book.ids)
        self.assertAllowed(self.ar_manager, "account.move", "action_ar_escalate_now", book.ids)
        self.assertTrue(book[1:].filtered("ar_stage_id"))
        self.assertAllowed(self.admin, "account.move", "action_ar_escalate_now", book.ids)

    def test_row_10_pause_override_and_close_are_a_managers(self):
        until = fields.Date.to_string(self.today + timedelta(days=10))
        for action, extra in (
            ("pause", {"until": until}),
            ("override", {"stage_id": self.stage3.id}),
            ("close", {"disposition": "agency"}),
        ):
            vals = {
                "action": action,
                "move_ids": [Command.set(self.invoice.ids)],
                "reason": "Agreed with AP",
                **extra,
            }
            for user in (self.ar_user, self.billing):
                self.assertRefused(user, "ar.escalation.action.wizard", "create", vals)
            wizard = self.assertAllowed(self.ar_manager, "ar.escalation.action.wizard", "create", vals)
            self.assertAllowed(self.ar_manager, "ar.escalation.action.wizard", "action_confirm", [wizard])
        self.assertEqual(len(self._events(self.invoice, "pause")), 1)
        self.assertEqual(len(self._events(self.invoice, "override")), 1)
        self.assertEqual(self.invoice.ar_disposition, "agency")
        wizard = self.assertAllowed(
            self.admin,
            "ar.escalation.action.wizard",
            "create",
            {
                "action": "pause",
                "move_ids": [Command.set(self.invoice.ids)],
                "reason": "Admin",
                "until": until,
            },
        )
        self.assertAllowed(self.admin, "ar.escalation.action.wizard", "action_confirm", [wizard])

    def test_row_11_stage_test_message_is_a_managers(self):
        stage = self.case.stage_id
        mails = self.env["mail.mail"].sudo()
        self.user_am.email = "adam@company.example.com"
        self.assertRefused(self.ar_user, "ar.escalation.stage", "action_send_test_to_me", stage.ids)
        self.assertFalse(mails.search([("email_to", "ilike", "adam@company.example.com")]))
        self.assertAllowed(self.ar_manager, "ar.escalation.stage", "action_send_test_to_me", stage.ids)
        self.assertAllowed(self.admin, "ar.escalation.stage", "action_send_test_to_me", stage.ids)
        self.assertEqual(len(mails.search([("subject", "like", "[TEST]")])), 2)

    def test_row_12_ladder_configuration_is_a_managers(self):
        stage = self.stage1
        for user in (self.ar_user, self.billing):
            self.assertRefused(user, "ar.escalation.stage", "write", stage.ids, {"cadence_days": 1})
            self.assertRefused(user, "ar.escalation.preview", "create", {})
            self.assertRefused(user, "ar.escalation.policy.wizard", "create", {})
        self.assertAllowed(self.ar_manager, "ar.escalation.stage", "write", stage.ids, {"cadence_days": 9})
        self.assertEqual(stage.cadence_days, 9)
        preview = self.assertAllowed(self.ar_manager, "ar.escalation.preview", "create", {})
        self.assertAllowed(self.ar_manager, "ar.escalation.preview", "action_compute", [preview])
        self.assertAllowed(self.admin, "ar.escalation.stage", "write", stage.ids, {"cadence_days": 8})

    def test_row_13_customer_escalation_settings_are_the_ar_teams(self):
        partner = self.customer
        self.assertRefused(
            self.billing, "res.partner", "write", partner.ids, {"ar_account_tier": "strategic"}
        )
        self.assertRefused(self.billing, "res.partner", "write", partner.ids, {"ar_requires_ref": True})
        self.assertEqual(partner.ar_account_tier, "standard")
        # the billing user still edits the customer's other fields
        self.assertAllowed(self.billing, "res.partner", "write", partner.ids, {"phone": "+1 555 0100"})
        for user, tier in ((self.ar_user, "key"), (self.ar_manager, "strategic"), (self.admin, "small")):
            self.assertAllowed(
                user,
                "res.partner",
                "write",
                partner.ids,
                {
                    "ar_account_tier": tier,
                    "ar_requires_ref": True,
                    "ar_escalation_contact_id": self.customer_contact.id,
                    "ar_account_manager_id": self.user_lead.id,
                },
            )
            self.assertEqual(partner.ar_account_tier, tier)

    def test_row_14_pausing_a_customer_is_a_managers_and_logged(self):
        partner = self.customer
        vals = {
            "ar_pause_until": fields.Date.to_string(self.today + timedelta(days=20)),
            "ar_pause_reason": "Audit",
        }
        for user in (self.ar_user, self.billing):
            self.assertRefused(user, "res.partner", "write", partner.ids, vals)
        self.assertFalse(partner.ar_pause_until)
        self.assertAllowed(self.ar_manager, "res.partner", "write", partner.ids, vals)
        self.assertEqual(partner.ar_pause_until, self.today + timedelta(days=20))
        event = self.env["ar.escalation.event"].search(
            [("partner_id", "=", partner.id), ("kind", "=", "pause")]
        )
        self.assertEqual(len(event), 1)
        self.assertEqual(event.owner_id, self.ar_manager)
        self.assertIn("Customer paused until", partner.message_ids[0].body)
        self.assertIn("Mia Manager", partner.message_ids[0].body)
        self.assertAllowed(self.admin, "res.partner", "write", partner.ids, {"ar_pause_until": False})
        self.assertTrue(
            self.env["ar.escalation.event"].search([("partner_id", "=", partner.id), ("kind", "=", "resume")])
        )

    def test_row_15_settings_are_for_administrators(self):
        vals = {"ar_portal_promise_horizon_days": 30, "ar_portal_promise_min_percent": 25.0}
        for user in (self.ar_user, self.ar_manager, self.billing):
            self.assertRefused(user, "res.config.settings", "create", vals)
        self.assertEqual(self.company.ar_portal_promise_horizon_days, 90, "the default")
        settings = self.assertAllowed(self.admin, "res.config.settings", "create", vals)
        self.assertAllowed(self.admin, "res.config.settings", "execute", [settings])
        self.assertEqual(
            (self.company.ar_portal_promise_horizon_days, self.company.ar_portal_promise_min_percent),
            (30, 25.0),
        )

    def test_row_18_customer_routes_act_for_the_customer_only(self):
        promise = self._promise_data()
        dispute = {"code": "pricing", "note": "Price differs from the quote"}
        # logged in without the customer's link, whatever the rights on the invoice
        for user in (self.ar_user, self.ar_manager, self.admin, self.billing, self.other_portal, None):
            for route, data in (("ar_promise", promise), ("ar_dispute", dispute)):
                response = self._portal_post(user, route, self.invoice, with_token=False, **data)
                self.assertEqual(response.status_code, 303, user and user.login)
                self.assertTrue(response.headers["Location"].endswith("/my"))
        self.assertFalse(self.invoice.ar_promise_ids, "nothing recorded")
        self.assertFalse(self.invoice.ar_dispute_ids, "nothing recorded")
        # the customer: the link of its emails, anonymously ...
        response = self._portal_post(None, "ar_promise", self.invoice, with_token=True, **promise)
        self.assertIn("ar_message=promise_noted", response.headers["Location"])
        self.assertEqual(self.invoice.ar_promise_ids.contact_id, self.invoice.partner_id)
        # ... or its portal user, without the link
        response = self._portal_post(self.portal, "ar_dispute", self.invoice, with_token=False, **dispute)
        self.assertIn("ar_message=dispute_noted", response.headers["Location"])
        self.assertEqual(self.invoice.ar_dispute_ids.raised_by_id, self.customer_contact)
        # an internal user who has the customer's link acts as the customer
        other = self._invoice(self.customer, 500, 15)
        response = self._portal_post(
            self.ar_user, "ar_promise", other, with_token=True, **self._promise_data("100")
        )
        self.assertIn("ar_message=promise_noted", response.headers["Location"])
        self.assertEqual(other.ar_promise_ids.contact_id, other.partner_id)
