# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""How many SMS segments a text costs (3GPP TS 23.038)."""

from dataclasses import dataclass

GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table: each costs an escape and itself.
GSM7_EXTENDED = set("^{}\\[~]|€\f")

# (single message, per part of a concatenated message), in characters
GSM7_LIMITS = (160, 153)
UCS2_LIMITS = (70, 67)


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # "GSM-7" or "UCS-2"
    length: int  # characters as the user counts them
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int


def count(text):
    """Encoding, length and number of segments of ``text``."""
    text = text or ""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text):
        encoding, limits = "GSM-7", GSM7_LIMITS
        units = sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)
    else:
        encoding, limits = "UCS-2", UCS2_LIMITS
        # characters outside the BMP (most emoji) take two UTF-16 units
        units = len(text.encode("utf-16-le")) // 2
    if units == 0:
        segments = 0
    elif units <= limits[0]:
        segments = 1
    else:
        segments = -(-units // limits[1])
    return SegmentCount(encoding, len(text), units, segments)
