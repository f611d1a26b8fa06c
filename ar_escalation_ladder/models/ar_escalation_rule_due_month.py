# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""*Falls due in month*: the entry rule a seasonal payer's drafted track uses (engine/proposal.py).

Added as any addon adds a kind (engine/rules.py): the rule's ``month`` column,
its label, the invoice's due month as a fact and its phrase's words.
"""

from babel.dates import get_month_names

from odoo import api, fields, models
from odoo.tools.misc import babel_locale_parse

KIND = "due_month"


def month_name(env, month):
    """``month`` (1..12) as ``env``'s language names it ("August", "août")."""
    if not isinstance(month, int) or not 1 <= month <= 12:
        return str(month or "")
    locale = babel_locale_parse(env.lang or "en_US")
    return get_month_names("wide", locale=locale)[month]


class ArEscalationRule(models.Model):
    _inherit = "ar.escalation.rule"

    month = fields.Selection(
        selection="_ar_month_selection",
        string="Due in month",
        help="The rule matches an invoice that falls due in this month of the year.",
    )

    @api.model
    def _ar_month_selection(self):
        return [(str(month), month_name(self.env, month)) for month in range(1, 13)]

    @api.model
    def _get_rule_kinds(self):
        return [*super()._get_rule_kinds(), (KIND, self.env._("Falls due in month"))]

    def _prepare_policy_rule(self):
        data = super()._prepare_policy_rule()
        if self.kind == KIND:
            data["month"] = int(self.month) if self.month else None
        return data

    @api.model
    def _prepare_rule_vals(self, rule):
        vals = super()._prepare_rule_vals(rule)
        if vals.get("kind") == KIND:
            vals["month"] = str(vals["month"])
        return vals

    @api.constrains("month")
    def _check_month(self):
        self.stage_id._check_policy()


class ArEscalationFacts(models.AbstractModel):
    _inherit = "ar.escalation.facts"

    @api.model
    def _get_extra_facts(self, company, moves, rows):
        extra = super()._get_extra_facts(company, moves, rows)
        for move_id, row in rows.items():
            if row["invoice_date_due"]:
                extra.setdefault(move_id, {})["due_month"] = row["invoice_date_due"].month
        return extra


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    @api.model
    def _ar_phrase_text(self, phrase, words):
        if phrase.code != KIND:
            return super()._ar_phrase_text(phrase, words)
        return self.env._("falls due in %s", month_name(self.env, phrase.get("month")))
