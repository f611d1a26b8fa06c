# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A segment's traits and a customer's segment reason in words (English here).

The segmentation leaves phrases (``SEGMENT_CODES`` of :mod:`.vocabulary`);
:func:`segment_name` words them with :class:`SegmentWords`, a method per code.
The Odoo side subclasses it with the reader's language
(models/ar_escalation_segment_words.py), as :class:`.evaluate.Words` is for
the ladder's reasons.
"""

from __future__ import annotations

import calendar

from .vocabulary import SEGMENT_CODES, Phrase

# a trend reads as part of the lateness it qualifies: "pays about 25 days late, worsening"
QUALIFIERS = ("worsening", "improving")


class SegmentWords:
    codes = SEGMENT_CODES

    def phrase(self, phrase: Phrase) -> str:
        if phrase.code in self.codes:
            return getattr(self, phrase.code)(**dict(phrase.params))
        text = phrase.get("text")
        return str(text) if text is not None else phrase.code

    def join(self, phrases) -> str:
        """ "pays about 25 days late, worsening (+9 days); frequent disputes (36% of invoices)"."""
        out = ""
        for index, phrase in enumerate(phrases):
            text = self.phrase(phrase)
            if index == 0:
                out = text
            else:
                out += (", " if phrase.code in QUALIFIERS else "; ") + text
        return out

    def month(self, month: int) -> str:
        return calendar.month_name[month]

    # one method per code ------------------------------------------------------
    def pays_late(self, days):
        return f"pays about {days} days late"

    def pays_early(self, share):
        return f"pays early ({share}% of invoices)"

    def pays_on_time(self):
        return "pays on time"

    def worsening(self, days):
        return f"worsening (+{days} days)"

    def improving(self, days):
        return f"improving (-{days} days)"

    def seasonal(self, month):
        return f"late around {self.month(month)}" if month else "late in some months of the year"

    def disputes(self, share):
        return f"frequent disputes ({share}% of invoices)"

    def broken_promises(self, share):
        return f"breaks promises ({share}% of invoices)"

    def irregular(self, days):
        return f"irregular (± {days} days)"

    def early_risk(self, days):
        return f"current, but paying {days} days later than before"

    def no_history(self):
        return "no invoices yet"

    def too_few_invoices(self, count, minimum):
        return f"{count} invoice(s) with a known payment; segmenting needs {minimum}"

    def too_few_customers(self, count, minimum):
        return f"{count} customer(s) with enough history; segmenting needs {minimum}"

    def all_alike(self):
        return "all customers pay alike"

    def no_distinct_groups(self):
        return "no distinct groups in how the customers pay"

    def unavailable(self):
        return "behaviour segmentation unavailable (scikit-learn is not installed)"


ENGLISH_SEGMENTS = SegmentWords()


def segment_name(phrases, words: SegmentWords = ENGLISH_SEGMENTS) -> str:
    """A segment's traits (or a customer's reason) as one line of words."""
    return words.join(tuple(phrases))
