# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A stage's entry rule: its kind (a kind of the engine's ``RULE_KINDS``) and its settings.

The settings live in a few columns every kind shares: a range (``use_min``,
``min_value``, ``use_max``, ``max_value``) for a kind whose schema is a
:class:`~..engine.RangeRule`, ``count`` for a count's ``min``, ``tiers`` in the
``tier_*`` booleans, and any other key of the schema in the rule's field of the
same name. An addon's kind therefore needs its label in :meth:`_get_rule_kinds`
and, for a setting of its own, a field named as the schema's key (a many2many
holds ids); :meth:`_prepare_policy_rule` and :meth:`_prepare_rule_vals` handle it
(override them for anything else).
"""

from odoo import Command, api, fields, models

from ..engine import ACCOUNT_TIERS, RULE_KINDS, RangeRule

# the schema's key -> the column that holds it, where they differ
SETTING_COLUMNS = {"min": "count"}


def is_range_kind(kind):
    """Whether rules of ``kind`` hold a range (From / To) rather than a count."""
    known = RULE_KINDS.get(kind)
    return bool(known) and issubclass(known.schema, RangeRule)


class ArEscalationRule(models.Model):
    _name = "ar.escalation.rule"
    _description = "AR escalation stage entry rule"
    _order = "stage_id, sequence, id"

    stage_id = fields.Many2one("ar.escalation.stage", required=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    kind = fields.Selection(selection="_get_rule_kinds", required=True, default="days_overdue")
    kind_settings = fields.Char(
        compute="_compute_kind_settings", help="The settings the kind of rule has (what its row shows)."
    )
    use_min = fields.Boolean("From", default=True)
    min_value = fields.Float("From value")
    use_max = fields.Boolean("To")
    max_value = fields.Float("To value")
    count = fields.Integer(
        "At least", default=1, help="Broken promises, risk signals or days without response."
    )
    scope = fields.Selection([("invoice", "This invoice"), ("customer", "The customer")], default="invoice")
    since_stage = fields.Integer(
        "Counting messages from level", help="Only messages sent at this level or above count."
    )
    tier_strategic = fields.Boolean("Strategic")
    tier_key = fields.Boolean("Key")
    tier_standard = fields.Boolean("Standard")
    tier_small = fields.Boolean("Small")
    summary = fields.Char(compute="_compute_summary")

    @api.model
    def _get_rule_kinds(self):
        """The kinds of rule a stage offers, with their labels (hook: an addon adds its kind).

        Each code is a kind registered in the engine's ``RULE_KINDS``.
        """
        _ = self.env._
        return [
            ("days_overdue", _("Days overdue")),
            ("amount_residual", _("Invoice amount at risk")),
            ("customer_overdue", _("Customer total overdue")),
            ("over_credit_limit", _("Over credit limit")),
            ("broken_promises", _("Broken promises")),
            ("open_dispute", _("Open dispute")),
            ("account_tier", _("Account tier")),
            ("risk_signals", _("Risk signals")),
            ("days_no_response", _("Days without customer response")),
        ]

    @api.depends("kind")
    def _compute_kind_settings(self):
        for rule in self:
            known = RULE_KINDS.get(rule.kind)
            if not known:
                rule.kind_settings = "none"
            elif issubclass(known.schema, RangeRule):
                rule.kind_settings = "range"
            else:
                keys = [SETTING_COLUMNS.get(key, key) for key in known.schema.model_fields if key != "kind"]
                rule.kind_settings = " ".join(keys) or "none"

    @api.depends("kind", "use_min", "min_value", "use_max", "max_value", "count", "scope", "since_stage")
    def _compute_summary(self):
        labels = dict(self._fields["kind"]._description_selection(self.env))
        for rule in self:
            label = labels.get(rule.kind, rule.kind or "")
            data = rule._prepare_policy_rule() if rule.kind else {}
            bits = [f"{key} {value}" for key, value in data.items() if key != "kind"]
            rule.summary = f"{label}: {', '.join(bits)}" if bits else label

    def _prepare_policy_rule(self):
        """The rule as the engine's policy reads it: ``{"kind": ..., <its settings>}`` (hook)."""
        self.ensure_one()
        data = {"kind": self.kind}
        known = RULE_KINDS.get(self.kind)
        if not known:
            return data  # the policy refuses it, naming the kind
        if issubclass(known.schema, RangeRule):
            if self.use_min:
                data["min"] = self.min_value
            if self.use_max:
                data["max"] = self.max_value
            return data
        for key in known.schema.model_fields:
            if key == "kind":
                continue
            if key == "tiers":
                data["tiers"] = [tier for tier in ACCOUNT_TIERS if self[f"tier_{tier}"]]
                continue
            field = self._fields.get(SETTING_COLUMNS.get(key, key))
            if field is None:
                continue  # the schema's default, or the policy names the setting missing
            value = self[field.name]
            if field.type in ("many2many", "one2many", "many2one"):
                value = value.id if field.type == "many2one" else value.ids
            elif value is False and field.type != "boolean":
                continue  # left empty: the schema's default
            data[key] = value
        return data

    @api.model
    def _prepare_rule_vals(self, rule):
        """The rule's field values from a validated rule of the policy (an import; hook)."""
        data = rule.model_dump()
        vals = {"kind": data.pop("kind")}
        if isinstance(rule, RangeRule):
            vals.update(
                use_min=data["min"] is not None,
                min_value=data["min"] or 0.0,
                use_max=data["max"] is not None,
                max_value=data["max"] or 0.0,
            )
            return vals
        for key, value in data.items():
            if key == "tiers":
                vals.update({f"tier_{tier}": tier in value for tier in ACCOUNT_TIERS})
                continue
            field = self._fields.get(SETTING_COLUMNS.get(key, key))
            if field is None:
                continue
            if field.type in ("many2many", "one2many"):
                value = [Command.set(list(value))]
            vals[field.name] = value
        return vals

    @api.constrains(
        "kind",
        "use_min",
        "min_value",
        "use_max",
        "max_value",
        "count",
        "scope",
        "since_stage",
        "tier_strategic",
        "tier_key",
        "tier_standard",
        "tier_small",
    )
    def _check_rule(self):
        self.stage_id._check_policy()
