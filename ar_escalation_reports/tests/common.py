# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Hand-built books for the reports: invoices, cases and events with known dates and amounts.

Every figure a test expects is computed by hand in the test itself.
"""

from datetime import datetime, time, timedelta

from odoo import fields

from odoo.addons.ar_escalation_ladder.tests.common import ArEscalationCommon


class ArReportsCommon(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.midnight = datetime.combine(cls.today, time.min)
        cls.now = fields.Datetime.now().replace(microsecond=0)

    @classmethod
    def _at(cls, days=0, hours=0):
        """A moment relative to today's midnight (UTC): ``_at(-3, 9)`` is 3 days ago at 09:00."""
        return cls.midnight + timedelta(days=days, hours=hours)

    def _log(self, move, kind, date, stage=None, **vals):
        """Write one escalation event as the ladder would, at ``date``."""
        values = {
            "kind": kind,
            "move_id": move.id,
            "partner_id": move.commercial_partner_id.id,
            "company_id": move.company_id.id,
            "stage_id": stage.id if stage else False,
            "date": date,
            **vals,
        }
        event = self.env["ar.escalation.event"]._ar_log([values], post=False)
        self.assertEqual(len(event), 1, "the event was written")
        return event

    def _enter(self, move, stage, date, amount, recovered=0.0, from_stage=None, entry=1):
        """The ladder moving ``move`` into ``stage``, with the open amount at entry."""
        return self._log(
            move,
            "stage",
            date,
            stage,
            to_stage_id=stage.id,
            from_stage_id=from_stage.id if from_stage else False,
            amount=amount,
            amount_recovered=recovered,
            entry=entry,
        )

    def _report(self, model, **context):
        context.setdefault("ar_report_date", self.today)
        context.setdefault("ar_report_now", self.now)
        self.env.flush_all()
        return self.env[model].with_context(**context)

    def _group(self, model, groupby, aggregates, domain=(), **context):
        """``{group key: aggregates}`` of a report over this test's company."""
        rows = self._report(model, **context)._read_group(
            [("company_id", "=", self.company.id), *domain], groupby, aggregates
        )
        width = len(groupby)
        result = {}
        for row in rows:
            key = row[0] if width == 1 else tuple(row[:width])
            values = row[width:]
            result[key] = values[0] if len(values) == 1 else tuple(values)
        return result

    def _total(self, model, aggregates, domain=(), **context):
        [row] = self._report(model, **context)._read_group(
            [("company_id", "=", self.company.id), *domain], [], aggregates
        )
        return row[0] if len(row) == 1 else row

    def _pay_quietly(self, move, amount=None, date=None):
        """Register a payment without the ladder re-evaluating the invoice (no events)."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=move.ids, ar_no_reevaluate=True)
            .create({"amount": amount or move.amount_residual, "payment_date": date or self.today})
        )
        return wizard._create_payments()

    def _place(self, move, stage, owner, deadline, acknowledged=None, case=None):
        """Put ``move`` at ``stage`` as the ladder leaves it (without running the ladder)."""
        move._ar_write(
            {
                "ar_stage_id": stage.id,
                "ar_owner_id": owner.id,
                "ar_sla_deadline": deadline,
                "ar_acknowledged_at": acknowledged or False,
                "ar_case_id": case.id if case else False,
            }
        )
