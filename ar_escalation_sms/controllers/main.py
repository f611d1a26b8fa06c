# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Provider callbacks: delivery receipts and inbound messages, signed.

Anything unsigned, forged, stale or replayed gets 403 and changes nothing; a
signed request that does not say which message it is about, or says it with
values of the wrong type, gets 400 and changes nothing either.
"""

import hashlib
import json
import logging
import math
import time

from odoo import http
from odoo.http import request

from ..models.ar_escalation_sms_nonce import REPLAY_WINDOW
from ..tools import keywords, numbers, signatures
from ..tools.provider import TWILIO_TO_STATE, WEBHOOK_TO_STATE

_logger = logging.getLogger(__name__)


def _forbidden(why):
    _logger.warning("AR escalation SMS callback refused: %s", why)
    return request.make_response("Forbidden", status=403)


def _bad_request(why):
    _logger.warning("AR escalation SMS callback refused: %s", why)
    return request.make_response("Bad Request", status=400)


def _timestamp(value):
    """A finite number of seconds (JSON number or numeric text), else None: NaN and
    infinities would pass any staleness comparison."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        stamp = float(value)
    except (ValueError, OverflowError):
        return None
    return stamp if math.isfinite(stamp) else None


def _receipt_problem(payload):
    """What is wrong with a signed status receipt (a sentence), or None."""
    reference, provider_id = payload.get("reference"), payload.get("id")
    if reference is not None and not (isinstance(reference, str) and reference):
        return "reference is not a text"
    if provider_id is not None and (isinstance(provider_id, bool) or not isinstance(provider_id, (str, int))):
        return "id is not a text or a number"
    if not reference and provider_id in (None, ""):
        return "neither reference nor id"
    for key in ("status", "error"):
        if payload.get(key) is not None and not isinstance(payload[key], str):
            return f"{key} is not a text"
    return None


def _ok(body="OK", content_type="text/plain"):
    return request.make_response(body, headers=[("Content-Type", content_type)])


class ArEscalationSmsController(http.Controller):
    # ------------------------------------------------------------------
    # Twilio
    # ------------------------------------------------------------------
    def _twilio_verify(self, claim=True):
        env = request.env
        token = env["ar.escalation.sms"]._ar_param("twilio_auth_token")
        given = request.httprequest.headers.get("X-Twilio-Signature", "")
        params = request.httprequest.form.to_dict(flat=False)
        expected = signatures.twilio_signature(request.httprequest.url, params, token) if token else ""
        if not signatures.verify(expected, given):
            return "missing or wrong signature"
        if claim:
            return self._twilio_claim()
        return None

    def _twilio_claim(self):
        # Twilio signs no timestamp: a callback seen before is a replay
        given = request.httprequest.headers.get("X-Twilio-Signature", "")
        # sudo: the replay guard is written by an unauthenticated provider request
        if not request.env["ar.escalation.sms.nonce"].sudo()._ar_claim("twilio:" + given):
            return "replayed callback"
        return None

    @http.route("/ar_escalation_sms/twilio/status", type="http", auth="public", methods=["POST"], csrf=False)
    def twilio_status(self, **post):
        problem = self._twilio_verify(claim=False)
        if problem:
            return _forbidden(problem)
        if not post.get("MessageSid"):
            # without it, the search would match the messages that have no provider id yet
            return _bad_request("Twilio status without MessageSid")
        problem = self._twilio_claim()
        if problem:
            return _forbidden(problem)
        state = TWILIO_TO_STATE.get(post.get("MessageStatus", ""))
        # sudo: the provider is not a user; the signature proved who it is
        queue = request.env["ar.escalation.sms"].sudo()
        sms = queue.search([("provider_ref", "=", post.get("MessageSid"))], limit=1)
        ref = request.httprequest.args.get("ref")
        if not sms and ref and post.get("MessageSid"):
            # a worker died after Twilio took the message: the key in the
            # signed callback URL names it, its id is adopted
            domain = [("idempotency_key", "=", ref), ("provider", "=", "twilio"), ("state", "=", "sending")]
            sms = queue.search(domain, limit=1)
            if sms:
                sms._ar_adopt(post["MessageSid"])
        if sms and state:
            error = ""
            if post.get("ErrorCode"):
                error = f"Twilio error {post['ErrorCode']}" + (
                    f": {post['ErrorMessage']}" if post.get("ErrorMessage") else ""
                )
            sms._ar_receipt(state, error)
        return _ok()

    @http.route("/ar_escalation_sms/twilio/inbound", type="http", auth="public", methods=["POST"], csrf=False)
    def twilio_inbound(self, **post):
        problem = self._twilio_verify()
        if problem:
            return _forbidden(problem)
        self._inbound(post.get("From", ""), post.get("Body", ""))
        return _ok('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', "text/xml")

    # ------------------------------------------------------------------
    # generic JSON webhook
    # ------------------------------------------------------------------
    @http.route("/ar_escalation_sms/webhook", type="http", auth="public", methods=["POST"], csrf=False)
    def webhook(self, **_kw):
        env = request.env
        raw = request.httprequest.get_data()
        payload, refusal = self._webhook_payload(raw)
        if refusal is not None:
            return refusal
        # sudo: the replay guard is written by an unauthenticated provider request
        if not env["ar.escalation.sms.nonce"].sudo()._ar_claim("webhook:" + hashlib.sha256(raw).hexdigest()):
            return _forbidden("replayed callback")
        if payload.get("type") == "inbound":
            self._inbound(payload.get("from", ""), payload.get("text", ""))
        else:
            self._webhook_receipt(payload)
        return _ok(json.dumps({"ok": True}), "application/json")

    def _webhook_payload(self, raw):
        """(payload, None) for a signed, fresh, well-formed webhook body, else (None, the refusal)."""
        secret = request.env["ar.escalation.sms"]._ar_param("webhook_secret")
        given = request.httprequest.headers.get("X-AR-Signature", "")
        if not signatures.verify(signatures.webhook_signature(raw, secret) if secret else "", given):
            return None, _forbidden("missing or wrong signature")
        try:
            payload = json.loads(raw)
        except ValueError:
            return None, _forbidden("no timestamp in the signed body")
        stamp = _timestamp(payload.get("timestamp")) if isinstance(payload, dict) else None
        if stamp is None:
            return None, _forbidden("no valid timestamp in the signed body")
        if abs(time.time() - stamp) > REPLAY_WINDOW.total_seconds():
            return None, _forbidden("stale timestamp")
        if payload.get("type") == "inbound":
            if not all(isinstance(payload.get(key, ""), str) for key in ("from", "text")):
                return None, _bad_request("inbound message: from or text is not a text")
        else:
            problem = _receipt_problem(payload)
            if problem:
                return None, _bad_request(f"receipt: {problem}")
        return payload, None

    def _webhook_receipt(self, payload):
        """A delivery receipt of the generic provider, applied to its message."""
        state = WEBHOOK_TO_STATE.get(payload.get("status") or "")
        if payload.get("reference"):
            domain = [("idempotency_key", "=", payload["reference"])]
        else:
            domain = [("provider_ref", "=", str(payload["id"]))]
        # sudo: the provider is not a user; the signature proved who it is
        sms = request.env["ar.escalation.sms"].sudo().search(domain, limit=1)
        if sms.state == "sending" and payload.get("id"):
            sms._ar_adopt(str(payload["id"]))  # its worker died after the provider took it
        if sms and state:
            sms._ar_receipt(state, payload.get("error") or "")

    # ------------------------------------------------------------------
    # opt-out
    # ------------------------------------------------------------------
    def _inbound(self, sender, body):
        word = keywords.opt_keyword(body)
        number = numbers.e164_or_none(sender)
        if not word or not number:
            return
        # sudo: an unauthenticated provider request; the signature proved its origin
        env = request.env(su=True)
        env["ar.escalation.sms"]._ar_opt(number, word, body)
