# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The roll-up chain, per company: who an escalation goes to when its owner misses the SLA.

Each step says "when the owner holds this role, a missed SLA goes to that
role". The ladder ships today's chain (AR operator and account manager to the
AR lead, then the finance lead, then the CFO) as editable data; a company
created later starts with the main company's chain.
"""

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .ar_escalation_stage import OWNER_ROLES


class ArEscalationRollupStep(models.Model):
    _name = "ar.escalation.rollup.step"
    _description = "AR escalation roll-up step"
    _order = "company_id, sequence, id"

    company_id = fields.Many2one(
        "res.company", required=True, index=True, ondelete="cascade", default=lambda self: self.env.company
    )
    sequence = fields.Integer(default=10)
    from_role = fields.Selection(OWNER_ROLES, "When the owner is", required=True)
    to_role = fields.Selection(OWNER_ROLES, "A missed SLA goes to", required=True)

    _sql_constraints = [
        ("from_role_uniq", "unique(company_id, from_role)", "Each role rolls up to one next owner."),
        ("not_itself", "CHECK(from_role != to_role)", "A role cannot roll up to itself."),
    ]

    @api.constrains("company_id", "from_role", "to_role")
    def _check_chain_ends(self):
        labels = dict(self._fields["from_role"]._description_selection(self.env))
        for company in self.company_id:
            nexts = {step.from_role: step.to_role for step in company.ar_rollup_step_ids}
            for start in nexts:
                path, role = [start], nexts[start]
                while role in nexts and role not in path:
                    path.append(role)
                    role = nexts[role]
                if role in path:
                    raise ValidationError(
                        self.env._(
                            "The roll-up chain of %(company)s goes round in a circle: %(chain)s. "
                            "Let it end with a role that rolls up to no one.",
                            company=company.name,
                            chain=" → ".join(labels[r] for r in [*path[path.index(role) :], role]),
                        )
                    )


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_rollup_step_ids = fields.One2many("ar.escalation.rollup.step", "company_id", "Roll-up chain")

    def _ar_next_owner_role(self, role):
        """The role a missed SLA goes to from an owner in ``role``; False at the end of the chain."""
        self.ensure_one()
        # sudo: the chain is configuration; whoever's action gives an escalation its owner reads it
        steps = self.sudo().ar_rollup_step_ids
        return next((step.to_role for step in steps if step.from_role == role), False)

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._ar_fill_rollup_chains()
        return companies

    @api.model
    def _ar_fill_rollup_chains(self):
        """Give these companies (all, called on none) the main company's chain where they have none."""
        main = self.env.ref("base.main_company", raise_if_not_found=False) or self.browse()
        # sudo: the chain is copied whoever creates the company (a multi-company administrator)
        Step = self.env["ar.escalation.rollup.step"].sudo()
        template = Step.search([("company_id", "=", main.id)])
        with_chain = set(Step.search([]).company_id.ids)
        companies = (self or self.sudo().search([])) - main
        Step.create(
            [
                {
                    "company_id": company.id,
                    "sequence": s.sequence,
                    "from_role": s.from_role,
                    "to_role": s.to_role,
                }
                for company in companies
                if company.id not in with_chain
                for s in template
            ]
        )
