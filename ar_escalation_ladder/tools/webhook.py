# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Outbound webhooks: the body, the signature, one HTTP call and what to do next.

The one place that talks to a subscriber's URL (:func:`post`, always with a
timeout). The scheme, as the README documents it for receivers:

- the body is the event as compact JSON (UTF-8, keys sorted);
- ``X-AR-Escalation-Timestamp`` is the sending time in Unix seconds;
- ``X-AR-Escalation-Signature`` is ``sha256=`` and the hex HMAC-SHA256, keyed
  with the subscription's secret, of ``f"{timestamp}.{raw_body}"``;
- ``Idempotency-Key`` is the same for every attempt of one event to one
  subscription: a receiver that stored it drops a repeat.
"""

from __future__ import annotations

import email.utils
import hashlib
import hmac
import json
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import requests

TIMESTAMP_HEADER = "X-AR-Escalation-Timestamp"
SIGNATURE_HEADER = "X-AR-Escalation-Signature"
EVENT_HEADER = "X-AR-Escalation-Event"
IDEMPOTENCY_HEADER = "Idempotency-Key"
SIGNATURE_PREFIX = "sha256="
USER_AGENT = "ar-escalation-webhook/1"
# a receiver refuses a timestamp further than this from its own clock
REPLAY_WINDOW = 300
# retried: no answer, no connection, a server error, "too many requests"
RETRY_STATUSES = frozenset({408, 425, 429})
FIRST_DELAY = 30.0  # seconds before the first retry, doubled at each attempt
MAX_DELAY = 3600.0  # never more than an hour between two attempts


def encode(payload):
    """The raw body: compact JSON, keys sorted, UTF-8."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def signature(secret, timestamp, body):
    """The hex HMAC-SHA256 of ``f"{timestamp}.{body}"`` keyed with ``secret``."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secret, timestamp, body, key, kind):
    """The headers of one attempt."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: SIGNATURE_PREFIX + signature(secret, timestamp, body),
        IDEMPOTENCY_HEADER: key,
        EVENT_HEADER: kind,
    }


def verify(secret, header_timestamp, header_signature, body, now=None, window=REPLAY_WINDOW):
    """Whether a request's signature is the secret's and its timestamp recent (the receiver's check)."""
    try:
        timestamp = int(header_timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > window:
        return False
    expected = SIGNATURE_PREFIX + signature(secret, timestamp, body)
    return hmac.compare_digest(expected, header_signature or "")


@dataclass(frozen=True)
class Outcome:
    """What one attempt did: ``sent``, ``retry`` or ``failed`` (no retry helps)."""

    state: str
    status: int = 0  # the HTTP status, 0 when there was no answer
    error: str = ""  # "timeout", "connection", "http" or "" when sent
    detail: str = ""  # the answer's first words, or the exception's name
    retry_after: float | None = None  # seconds the receiver asked us to wait


def post(session, url, body, head, timeout):
    """One attempt: the one network call, always with a timeout."""
    try:
        response = session.post(url, data=body, headers=head, timeout=timeout, allow_redirects=False)
    except requests.Timeout:
        return Outcome("retry", error="timeout")
    except requests.RequestException as exc:
        return Outcome("retry", error="connection", detail=exc.__class__.__name__)
    return classify(response.status_code, response.text, response.headers.get("Retry-After"))


def classify(status, text="", retry_after=None):
    """An answer's outcome: 2xx sent, 5xx and 408/425/429 retried, any other failed at once."""
    detail = " ".join((text or "").split())[:200]
    if 200 <= status < 300:
        return Outcome("sent", status=status)
    if status >= 500 or status in RETRY_STATUSES:
        return Outcome(
            "retry", status=status, error="http", detail=detail, retry_after=parse_retry_after(retry_after)
        )
    return Outcome("failed", status=status, error="http", detail=detail)


def parse_retry_after(value, now=None):
    """A Retry-After header (seconds or an HTTP date) in seconds from now, None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def retry_delay(attempts, retry_after=None, rand=random.random):
    """Seconds before the next attempt after ``attempts`` failed ones.

    Exponential backoff from :data:`FIRST_DELAY`, capped at :data:`MAX_DELAY`,
    with up to 25 % jitter so that many deliveries that failed together do not
    come back together; a receiver's Retry-After is honoured when it asks for
    longer.
    """
    backoff = min(FIRST_DELAY * 2 ** max(attempts - 1, 0), MAX_DELAY)
    delay = backoff * (1 + 0.25 * rand())
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay
