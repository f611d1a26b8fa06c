# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, models


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    @api.model_create_multi
    def create(self, vals_list):
        """An event made through the ORM (not the ladder's ``_ar_log``) is queued for the webhooks too."""
        events = super().create(vals_list)
        keys = [{"company_id": event.company_id.id, "kind": event.kind} for event in events]
        self.env["ar.escalation.webhook.delivery"]._ar_outbox(events.ids, keys)
        return events
