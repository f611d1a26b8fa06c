"""The default ladder of the addon's data file, as the policy dict ``_get_policy`` builds.

The database-free tests read the ladder a new database gets from
``ar_escalation_ladder/data/ar_escalation_stage_data.xml`` (``xml.etree``)
rather than keep a copy of it that can drift from the data file.
"""

import copy
import functools
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGE_DATA = ROOT / "ar_escalation_ladder" / "data" / "ar_escalation_stage_data.xml"

# what the engine reads of a stage, with the fields' defaults on the Odoo model
# (a record of the data file that does not set a field gets its default; the
# cadence defaults are the Settings'); owner and SLA are the Odoo side's own
STAGE_DEFAULTS = {
    "rule_mode": "any",
    "channel": "email",
    "cadence_days": 7,
    "cadence_max": 3,
    "pause_on_promise": True,
}
RULE_DEFAULTS = {
    "sequence": 10,
    "use_min": True,
    "min_value": 0.0,
    "use_max": False,
    "max_value": 0.0,
    "count": 1,
    "scope": "invoice",
    "since_stage": 0,
}
TIERS = ("strategic", "key", "standard", "small")
RANGE_KINDS = ("days_overdue", "amount_residual", "customer_overdue")


def _value(field, default):
    """A <field>'s value, typed like its default (eval="True" for booleans)."""
    text = field.get("eval", field.text or "").strip()
    if isinstance(default, bool):
        return text == "True"
    if isinstance(default, int | float):
        return type(default)(text)
    return text


def _records(model):
    root = ET.parse(STAGE_DATA).getroot()
    for record in root.iter("record"):
        if record.get("model") == model:
            fields = {f.get("name"): f for f in record.findall("field")}
            yield record.get("id"), fields


def _rule(fields):
    """A rule record as ``ar.escalation.rule._prepare_policy_rule`` serialises it."""
    values = {
        name: _value(fields[name], default) if name in fields else default
        for name, default in RULE_DEFAULTS.items()
    }
    kind = fields["kind"].text.strip()
    data = {"kind": kind}
    if kind in RANGE_KINDS:
        if values["use_min"]:
            data["min"] = values["min_value"]
        if values["use_max"]:
            data["max"] = values["max_value"]
    elif kind == "broken_promises":
        data.update(min=values["count"], scope=values["scope"])
    elif kind == "risk_signals":
        data["min"] = values["count"]
    elif kind == "days_no_response":
        data.update(min=values["count"], since_stage=values["since_stage"])
    elif kind == "account_tier":
        data["tiers"] = [
            tier for tier in TIERS if f"tier_{tier}" in fields and _value(fields[f"tier_{tier}"], False)
        ]
    return values["sequence"], data


@functools.cache
def _shipped_ladder():
    rules = {}
    for order, (__, fields) in enumerate(_records("ar.escalation.rule")):
        sequence, data = _rule(fields)
        rules.setdefault(fields["stage_id"].get("ref"), []).append((sequence, order, data))
    stages = []
    for xml_id, fields in _records("ar.escalation.stage"):
        stage = {"sequence": int(fields["sequence"].text), "name": fields["name"].text.strip()}
        for name, default in STAGE_DEFAULTS.items():
            stage[name] = _value(fields[name], default) if name in fields else default
        stage["rules"] = [data for __, __, data in sorted(rules.get(xml_id, []), key=lambda r: r[:2])]
        stages.append(stage)
    stages.sort(key=lambda stage: stage["sequence"])
    # the company's defaults (res.company's fields) for the rest of the policy
    return {"stages": stages, "promise_grace_days": 3, "risk": {"late_payer_days": 10, "worsening_days": 5}}


def shipped_ladder():
    """The default ladder of the data file, as the policy dict ``_get_policy`` builds (a copy)."""
    return copy.deepcopy(_shipped_ladder())
