# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer statement: every open invoice of a customer, its totals and how to pay."""

from collections import defaultdict

from odoo import api, fields, models

from odoo.addons.ar_escalation_ladder.models.ar_escalation_event import HELD_DISPOSITIONS


def report_values(docids, doc_model, docs, **values):
    """What a report's QWeb template receives: its documents and the letters they print."""
    return {"doc_ids": docids, "doc_model": doc_model, "docs": docs, **values}


class ReportCustomerStatement(models.AbstractModel):
    _name = "report.ar_escalation_reports.report_customer_statement"
    _description = "AR escalation customer statement"

    @api.model
    def _get_report_values(self, docids, data=None):
        partners = self.env["res.partner"].browse(docids)
        return report_values(
            docids,
            "res.partner",
            partners,
            statements=self._ar_statements(partners.commercial_partner_id, self.env.companies),
        )

    @api.model
    def _ar_open_invoices(self, company, partner):
        """The customer's open invoices in ``company``, oldest due date first.

        An invoice closed off the ladder (agency, legal, written off) is not
        the customer's to settle with us until it is reopened (trust, issue 12).
        """
        moves = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", partner.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", ("not_paid", "partial")),
                ("amount_residual", ">", 0),
            ]
        )
        moves = moves.filtered(lambda m: not (m.ar_closed_date and m.ar_disposition in HELD_DISPOSITIONS))
        return moves.sorted(lambda m: (m.invoice_date_due or m.invoice_date, m.name or ""))

    @api.model
    def _ar_promise_holds(self, move, today):
        """Whether a promise to pay still holds for ``move`` (its date plus the company's grace)."""
        return bool(
            move.ar_promise_date
            and fields.Date.add(move.ar_promise_date, days=move.company_id.ar_promise_grace_days) >= today
        )

    @api.model
    def _ar_payment_details(self, company, invoices):
        """How to pay: the bank account the invoices name (else the company's first) and pay links.

        ``links`` holds per invoice its portal address (with its access
        token), where the customer sees and pays it.
        """
        bank = invoices.partner_bank_id[:1] or company.partner_id.bank_ids[:1]
        links = {}
        for invoice in invoices:
            links[invoice.id] = invoice.get_base_url() + invoice.get_portal_url()
        return {"bank": bank, "links": links}

    @api.model
    def _ar_letter(self, company, partner, invoices, lines, today, **values):
        """What a letter to a customer shows, statement or formal notice alike.

        The letterhead (``company``), the customer and the contact it is
        addressed to, the invoice ``lines``, how to pay ``invoices``, the day
        and the language; ``values`` are the letter's own.
        """
        return {
            "company": company,
            "partner": partner,
            "contact": partner.ar_escalation_contact_id or partner,
            "lines": lines,
            "payment": self._ar_payment_details(company, invoices),
            "today": today,
            "lang": partner.lang or self.env.lang,
            **values,
        }

    @api.model
    def _ar_statements(self, partners, companies, today=None):
        """One statement per customer and company where it has open invoices."""
        today = today or fields.Date.context_today(self)
        statements = []
        for partner in partners:
            for company in companies:
                invoices = self._ar_open_invoices(company, partner)
                if not invoices:
                    continue
                outstanding = defaultdict(float)
                overdue = defaultdict(float)
                lines = []
                for invoice in invoices:
                    due = invoice.invoice_date_due
                    late = max((today - due).days, 0) if due else 0
                    outstanding[invoice.currency_id] += invoice.amount_residual
                    if late:
                        overdue[invoice.currency_id] += invoice.amount_residual
                    lines.append(
                        {
                            "invoice": invoice,
                            "days_overdue": late,
                            "promised": invoice.ar_promise_date
                            if self._ar_promise_holds(invoice, today)
                            else False,
                        }
                    )
                currencies = sorted(outstanding, key=lambda c: c.name)
                statements.append(
                    self._ar_letter(
                        company,
                        partner,
                        invoices,
                        lines,
                        today,
                        totals=[(c, overdue.get(c, 0.0), outstanding[c]) for c in currencies],
                    )
                )
        return statements


class ReportCustomerStatementCase(models.AbstractModel):
    """The statement of a customer's escalation case: what a stage's email can carry."""

    _name = "report.ar_escalation_reports.report_customer_statement_case"
    _description = "AR escalation customer statement (case)"

    @api.model
    def _get_report_values(self, docids, data=None):
        cases = self.env["ar.escalation.case"].browse(docids)
        Statement = self.env["report.ar_escalation_reports.report_customer_statement"]
        statements = []
        for case in cases:
            statements += Statement._ar_statements(case.partner_id.commercial_partner_id, case.company_id)
        return report_values(docids, "ar.escalation.case", cases, statements=statements)
