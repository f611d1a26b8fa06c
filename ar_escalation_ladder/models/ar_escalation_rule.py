# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

RULE_KINDS = [
    ("days_overdue", "Days overdue"),
    ("amount_residual", "Invoice amount at risk"),
    ("customer_overdue", "Customer total overdue"),
    ("over_credit_limit", "Over credit limit"),
    ("broken_promises", "Broken promises"),
    ("open_dispute", "Open dispute"),
    ("account_tier", "Account tier"),
    ("risk_signals", "Risk signals"),
    ("days_no_response", "Days without customer response"),
]
RANGE_KINDS = ("days_overdue", "amount_residual", "customer_overdue")


class ArEscalationRule(models.Model):
    _name = "ar.escalation.rule"
    _description = "AR escalation stage entry rule"
    _order = "stage_id, sequence, id"

    stage_id = fields.Many2one("ar.escalation.stage", required=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    kind = fields.Selection(RULE_KINDS, required=True, default="days_overdue")
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

    @api.depends("kind", "use_min", "min_value", "use_max", "max_value", "count", "scope")
    def _compute_summary(self):
        labels = dict(RULE_KINDS)
        for rule in self:
            data = rule._to_policy_dict()
            bits = [f"{k} {v}" for k, v in data.items() if k != "kind"]
            rule.summary = f"{labels[rule.kind]}: {', '.join(bits)}" if bits else labels[rule.kind]

    def _to_policy_dict(self):
        self.ensure_one()
        data = {"kind": self.kind}
        if self.kind in RANGE_KINDS:
            if self.use_min:
                data["min"] = self.min_value
            if self.use_max:
                data["max"] = self.max_value
        elif self.kind == "broken_promises":
            data.update(min=self.count, scope=self.scope or "invoice")
        elif self.kind == "risk_signals":
            data["min"] = self.count
        elif self.kind == "days_no_response":
            data.update(min=self.count, since_stage=self.since_stage)
        elif self.kind == "account_tier":
            data["tiers"] = [
                tier for tier in ("strategic", "key", "standard", "small") if self[f"tier_{tier}"]
            ]
        return data

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
