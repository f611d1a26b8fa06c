# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A policy that does not validate, in words a user understands, in the user's language.

The engine (``engine/policy.py``) knows no language: its :class:`PolicyError`
carries each fault as a code with its values and where it is (stage, rule,
field). Here each is worded with the labels the user sees on the stage's form
("The range of days overdue starts at 20 but ends at 15"), never pydantic's
or Python's text.
"""

from .ar_escalation_rule import SETTING_COLUMNS, is_range_kind


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _given(value):
    """The value a file gave, as the user typed it (text quoted, nothing for none)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return f"“{value}”"
    return "{…}" if isinstance(value, dict) else "[…]"


# pydantic's bound errors -> the key of their bound in the error's values
BOUNDS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}

# pydantic's error codes that read alike -> the ``PolicyWords._say_*`` that words them
SAYINGS = {
    "greater_than": "bound",
    "greater_than_equal": "bound",
    "less_than": "bound",
    "less_than_equal": "bound",
    "int_type": "whole_number",
    "int_parsing": "whole_number",
    "int_from_float": "whole_number",
    "float_type": "number",
    "float_parsing": "number",
    "finite_number": "number",
    "bool_type": "boolean",
    "bool_parsing": "boolean",
    "string_type": "text",
    "string_too_short": "text",
    "tuple_type": "list",
    "list_type": "list",
    "model_type": "mapping",
    "model_attributes_type": "mapping",
    "dict_type": "mapping",
}


class PolicyWords:
    """The words of a :class:`PolicyError`'s problems, in ``env``'s language."""

    def __init__(self, env):
        self.env = env
        self._ = env._
        self.kinds = dict(env["ar.escalation.rule"]._fields["kind"]._description_selection(env))

    # where ------------------------------------------------------------
    def field_label(self, problem):
        """The key at fault as the form names it, with the key of the file: “SLA (hours)” (sla_hours)."""
        _ = self._
        key = problem["field"] or ""
        last = key.rsplit(".", 1)[-1]
        env = self.env
        stage_fields = env["ar.escalation.stage"]._fields
        company_fields = env["res.company"]._fields
        if problem["rule"] is not None:
            kind = problem["kind"]
            # a setting of an added kind is named as the rule's field that holds it
            column = env["ar.escalation.rule"]._fields.get(SETTING_COLUMNS.get(last, last))
            labels = {last: column._description_string(env)} if column is not None else {}
            labels |= {
                "min": _("From") if is_range_kind(kind) else _("At least"),
                "max": _("To"),
                "scope": _("Scope"),
                "since_stage": _("Counting messages from level"),
                "tiers": _("Tiers"),
                "kind": _("Kind of rule"),
            }
        elif problem["stage"] is not None:
            labels = {
                name: stage_fields[name]._description_string(env)
                for name in (
                    "sequence",
                    "name",
                    "rule_mode",
                    "owner_role",
                    "sla_hours",
                    "sla_same_business_day",
                    "channel",
                    "cadence_days",
                    "cadence_max",
                    "pause_on_promise",
                )
            }
            labels["rules"] = _("Entry rules")
        else:
            labels = {
                "stages": _("Stages"),
                "promise_grace_days": company_fields["ar_promise_grace_days"]._description_string(env),
                "late_payer_days": company_fields["ar_late_payer_days"]._description_string(env),
                "worsening_days": company_fields["ar_worsening_days"]._description_string(env),
                "risk": _("Risk thresholds"),
            }
        label = labels.get(last)
        if not key:
            return ""
        return f"“{label}” ({key})" if label else f"“{key}”"

    def location(self, problem):
        _ = self._
        parts = []
        if problem["stage"] is not None:
            parts.append(
                _("Stage “%(name)s” (level %(level)s)", name=problem["stage"], level=problem["sequence"])
            )
        if problem["rule"] is not None:
            kind = self.kinds.get(problem["kind"]) or problem["kind"]
            parts.append(_("rule %(number)s (%(kind)s)", number=problem["rule"], kind=kind))
        return ", ".join(parts)

    # what ---------------------------------------------------------------
    def what(self, problem):
        """The fault itself, as a sentence (one ``_say_*`` method per kind of fault)."""
        say = getattr(self, f"_say_{SAYINGS.get(problem['code'], problem['code'])}", self._say_other)
        return say(problem, self.field_label(problem) or self._("The value"), _given(problem["input"]))

    def _kind_label(self, problem):
        return (self.kinds.get(problem["kind"]) or problem["kind"] or "").lower()

    def _say_range_inverted(self, problem, field, given):
        params = problem["params"]
        return self._(
            "The range of %(what)s starts at %(min)s but ends at %(max)s.",
            what=self._kind_label(problem),
            min=_number(params["min"]),
            max=_number(params["max"]),
        )

    def _say_range_empty(self, problem, field, given):
        return self._("The range of %s needs a start (From), an end (To) or both.", self._kind_label(problem))

    def _say_amount_negative(self, problem, field, given):
        return self._("An amount cannot be negative (%s).", _number(problem["params"]["value"]))

    def _say_sla_zero(self, problem, field, given):
        return self._("The SLA must be more than 0 hours, unless it is the same business day.")

    def _say_cadence_zero(self, problem, field, given):
        return self._(
            "With %s messages at most, the days between them must be at least 1.",
            problem["params"]["cadence_max"],
        )

    def _say_sequence_shared(self, problem, field, given):
        params = problem["params"]
        return self._(
            "Stages “%(first)s” and “%(second)s” share level %(level)s: each stage needs its own level.",
            first=params["first"],
            second=params["second"],
            level=params["sequence"],
        )

    def _say_not_a_mapping(self, problem, field, given):
        return self._("The policy must be a mapping with a list of stages.")

    def _say_missing(self, problem, field, given):
        return self._("%s is missing.", field)

    def _say_extra_forbidden(self, problem, field, given):
        return self._("%s is not a setting the ladder knows: remove it or check its spelling.", field)

    def _say_bound(self, problem, field, given):
        _ = self._
        code = problem["code"]
        values = {"field": field, "bound": _number(problem["params"].get(BOUNDS[code])), "given": given}
        if code == "greater_than":
            return _("%(field)s must be more than %(bound)s; it is %(given)s.", **values)
        if code == "greater_than_equal":
            return _("%(field)s must be at least %(bound)s; it is %(given)s.", **values)
        if code == "less_than":
            return _("%(field)s must be less than %(bound)s; it is %(given)s.", **values)
        return _("%(field)s must be at most %(bound)s; it is %(given)s.", **values)

    def _say_literal_error(self, problem, field, given):
        return self._(
            "%(field)s cannot be %(given)s; it is one of: %(expected)s.",
            field=field,
            given=given,
            expected=problem["params"].get("expected", ""),
        )

    def _say_union_tag_invalid(self, problem, field, given):
        return self._(
            "%(given)s is not a kind of rule; the kinds are: %(kinds)s.",
            given=_given(problem["params"].get("tag")),
            kinds=", ".join(sorted(self.kinds)),
        )

    def _say_union_tag_not_found(self, problem, field, given):
        return self._("The rule has no kind; the kinds are: %s.", ", ".join(sorted(self.kinds)))

    def _say_whole_number(self, problem, field, given):
        return self._("%(field)s must be a whole number; it is %(given)s.", field=field, given=given)

    def _say_number(self, problem, field, given):
        return self._("%(field)s must be a number; it is %(given)s.", field=field, given=given)

    def _say_boolean(self, problem, field, given):
        return self._("%(field)s must be true or false; it is %(given)s.", field=field, given=given)

    def _say_text(self, problem, field, given):
        return self._("%s must be a text that is not empty.", field)

    def _say_too_short(self, problem, field, given):
        if problem["field"] == "stages":
            return self._("The policy needs at least one stage.")
        return self._("%s needs at least one value.", field)

    def _say_list(self, problem, field, given):
        return self._("%s must be a list.", field)

    def _say_mapping(self, problem, field, given):
        if problem["stage"] is not None and problem["rule"] is None and not problem["field"]:
            return self._("Each stage must be a mapping of its settings.")
        if problem["rule"] is not None and not problem["field"]:
            return self._("Each rule must be a mapping of its settings.")
        return self._("%s must be a mapping of named values.", field)

    def _say_other(self, problem, field, given):
        return self._("%(field)s is not valid: %(given)s.", field=field, given=given)

    def problem_text(self, problem):
        where = self.location(problem)
        return f"{where}: {self.what(problem)}" if where else self.what(problem)

    def text(self, error):
        """The whole error: each problem on its own line."""
        problems = getattr(error, "problems", ())
        if not problems:
            return str(error)
        return "\n".join(self.problem_text(problem) for problem in problems)


def policy_error_text(env, error):
    """:class:`..engine.PolicyError` ``error`` in words, in ``env``'s language."""
    return PolicyWords(env).text(error)
