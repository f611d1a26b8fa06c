# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..engine import PolicyError, load_policy
from ..engine.policy import validate
from ..engine.vocabulary import CHANNEL_SELECTION, OWNER_ROLE_SELECTION
from ..engine.vocabulary import OWNER_ROLES as OWNER_ROLE_CODES
from .ar_escalation_policy_text import policy_error_text
from .res_config_settings import DEFAULT_CADENCE_DAYS, DEFAULT_CADENCE_MAX

OWNER_ROLES = OWNER_ROLE_SELECTION  # the selections (other models import them from here)
CHANNELS = CHANNEL_SELECTION
# a stage's settings that are the case's (who owns it, by when), not the engine's
CASE_KEYS = ("owner_role", "sla_hours", "sla_same_business_day")


class CaseStage(BaseModel):
    """What a stage says of its case: the owner's role and the SLA (the engine reads neither)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    owner_role: Literal[OWNER_ROLE_CODES] = "ar_operator"
    sla_hours: float = Field(24, ge=0)
    sla_same_business_day: bool = False

    @model_validator(mode="after")
    def _check_sla(self):
        if not self.sla_same_business_day and self.sla_hours <= 0:
            raise PydanticCustomError(
                "sla_zero", "sla_hours must be > 0 unless the SLA is the same business day"
            )
        return self


class CaseSettings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    stages: tuple[CaseStage, ...] = ()


def _engine_part(stage):
    return {k: v for k, v in stage.items() if k not in (*CASE_KEYS, "presentation")}


def _case_part(stage):
    return {k: v for k, v in stage.items() if k in (*CASE_KEYS, "name", "sequence")}


def validate_ladder(data):
    """A ladder's policy (the engine's) and its stages' case settings, both validated.

    ``data`` is a policy mapping whose stages may also hold the case keys and a
    ``presentation``. Returns ``(policy, case settings)``; raises one
    :class:`PolicyError` holding every fault of both.
    """
    stages = data.get("stages") if isinstance(data, dict) else None
    if not isinstance(stages, list | tuple):
        return load_policy(data), CaseSettings()  # refused: no stages to speak of
    checks = ((load_policy, _engine_part), (lambda part: validate(CaseSettings, part), _case_part))
    problems, messages, results = [], [], []
    for check, keep in checks:
        try:
            results.append(check({**data, "stages": [keep(s) if isinstance(s, dict) else s for s in stages]}))
        except PolicyError as exc:
            problems.extend(p for p in exc.problems if p not in problems)
            messages.append(str(exc))
    if problems:
        raise PolicyError("; ".join(messages), problems)
    return tuple(results)


class ArEscalationStage(models.Model):
    _name = "ar.escalation.stage"
    _description = "AR escalation ladder stage"
    _order = "track_id, sequence, id"

    name = fields.Char(required=True, translate=True)
    track_id = fields.Many2one(
        "ar.escalation.track",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env["ar.escalation.track"]._ar_default_track(),
        help="The escalation track (ladder) this stage is a step of.",
    )
    sequence = fields.Integer(
        "Level", required=True, help="Stage level; the track's ladder climbs by increasing level."
    )
    active = fields.Boolean(default=True)
    color = fields.Integer()
    fold = fields.Boolean("Folded on the board")
    tone = fields.Selection(
        [
            ("courteous", "Courteous"),
            ("collaborative", "Collaborative"),
            ("firm", "Firm and specific"),
            ("executive", "Executive, concise"),
            ("formal", "Formal final notice"),
        ],
        default="courteous",
        required=True,
    )
    description = fields.Text(translate=True)
    rule_mode = fields.Selection(
        [("any", "Any rule matches"), ("all", "All rules match")],
        default="any",
        required=True,
    )
    rule_ids = fields.One2many("ar.escalation.rule", "stage_id", "Entry rules", copy=True)
    owner_role = fields.Selection(OWNER_ROLES, "Internal owner", default="ar_operator", required=True)
    sla_hours = fields.Float("SLA (hours)", default=24, aggregator=None)
    sla_same_business_day = fields.Boolean(
        "SLA: same business day",
        help="The escalation is due by the end of the working day on the company's working calendar.",
    )
    rollup = fields.Boolean(
        "Roll up when the SLA is missed",
        default=True,
        help="An escalation not acknowledged by its deadline goes to the next owner of the "
        "company's roll-up chain (Settings).",
    )
    rollup_role = fields.Selection(
        OWNER_ROLES,
        "Roll up to",
        help="Who a missed SLA goes to first. Empty: the next owner of the company's roll-up "
        "chain (Settings).",
    )
    channel = fields.Selection(CHANNELS, "External channel", default="email", required=True)
    contact = fields.Selection(
        [
            ("billing", "Billing contact"),
            ("escalation", "Escalation contact"),
            ("both", "Billing and escalation contacts"),
        ],
        default="billing",
        required=True,
        help="Escalation contact falls back to the billing contact when none is set.",
    )
    mail_template_id = fields.Many2one(
        "mail.template", "Email template", domain=[("model", "=", "ar.escalation.case")]
    )
    cadence_days = fields.Integer(
        "Repeat every (days)",
        default=lambda self: self._ar_default_cadence("days", DEFAULT_CADENCE_DAYS),
        aggregator=None,
    )
    cadence_max = fields.Integer(
        "Messages at most",
        default=lambda self: self._ar_default_cadence("max", DEFAULT_CADENCE_MAX),
        aggregator=None,
    )
    pause_on_promise = fields.Boolean("Hold while a promise holds", default=True)
    owner_task = fields.Boolean(
        "Task for the owner",
        default=True,
        help="The owner gets a task with the SLA (and roll-ups when it is missed). Off: the stage "
        "runs on its own, no person is asked to act (automated nudges).",
    )
    notice_days = fields.Integer(
        "Notice window (days)",
        default=10,
        aggregator=None,
        help="Days the customer is given in the stage's message to pay or respond.",
    )
    case_count = fields.Integer("Open cases", compute="_compute_case_count")

    _sql_constraints = [
        ("sequence_uniq", "unique(track_id, sequence)", "Two stages of a track cannot share a level."),
    ]

    @api.model
    def _ar_default_cadence(self, which, fallback):
        # sudo: the default cadence is a setting every stage editor may apply
        value = self.env["ir.config_parameter"].sudo().get_param(f"ar_escalation.default_cadence_{which}")
        try:
            return int(value) if value else fallback
        except ValueError:
            return fallback

    @api.depends("name", "track_id.name", "track_id.is_default")
    def _compute_display_name(self):
        """A stage of another track than the default one is named with its track (board columns)."""
        for stage in self:
            track = stage.track_id
            stage.display_name = (
                self.env._("%(track)s: %(stage)s", track=track.name, stage=stage.name)
                if track and not track.is_default
                else stage.name
            )

    def _compute_case_count(self):
        data = self.env["ar.escalation.case"]._read_group(
            [("stage_id", "in", self.ids), ("state", "in", ("open", "acknowledged"))],
            ["stage_id"],
            ["__count"],
        )
        counts = {stage.id: count for stage, count in data}
        for stage in self:
            stage.case_count = counts.get(stage.id, 0)

    @api.constrains("rule_ids", *CASE_KEYS, "channel", "cadence_days", "cadence_max")
    def _check_policy(self):
        for stage in self:
            try:
                validate_ladder(
                    {"stages": [{**stage._prepare_policy_stage(), **stage._prepare_case_stage()}]}
                )
            except PolicyError as exc:
                raise ValidationError(policy_error_text(self.env, exc)) from None

    def _prepare_case_stage(self):
        """The stage's settings of its case: owner role and SLA (the policy file holds them too)."""
        self.ensure_one()
        return {key: self[key] for key in CASE_KEYS}

    def _prepare_policy_stage(self):
        """The stage as the engine's policy reads it (its rules by ``_prepare_policy_rule``)."""
        self.ensure_one()
        return {
            "sequence": self.sequence,
            "name": self.name,
            "rule_mode": self.rule_mode,
            "rules": [rule._prepare_policy_rule() for rule in self.rule_ids],
            "channel": self.channel,
            "cadence_days": self.cadence_days,
            "cadence_max": self.cadence_max,
            "pause_on_promise": self.pause_on_promise,
            "needs_approval": self.track_id.external_approval,
        }

    def action_send_test_to_me(self):
        """Send this stage's customer message, rendered for a real case, to me only."""
        self.ensure_one()
        # a real customer's statement, in full: the ladder's configuration is the AR manager's
        if not (self.env.su or self.env.user.has_group("ar_escalation_ladder.group_ar_manager")):
            raise AccessError(self.env._("Sending a test of a stage's message is for AR managers."))
        if not self.mail_template_id:
            raise UserError(self.env._("Stage %s has no email template.", self.name))
        if not self.env.user.email:
            raise UserError(self.env._("Your user has no email address."))
        case = self.env["ar.escalation.case"].search(
            [("stage_id", "=", self.id), ("kind", "=", "escalation"), ("state", "!=", "closed")], limit=1
        )
        if not case:
            raise UserError(self.env._("No customer is at %s yet: there is nothing to render.", self.name))
        case.invoice_ids._ar_ensure_access_tokens()
        # rendered exactly as the run renders it: for this case and its invoices
        template = self.mail_template_id.with_context(
            ar_invoice_map=((case.id, tuple(case.invoice_ids.ids)),)
        )
        subject = template._render_field("subject", case.ids)[case.id]
        body = template._render_field("body_html", case.ids, compute_lang=True)[case.id]
        # sudo: mail.mail is a technical model; this mail goes to the current user only
        self.env["mail.mail"].sudo().create(
            {
                "subject": self.env._("[TEST] %s", subject),
                "body_html": body,
                "email_from": template._render_field("email_from", case.ids)[case.id]
                or self.env.user.email_formatted,
                "email_to": self.env.user.email_formatted,
                "auto_delete": True,
            }
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "A test of %(stage)s for %(customer)s is on its way to %(email)s.",
                    stage=self.name,
                    customer=case.partner_id.display_name,
                    email=self.env.user.email,
                ),
            },
        }

    @api.model
    def _get_policy(self, company, track=None):
        """The active stages of ``track`` (the default track when none) as a validated engine policy."""
        track = track or self.env["ar.escalation.track"]._ar_default_track()
        stages = self.search([("track_id", "=", track.id)])
        data = {
            "stages": [stage._prepare_policy_stage() for stage in stages],
            "promise_grace_days": company.ar_promise_grace_days,
            "risk": {
                "late_payer_days": company.ar_late_payer_days,
                "worsening_days": company.ar_worsening_days,
            },
        }
        return load_policy(data), {stage.sequence: stage for stage in stages}
