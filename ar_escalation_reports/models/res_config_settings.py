# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_digest_user_ids = fields.Many2many(related="company_id.ar_digest_user_ids", readonly=False)

    def action_ar_send_digest_now(self):
        """Send this week's digest of the current company now (to check what leadership receives)."""
        self.ensure_one()
        mails = self.env["ar.escalation.digest"]._ar_send(self.company_id)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if mails else "warning",
                "message": self.env._("The weekly escalation digest is on its way.")
                if mails
                else self.env._("Choose who receives the digest first."),
            },
        }
