# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

from .ar_escalation_access import check_ladder_fields


class ArEscalationOwned(models.AbstractModel):
    """A record the ladder alone creates and changes (promises, their instalments, disputes).

    They are logged by the ladder's actions (the wizards, the portal), which
    record the event and the chatter line, and settled or resolved by the
    ladder: a plain ``create`` or ``write`` over RPC is refused
    (:func:`~.ar_escalation_access.check_ladder_fields`).
    """

    _name = "ar.escalation.owned"
    _description = "Record owned by the escalation ladder"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            check_ladder_fields(self, vals)
        return super().create(vals_list)

    def write(self, vals):
        check_ladder_fields(self, vals)
        return super().write(vals)


class ArEscalationInvoiceOwned(models.AbstractModel):
    """A record the ladder owns about one customer invoice (a promise to pay it, a dispute of
    it): the invoice, its customer and its company, the newest first."""

    _name = "ar.escalation.invoice.owned"
    _inherit = ["ar.escalation.owned"]
    _description = "Invoice record owned by the escalation ladder"
    _order = "id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, index=True, ondelete="cascade", check_company=True
    )
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
