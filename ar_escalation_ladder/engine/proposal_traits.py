# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The traits of a segment's profile that a drafted track's rules act on (:mod:`.proposal`).

Each trait comes with its evidence, the profile's figures as
:class:`~.vocabulary.Phrase` codes (the *why* of the choices it makes); when
each counts is :class:`Thresholds` (the README's "Drafted tracks" table).
"""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import Phrase


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When a trait of the profile counts, and what it changes (the README's table)."""

    chronic_late_days: float = 15  # avg_days_late at or above: a chronic late payer
    punctual_late_days: float = 2  # avg_days_late at or below and ...
    punctual_early_share: float = 0.5  # ... early_share at or above: a punctual payer
    # the next four are the floors a segment's name says the trait from (engine/segment_model.py
    # TRAITS): a segment named "worsening", "seasonal"... gets the rule of that trait
    deteriorating_days: float = 5  # trend_days at or above
    dispute_rate: float = 0.1
    broken_promise_rate: float = 0.1
    seasonality: float = 0.25  # with a peak_month
    small_invoice: float = 500  # avg_invoice below (company currency)
    large_invoice: float = 20000  # avg_invoice at or above
    chronic_pre_due_days: int = 14
    punctual_pre_due_days: int = 3
    seasonal_lead_days: int = 14  # a seasonal reminder this much before the pre-due one
    overdue_scale: float = 0.75  # chronic late payers: overdue offsets scaled by
    cadence_scale: float = 0.5  # chronic late payers: days between reminders scaled by
    min_cadence_days: int = 2
    check_sla_hours: float = 48


DEFAULT_THRESHOLDS = Thresholds()


# the profile's traits ----------------------------------------------------------------
def _num(profile, key):
    value = profile.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _at_least(profile, key, threshold):
    value = _num(profile, key)
    return value is not None and value >= threshold


# the traits a segment's name says (the codes of ar.escalation.segment.traits, engine/segment_model.py)
NAMED = {
    "deteriorating": "worsening",
    "seasonal": "seasonal",
    "dispute_prone": "disputes",
    "promise_breaker": "broken_promises",
}


def traits(
    profile: dict, limits: Thresholds = DEFAULT_THRESHOLDS, named=None
) -> dict[str, tuple[Phrase, ...]]:
    """The profile's traits that a rule acts on, each with the evidence that shows it.

    ``named``: the codes of what the segment's name says distinguishes it; when
    given, the traits of :data:`NAMED` count only if the name says them too (an
    average over the segment can pass a floor without being what sets it apart).
    """
    out = _profile_traits(profile, limits)
    if named is not None:
        out = {name: why for name, why in out.items() if name not in NAMED or NAMED[name] in named}
    return out


def _profile_traits(profile, limits):
    out = {}
    late, early = _num(profile, "avg_days_late"), _num(profile, "early_share")
    if late is not None and late >= limits.chronic_late_days:
        out["chronic_late"] = (Phrase.of("late_avg", days=round(late)),)
    elif (
        late is not None and late <= limits.punctual_late_days and (early or 0) >= limits.punctual_early_share
    ):
        out["punctual"] = (Phrase.of("late_avg", days=round(late)), Phrase.of("early_share", share=early))
    if _at_least(profile, "trend_days", limits.deteriorating_days):
        out["deteriorating"] = (Phrase.of("trend", days=round(profile["trend_days"])),)
    if _at_least(profile, "dispute_rate", limits.dispute_rate):
        out["dispute_prone"] = (Phrase.of("dispute_rate", rate=profile["dispute_rate"]),)
    if _at_least(profile, "broken_promise_rate", limits.broken_promise_rate):
        out["promise_breaker"] = (Phrase.of("broken_promise_rate", rate=profile["broken_promise_rate"]),)
    month = _num(profile, "peak_month")
    month = int(month) if month is not None and month.is_integer() and 1 <= month <= 12 else None
    if _at_least(profile, "seasonality", limits.seasonality) and month:
        out["seasonal"] = (Phrase.of("seasonal", month=month, amplitude=profile["seasonality"]),)
    size = _num(profile, "avg_invoice")
    if size is not None and size < limits.small_invoice:
        out["small_invoices"] = (Phrase.of("avg_invoice", amount=size),)
    elif size is not None and size >= limits.large_invoice:
        out["large_invoices"] = (Phrase.of("avg_invoice", amount=size),)
    return out
