# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""*Customer tagged*: an entry rule on the customer's partner tags, added as any addon adds a kind."""

from typing import Literal

from pydantic import Field

from odoo import api, fields, models

from odoo.addons.ar_escalation_ladder.engine import RULE_KINDS, RuleSchema
from odoo.addons.ar_escalation_ladder.engine.vocabulary import Phrase

KIND = "customer_in_category"


# the engine's side: the rule's settings, the fact it reads and its matcher ------------
class CustomerInCategoryRule(RuleSchema):
    """The customer (its commercial entity) carries one of these partner tags."""

    kind: Literal["customer_in_category"] = "customer_in_category"
    category_ids: tuple[int, ...] = Field(min_length=1)


@RULE_KINDS.register(CustomerInCategoryRule, reads=("extra.partner_category_ids",))
def _customer_in_category(rule, facts, today):
    tagged = [cid for cid in facts.extra.get("partner_category_ids", ()) if cid in rule.category_ids]
    return Phrase.of(KIND, category_ids=tuple(tagged)) if tagged else None


# the Odoo side ----------------------------------------------------------------------
class ArEscalationRule(models.Model):
    _inherit = "ar.escalation.rule"

    category_ids = fields.Many2many(
        "res.partner.category",
        string="Customer tags",
        help="The rule matches an invoice whose customer carries one of these tags.",
    )

    @api.model
    def _get_rule_kinds(self):
        return [*super()._get_rule_kinds(), (KIND, self.env._("Customer tagged"))]

    @api.constrains("category_ids")
    def _check_categories(self):
        self.stage_id._check_policy()


class ArEscalationFacts(models.AbstractModel):
    _inherit = "ar.escalation.facts"

    @api.model
    def _get_extra_facts(self, company, moves, rows):
        extra = super()._get_extra_facts(company, moves, rows)
        partners = self.env["res.partner"].browse({row["commercial_partner_id"] for row in rows.values()})
        # the batch's customers' tags in one query (the records share their prefetch)
        tags = {partner.id: partner.category_id.ids for partner in partners}
        for move_id, row in rows.items():
            if tags.get(row["commercial_partner_id"]):
                facts = extra.setdefault(move_id, {})
                facts["partner_category_ids"] = tuple(sorted(tags[row["commercial_partner_id"]]))
        return extra


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    @api.model
    def _ar_phrase_text(self, phrase, words):
        if phrase.code != KIND:
            return super()._ar_phrase_text(phrase, words)
        # sudo: a tag's name is shown to whoever reads the reason (tags are contacts' settings)
        tags = self.env["res.partner.category"].sudo().browse(phrase.get("category_ids") or ()).exists()
        return self.env._("customer tagged %s", ", ".join(tags.mapped("name")))
