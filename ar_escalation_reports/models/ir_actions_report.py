# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging

from odoo import models

_logger = logging.getLogger(__name__)

NOTICE_REPORTS = (
    "ar_escalation_reports.report_formal_notice",
    "ar_escalation_reports.report_formal_notice_case",
    "ar_escalation_reports.report_customer_statement",
    "ar_escalation_reports.report_customer_statement_case",
)


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    def _pre_render_qweb_pdf(self, report_ref, res_ids=None, data=None):
        """Without a working wkhtmltopdf the formal notice (or statement) goes as a web page, not at all.

        Core raises when wkhtmltopdf is missing, which would stop the
        pre-default email that carries the notice: the customer still gets
        the letter itself, and the log says why it is not a PDF.
        """
        report = self._get_report(report_ref)
        if report.report_name in NOTICE_REPORTS and self.get_wkhtmltopdf_state() in ("install", "broken"):
            _logger.warning(
                "AR escalation: wkhtmltopdf is missing or broken; the formal notice goes as HTML."
            )
            return self._render_qweb_html(report_ref, res_ids, data=data)
        return super()._pre_render_qweb_pdf(report_ref, res_ids=res_ids, data=data)
