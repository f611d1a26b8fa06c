# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Quiet hours: when, in the customer's time zone, a message may go out."""

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _known_zone(name):
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def customer_timezone(partner_tz, country_code, country_zones, fallback="UTC"):
    """The partner's own zone, else their country's main one, else ``fallback``.

    ``country_zones`` maps an ISO country code to its zones, main one first
    (``pytz.country_timezones``).
    """
    if partner_tz and _known_zone(partner_tz):
        return partner_tz
    zones = country_zones.get((country_code or "").upper()) if country_code else None
    return zones[0] if zones else fallback


def _at(day, hour, zone):
    """Local ``day`` at float ``hour`` in ``zone``, as an aware UTC datetime."""
    hours = int(hour)
    minutes = round((hour - hours) * 60)
    if hours >= 24:
        local = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        local = datetime.combine(day, time(hours, minutes), tzinfo=zone)
    return local.astimezone(timezone.utc)


def next_send_time(now_utc, tz_name, start_hour, end_hour):
    """``now_utc`` when it is inside the daily window [start, end) of local
    time in ``tz_name``, else the next start of that window (naive UTC).

    Hours are floats (8.5 = 08:30). A window whose end is before its start
    spans midnight (e.g. 22 → 6). Equal start and end: no quiet hours.
    """
    if start_hour == end_hour:
        return now_utc
    zone = ZoneInfo(tz_name)
    now = now_utc.replace(tzinfo=timezone.utc)
    day = now.astimezone(zone).date()
    overnight = end_hour < start_hour
    for offset in (-1, 0):
        start = _at(day + timedelta(days=offset), start_hour, zone)
        end = _at(day + timedelta(days=offset + (1 if overnight else 0)), end_hour, zone)
        if start <= now < end:
            return now_utc
    nxt = next(
        s for s in (_at(day + timedelta(days=offset), start_hour, zone) for offset in (0, 1, 2)) if s > now
    )
    return nxt.replace(tzinfo=None)
