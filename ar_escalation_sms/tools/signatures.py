# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Signatures of provider callbacks: Twilio's and the generic webhook's."""

import base64
import hashlib
import hmac


def twilio_signature(url, params, auth_token):
    """Twilio's ``X-Twilio-Signature``: base64 HMAC-SHA1 of the full URL
    followed by each POST parameter name and value, sorted by name."""
    payload = url
    for key in sorted(params):
        values = params[key]
        if not isinstance(values, list | tuple):
            values = [values]
        for value in values:
            payload += f"{key}{value}"
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def webhook_signature(body, secret):
    """The generic provider's signature: hex HMAC-SHA256 of the raw body."""
    if isinstance(body, str):
        body = body.encode()
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(expected, given):
    """Constant-time comparison; an empty secret or signature never matches."""
    return bool(expected and given) and hmac.compare_digest(expected.encode(), given.encode())
