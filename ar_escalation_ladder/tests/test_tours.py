# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import HttpCase, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestTours(ArEscalationCommon, HttpCase):
    """What users do, in a real browser (headless Chromium)."""

    def setUp(self):
        super().setUp()
        self.env.ref("base.user_admin").write(
            {"company_id": self.company.id, "company_ids": [(4, self.company.id)]}
        )

    def test_log_promise_from_the_invoice_form(self):
        move = self._invoice(self.customer, 1000, 12)
        self._run(move)
        self.start_tour(f"/odoo/customer-invoices/{move.id}", "ar_escalation_log_promise", login="admin")
        promise = move.ar_promise_ids
        self.assertEqual(promise.amount, 400.0)
        self.assertEqual(promise.note, "AP confirmed Friday's payment run")
        self.assertEqual(move.ar_promise_state, "open")

    def test_edit_a_stage_from_the_ladder_configuration(self):
        # from Configuration > Escalation ladder: the Invoicing settings page of the
        # shared account test company opens on an unrelated cash-basis tax error
        self.start_tour(
            "/odoo/action-ar_escalation_ladder.ar_escalation_stage_action",
            "ar_escalation_edit_stage",
            login="admin",
        )
        self.assertEqual(self.stage2.sla_hours, 5.0)
