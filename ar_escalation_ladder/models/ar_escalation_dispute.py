# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup, escape

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
# what a customer may write in a note from the portal
NOTE_MAX_LENGTH = 2000


def text_as_html(text):
    """Plain text (a customer's note) as HTML that shows it as written: escaped, line breaks
    kept, no link made clickable and no image loaded."""
    return Markup("<p>%s</p>") % Markup("<br/>").join(escape(text or "").splitlines())


class ArEscalationDispute(models.Model):
    _name = "ar.escalation.dispute"
    _inherit = ["ar.escalation.owned"]
    _description = "Invoice dispute"
    _order = "id desc"
    _check_company_auto = True

    move_id = fields.Many2one(
        "account.move", "Invoice", required=True, index=True, ondelete="cascade", check_company=True
    )
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
    raised_by_id = fields.Many2one("res.partner", "Raised by", check_company=True)
    resolved_at = fields.Datetime()
    resolution = fields.Text()

    @api.constrains("note")
    def _check_note(self):
        for dispute in self:
            if not (dispute.note or "").strip():
                raise ValidationError(self.env._("A dispute needs a note that says what is wrong."))
