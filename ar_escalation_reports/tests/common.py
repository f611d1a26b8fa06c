# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Hand-built books for the reports: invoices, cases and events with known dates and amounts.

Every figure a test expects is computed by hand in the test itself.
"""

import io
from datetime import datetime, time, timedelta

from odoo import fields
from odoo.tools.pdf import PdfFileReader

from odoo.addons.ar_escalation_ladder.tests.common import ArEscalationCommon


class ArReportsCommon(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.midnight = datetime.combine(cls.today, time.min)
        cls.now = fields.Datetime.now().replace(microsecond=0)

    def _no_styles(self):
        """The test server cannot serve the report's stylesheets while the registry loads:
        point wkhtmltopdf at a closed port so that it renders unstyled at once."""
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")

    def _pdf_text(self, content):
        """The text of a PDF, whitespace collapsed."""
        self.assertTrue(content.startswith(b"%PDF"), "a PDF")
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        return " ".join(" ".join(page.extract_text() for page in reader.pages).split())

    def _print_pdf(self, report, records):
        """The text of ``report`` printed for ``records`` as a PDF, as the Print menu makes it."""
        self._no_styles()
        content, file_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(file_type, "pdf")
        return self._pdf_text(content)

    @classmethod
    def _invoices(cls, partner, *amounts_and_days):
        """One invoice of ``partner`` per (amount, days overdue), in that order."""
        return [cls._invoice(partner, amount, days) for amount, days in amounts_and_days]

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

    def _enter(self, move, stage, date, amount, from_stage=None, **vals):
        """The ladder moving ``move`` into ``stage``, with the open amount at entry.

        ``vals``: the event's other values (``amount_recovered``, ``entry``: the first by default).
        """
        vals.setdefault("entry", 1)
        return self._log(
            move,
            "stage",
            date,
            stage,
            to_stage_id=stage.id,
            from_stage_id=from_stage.id if from_stage else False,
            amount=amount,
            **vals,
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

    def _place(self, move, stage, owner, deadline, **vals):
        """Put ``move`` at ``stage`` as the ladder leaves it (without running the ladder).

        ``vals``: the invoice's other escalation fields (``ar_case_id``, ``ar_acknowledged_at``).
        """
        move._ar_write(
            {
                "ar_stage_id": stage.id,
                "ar_owner_id": owner.id,
                "ar_sla_deadline": deadline,
                "ar_acknowledged_at": False,
                "ar_case_id": False,
                **vals,
            }
        )


class ArSegmentBookCommon(ArReportsCommon):
    """A small book of three customers in two behaviour segments and on two tracks (D = today).

    L "Late Larry Ltd", segment Late, track SMB automated: invoice l1 9,000 dated D−80, paid at
        D−10; invoice l2 9,000 dated D−20; invoice l3 500 due in 5 days.
    P "Punctual Pam", segment Punctual, track Strategic: invoice p1 3,000 dated D−100,
        invoice p2 1,000 dated D−30.
    Q "Quiet Quincy", segment Late, track Strategic: invoice q1 2,000 dated D−40.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.seg_late = cls._segment("Late payers", [["pays_late", {"days": 45}]])
        cls.seg_punctual = cls._segment("Punctual payers", [["pays_on_time", {}]])
        cls.track_default = cls.env.ref("ar_escalation_ladder.track_default")
        cls.track_smb = cls.env.ref("ar_escalation_ladder.track_smb")
        cls.track_strategic = cls.env.ref("ar_escalation_ladder.track_strategic")
        cls.L = cls._customer("Late Larry Ltd", "small", "ap@larry.example.com")
        cls.P = cls._customer("Punctual Pam", "strategic", "ap@pam.example.com")
        cls.Q = cls._customer("Quiet Quincy", "standard", "ap@quincy.example.com")
        for partner, segment, track in (
            (cls.L, cls.seg_late, cls.track_smb),
            (cls.P, cls.seg_punctual, cls.track_strategic),
            (cls.Q, cls.seg_late, cls.track_strategic),
        ):
            cls._place_customer(partner, segment=segment, track=track)
        cls.l1, cls.l2, cls.l3 = cls._invoices(cls.L, (9000, 80), (9000, 20), (500, -5))
        cls.p1, cls.p2 = cls._invoices(cls.P, (3000, 100), (1000, 30))
        [cls.q1] = cls._invoices(cls.Q, (2000, 40))

    @classmethod
    def _segment(cls, name, traits, kind="behaviour", **vals):
        # sudo: segments from behaviour are the segmentation run's, which writes as the superuser
        return (
            cls.env["ar.escalation.segment"]
            .sudo()
            .create({"name": name, "kind": kind, "traits": traits, "company_id": cls.company.id, **vals})
            .sudo(False)
        )

    @classmethod
    def _place_customer(cls, partner, **values):
        """Put ``partner`` in a segment (``segment``, ``rule_segment``) or on a ``track``, as the
        segmentation run and an AR manager would."""
        fields = {"segment": "ar_segment_id", "rule_segment": "ar_rule_segment_id", "track": "ar_track_id"}
        # sudo: a customer's segments are written by the segmentation run, as the superuser
        partner.sudo().write({fields[key]: record.id for key, record in values.items()})

    def setUp(self):
        super().setUp()
        self._pay_quietly(self.l1, date=self.today - timedelta(days=10))
