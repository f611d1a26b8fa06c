# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestTours(ArEscalationCommon, HttpCase):
    """What users do, in a real browser (headless Chromium)."""

    def setUp(self):
        super().setUp()
        self._admin_works_in(self.company)

    def test_log_promise_from_the_invoice_form(self):
        move = self._invoice(self.customer, 1000, 12)
        self._run(move)
        self.start_tour(f"/odoo/customer-invoices/{move.id}", "ar_escalation_log_promise", login="admin")
        promise = move.ar_promise_ids
        self.assertEqual(promise.amount, 400.0)
        self.assertEqual(promise.note, "AP confirmed Friday's payment run")
        self.assertEqual(move.ar_promise_state, "open")

    def test_edit_a_stage_from_the_settings(self):
        # The shared account test company has cash-basis taxes but cash basis
        # switched off: the settings form's onchange turns it on, which makes the
        # form dirty and its save fail. Make that company's settings consistent,
        # as an accountant would, so the page opens clean.
        self.company.write(
            {
                "tax_exigibility": True,
                "tax_cash_basis_journal_id": self.company_data["default_journal_misc"].id,
            }
        )
        self.start_tour(
            "/odoo/action-account.action_account_config", "ar_escalation_edit_stage", login="admin"
        )
        self.assertEqual(self.stage2.sla_hours, 5.0)

    def test_drag_a_card_to_another_stage_with_a_reason(self):
        move = self._invoice(self._customer("Dragged Goods Ltd", email="ap@dragged.example.com"), 700, 20)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage2)
        self.start_tour(
            "/odoo/action-ar_escalation_ladder.account_move_action_ar_board",
            "ar_escalation_board_drag",
            login="admin",
        )
        self.assertEqual(move.ar_stage_id, self.stage3)
        override = self._events(move, "override")
        self.assertEqual(len(override), 1, "the cancelled drag logged nothing")
        self.assertEqual(override.reason, "CFO takes it over after the call")
        self.assertIn("CFO takes it over after the call", override.message_id.body, "a line in the chatter")

    def test_customer_commits_to_a_date_on_the_portal(self):
        move = self._invoice(self.customer, 800, 12)
        self._run(move)
        token = move._portal_ensure_token()
        self.start_tour(f"/my/invoices/{move.id}?access_token={token}", "ar_escalation_portal_promise")
        promise = move.ar_promise_ids
        self.assertEqual((promise.amount, promise.source), (300.0, "portal"))
        self.assertEqual(len(self._events(move, "promise")), 1)
        self.assertIn(
            f"Promise to pay: {move.currency_id.format(300.0)}".replace("\xa0", "&nbsp;"),
            self._events(move, "promise").message_id.body,
        )
