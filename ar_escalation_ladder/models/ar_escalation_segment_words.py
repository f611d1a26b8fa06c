# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A segment's traits and a customer's segment reason in the reader's language.

The segmentation stores phrases (``SEGMENT_CODES``, engine/vocabulary.py);
:class:`SegmentReaderWords` words them when they are read, one method per code
as the engine's English :class:`~..engine.segment_words.SegmentWords`.
"""

import babel.dates

from odoo.tools.misc import babel_locale_parse, get_lang

from ..engine.segment_words import SegmentWords
from ..engine.vocabulary import Phrase, as_phrases


class SegmentReaderWords(SegmentWords):
    def __init__(self, env):
        self.env = env
        self._months = None

    def month(self, month):
        if self._months is None:
            locale = babel_locale_parse(get_lang(self.env).code)
            self._months = babel.dates.get_month_names("wide", locale=locale)
        return self._months.get(month, str(month))

    def pays_late(self, days):
        return self.env._("pays about %s days late", days)

    def pays_early(self, share):
        return self.env._("pays early (%s%% of invoices)", share)

    def pays_on_time(self):
        return self.env._("pays on time")

    def worsening(self, days):
        return self.env._("worsening (+%s days)", days)

    def improving(self, days):
        return self.env._("improving (-%s days)", days)

    def seasonal(self, month):
        if not month:
            return self.env._("late in some months of the year")
        return self.env._("late around %s", self.month(month))

    def disputes(self, share):
        return self.env._("frequent disputes (%s%% of invoices)", share)

    def broken_promises(self, share):
        return self.env._("breaks promises (%s%% of invoices)", share)

    def irregular(self, days):
        return self.env._("irregular (± %s days)", days)

    def early_risk(self, days):
        return self.env._("current, but paying %s days later than before", days)

    def no_history(self):
        return self.env._("no invoices yet")

    def too_few_invoices(self, count, minimum):
        return self.env._(
            "%(count)s invoice(s) with a known payment; segmenting needs %(minimum)s",
            count=count,
            minimum=minimum,
        )

    def too_few_customers(self, count, minimum):
        return self.env._(
            "%(count)s customer(s) with enough history; segmenting needs %(minimum)s",
            count=count,
            minimum=minimum,
        )

    def all_alike(self):
        return self.env._("all customers pay alike")

    def no_distinct_groups(self):
        return self.env._("no distinct groups in how the customers pay")

    def unavailable(self):
        return self.env._("behaviour segmentation unavailable (scikit-learn is not installed)")


def stored_phrases(data):
    """Stored phrases back: the vocabulary's ``{"code": ..., **params}`` or ``[code, params]`` pairs."""
    if isinstance(data, list) and data and all(isinstance(item, list | tuple) for item in data):
        return tuple(Phrase.of(code, **(params or {})) for code, params in data)
    return as_phrases(data)


def segment_text(env, phrases):
    """Stored phrases (a segment's traits, a customer's reason) in ``env``'s language."""
    return SegmentReaderWords(env).join(stored_phrases(phrases))
