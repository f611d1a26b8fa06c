# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A drafted track for a segment: the default track's stages adjusted to how the segment pays.

Plain Python, no database. :func:`propose` takes a segment's ``profile`` (the
keys of ``ar.escalation.segment.profile``: ``avg_days_late``, ``trend_days``,
``dispute_rate``…; a key missing or ``None`` is unknown and no rule reads it)
and the base track's stages (``_prepare_policy_stage()`` plus ``tone``,
``owner_role`` and ``sla_hours``) and returns a :class:`Proposal`: the drafted
stages, in the same shape, and one :class:`Choice` per decision with its
reasons as :class:`~.vocabulary.Phrase` codes (worded at read time, in the
reader's language: :class:`ProposalWords` here in English, the Odoo side in
models/ar_escalation_track_proposal.py).

The rules are the README's "Drafted tracks" section; their thresholds are
:class:`Thresholds`. A stage's timing is its ``days_overdue`` rule: the
pre-due stage is the first one whose range starts before the due date, the
overdue stages those starting after it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from . import due_month  # noqa: F401 (the rule kind a seasonal reminder enters by)
from .proposal_traits import DEFAULT_THRESHOLDS, NAMED, Thresholds, traits  # noqa: F401 (the API)
from .vocabulary import Phrase

# a drafted track's new stages ("origin" of a stage that is not a copy)
CHECK, SEASONAL = "invoice_check", "seasonal"
# what a choice is about
ASPECTS = ("track", "stage", "timing", "rules", "tone", "channel", "cadence", "promise", "owner")


@dataclass(frozen=True, slots=True)
class Choice:
    """One decision of the draft: what (``decision``), where (``stage``, a level of the
    drafted track, or None for the track) and why (``because``: the profile's evidence)."""

    aspect: str  # ASPECTS
    stage: int | None
    decision: Phrase
    because: tuple[Phrase, ...] = ()

    def to_json(self) -> dict:
        return {
            "aspect": self.aspect,
            "stage": self.stage,
            "decision": self.decision.to_json(),
            "because": [phrase.to_json() for phrase in self.because],
        }

    @classmethod
    def from_json(cls, data: dict) -> Choice:
        because = tuple(Phrase.from_json(item) for item in data.get("because") or ())
        return cls(data["aspect"], data.get("stage"), Phrase.from_json(data["decision"]), because)


@dataclass(slots=True)
class Proposal:
    """The drafted stages (``origin``: the base stage's level, or ``CHECK`` / ``SEASONAL``),
    the choices made, and the traits that made them (``chronic_late``…)."""

    stages: list[dict]
    choices: list[Choice] = field(default_factory=list)
    traits: tuple[str, ...] = ()


def _half_up(value):
    """``value`` rounded half up (3.5 -> 4, 2.5 -> 3: not Python's round to even)."""
    return int(value + 0.5)


# the base track's timing ---------------------------------------------------------------
def _days_rule(stage):
    return next((rule for rule in stage.get("rules") or () if rule.get("kind") == "days_overdue"), None)


def timeline(stages: list[dict]) -> tuple[dict | None, list[dict]]:
    """The pre-due stage (its days range starts before the due date) and the overdue stages
    (theirs start after it), by their start."""
    timed = [(stage, _days_rule(stage)) for stage in stages]
    timed = [(stage, rule) for stage, rule in timed if rule is not None]
    pre = [stage for stage, rule in timed if rule.get("min") is None or rule["min"] <= 0]
    overdue = sorted(
        (stage for stage, rule in timed if rule.get("min") is not None and rule["min"] > 0),
        key=lambda stage: _days_rule(stage)["min"],
    )
    return (min(pre, key=lambda stage: stage["sequence"]) if pre else None), overdue


class _Draft:
    """The proposal being written: the stages (copies) and the choices made on them."""

    def __init__(self, base_stages, found, limits):
        self.stages = [{**copy.deepcopy(stage), "origin": stage["sequence"]} for stage in base_stages]
        self.stages.sort(key=lambda stage: stage["sequence"])
        self.found = found
        self.limits = limits
        self.choices = []
        self.pre, self.overdue = timeline(self.stages)

    def because(self, *names):
        return tuple(phrase for name in names for phrase in self.found.get(name, ()))

    def choose(self, aspect, stage, decision, *names):
        self.choices.append((aspect, stage, decision, self.because(*names)))

    def set(self, stage, key, value, aspect, code, *names):
        """``stage[key] = value``, with its choice (the value before as ``before``)."""
        if stage.get(key) == value:
            return
        before = stage.get(key)
        stage[key] = value
        self.choose(aspect, stage, Phrase.of(code, value=value, before=before), *names)


# the rules (README "Drafted tracks") ------------------------------------------------------
def _pre_due(draft):
    """Chronic late payers: the pre-due reminder earlier; punctual payers: later."""
    stage, limits = draft.pre, draft.limits
    if stage is None:
        return
    if "chronic_late" in draft.found:
        days, name = limits.chronic_pre_due_days, "chronic_late"
    elif "punctual" in draft.found:
        days, name = limits.punctual_pre_due_days, "punctual"
    else:
        return
    rule = _days_rule(stage)
    before = int(-rule["min"]) if rule.get("min") is not None else None
    if before != days:
        rule["min"] = float(-days)
        draft.choose("timing", stage, Phrase.of("pre_due_days", days=days, before=before), name)


def _overdue_offsets(draft):
    """Chronic late payers: each overdue stage after the first entered sooner (ranges kept adjoining)."""
    if "chronic_late" not in draft.found or len(draft.overdue) < 2:
        return
    rules = [_days_rule(stage) for stage in draft.overdue]
    starts = [rule["min"] for rule in rules]
    new = [starts[0]]
    for start in starts[1:]:
        new.append(max(new[-1] + 1, float(_half_up(start * draft.limits.overdue_scale))))
    for index, (stage, rule) in enumerate(zip(draft.overdue, rules, strict=True)):
        if index + 1 < len(rules) and rule.get("max") == starts[index + 1] - 1:
            rule["max"] = new[index + 1] - 1
        if new[index] != starts[index]:
            rule["min"] = new[index]
            decision = Phrase.of("overdue_from", days=int(new[index]), before=int(starts[index]))
            draft.choose("timing", stage, decision, "chronic_late")


def _cadence(draft):
    """Chronic late payers: reminders repeat sooner on the overdue stages."""
    if "chronic_late" not in draft.found:
        return
    limits = draft.limits
    for stage in draft.overdue:
        days = stage.get("cadence_days") or 0
        shorter = max(limits.min_cadence_days, _half_up(days * limits.cadence_scale))
        if days and shorter < days:
            draft.set(stage, "cadence_days", shorter, "cadence", "cadence", "chronic_late")


def _tones(draft):
    """The first overdue message: firm for chronic late payers, courteous for punctual ones,
    collaborative for dispute-prone ones (a question is likelier than an excuse)."""
    if not draft.overdue:
        return
    first = draft.overdue[0]
    for name, tone in (
        ("dispute_prone", "collaborative"),
        ("chronic_late", "firm"),
        ("punctual", "courteous"),
    ):
        if name in draft.found:
            draft.set(first, "tone", tone, "tone", "tone", name)
            return


def _channels(draft):
    """Small invoices: the pre-due and first overdue reminders by email and SMS."""
    if "small_invoices" not in draft.found:
        return
    for stage in (draft.pre, *draft.overdue[:1]):
        if stage is not None and stage.get("channel") == "email":
            draft.set(stage, "channel", "email_sms", "channel", "channel", "small_invoices")


def _owners(draft):
    """Deteriorating: the account manager reviews from the first stage (with a task, on a track
    whose first stage runs without one); large invoices:
    the account manager owns the first overdue stage."""
    first_stage = draft.stages[0] if draft.stages else None
    if "deteriorating" in draft.found and first_stage:
        if first_stage.get("owner_role") == "ar_operator":
            draft.set(first_stage, "owner_role", "account_manager", "owner", "owner", "deteriorating")
        if first_stage.get("owner_task") is False:
            draft.set(first_stage, "owner_task", True, "owner", "owner_task", "deteriorating")
    if "large_invoices" in draft.found and draft.overdue:
        if draft.overdue[0].get("owner_role") == "ar_operator":
            draft.set(draft.overdue[0], "owner_role", "account_manager", "owner", "owner", "large_invoices")


def _promises(draft):
    """Frequent broken promises: reminders continue while a promise holds, from the second
    overdue stage up."""
    if "promise_breaker" not in draft.found:
        return
    for stage in draft.overdue[1:]:
        if stage.get("pause_on_promise", True):
            draft.set(stage, "pause_on_promise", False, "promise", "promise_pause", "promise_breaker")


def _pre_due_days(draft):
    rule = _days_rule(draft.pre) if draft.pre else None
    return int(-rule["min"]) if rule and rule.get("min") is not None and rule["min"] < 0 else 0


def _seasonal(draft):
    """Seasonal payers: invoices due in the month their lateness peaks get a reminder
    ``seasonal_lead_days`` before the pre-due one (a stage of its own, below it)."""
    if "seasonal" not in draft.found:
        return None
    month, start = draft.found["seasonal"][0].get("month"), _pre_due_days(draft)
    days = start + draft.limits.seasonal_lead_days
    model = draft.pre or (draft.overdue[0] if draft.overdue else {})
    stage = {
        **copy.deepcopy(model),
        "origin": SEASONAL,
        "name": "Seasonal reminder",
        "rule_mode": "all",
        "rules": [
            {"kind": "due_month", "month": month},
            {"kind": "days_overdue", "min": float(-days), "max": float(-start - 1)},
        ],
        "channel": model.get("channel") if model.get("channel") not in (None, "none") else "email",
        "tone": "courteous",
        "cadence_max": 1,
    }
    draft.choose("stage", stage, Phrase.of("seasonal_reminder", month=month, days=days), "seasonal")
    return stage


def _invoice_check(draft, seasonal):
    """Dispute-prone: an internal check of the invoice by the account manager (no message)
    before the first reminder; a first reminder entered by any of its rules then enters by its
    timing only (another rule would send it before the check)."""
    if "dispute_prone" not in draft.found:
        return None
    first = _pre_due_days(draft) + (draft.limits.seasonal_lead_days if seasonal else 0)
    stage = {
        **copy.deepcopy(draft.pre or (draft.overdue[0] if draft.overdue else {})),
        "origin": CHECK,
        "name": "Invoice check",
        "rule_mode": "any",
        "rules": [{"kind": "days_overdue", "max": float(-first - 1)}],
        "channel": "none",
        "tone": "collaborative",
        "owner_role": "account_manager",
        "owner_task": True,
        "sla_hours": draft.limits.check_sla_hours,
        "sla_same_business_day": False,
        "cadence_max": 1,
    }
    decision = Phrase.of("invoice_check", days=first + 1, role="account_manager")
    draft.choose("stage", stage, decision, "dispute_prone")
    if draft.pre is not None and draft.pre.get("rule_mode", "any") == "any":
        dropped = [rule["kind"] for rule in draft.pre["rules"] if rule.get("kind") != "days_overdue"]
        if dropped:
            draft.pre["rules"] = [_days_rule(draft.pre)]
            draft.choose("rules", draft.pre, Phrase.of("timing_only", kinds=tuple(dropped)), "dispute_prone")
    return stage


def _finish(draft, added, base_name):
    """The stages in level order (renumbered 0.. when stages were added) and the choices stage by stage."""
    stages = [*added, *draft.stages]
    if added:
        for level, stage in enumerate(stages):
            stage["sequence"] = level
    levels = {id(stage): stage["sequence"] for stage in stages}
    choices = [Choice("track", None, Phrase.of("stages_from", track=base_name))]
    if not draft.choices:
        choices.append(Choice("track", None, Phrase.of("unchanged")))
    made = [
        Choice(aspect, levels[id(stage)], decision, because)
        for aspect, stage, decision, because in draft.choices
    ]
    choices += sorted(made, key=lambda choice: choice.stage)  # stage by stage, each in the rules' order
    return Proposal(stages, choices, tuple(draft.found))


def propose(
    profile: dict,
    base_stages: list[dict],
    base_name: str = "",
    limits: Thresholds = DEFAULT_THRESHOLDS,
    named=None,
) -> Proposal:
    """The track drafted for a segment of ``profile`` from ``base_stages`` (README "Drafted tracks").

    ``named``: the codes of the segment's traits (see :func:`traits`). The base
    stages are not changed; each drafted stage keeps the keys of its base stage
    and says where it comes from in ``origin``.
    """
    draft = _Draft(base_stages, traits(profile or {}, limits, named), limits)
    for rule in (_pre_due, _overdue_offsets, _cadence, _tones, _channels, _owners, _promises):
        rule(draft)
    seasonal = _seasonal(draft)
    check = _invoice_check(draft, seasonal)
    return _finish(draft, [stage for stage in (check, seasonal) if stage], base_name)


def engine_stage(stage: dict) -> dict:
    """A drafted stage as the engine's policy reads it (without the case's and the draft's keys)."""
    keep = (
        "sequence",
        "name",
        "rule_mode",
        "rules",
        "channel",
        "cadence_days",
        "cadence_max",
        "pause_on_promise",
        "needs_approval",
    )
    return {key: stage[key] for key in keep if key in stage}
