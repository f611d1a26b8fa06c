# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Talking to an SMS provider over HTTP.

All network traffic of the addon goes through :meth:`ProviderApi._request`,
which always passes a timeout. The answer of every send is classified as:

- ``sent``: the provider took the message (its id in ``provider_ref``);
- ``retry``: a timeout, a connection error, a 5xx, 408 or 429; the provider may or may
  not have the message, so the next attempt first asks it (Twilio) or sends
  the same idempotency key again (generic webhook);
- ``failed``: any other 4xx, final, with the provider's error text.
"""

import json
from dataclasses import dataclass
from datetime import timedelta, timezone
from email.utils import parsedate_to_datetime

import requests

from .signatures import webhook_signature

# client errors that are not the message's fault: rate limit, request timeout
RETRY_STATUSES = (408, 429)

# tolerated difference between Odoo's clock and Twilio's when matching a message's creation date
CLOCK_SKEW = timedelta(minutes=2)

# Twilio's message statuses → the queue's states (those of Odoo's sms.sms)
TWILIO_TO_STATE = {
    "accepted": "pending",
    "scheduled": "pending",
    "queued": "pending",
    "sending": "pending",
    "sent": "pending",
    "delivered": "sent",
    "read": "sent",
    "receiving": "pending",
    "received": "sent",
    "undelivered": "error",
    "failed": "error",
    "canceled": "canceled",
}
# The generic webhook provider's statuses → the queue's states
WEBHOOK_TO_STATE = {
    "accepted": "pending",
    "queued": "pending",
    "sent": "pending",
    "delivered": "sent",
    "undelivered": "error",
    "failed": "error",
    "rejected": "error",
    "expired": "error",
    "canceled": "canceled",
}


@dataclass
class SendResult:
    outcome: str  # "sent", "retry" or "failed"
    provider_ref: str = ""
    status: str = ""
    error: str = ""


class ProviderError(Exception):
    """The provider could not be reached or answered with a server error."""


class ProviderApi:
    """Base class: one network method with a timeout, subclasses speak an API."""

    def __init__(self, timeout=10.0):
        self.timeout = timeout

    def configured(self):
        """Whether the settings needed to send are all filled in."""
        return True

    def _request(self, method, url, **kwargs):
        """The one place that talks to the network."""
        return requests.request(method, url, timeout=self.timeout, **kwargs)

    def _call(self, method, url, **kwargs):
        """``(response, None)`` or ``(None, SendResult)`` when the call must be retried."""
        try:
            response = self._request(method, url, **kwargs)
        except requests.Timeout:
            return None, SendResult("retry", error=f"No answer within {self.timeout:g} s (timeout)")
        except requests.RequestException as exc:
            return None, SendResult("retry", error=f"Provider unreachable: {exc.__class__.__name__}")
        if response.status_code >= 500 or response.status_code in RETRY_STATUSES:
            return None, SendResult(
                "retry", error=f"Provider error {response.status_code}: {_error_text(response)}"
            )
        return response, None

    def send(self, key, to, body, channel="sms", callback_url=None):  # pragma: no cover - abstract
        raise NotImplementedError

    def find_sent(self, key, to, body, channel="sms", since=None, exclude=()):
        """The provider's id of a message already sent under ``key``, if it can tell."""
        return None


def _error_text(response):
    try:
        data = response.json()
    except ValueError:
        return (response.text or response.reason or "").strip()[:500]
    if isinstance(data, dict):
        message = data.get("message") or data.get("error") or data.get("detail") or json.dumps(data)
        code = data.get("code")
        return f"{message} (code {code})" if code else str(message)
    return json.dumps(data)[:500]


class TwilioApi(ProviderApi):
    """Twilio's Messages REST API (also WhatsApp, with ``whatsapp:`` addresses)."""

    def __init__(
        self, account_sid, auth_token, sender, endpoint="https://api.twilio.com", whatsapp_sender="", **kw
    ):
        super().__init__(**kw)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.whatsapp_sender = whatsapp_sender or sender
        self.endpoint = endpoint.rstrip("/")

    def configured(self):
        return bool(self.account_sid and self.auth_token and self.sender)

    @property
    def _messages_url(self):
        return f"{self.endpoint}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def _addresses(self, to, channel):
        if channel == "whatsapp":
            return f"whatsapp:{to}", f"whatsapp:{self.whatsapp_sender}"
        return to, self.sender

    def send(self, key, to, body, channel="sms", callback_url=None):
        to_addr, from_addr = self._addresses(to, channel)
        data = {"To": to_addr, "From": from_addr, "Body": body}
        if callback_url:
            data["StatusCallback"] = callback_url
        response, retry = self._call(
            "POST", self._messages_url, data=data, auth=(self.account_sid, self.auth_token)
        )
        if retry:
            return retry
        if response.status_code >= 400:
            return SendResult("failed", error=f"{response.status_code}: {_error_text(response)}")
        payload = response.json()
        return SendResult("sent", provider_ref=payload.get("sid", ""), status=payload.get("status", ""))

    def find_sent(self, key, to, body, channel="sms", since=None, exclude=()):
        """Twilio has no idempotency key: before resending, look for the message.

        A match is the same body, to the same number from the same sender,
        created by Twilio no earlier than the first attempt (``since``, a
        naive UTC datetime, less ``CLOCK_SKEW``), not failed, and not a
        message the queue already knows (``exclude``: the ids other messages
        adopted). Twilio's ``DateSent`` filter is not used: a message still
        queued at Twilio has no send date yet. The 100 newest messages to the
        number are read.
        """
        to_addr, from_addr = self._addresses(to, channel)
        params = {"To": to_addr, "From": from_addr, "PageSize": 100}
        response, retry = self._call(
            "GET", self._messages_url, params=params, auth=(self.account_sid, self.auth_token)
        )
        if retry or response.status_code >= 400:
            raise ProviderError(retry.error if retry else _error_text(response))
        earliest = since - CLOCK_SKEW if since else None
        for message in response.json().get("messages", []):
            if message.get("body") != body or message.get("status") in ("failed", "canceled"):
                continue
            if message.get("sid") in exclude:
                continue
            if earliest is not None:
                created = _twilio_date(message.get("date_created"))
                if created is None or created < earliest:
                    continue
            return message.get("sid")
        return None


def _twilio_date(value):
    """Twilio's RFC 2822 dates (``Mon, 23 Nov 2026 06:47:53 +0000``) as naive UTC."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


class WebhookApi(ProviderApi):
    """A generic JSON provider: POST the message, signed, with an idempotency key."""

    def __init__(self, url, secret, **kw):
        super().__init__(**kw)
        self.url = url
        self.secret = secret

    def configured(self):
        return bool(self.url and self.secret)

    def send(self, key, to, body, channel="sms", callback_url=None):
        payload = {"reference": key, "to": to, "channel": channel, "body": body}
        if callback_url:
            payload["callback_url"] = callback_url
        raw = json.dumps(payload, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            "X-AR-Signature": webhook_signature(raw, self.secret),
        }
        response, retry = self._call("POST", self.url, data=raw, headers=headers)
        if retry:
            return retry
        if response.status_code >= 400:
            return SendResult("failed", error=f"{response.status_code}: {_error_text(response)}")
        payload = response.json()
        return SendResult("sent", provider_ref=str(payload.get("id", "")), status=payload.get("status", ""))
