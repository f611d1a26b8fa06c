# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # a case's current activity is read from its activities: forget it when they change
    def _ar_forget_current(self):
        if any(activity.res_model == "ar.escalation.case" for activity in self):
            self.env["ar.escalation.case"].invalidate_model(["activity_ref_id"], flush=False)

    @api.model_create_multi
    def create(self, vals_list):
        activities = super().create(vals_list)
        activities._ar_forget_current()
        return activities

    def write(self, vals):
        self._ar_forget_current()
        return super().write(vals)

    def unlink(self):
        self._ar_forget_current()
        return super().unlink()

    def _action_done(self, feedback=False, attachment_ids=None):
        """Marking an escalation activity done acknowledges its case."""
        case_ids = []
        if not self.env.context.get("ar_escalation_ack"):
            case_ids = [a.res_id for a in self if a.res_model == "ar.escalation.case"]
        result = super()._action_done(feedback=feedback, attachment_ids=attachment_ids)
        if case_ids:
            self.env["ar.escalation.case"].browse(case_ids).exists()._ar_acknowledge(from_activity=True)
        return result
