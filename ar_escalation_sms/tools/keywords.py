# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Opt-out and opt-in keywords of inbound messages (the carriers' usual set)."""

import re

STOP_WORDS = frozenset(
    {
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "OPTOUT",
        "OPT-OUT",
        "REVOKE",
        "ARRET",
        "STOPP",
    }
)
START_WORDS = frozenset({"START", "UNSTOP", "YES", "OPTIN", "OPT-IN", "SUBSCRIBE"})


def opt_keyword(body):
    """``"stop"``, ``"start"`` or ``None`` for an inbound message body.

    Like the carriers, only a message that is the keyword alone counts
    (case, spaces and trailing punctuation aside): "please stop calling me
    at work" is a conversation, not an opt-out.
    """
    word = re.sub(r"[\s.!]+$", "", (body or "").strip()).upper()
    word = re.sub(r"^[\s.!]+", "", word)
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
