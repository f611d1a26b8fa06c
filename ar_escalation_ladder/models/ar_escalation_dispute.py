# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

DISPUTE_CODES = [
    ("pricing", "Pricing"),
    ("quantity", "Quantity"),
    ("quality", "Quality"),
    ("not_received", "Not received"),
    ("missing_po", "Missing PO"),
    ("wrong_entity", "Wrong entity"),
    ("tax_error", "Tax error"),
    ("duplicate", "Duplicate"),
    ("other", "Other"),
]


class ArEscalationDispute(models.Model):
    _name = "ar.escalation.dispute"
    _description = "Invoice dispute"
    _order = "id desc"

    move_id = fields.Many2one("account.move", "Invoice", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="move_id.commercial_partner_id", store=True, index=True)
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    code = fields.Selection(DISPUTE_CODES, required=True, index=True)
    note = fields.Text(required=True)
    state = fields.Selection(
        [("open", "Open"), ("resolved", "Resolved")], default="open", required=True, index=True
    )
    source = fields.Selection(
        [("backoffice", "Back office"), ("portal", "Customer portal")], default="backoffice"
    )
    raised_by_id = fields.Many2one("res.partner", "Raised by")
    resolved_at = fields.Datetime()
    resolution = fields.Text()

    @api.constrains("note")
    def _check_note(self):
        for dispute in self:
            if not (dispute.note or "").strip():
                raise ValidationError(self.env._("A dispute needs a note that says what is wrong."))
