# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Activate AR escalation for a company: what its first run will do, and how the book enters."""

from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from ..engine.vocabulary import TRACK_HOLDS


class ArEscalationGoLiveWizard(models.TransientModel):
    _name = "ar.escalation.golive.wizard"
    _description = "Activate AR escalation"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    entry = fields.Selection(
        [
            ("age", "At the stage its age gives"),
            ("cap", "At most at a chosen stage, then climbing by the cadence"),
        ],
        "The existing book enters",
        required=True,
        default="cap",
        help="Capped: an old debt first gets the chosen stage's message, then climbs one stage at a time "
        "as each stage's cadence completes, instead of receiving the highest stage's message at once.",
    )
    cap_stage_id = fields.Many2one(
        "ar.escalation.stage",
        "At most at",
        default=lambda self: self._default_cap_stage(),
        help="The highest stage an invoice enters at when the ladder first evaluates it.",
    )
    line_ids = fields.One2many(
        "ar.escalation.golive.wizard.line", "wizard_id", "First run, by stage", compute="_compute_preview"
    )
    invoice_count = fields.Integer("Invoices on the ladder", compute="_compute_preview")
    message_count = fields.Integer("Customers messaged", compute="_compute_preview")
    activity_count = fields.Integer("Activities for owners", compute="_compute_preview")
    owner_count = fields.Integer("Owners with activities", compute="_compute_preview")
    owner_names = fields.Char("Owners", compute="_compute_preview")
    held_count = fields.Integer(
        "Invoices with nothing sent",
        compute="_compute_preview",
        help="On the ladder, but their customer gets no message in the first run: a dispute, a promise, "
        "a pause, no valid email address.",
    )

    @api.model
    def _default_cap_stage(self):
        # the first stage about invoices past due (the pre-due reminder is a courtesy)
        stages = self.env["ar.escalation.stage"].sudo().search([], order="sequence")
        return stages[1:2] or stages[:1]

    def _cap(self):
        self.ensure_one()
        if self.entry == "cap":
            return self.cap_stage_id
        return self.env["ar.escalation.stage"]

    @api.depends("company_id", "entry", "cap_stage_id")
    def _compute_preview(self):
        for wizard in self:
            summary = wizard._ar_first_run()
            wizard.update(
                {
                    "line_ids": [Command.clear()] + [Command.create(vals) for vals in summary["lines"]],
                    "invoice_count": summary["invoices"],
                    "message_count": summary["messages"],
                    "activity_count": summary["activities"],
                    "owner_count": len(summary["owners"]),
                    "owner_names": ", ".join(summary["owners"].mapped("name")),
                    "held_count": summary["held"],
                }
            )

    def _ar_first_run(self):
        """What the first run will do for the company, from the preview's dry run (nothing written).

        One message per customer at its highest stage on the external track,
        when an invoice there is due one (as the run sends it); one activity
        per customer and stage entered (a case), and one per customer with an
        invoice not payable as sent (a fix-it task).
        """
        self.ensure_one()
        company = self.company_id
        if not company or (self.entry == "cap" and not self.cap_stage_id):
            return {
                "lines": [],
                "invoices": 0,
                "messages": 0,
                "activities": 0,
                "held": 0,
                "owners": self.env["res.users"],
            }
        # sudo: an administrator activating the ladder needs no AR group to see
        # what its first run will do; the dry run writes nothing
        rows = (
            self.env["ar.escalation.preview"].sudo()._ar_preview(company, limit=None, cap_stage=self._cap())
        )
        messaged = self._ar_messaged(rows)
        activities, fixits, owners = self._ar_new_cases(company, rows)
        sent = {vals["move_id"] for vals, partner_id, level in rows if messaged.get(partner_id) is not None}
        return {
            "lines": self._ar_stage_lines(rows, messaged, activities),
            "invoices": len(rows),
            "messages": len(messaged),
            "activities": sum(activities.values()) + fixits,
            "owners": owners,
            "held": len(rows) - len(sent),
        }

    @api.model
    def _ar_messaged(self, rows):
        """{customer id: stage id of its message} for the customers the first run writes to."""
        track = set(TRACK_HOLDS)
        per_customer = defaultdict(list)
        for vals, partner_id, level in rows:
            per_customer[partner_id].append((vals, level))
        messaged = {}
        for partner_id, items in per_customer.items():
            position = max((level for vals, level in items if vals["hold"] in track), default=None)
            sending = [vals for vals, level in items if vals["send"] and level == position]
            if position is not None and sending:
                messaged[partner_id] = sending[0]["new_stage_id"]
        return messaged

    @api.model
    def _ar_new_cases(self, company, rows):
        """The cases the first run opens: ({stage id: new cases}, fix-it tasks, their owners)."""
        entering = {
            (partner_id, vals["new_stage_id"]) for vals, partner_id, __ in rows if vals["action"] == "enter"
        }
        fixing = {partner_id for vals, partner_id, __ in rows if vals["hold"] == "not_payable"}
        entering, fixits = self._ar_not_open_yet(company, entering, fixing)
        activities, owners = self._ar_case_owners(company, entering, fixits)
        return activities, len(fixits), owners

    @api.model
    def _ar_case_owners(self, company, entering, fixits):
        """({stage id: cases opened}, their owners) for the (customer, stage) cases and fix-it tasks."""
        Case = self.env["ar.escalation.case"].sudo()
        partners = self.env["res.partner"].sudo().browse({pid for pid, __ in entering} | fixits)
        partner_of = {partner.id: partner for partner in partners}
        stages = self.env["ar.escalation.stage"].sudo().browse({sid for __, sid in entering})
        stage_of = {stage.id: stage for stage in stages}
        activities = defaultdict(int)  # stage id -> new cases
        owners = self.env["res.users"]
        for partner_id, stage_id in entering:
            owner, __ = Case._ar_resolve_owner(stage_of[stage_id].owner_role, partner_of[partner_id], company)
            owners |= owner
            activities[stage_id] += 1
        for partner_id in fixits:
            owner, __ = Case._ar_resolve_owner("ar_operator", partner_of[partner_id], company)
            owners |= owner
        return activities, owners

    @api.model
    def _ar_not_open_yet(self, company, entering, fixing):
        """Of the (customer, stage) cases and the customers' fix-it tasks, those not open already."""
        open_cases = (
            self.env["ar.escalation.case"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "in", list({pid for pid, __ in entering} | fixing)),
                    ("state", "!=", "closed"),
                ]
            )
        )
        have = {(case.partner_id.id, case.stage_id.id) for case in open_cases if case.kind == "escalation"}
        have_fixit = {case.partner_id.id for case in open_cases if case.kind == "hygiene"}
        return entering - have, fixing - have_fixit

    @api.model
    def _ar_stage_lines(self, rows, messaged, activities):
        """One line per stage (track by track): invoices that enter it, customers messaged there,
        activities."""
        invoices = defaultdict(int)
        for vals, __, __ in rows:
            invoices[vals["new_stage_id"]] += 1
        messages = defaultdict(int)
        for stage_id in messaged.values():
            messages[stage_id] += 1
        stages = self.env["ar.escalation.stage"].sudo().browse(list(invoices)).exists()
        stages = stages.sorted(lambda stage: (stage.track_id.sequence, stage.track_id.id, stage.sequence))
        return [
            {
                "stage_id": stage.id,
                "invoice_count": invoices[stage.id],
                "message_count": messages[stage.id],
                "activity_count": activities[stage.id],
            }
            for stage in stages
        ]

    def action_activate(self):
        """Go live: record who and when, log it, and let the scheduled action take the book."""
        self.ensure_one()
        company = self.company_id
        company._ar_check_go_live_admin()
        if company.ar_escalation_enabled:
            raise UserError(self.env._("AR escalation is already active for %s.", company.name))
        if self.entry == "cap" and not self.cap_stage_id:
            raise UserError(self.env._("Choose the stage the existing book enters at most at."))
        summary = self.env._(
            "First run as previewed: %(invoices)s invoices on the ladder, %(messages)s customers "
            "messaged, %(activities)s activities for %(owners)s owners.",
            invoices=self.invoice_count,
            messages=self.message_count,
            activities=self.activity_count,
            owners=self.owner_count,
        )
        company._ar_activate(cap_stage=self._cap(), note=summary)
        # the first run: the scheduled action, now rather than at its next hour
        self.env.ref("ar_escalation_ladder.ir_cron_ar_escalation").sudo()._trigger()
        return {"type": "ir.actions.client", "tag": "reload"}


class ArEscalationGoLiveWizardLine(models.TransientModel):
    _name = "ar.escalation.golive.wizard.line"
    _description = "Activate AR escalation: first run at a stage"
    _order = "stage_id"

    wizard_id = fields.Many2one("ar.escalation.golive.wizard", required=True, ondelete="cascade")
    stage_id = fields.Many2one("ar.escalation.stage", readonly=True)
    invoice_count = fields.Integer("Invoices", readonly=True)
    message_count = fields.Integer(
        "Customers messaged", readonly=True, help="Customers whose message is this stage's."
    )
    activity_count = fields.Integer("Owner activities", readonly=True)
