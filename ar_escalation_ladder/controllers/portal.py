# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from urllib.parse import quote

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class ArEscalationPortal(CustomerPortal):
    """The customer commits to a payment date or raises a dispute from the invoice's portal page."""

    def _ar_invoice(self, invoice_id, access_token):
        try:
            # sudo inside: the invoice's own access token (or portal rights) is what grants access
            return self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return None

    def _ar_back(self, invoice_sudo, message):
        return request.redirect(invoice_sudo.get_portal_url(query_string=f"&ar_message={quote(message)}"))

    @http.route("/my/invoices/<int:invoice_id>/ar_promise", type="http", auth="public", methods=["POST"])
    def ar_portal_promise(self, invoice_id, access_token=None, date=None, amount=None, **kw):
        invoice_sudo = self._ar_invoice(invoice_id, access_token)
        if not invoice_sudo:
            return request.redirect("/my")
        return self._ar_back(invoice_sudo, invoice_sudo._ar_portal_promise(date, amount))

    @http.route("/my/invoices/<int:invoice_id>/ar_dispute", type="http", auth="public", methods=["POST"])
    def ar_portal_dispute(self, invoice_id, access_token=None, code=None, note=None, **kw):
        invoice_sudo = self._ar_invoice(invoice_id, access_token)
        if not invoice_sudo:
            return request.redirect("/my")
        return self._ar_back(invoice_sudo, invoice_sudo._ar_portal_dispute(code, note))
