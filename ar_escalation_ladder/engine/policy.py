# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The escalation policy: stages and their entry rules, validated with pydantic.

This module needs no database. The Odoo models serialise their stage records
into a plain dict, :func:`load_policy` validates it, and the evaluator in
:mod:`.evaluate` reads the resulting :class:`Policy`. A policy that does not
validate raises :class:`PolicyError` whose message names the stage and the
rule at fault, e.g. ``Stage "Managed" (sequence 2), rule 1 (days_overdue):
min must be <= max``.
"""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import Field, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from .rules import RULE_KINDS, RuleSchema, rule_union
from .rules import Strict as _Strict
from .vocabulary import ACCOUNT_TIERS, CHANNELS  # noqa: F401 (ACCOUNT_TIERS: exported)


class PolicyError(ValueError):
    """A policy that cannot be used, with a message naming stage and rule.

    ``problems`` holds each fault for a caller that words it itself (the Odoo
    side translates them): a dict with ``stage`` (its name), ``sequence``,
    ``rule`` (1-based) and ``kind`` of the rule, ``field`` (the key at fault,
    dotted), ``code`` (pydantic's error type or this module's own), ``params``
    (the code's values) and ``input`` (the value given).
    """

    def __init__(self, message, problems=()):
        super().__init__(message)
        self.problems = tuple(problems)


class Stage(_Strict):
    """What the engine reads of a stage: its rules, its channel and cadence.

    Who owns a stage's case and by when it is acknowledged (owner role, SLA)
    and who it rolls up to are the Odoo side's: they need users and the
    company's working calendar, and no decision of the engine reads them.
    """

    sequence: int = Field(ge=0)
    name: str = Field(min_length=1)
    rule_mode: Literal["any", "all"] = "any"
    rules: tuple[RuleSchema, ...] = ()  # of the kinds in RULE_KINDS (see policy_model)
    channel: Literal[CHANNELS] = "email"
    cadence_days: int = Field(7, ge=0)
    cadence_max: int = Field(3, ge=0)
    pause_on_promise: bool = True
    needs_approval: bool = False  # customer messages wait for the account manager's approval

    @model_validator(mode="after")
    def _check_stage(self):
        if self.cadence_max > 1 and self.cadence_days < 1:
            raise PydanticCustomError(
                "cadence_zero",
                "cadence_days must be >= 1 when cadence_max > 1",
                {"cadence_max": self.cadence_max},
            )
        return self


class RiskThresholds(_Strict):
    late_payer_days: float = Field(10, ge=0)
    worsening_days: float = Field(5, ge=0)


class Policy(_Strict):
    stages: tuple[Stage, ...] = Field(min_length=1)
    promise_grace_days: int = Field(3, ge=0)
    risk: RiskThresholds = RiskThresholds()

    @model_validator(mode="after")
    def _check_sequences(self):
        seen = {}
        for stage in self.stages:
            if stage.sequence in seen:
                raise PydanticCustomError(
                    "sequence_shared",
                    'stages "{first}" and "{second}" share sequence {sequence}',
                    {"first": seen[stage.sequence], "second": stage.name, "sequence": stage.sequence},
                )
            seen[stage.sequence] = stage.name
        return self

    @property
    def by_sequence(self) -> dict[int, Stage]:
        return {s.sequence: s for s in self.stages}

    def descending(self) -> tuple[Stage, ...]:
        return tuple(sorted(self.stages, key=lambda s: s.sequence, reverse=True))


@functools.cache
def _policy_model(schemas: tuple) -> type[Policy]:
    stage = create_model("Stage", __base__=Stage, rules=(tuple[rule_union(schemas), ...], ()))
    return create_model("Policy", __base__=Policy, stages=(tuple[stage, ...], Field(min_length=1)))


def policy_model() -> type[Policy]:
    """:class:`Policy` whose stages' rules are of the kinds registered now in ``RULE_KINDS``."""
    return _policy_model(RULE_KINDS.schemas())


def _where(data: dict, loc: tuple) -> dict:
    """What a pydantic error location points at: the stage, the rule, the field."""
    where = {"stage": None, "sequence": None, "rule": None, "kind": None, "field": None}
    rest = loc
    if len(loc) >= 2 and loc[0] == "stages" and isinstance(loc[1], int):
        stages = data.get("stages") or []
        raw = stages[loc[1]] if loc[1] < len(stages) else {}
        raw = raw if isinstance(raw, dict) else {}
        name = raw.get("name")
        where.update(stage=name if isinstance(name, str) and name else f"#{loc[1] + 1}")
        where["sequence"] = raw.get("sequence", "?")
        rest = loc[2:]
        if len(rest) >= 2 and rest[0] == "rules" and isinstance(rest[1], int):
            rules = raw.get("rules") or []
            rule = rules[rest[1]] if isinstance(rules, list | tuple) and rest[1] < len(rules) else {}
            kind = rule.get("kind", "?") if isinstance(rule, dict) else "?"
            where.update(rule=rest[1] + 1, kind=kind if isinstance(kind, str) else repr(kind))
            rest = rest[2:]
            if rest and rest[0] == kind:
                rest = rest[1:]
    if rest:
        where["field"] = ".".join(str(p) for p in rest)
    return where


def _describe_location(where: dict) -> str:
    """A location as 'Stage "X" (sequence N), rule K (kind), field F'."""
    parts = []
    if where["stage"] is not None:
        parts.append(f'Stage "{where["stage"]}" (sequence {where["sequence"]})')
    if where["rule"] is not None:
        parts.append(f"rule {where['rule']} ({where['kind']})")
    if where["field"]:
        parts.append("field " + where["field"])
    return ", ".join(parts) or "policy"


def load_policy(data: dict) -> Policy:
    """Validate ``data`` into a :class:`Policy` or raise :class:`PolicyError`."""
    if not isinstance(data, dict):
        raise PolicyError(
            "policy: expected a mapping with a 'stages' list",
            [{**_where({}, ()), "code": "not_a_mapping", "params": {}, "input": None}],
        )
    return validate(policy_model(), data)


def validate(model: type[_Strict], data: dict):
    """``data`` validated as ``model`` (a mapping with a ``stages`` list), or :class:`PolicyError`.

    The Odoo side validates the stage settings that are its own (owner, SLA)
    with its own model, its faults located and worded as the policy's.
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        if len(errors) > 1:
            # a stage that fails validation also makes the stages tuple look
            # short; report only the real cause
            errors = [e for e in errors if tuple(e["loc"]) != ("stages",)] or errors
        lines, problems = [], []
        for err in errors:
            where = _where(data, tuple(err["loc"]))
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{_describe_location(where)}: {msg}")
            problems.append(
                {
                    **where,
                    "code": err["type"],
                    "params": dict(err.get("ctx") or {}),
                    "input": err.get("input"),
                }
            )
        raise PolicyError("; ".join(lines), problems) from None
