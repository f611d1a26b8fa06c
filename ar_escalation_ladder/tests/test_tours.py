# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestTours(ArEscalationCommon, HttpCase):
    """What users do, in a real browser (headless Chromium)."""

    def test_log_promise_from_the_invoice_form(self):
        self.env.ref("base.user_admin").write(
            {"company_id": self.company.id, "company_ids": [(4, self.company.id)]}
        )
        move = self._invoice(self.customer, 1000, 12)
        self._run(move)
        self.start_tour(f"/odoo/customer-invoices/{move.id}", "ar_escalation_log_promise", login="admin")
        promise = move.ar_promise_ids
        self.assertEqual(promise.amount, 400.0)
        self.assertEqual(promise.note, "AP confirmed Friday's payment run")
        self.assertEqual(move.ar_promise_state, "open")
