# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import math

import psycopg2

from odoo import SUPERUSER_ID, fields, http
from odoo.http import request
from odoo.tools import SQL, consteq

from odoo.addons.portal.controllers.portal import CustomerPortal

from ..models.ar_escalation_access import portal_author_context
from ..models.ar_escalation_dispute import DISPUTE_CODES, NOTE_MAX_LENGTH

# The notices the invoice's portal page shows after a promise or a dispute: the
# page shows the text of the code it is given (views/ar_escalation_portal_templates.xml),
# never a text from the URL.
PORTAL_MESSAGES = (
    "promise_noted",
    "promise_invalid",
    "promise_past",
    "promise_far",
    "promise_small",
    "promise_large",
    "promise_exists",
    "dispute_noted",
    "dispute_code",
    "dispute_note",
    "dispute_exists",
    "note_long",
    "note_invalid",
    "not_open",
)


class ArEscalationPortal(CustomerPortal):
    """The customer commits to a payment date or raises a dispute from the invoice's portal page.

    The routes act for the invoice's customer only: with the invoice's access
    token (the link of the customer's emails), or as a portal user of that
    customer. An internal user without the token is refused, whatever their
    rights on the invoice: the back office logs promises and disputes through
    its own actions, as the user. The promise or dispute is the customer's:
    its contact is the one who made it and writes its chatter line.
    """

    def _ar_customer_request(self, invoice_id, access_token):
        """(invoice as superuser, the customer's contact acting, the user acting), or Nones."""
        # sudo: the token, or the portal user's customer, is checked right here
        invoice_sudo = request.env["account.move"].sudo().browse(invoice_id).exists()
        if not invoice_sudo or invoice_sudo.move_type != "out_invoice":
            return None, None, None
        user = request.env.user
        if (
            access_token
            and invoice_sudo.access_token
            and consteq(str(access_token), invoice_sudo.access_token)
        ):
            # the customer's link: the invoice's contact answers; a portal
            # user of the same customer answers as themselves
            if user._is_portal() and user.commercial_partner_id == invoice_sudo.commercial_partner_id:
                return invoice_sudo, user.partner_id, user
            return invoice_sudo, invoice_sudo.partner_id, request.env.ref("base.public_user")
        if user._is_portal() and user.commercial_partner_id == invoice_sudo.commercial_partner_id:
            return invoice_sudo, user.partner_id, user
        return None, None, None

    def _ar_back(self, invoice_sudo, code):
        # the invoice's page with its token (core's portal URL), and the notice's code
        query = f"&ar_message={code}" if code in PORTAL_MESSAGES else ""
        return request.redirect(invoice_sudo.get_portal_url(query_string=query))

    def _ar_as_customer(self, invoice_sudo, contact, user):
        """The invoice in the acting customer's name: created by the requesting (portal or
        public) user, the chatter line by the customer's contact, the marking for the next run apart."""
        # sudo: portal and public users have no rights on the ladder's records;
        # the request was checked to act for this invoice's customer
        return (
            invoice_sudo.with_user(user)
            .sudo()
            .with_context(**portal_author_context(contact), ar_no_reevaluate=True)
        )

    def _ar_note(self, note):
        """The customer's note as text, or the code of the notice refusing it."""
        note = (note or "").strip()
        if "\x00" in note:
            return None, "note_invalid"
        if len(note) > NOTE_MAX_LENGTH:
            return None, "note_long"
        return note, None

    @http.route("/my/invoices/<int:invoice_id>/ar_promise", type="http", auth="public", methods=["POST"])
    def ar_portal_promise(self, invoice_id, access_token=None, date=None, amount=None, note=None, **kw):
        invoice_sudo, contact, user = self._ar_customer_request(invoice_id, access_token)
        if not invoice_sudo:
            return request.redirect("/my")
        code = self._ar_promise(invoice_sudo, contact, user, date, amount, note)
        return self._ar_back(invoice_sudo, code)

    def _ar_promise(self, invoice_sudo, contact, user, date_str, amount_str, note):
        if not invoice_sudo._ar_portal_open():
            return "not_open"
        try:
            date = fields.Date.to_date(date_str) if isinstance(date_str, str) else None
            amount = float(amount_str) if isinstance(amount_str, str) else math.nan
        except (ValueError, OverflowError):
            return "promise_invalid"
        if not date or not math.isfinite(amount):
            return "promise_invalid"
        note, refusal = self._ar_note(note)
        if refusal:
            return refusal
        amount = invoice_sudo.currency_id.round(amount)
        self._ar_lock(invoice_sudo)
        if self._ar_same_promise(invoice_sudo, date, amount):
            return "promise_noted"  # the same form sent again: noted once
        refusal = request.env["ar.escalation.promise"].sudo()._ar_portal_refusal(invoice_sudo, date, amount)
        if refusal:
            return refusal
        move = self._ar_as_customer(invoice_sudo, contact, user)
        move._ar_log_promise([(date, amount)], contact=contact, note=note or None, source="portal")
        self._ar_reevaluate(invoice_sudo)
        return "promise_noted"

    @http.route("/my/invoices/<int:invoice_id>/ar_dispute", type="http", auth="public", methods=["POST"])
    def ar_portal_dispute(self, invoice_id, access_token=None, code=None, note=None, **kw):
        invoice_sudo, contact, user = self._ar_customer_request(invoice_id, access_token)
        if not invoice_sudo:
            return request.redirect("/my")
        message = self._ar_dispute(invoice_sudo, contact, user, code, note)
        return self._ar_back(invoice_sudo, message)

    def _ar_dispute(self, invoice_sudo, contact, user, code, note):
        if not invoice_sudo._ar_portal_open():
            return "not_open"
        if not isinstance(code, str) or code not in dict(DISPUTE_CODES):
            return "dispute_code"
        note, refusal = self._ar_note(note)
        if refusal:
            return refusal
        if not note:
            return "dispute_note"
        self._ar_lock(invoice_sudo)
        if invoice_sudo.ar_dispute_ids.filtered(
            lambda d: d.state == "open" and d.source == "portal" and d.code == code and d.note == note
        ):
            return "dispute_noted"  # the same form sent again: noted once
        if invoice_sudo.ar_dispute_ids.filtered(lambda d: d.state == "open"):
            return "dispute_exists"
        move = self._ar_as_customer(invoice_sudo, contact, user)
        try:
            with request.env.cr.savepoint():
                move._ar_log_dispute(code, note, raised_by=contact, source="portal")
        except psycopg2.IntegrityError as exc:
            # the same form posted twice at once: the database keeps one open dispute
            if getattr(exc.diag, "constraint_name", None) != "ar_escalation_dispute_one_open":
                raise
            return "dispute_exists"
        self._ar_reevaluate(invoice_sudo)
        return "dispute_noted"

    def _ar_lock(self, invoice_sudo):
        """Serialise the customer's submissions on one invoice: a form posted twice at once
        waits for the first, then finds what it recorded (a read of the row, locked)."""
        request.env.cr.execute(
            SQL("SELECT id FROM account_move WHERE id = %s FOR NO KEY UPDATE", invoice_sudo.id)
        )
        invoice_sudo.invalidate_recordset(["ar_promise_ids", "ar_dispute_ids"])

    def _ar_same_promise(self, invoice_sudo, date, amount):
        """Whether the invoice holds this very promise already (one date, this amount, from the portal)."""
        currency = invoice_sudo.currency_id
        return any(
            promise.source == "portal"
            and len(promise.line_ids) == 1
            and promise.line_ids.date == date
            and currency.compare_amounts(promise.line_ids.amount, amount) == 0
            for promise in invoice_sudo.ar_promise_ids.filtered(lambda p: p.state == "open")
        )

    def _ar_reevaluate(self, invoice_sudo):
        # the ladder evaluates the invoice again at its next run, a few seconds later, outside
        # the customer's request; the marking is the system's, not the customer's
        invoice_sudo.with_user(SUPERUSER_ID)._ar_reevaluate()
