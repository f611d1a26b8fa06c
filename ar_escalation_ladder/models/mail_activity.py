# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    def _action_done(self, feedback=False, attachment_ids=None):
        """Marking an escalation activity done acknowledges its case."""
        case_ids = []
        if not self.env.context.get("ar_escalation_ack"):
            case_ids = [a.res_id for a in self if a.res_model == "ar.escalation.case"]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if case_ids:
            self.env["ar.escalation.case"].browse(case_ids).exists()._ar_acknowledge(from_activity=True)
        return result
