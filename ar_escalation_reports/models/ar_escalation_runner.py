# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import models


class ArEscalationRunner(models.AbstractModel):
    _inherit = "ar.escalation.runner"

    def _ar_external_attachments(self, stage, moves, partner):
        """The pre-default stage's message carries the formal notice as a PDF."""
        attachments = super()._ar_external_attachments(stage, moves, partner)
        notice = self.env["report.ar_escalation_reports.report_formal_notice"]
        if moves and notice._ar_is_notice_stage(stage):
            attachments |= notice._ar_attach_notice(moves, partner, stage)
        return attachments
