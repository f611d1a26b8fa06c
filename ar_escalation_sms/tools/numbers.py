# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Phone numbers to E.164, and whether a text message can reach them."""

from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType

# Types a text message can reach. FIXED_LINE_OR_MOBILE is how the numbering
# plans of the US, Canada and a few others describe every geographic number.
TEXTABLE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
TYPE_LABELS = {
    PhoneNumberType.FIXED_LINE: "a landline",
    PhoneNumberType.TOLL_FREE: "a toll-free number",
    PhoneNumberType.PREMIUM_RATE: "a premium-rate number",
    PhoneNumberType.SHARED_COST: "a shared-cost number",
    PhoneNumberType.VOIP: "a VoIP number",
    PhoneNumberType.PERSONAL_NUMBER: "a personal number",
    PhoneNumberType.PAGER: "a pager",
    PhoneNumberType.UAN: "a company number (UAN)",
    PhoneNumberType.VOICEMAIL: "a voicemail number",
    PhoneNumberType.UNKNOWN: "not a number in use",
}


@dataclass(frozen=True)
class NumberCheck:
    """The outcome of :func:`normalize`: ``e164`` is set only when textable."""

    raw: str
    e164: str = ""
    problem: str = ""

    @property
    def ok(self):
        return bool(self.e164)


def normalize(raw, region=None):
    """Normalise ``raw`` to E.164 with ``region`` (ISO code) as default country.

    Returns a :class:`NumberCheck`: ``e164`` when the number is valid and can
    receive a text message, else ``problem`` in words. Letters (vanity
    numbers), extensions, landlines and numbers too short or too long are
    refused.
    """
    raw = (raw or "").strip()
    if not raw:
        return NumberCheck(raw, problem="no number")
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:") :].strip()
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        reasons = {
            phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "no country: add the +country code",
            phonenumbers.NumberParseException.NOT_A_NUMBER: "not a phone number",
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
            phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
            phonenumbers.NumberParseException.TOO_LONG: "too long",
        }
        return NumberCheck(raw, problem=reasons.get(exc.error_type, "not a phone number"))
    if number.extension:
        return NumberCheck(raw, problem="has an extension (a desk line, not a mobile)")
    if any(ch.isalpha() for ch in raw):
        return NumberCheck(raw, problem="contains letters")
    if not phonenumbers.is_valid_number(number):
        possible = phonenumbers.is_possible_number_with_reason(number)
        if possible == phonenumbers.ValidationResult.TOO_SHORT:
            return NumberCheck(raw, problem="too short")
        if possible == phonenumbers.ValidationResult.TOO_LONG:
            return NumberCheck(raw, problem="too long")
        return NumberCheck(raw, problem="not a valid number")
    kind = phonenumbers.number_type(number)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if kind not in TEXTABLE_TYPES:
        return NumberCheck(raw, problem=f"{e164} is {TYPE_LABELS.get(kind, 'not a mobile number')}")
    return NumberCheck(raw, e164=e164)


def e164_or_none(raw, region=None):
    """E.164 of any valid number (textable or not), for blacklist lookups."""
    raw = (raw or "").strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw[len("whatsapp:") :].strip()
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
