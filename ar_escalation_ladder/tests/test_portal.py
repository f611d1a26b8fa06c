# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import re
from datetime import timedelta

from odoo.tests import HttpCase, tagged

from .common import ArEscalationCommon


@tagged("post_install", "-at_install")
class TestPortal(ArEscalationCommon, HttpCase):
    """The customer answers from the invoice's portal page, with its access token."""

    def _page(self, move, token):
        response = self.url_open(f"/my/invoices/{move.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        return response

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def test_customer_commits_to_a_date_and_raises_a_dispute(self):
        move = self._invoice(self.customer, 800, 12)
        token = move._portal_ensure_token()
        page = self._page(move, token)
        self.assertIn("Commit to a payment date", page.text)
        csrf = self._csrf(page.text)
        date = self.today + timedelta(days=6)
        response = self.url_open(
            f"/my/invoices/{move.id}/ar_promise",
            data={"csrf_token": csrf, "access_token": token, "date": str(date), "amount": "500"},
        )
        self.assertIn("your payment of", response.text)
        self.assertIn("500.00", response.text)
        promise = move.ar_promise_ids
        self.assertEqual((promise.amount, promise.date, promise.source), (500.0, date, "portal"))
        self.assertEqual(len(self._events(move, "promise")), 1)
        # invalid input is refused with a message, nothing recorded
        self.url_open(
            f"/my/invoices/{move.id}/ar_promise",
            data={
                "csrf_token": csrf,
                "access_token": token,
                "date": str(self.today - timedelta(days=1)),
                "amount": "10",
            },
        )
        self.assertEqual(len(move.ar_promise_ids), 1)
        self.url_open(
            f"/my/invoices/{move.id}/ar_dispute",
            data={"csrf_token": csrf, "access_token": token, "code": "missing_po", "note": "PO 5521 missing"},
        )
        self.assertEqual((move.ar_dispute_state, move.ar_dispute_code), ("open", "missing_po"))
        self.assertEqual(move.ar_dispute_ids.source, "portal")

    def test_wrong_or_missing_token_gets_no_data(self):
        move = self._invoice(self.customer, 800, 12)
        token = move._portal_ensure_token()
        csrf = self._csrf(self._page(move, token).text)
        for bad in ("", "not-the-token"):
            response = self.url_open(
                f"/my/invoices/{move.id}/ar_promise",
                data={"csrf_token": csrf, "access_token": bad, "date": str(self.today), "amount": "100"},
            )
            self.assertNotIn(move.name, response.text)
        self.assertFalse(move.ar_promise_ids)
