# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

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
# how a dispute ends (the *Resolve a dispute* dialog)
DISPUTE_OUTCOMES = [
    ("credit_note", "Credit note issued"),
    ("corrected", "Corrected and re-sent"),
    ("rejected", "Rejected"),
]
# what a customer may write in a note from the portal
NOTE_MAX_LENGTH = 2000


def text_as_html(text):
    """Plain text (a customer's note) as HTML that shows it as written: escaped, line breaks
    kept, no link made clickable and no image loaded."""
    return Markup("<p>%s</p>") % Markup("<br/>").join(escape(text or "").splitlines())


class ArEscalationDispute(models.Model):
    _name = "ar.escalation.dispute"
    _inherit = ["ar.escalation.invoice.owned"]
    _description = "Invoice dispute"

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
    outcome = fields.Selection(DISPUTE_OUTCOMES, help="How the dispute ended.")
    resolved_by_id = fields.Many2one("res.users", "Resolved by")

    def init(self):
        # one open dispute per invoice, whatever submits it twice at once
        # (the portal's form posted twice, two users): the database refuses
        # the second one. An older database holding two open disputes on one
        # invoice keeps them, and gets the index once they are resolved.
        self.env.cr.execute(
            """SELECT 1 FROM ar_escalation_dispute WHERE state = 'open'
                GROUP BY move_id HAVING COUNT(*) > 1 LIMIT 1"""
        )
        if not self.env.cr.fetchone():
            self.env.cr.execute(
                SQL(
                    """CREATE UNIQUE INDEX IF NOT EXISTS ar_escalation_dispute_one_open
                       ON ar_escalation_dispute (move_id) WHERE state = 'open'"""
                )
            )

    @api.constrains("note")
    def _check_note(self):
        for dispute in self:
            if not (dispute.note or "").strip():
                raise ValidationError(self.env._("A dispute needs a note that says what is wrong."))
