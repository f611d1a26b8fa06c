# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup, escape

from odoo import fields, models


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    kind = fields.Selection(
        selection_add=[("delivery", "Message delivery")], ondelete={"delivery": "cascade"}
    )
    sms_id = fields.Many2one("ar.escalation.sms", "Text message", index="btree_not_null", ondelete="set null")
    sms_state = fields.Selection(related="sms_id.state", string="Text message status")

    def _ar_chatter_body(self):
        if self.kind != "delivery":
            return super()._ar_chatter_body()
        head = self.env._("Message delivery")
        if self.stage_id:
            head = f"{head} ({self.stage_id.name})"
        parts = [Markup("<b>%s</b>") % head, escape(self.reason or "")]
        if self.case_id:
            parts.append(Markup("%s %s") % (self.env._("Case:"), self.case_id._ar_link_markup()))
        return Markup(" — ").join(parts)
