# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Dates and money in the words of the chatter: the reader's time zone and date format, not
raw UTC; amounts in their currency; the engine's reasons in the user's language.

A chatter line is stored text, written once and read by many: it is written in
the time zone of the user it is about (the escalation's owner) or of the user
acting, with the zone named, in the date format of the language it is written in.
"""

import pytz

from odoo.tools import format_amount
from odoo.tools.misc import get_lang

from ..engine import Words, render


def days_overdue_text(env, days):
    """An invoice's days overdue in words ("3 days overdue", "due today", "due in 2 days")."""
    _ = env._
    if days > 1:
        return _("%s days overdue", days)
    if days == 1:
        return _("1 day overdue")
    if days == 0:
        return _("due today")
    if days == -1:
        return _("due tomorrow")
    return _("due in %s days", -days)


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


class ReasonWords(Words):
    """The engine's phrases (:class:`..engine.Words`, one method per code) in ``env``'s language,
    amounts in ``currency`` (the company's: the engine's amounts are in company currency).

    A phrase of a code added by another module (a rule kind of its own) is
    worded by ``ar.escalation.event._ar_phrase_text``, which that module extends.
    """

    def __init__(self, env, currency):
        self.env = env
        self.currency = currency
        self._labels = {}
        self._days = {}  # a run words tens of thousands of ages: each once

    def _label(self, model, field, key):
        if (model, field) not in self._labels:
            selection = self.env[model]._fields[field]._description_selection(self.env)
            self._labels[model, field] = dict(selection)
        return self._labels[model, field].get(key, key)

    def unknown(self, phrase):
        return self.env["ar.escalation.event"]._ar_phrase_text(phrase, self)

    def tier_label(self, tier):
        return self._label("res.partner", "ar_account_tier", tier)

    def signal(self, signal):
        return signal_label(self.env, signal)

    def hold(self, hold):
        return self._label("ar.escalation.preview.line", "hold", hold)

    def amount(self, amount):
        return format_amount(self.env, amount or 0.0, self.currency)

    # one method per phrase code (REASON_CODES) ---------------------------------
    def days_overdue(self, days):
        if days not in self._days:
            self._days[days] = days_overdue_text(self.env, days)
        return self._days[days]

    def open_on_invoice(self, amount):
        return self.env._("%s open on the invoice", self.amount(amount))

    def overdue_for_customer(self, amount):
        return self.env._("%s overdue for the customer", self.amount(amount))

    def over_credit_limit(self):
        return self.env._("over credit limit")

    def promises_broken(self, count):
        _ = self.env._
        return _("1 promise broken") if count == 1 else _("%s promises broken", count)

    def promises_broken_customer(self, count):
        _ = self.env._
        if count == 1:
            return _("1 promise broken by the customer")
        return _("%s promises broken by the customer", count)

    def open_dispute(self):
        return self.env._("open dispute")

    def account_tier(self, tier):
        # a phrase per tier: how a tier reads inside a sentence is the
        # language's (German capitalises its nouns, English does not)
        if "tier phrases" not in self._labels:
            _ = self.env._
            self._labels["tier phrases"] = {
                "strategic": _("strategic account"),
                "key": _("key account"),
                "standard": _("standard account"),
                "small": _("small account"),
            }
        return self._labels["tier phrases"].get(tier) or self.env._("%s account", self.tier_label(tier))

    def risk_signals(self, signals):
        labels = ", ".join(self.signal(s) for s in signals)
        if len(signals) == 1:
            return self.env._("1 risk signal (%s)", labels)
        return self.env._("%(count)s risk signals (%(labels)s)", count=len(signals), labels=labels)

    def no_response(self, days):
        _ = self.env._
        return _("no response for 1 day") if days == 1 else _("no response for %s days", days)

    def paid(self):
        return self.env._("paid in full")

    def held_at(self, stage):
        return self.env._("held at %s (escalation only moves up)", stage)

    def go_live_held(self, stage):
        return self.env._("climbing from the go-live cap: stays at %s until its cadence completes", stage)

    def go_live_entered(self, stage):
        return self.env._("entered at %s (go-live cap), climbing by the cadence", stage)

    def set_by_hand(self, text):
        return self.env._("Set by hand: %s", text)

    def escalated_to(self, owner):
        return self.env._("Escalated to %s", owner)

    def message_approved(self, user):
        return self.env._("Message approved by %s", user)

    def text(self, text):
        return text or ""


def signal_label(env, signal):
    """A risk signal of the engine (``late_payer``…) in ``env``'s language."""
    _ = env._
    labels = {
        "late_payer": _("pays late on average"),
        "worsening": _("payment delays worsening"),
        "early_risk": _("current but deteriorating"),
        "broken_promise": _("broke a promise before"),
        "dispute": _("open dispute"),
        "over_credit_limit": _("over credit limit"),
    }
    return labels.get(signal, signal)


def reason_words(env, company):
    """The words of the ladder's reasons for ``company``: ``env``'s language, its currency."""
    return ReasonWords(env, company.currency_id)


def reason_text(env, company, phrases):
    """``phrases`` (a decision's reasons) as ``company``'s reader in ``env`` reads them."""
    return render(phrases, reason_words(env, company))
