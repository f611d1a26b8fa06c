# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The words of a drafted track's choices (:mod:`.proposal`), in English.

A choice is stored as codes (:class:`~.proposal.Choice`); it is worded when
read: :class:`ProposalWords` here, a method per code of ``PROPOSAL_CODES``; the
Odoo side subclasses it with the reader's language
(models/ar_escalation_track_words.py).
"""

from __future__ import annotations

import calendar

from .vocabulary import CHANNEL_SELECTION, OWNER_ROLE_SELECTION, TONE_SELECTION, Phrase

# The phrases of a proposal's choices, with their parameters:
# decisions
#   stages_from(track)             "stages copied from Default; what the behaviour does not change stays"
#   unchanged                      "nothing in the segment's behaviour calls for a change"
#   pre_due_days(days, before)     "first reminder 14 days before the due date (was 7)"
#   overdue_from(days, before)     "entered at 12 days overdue (was 16)"
#   cadence(value, before)         "repeats every 3 days (was 5)"
#   tone(value, before)            "tone: Firm and specific (was Collaborative)"
#   channel(value, before)         "channel: Email and SMS (was Email)"
#   owner(value, before)           "owner: Account manager (was AR operator)"
#   owner_task(value, before)      "the owner gets a task at this stage"
#   promise_pause(value, before)   "reminders continue while a promise to pay holds"
#   timing_only(kinds)             "entered by its timing only (risk_signals dropped)"
#   invoice_check(days, role)      "an internal check of the invoice ... before any message (owner: ...)"
#   seasonal_reminder(month, days) "invoices due in August: a reminder 21 days before the due date"
# evidence (the segment's profile)
#   late_avg(days), early_share(share), trend(days), dispute_rate(rate),
#   broken_promise_rate(rate), seasonal(month, amplitude), avg_invoice(amount)
PROPOSAL_CODES = (
    "stages_from",
    "unchanged",
    "pre_due_days",
    "overdue_from",
    "cadence",
    "tone",
    "channel",
    "owner",
    "owner_task",
    "promise_pause",
    "timing_only",
    "invoice_check",
    "seasonal_reminder",
    "late_avg",
    "early_share",
    "trend",
    "dispute_rate",
    "broken_promise_rate",
    "seasonal",
    "avg_invoice",
)


class ProposalWords:
    """A choice's phrases in English (the engine's tests and tools read them)."""

    codes = PROPOSAL_CODES

    def phrase(self, phrase: Phrase) -> str:
        if phrase.code in self.codes:
            return getattr(self, phrase.code)(**dict(phrase.params))
        return self.unknown(phrase)

    def unknown(self, phrase: Phrase) -> str:
        values = ", ".join(f"{name}={value}" for name, value in phrase.params)
        return f"{phrase.code} ({values})" if values else phrase.code

    def join(self, texts: list[str]) -> str:
        return "; ".join(texts)

    # labels --------------------------------------------------------------------------
    def month(self, month: int) -> str:
        return calendar.month_name[month] if isinstance(month, int) and 1 <= month <= 12 else str(month)

    def percent(self, rate: float) -> str:
        return f"{round((rate or 0) * 100)}%"

    def amount(self, amount: float) -> str:
        return f"{amount or 0:,.2f}"

    def tone_label(self, tone: str) -> str:
        return dict(TONE_SELECTION).get(tone, tone or "")

    def channel_label(self, channel: str) -> str:
        return dict(CHANNEL_SELECTION).get(channel, channel or "")

    def role_label(self, role: str) -> str:
        return dict(OWNER_ROLE_SELECTION).get(role, role or "")

    def kind_label(self, kind: str) -> str:
        return kind

    def days(self, days: int) -> str:
        return "1 day" if days == 1 else f"{days} days"

    # decisions -------------------------------------------------------------------------
    def stages_from(self, track: str) -> str:
        return f"stages copied from {track}; what the segment's behaviour does not change stays as there"

    def unchanged(self) -> str:
        return "nothing in the segment's behaviour calls for a change"

    def pre_due_days(self, days: int, before) -> str:
        return f"first reminder {self.days(days)} before the due date (was {self.days(before or 0)})"

    def overdue_from(self, days: int, before: int) -> str:
        return f"entered at {self.days(days)} overdue (was {self.days(before)})"

    def cadence(self, value: int, before) -> str:
        return f"repeats every {self.days(value)} (was {self.days(before or 0)})"

    def tone(self, value: str, before) -> str:
        return f"tone: {self.tone_label(value)} (was {self.tone_label(before)})"

    def channel(self, value: str, before) -> str:
        return f"channel: {self.channel_label(value)} (was {self.channel_label(before)})"

    def owner(self, value: str, before) -> str:
        return f"owner: {self.role_label(value)} (was {self.role_label(before)})"

    def owner_task(self, value: bool, before) -> str:
        return "the owner gets a task at this stage" if value else "no task for the owner at this stage"

    def promise_pause(self, value: bool, before) -> str:
        if value:
            return "reminders pause while a promise to pay holds"
        return "reminders continue while a promise to pay holds"

    def timing_only(self, kinds) -> str:
        labels = ", ".join(self.kind_label(kind) for kind in kinds)
        return f"entered by its timing only, so that the check comes first (dropped: {labels})"

    def invoice_check(self, days: int, role: str) -> str:
        return (
            f"an internal check of the invoice (reference, delivery, price) before any message, "
            f"from {self.days(days)} before the due date (owner: {self.role_label(role)})"
        )

    def seasonal_reminder(self, month: int, days: int) -> str:
        return f"invoices due in {self.month(month)}: a reminder {self.days(days)} before the due date"

    # evidence ----------------------------------------------------------------------------
    def late_avg(self, days: int) -> str:
        if days <= 0:
            return "pays on time on average"
        return f"pays {self.days(days)} late on average"

    def early_share(self, share: float) -> str:
        return f"pays {self.percent(share)} of its invoices early"

    def trend(self, days: int) -> str:
        return f"paying {self.days(days)} later than in the months before"

    def dispute_rate(self, rate: float) -> str:
        return f"disputes {self.percent(rate)} of its invoices"

    def broken_promise_rate(self, rate: float) -> str:
        return f"breaks {self.percent(rate)} of its promises to pay"

    def seasonal(self, month: int, amplitude: float) -> str:
        return f"pays latest in {self.month(month)} (seasonality {self.percent(amplitude)})"

    def avg_invoice(self, amount: float) -> str:
        return f"invoices of {self.amount(amount)} on average"


ENGLISH_PROPOSAL = ProposalWords()


def choice_text(choice, words: ProposalWords = ENGLISH_PROPOSAL) -> tuple[str, str]:
    """A choice as (what, why) in ``words``."""
    return words.phrase(choice.decision), words.join([words.phrase(p) for p in choice.because])
