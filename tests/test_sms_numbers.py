"""Database-free tests of the SMS channel's plain-Python parts.

Numbers as customers type them, SMS segment counting, provider signatures,
opt-out keywords and quiet hours.
"""

import importlib.util
from datetime import datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytest.importorskip("phonenumbers")


def _load(name):
    path = ROOT / "ar_escalation_sms" / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"ar_escalation_sms.tools.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


numbers = _load("numbers")
segments = _load("segments")
signatures = _load("signatures")
keywords = _load("keywords")
quiet = _load("quiet")

# (as typed, customer's country, expected E.164 or None, words expected in the problem)
PHONE_TABLE = [
    # France: national, spaced, dotted, international, 00 prefix
    ("06 12 34 56 78", "FR", "+33612345678", ""),
    ("06.12.34.56.78", "FR", "+33612345678", ""),
    ("+33 6 12 34 56 78", "FR", "+33612345678", ""),
    ("0033612345678", "FR", "+33612345678", ""),
    ("+33 (0)6 12 34 56 78", "FR", "+33612345678", ""),
    ("01 42 68 53 00", "FR", None, "landline"),  # Paris landline
    ("0800 123 456", "FR", None, "toll-free"),
    # United Kingdom
    ("07400 123456", "GB", "+447400123456", ""),
    ("+44 7400 123456", "BE", "+447400123456", ""),  # international wins over the default region
    ("020 7946 0958", "GB", None, "landline"),
    ("07400 12345", "GB", None, "not a valid number"),
    ("06 12 34 5", "FR", None, "too short"),
    # Germany
    ("0151 23456789", "DE", "+4915123456789", ""),
    ("+49 30 123456", "DE", None, "landline"),
    # Belgium, Spain, Italy
    ("0470 12 34 56", "BE", "+32470123456", ""),
    ("612 34 56 78", "ES", "+34612345678", ""),
    ("347 123 4567", "IT", "+393471234567", ""),
    # United States: geographic numbers are "fixed line or mobile", textable
    ("(201) 555-0123", "US", "+12015550123", ""),
    ("201-555-0123", "US", "+12015550123", ""),
    ("+1 201 555 0123", "FR", "+12015550123", ""),
    ("1-800-FLOWERS", "US", None, "letters"),  # vanity numbers are never mobiles
    ("(201) 555-0123 ext. 42", "US", None, "extension"),
    ("201 555 0123 x42", "US", None, "extension"),
    # Brazil, India, Australia, Japan
    ("(11) 96123-4567", "BR", "+5511961234567", ""),
    ("98765 43210", "IN", "+919876543210", ""),
    ("0412 345 678", "AU", "+61412345678", ""),
    ("090-1234-5678", "JP", "+819012345678", ""),
    # not numbers at all, or nothing to go on
    ("call me", "FR", None, "not a phone number"),
    ("", "FR", None, "no number"),
    ("12", "FR", None, ""),
    ("0612345678", None, None, "country"),
    ("06 12 AB 56 78", "FR", None, "letters"),
    ("+33 6 12 34 56 78 90 12", "FR", None, ""),
    ("whatsapp:+33612345678", None, "+33612345678", ""),
]


@pytest.mark.parametrize(("raw", "region", "expected", "problem"), PHONE_TABLE)
def test_real_world_numbers(raw, region, expected, problem):
    check = numbers.normalize(raw, region)
    assert (check.e164 or None) == expected, check
    assert check.ok == bool(expected)
    if expected is None:
        assert check.problem, "a refused number says why"
        assert problem in check.problem
    else:
        assert check.problem == ""


def test_e164_of_any_valid_number_for_blacklist_lookups():
    assert numbers.e164_or_none("whatsapp:+33612345678") == "+33612345678"
    assert numbers.e164_or_none("+33 1 42 68 53 00") == "+33142685300"
    assert numbers.e164_or_none("STOP") is None


@pytest.mark.parametrize(
    ("text", "encoding", "length", "parts"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 80, 1),  # 160 septets: the euro sign costs two
        ("€" * 81, "GSM-7", 81, 2),
        ("Payez la facture à échéance", "GSM-7", 27, 1),  # à and é are in GSM-7
        ("ç" + "a" * 69, "UCS-2", 70, 1),  # lower-case ç is not in GSM-7
        ("ç" + "a" * 70, "UCS-2", 71, 2),
        ("Zahlung fällig – danke", "UCS-2", 22, 1),  # the en dash is not in GSM-7
        ("😀" * 35, "UCS-2", 35, 1),  # 70 UTF-16 units
        ("😀" * 36, "UCS-2", 36, 2),
        ("x" * 134 + "ç", "UCS-2", 135, 3),
    ],
)
def test_segments(text, encoding, length, parts):
    count = segments.count(text)
    assert (count.encoding, count.length, count.segments) == (encoding, length, parts)


def test_twilio_signature_matches_twilios_documented_example():
    # the example of Twilio's "Webhooks security" page
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+12349013030",
        "Digits": "1234",
        "From": "+12349013030",
        "To": "+18005551212",
    }
    assert signatures.twilio_signature(url, params, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_webhook_signature_and_constant_time_verify():
    sig = signatures.webhook_signature(b'{"a": 1}', "s3cret")
    assert len(sig) == 64
    assert signatures.verify(sig, sig)
    assert not signatures.verify(sig, sig[:-1] + "0")
    assert not signatures.verify("", "")
    assert not signatures.verify(sig, "")


@pytest.mark.parametrize(
    ("body", "word"),
    [
        ("STOP", "stop"),
        ("stop", "stop"),
        (" Stop. ", "stop"),
        ("STOPALL", "stop"),
        ("unsubscribe", "stop"),
        ("CANCEL", "stop"),
        ("END", "stop"),
        ("QUIT", "stop"),
        ("ARRET", "stop"),
        ("START", "start"),
        ("unstop", "start"),
        ("YES", "start"),
        ("please stop texting me at work", None),
        ("I'll pay on Friday", None),
        ("", None),
    ],
)
def test_opt_keywords(body, word):
    assert keywords.opt_keyword(body) == word


ZONES = {"FR": ["Europe/Paris"], "US": ["America/New_York", "America/Chicago"]}


def test_customer_timezone_partner_then_country_then_fallback():
    assert quiet.customer_timezone("Asia/Tokyo", "FR", ZONES) == "Asia/Tokyo"
    assert quiet.customer_timezone(False, "US", ZONES) == "America/New_York"
    assert quiet.customer_timezone("Not/AZone", "FR", ZONES) == "Europe/Paris"
    assert quiet.customer_timezone(False, None, ZONES) == "UTC"


@pytest.mark.parametrize(
    ("now", "tz", "start", "end", "expected"),
    [
        # 10:00 UTC = 11:00 Paris in winter: inside 8-20
        (datetime(2026, 1, 15, 10, 0), "Europe/Paris", 8, 20, datetime(2026, 1, 15, 10, 0)),
        # 19:30 UTC = 20:30 Paris: waits until 08:00 Paris next day = 07:00 UTC
        (datetime(2026, 1, 15, 19, 30), "Europe/Paris", 8, 20, datetime(2026, 1, 16, 7, 0)),
        # 05:00 UTC = 06:00 Paris: waits until 07:00 UTC the same day
        (datetime(2026, 1, 15, 5, 0), "Europe/Paris", 8, 20, datetime(2026, 1, 15, 7, 0)),
        # summer time: 08:00 Paris = 06:00 UTC
        (datetime(2026, 7, 15, 5, 0), "Europe/Paris", 8, 20, datetime(2026, 7, 15, 6, 0)),
        # 14:00 UTC is 09:00 in New York: inside; 12:00 UTC is 07:00: waits to 13:00 UTC
        (datetime(2026, 1, 15, 14, 0), "America/New_York", 8, 20, datetime(2026, 1, 15, 14, 0)),
        (datetime(2026, 1, 15, 12, 0), "America/New_York", 8, 20, datetime(2026, 1, 15, 13, 0)),
        # half hours
        (datetime(2026, 1, 15, 7, 0), "UTC", 8.5, 17.5, datetime(2026, 1, 15, 8, 30)),
        # a window across midnight (night shift desk): 22 → 6
        (datetime(2026, 1, 15, 23, 0), "UTC", 22, 6, datetime(2026, 1, 15, 23, 0)),
        (datetime(2026, 1, 15, 3, 0), "UTC", 22, 6, datetime(2026, 1, 15, 3, 0)),
        (datetime(2026, 1, 15, 12, 0), "UTC", 22, 6, datetime(2026, 1, 15, 22, 0)),
        # equal bounds: no quiet hours
        (datetime(2026, 1, 15, 3, 0), "UTC", 0, 0, datetime(2026, 1, 15, 3, 0)),
    ],
)
def test_quiet_hours(now, tz, start, end, expected):
    assert quiet.next_send_time(now, tz, start, end) == expected
