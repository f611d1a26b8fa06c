# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The formal notice before default: one letter per customer listing its overdue invoices."""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

from .report_customer_statement import report_values

_logger = logging.getLogger(__name__)

REPORT_XMLID = "ar_escalation_reports.action_report_formal_notice"
NOTICE_STAGE_XMLID = "ar_escalation_ladder.stage_predefault"


class ReportFormalNotice(models.AbstractModel):
    _name = "report.ar_escalation_reports.report_formal_notice"
    _description = "AR escalation formal notice"

    @api.model
    def _get_report_values(self, docids, data=None):
        moves = self.env["account.move"].browse(docids)
        return report_values(docids, "account.move", moves, notices=self._ar_notices(moves))

    @api.model
    def _ar_notice_stage(self):
        """The pre-default stage: the shipped one, else the highest stage with a formal tone."""
        stage = self.env.ref(NOTICE_STAGE_XMLID, raise_if_not_found=False)
        if stage and stage.active:
            return stage
        return self.env["ar.escalation.stage"].search(
            [("tone", "=", "formal")], order="sequence desc", limit=1
        )

    @api.model
    def _ar_is_notice_stage(self, stage):
        return bool(stage) and (stage == self._ar_notice_stage() or stage.tone == "formal")

    @api.model
    def _ar_notices(self, moves, today=None):
        """One notice per customer and company among ``moves``, with all its overdue invoices.

        The notice lists the customer's open invoices that are past due (and
        the printed invoices themselves when they are still open), oldest due
        date first, with totals per currency and the final deadline: today
        plus the pre-default stage's notice window, as its email says. An
        invoice under a promise to pay that still holds is not listed as
        defaulted: the notice names it apart. With the customer's address and
        how to pay (bank account, each invoice's pay link).
        """
        today = today or fields.Date.context_today(self)
        # the stage whose email carries the notice (context), else the pre-default stage
        stage = self.env["ar.escalation.stage"].browse(self.env.context.get("ar_notice_stage_id"))
        stage = stage.exists() or self._ar_notice_stage()
        groups = {}
        for move in moves:
            groups.setdefault((move.company_id, move.commercial_partner_id), self.env["account.move"])
            groups[(move.company_id, move.commercial_partner_id)] |= move
        return [
            self._ar_notice(company, partner, printed, stage, today)
            for (company, partner), printed in groups.items()
        ]

    @api.model
    def _ar_notice(self, company, partner, printed, stage, today):
        """The notice to ``partner`` in ``company`` whose ``printed`` invoices are being printed."""
        Statement = self.env["report.ar_escalation_reports.report_customer_statement"]
        overdue = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("invoice_date_due", "<", today),
            ]
        )
        invoices = (overdue | printed.filtered(lambda m: m.payment_state in ("not_paid", "partial"))).sorted(
            lambda m: (m.invoice_date_due or m.invoice_date or today, m.name or "")
        )
        # an invoice under a promise to pay that still holds is not in default: the
        # notice names it apart, outside the total due (issue 13)
        promised = invoices.filtered(lambda m: Statement._ar_promise_holds(m, today))
        invoices -= promised
        totals = defaultdict(float)
        lines = []
        for invoice in invoices:
            totals[invoice.currency_id] += invoice.amount_residual
            due = invoice.invoice_date_due
            lines.append({"invoice": invoice, "days_overdue": max((today - due).days, 0) if due else 0})
        return Statement._ar_letter(
            company,
            partner,
            invoices,
            lines,
            today,
            o=printed[0],
            totals=sorted(totals.items(), key=lambda item: item[0].name),
            deadline=today + timedelta(days=stage.notice_days or 0),
            stage=stage,
            promised=[(m, m.ar_promise_date) for m in promised],
        )


class ReportFormalNoticeCase(models.AbstractModel):
    """The formal notice of a customer's escalation case: the invoices its email lists."""

    _name = "report.ar_escalation_reports.report_formal_notice_case"
    _description = "AR escalation formal notice (case)"

    @api.model
    def _get_report_values(self, docids, data=None):
        cases = self.env["ar.escalation.case"].browse(docids)
        # the invoices the case's message lists (the run's listing), else its own
        moves = cases.message_invoice_ids or cases.invoice_ids
        notices = self.env["report.ar_escalation_reports.report_formal_notice"]._ar_notices(moves)
        return report_values(docids, "ar.escalation.case", cases, notices=notices)
