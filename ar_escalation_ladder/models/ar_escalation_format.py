# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Dates in the words of the chatter: the reader's time zone and date format, not raw UTC.

A chatter line is stored text, written once and read by many: it is written in
the time zone of the user it is about (the escalation's owner) or of the user
acting, with the zone named, in the date format of the language it is written in.
"""

import pytz

from odoo.tools.misc import get_lang


def format_reader_datetime(env, value, user=None, date_format=None):
    """``value`` (a naive UTC datetime) as "03/05/2026 17:00 (Europe/Brussels)" for ``user``.

    The zone is ``user``'s, else the acting user's, else UTC; the date format
    is the language's (``res.lang``; ``date_format`` when the caller read it
    already, for many lines), the time to the minute.
    """
    if not value:
        return ""
    tz_name = (user and user.tz) or env.user.tz or "UTC"
    try:
        zone = pytz.timezone(tz_name)
    except pytz.UnknownTimeZoneError:
        tz_name, zone = "UTC", pytz.utc
    local = pytz.utc.localize(value).astimezone(zone)
    date_format = date_format or get_lang(env).date_format or "%m/%d/%Y"
    return f"{local.strftime(date_format)} {local.strftime('%H:%M')} ({tz_name})"
