"""The webhook scheme as a receiver sees it: signature, replay window, outcomes, backoff (no Odoo)."""

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from ar_escalation_ladder.tools import webhook as hook

SECRET = "shared-secret"


def _readme_verify(secret, timestamp, signature, raw_body, now):
    """The README's snippet, as a receiver would paste it."""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > 300:
        return False
    expected = (
        "sha256="
        + hmac.new(secret.encode(), timestamp.encode() + b"." + raw_body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected, signature)


def test_headers_sign_the_timestamp_and_the_raw_body():
    body = hook.encode({"event_id": 7, "kind": "stage", "customer": {"name": "Société Générale"}})
    head = hook.headers(SECRET, 1_800_000_000, body, "ar-escalation:db:1:7", "stage")
    timestamp, signature = head[hook.TIMESTAMP_HEADER], head[hook.SIGNATURE_HEADER]
    assert _readme_verify(SECRET, timestamp, signature, body, now=1_800_000_010)
    assert hook.verify(SECRET, timestamp, signature, body, now=1_800_000_010)
    assert head[hook.IDEMPOTENCY_HEADER] == "ar-escalation:db:1:7"
    assert "Société".encode() in body, "UTF-8, not escaped"


def test_a_changed_body_another_secret_or_an_old_timestamp_fail():
    body = hook.encode({"event_id": 7})
    head = hook.headers(SECRET, 1_800_000_000, body, "k", "stage")
    timestamp, signature = head[hook.TIMESTAMP_HEADER], head[hook.SIGNATURE_HEADER]
    assert not _readme_verify(SECRET, timestamp, signature, body + b" ", now=1_800_000_000)
    assert not _readme_verify("other", timestamp, signature, body, now=1_800_000_000)
    assert not _readme_verify(SECRET, timestamp, signature, body, now=1_800_000_000 + 301), "replayed"
    assert not hook.verify(SECRET, "yesterday", signature, body)


def test_outcomes_by_status():
    assert hook.classify(204).state == "sent"
    assert hook.classify(503, "down").state == "retry"
    assert hook.classify(429, retry_after="30").retry_after == 30
    refused = hook.classify(422, "  missing\n field  ")
    assert (refused.state, refused.detail) == ("failed", "missing field")
    assert hook.classify(401).state == "failed"


def test_retry_after_as_a_date():
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(minutes=2), usegmt=True)
    assert hook.parse_retry_after(later, now=now) == 120
    assert hook.parse_retry_after("soon") is None


def test_backoff_doubles_with_jitter_caps_and_honours_retry_after():
    assert hook.retry_delay(1, rand=lambda: 0) == hook.FIRST_DELAY
    assert hook.retry_delay(3, rand=lambda: 0) == 4 * hook.FIRST_DELAY
    assert hook.retry_delay(3, rand=lambda: 1) == 5 * hook.FIRST_DELAY, "at most 25 % jitter"
    assert hook.retry_delay(30, rand=lambda: 0) == hook.MAX_DELAY
    assert hook.retry_delay(1, retry_after=600, rand=lambda: 0) == 600
