# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    kind = fields.Selection(
        selection_add=[("delivery", "Message delivery")], ondelete={"delivery": "cascade"}
    )
    sms_id = fields.Many2one("ar.escalation.sms", "Text message", index="btree_not_null", ondelete="set null")
    sms_state = fields.Selection(related="sms_id.state", string="Text message status")

    @api.model
    def _ar_chatter_omits(self):
        # a delivery's reason names its channel and number already
        return {**super()._ar_chatter_omits(), "delivery": ("channel",)}
