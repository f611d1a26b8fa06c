# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Policy as code: the ladder exported to JSON or YAML, and imported back."""

import base64
import codecs
import json

import yaml

from odoo import Command, fields, models
from odoo.exceptions import UserError

from ..engine import PolicyError
from ..models.ar_escalation_policy_text import policy_error_text
from ..models.ar_escalation_stage import validate_ladder

PRESENTATION = (
    "tone",
    "color",
    "rollup",
    "rollup_role",
    "contact",
    "notice_days",
    "description",
    "owner_task",
)


def _where(stage_policy, **values):
    """The values of a refusal that names the stage at fault (its name and level)."""
    return {"stage": stage_policy.name, "level": stage_policy.sequence, **values}


class ArEscalationPolicyWizard(models.TransientModel):
    _name = "ar.escalation.policy.wizard"
    _description = "Export or import the escalation ladder"

    track_id = fields.Many2one(
        "ar.escalation.track",
        required=True,
        default=lambda self: self.env["ar.escalation.track"]._ar_default_track(),
        help="The track whose stages are exported, or replaced by the file's.",
    )
    file_format = fields.Selection([("yaml", "YAML"), ("json", "JSON")], default="yaml", required=True)
    file = fields.Binary("Policy file")
    filename = fields.Char()

    # ------------------------------------------------------------------
    def _ar_export_data(self):
        stages = self.env["ar.escalation.stage"].search([("track_id", "=", self.track_id.id)])
        out = {
            "track": {"name": self.track_id.name, "external_approval": self.track_id.external_approval},
            "promise_grace_days": self.env.company.ar_promise_grace_days,
            "stages": [],
        }
        for stage in stages:
            data = {**stage._prepare_policy_stage(), **stage._prepare_case_stage()}
            data.pop("needs_approval")  # the track's (external_approval above)
            data["presentation"] = {
                key: stage[key] for key in PRESENTATION if stage[key] not in (False, None)
            }
            template = stage.mail_template_id.get_external_id().get(stage.mail_template_id.id)
            if template:
                data["presentation"]["mail_template"] = template
            out["stages"].append(data)
        return out

    def _ar_dump(self, data):
        if self.file_format == "json":
            return json.dumps(data, indent=2, ensure_ascii=False)
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)

    def action_export(self):
        self.ensure_one()
        content = self._ar_dump(self._ar_export_data())
        name = f"escalation_ladder_{self.track_id.id}.{self.file_format}"
        attachment = self.env["ir.attachment"].create(
            {"name": name, "raw": content.encode(), "res_model": self._name, "res_id": self.id}
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }

    # ------------------------------------------------------------------
    def _ar_decode(self, raw):
        """The file's text: UTF-8, or UTF-16 / UTF-8 marked by a byte order mark (Notepad's
        "Unicode" and "UTF-8 with BOM"); any other encoding is refused in words."""
        encoding = "utf-8"
        for bom, bom_encoding in (
            (codecs.BOM_UTF8, "utf-8-sig"),
            (codecs.BOM_UTF16_LE, "utf-16"),
            (codecs.BOM_UTF16_BE, "utf-16"),
        ):
            if raw.startswith(bom):
                encoding = bom_encoding
                break
        if encoding == "utf-8" and b"\x00" in raw:
            # UTF-16 without its byte order mark (or not text at all): every other byte is NUL
            raise UserError(
                self.env._(
                    "The file is not UTF-8 text (it holds NUL bytes, as UTF-16 without its byte "
                    "order mark does): save it as UTF-8 (in Notepad: File > Save as, Encoding "
                    "UTF-8) and import it again."
                )
            )
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            raise UserError(
                self.env._(
                    "The file is not UTF-8 text (line %s holds a character that is not): save it "
                    "as UTF-8 (in Notepad: File > Save as, Encoding UTF-8) and import it again.",
                    raw[: exc.start].count(b"\n") + 1,
                )
            ) from None
        if "\x00" in text:
            raise UserError(
                self.env._(
                    "The file holds NUL characters, which a policy never does: save it as UTF-8 "
                    "text and import it again."
                )
            )
        return text

    def _ar_parse(self):
        if not self.file:
            raise UserError(self.env._("Choose a policy file."))
        text = self._ar_decode(base64.b64decode(self.file))
        fmt = dict(self._fields["file_format"]._description_selection(self.env))[self.file_format]
        try:
            data = json.loads(text) if self.file_format == "json" else yaml.safe_load(text)
        except json.JSONDecodeError as exc:
            raise UserError(
                self.env._(
                    "The file is not valid %(fmt)s: check line %(line)s, column %(column)s.",
                    fmt=fmt,
                    line=exc.lineno,
                    column=exc.colno,
                )
            ) from None
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            if mark is None:
                raise UserError(self.env._("The file is not valid %s.", fmt)) from None
            raise UserError(
                self.env._(
                    "The file is not valid %(fmt)s: check line %(line)s, column %(column)s.",
                    fmt=fmt,
                    line=mark.line + 1,
                    column=mark.column + 1,
                )
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("stages"), list):
            raise UserError(self.env._("The file needs a list of stages under “stages:” at its top level."))
        return data

    def _ar_presentation(self, stage_policy, presentation):
        """The stage's presentation settings of the file, checked: values its form could hold."""
        Stage = self.env["ar.escalation.stage"]
        vals = {}
        for key, value in presentation.items():
            if key not in PRESENTATION:
                continue
            field = Stage._fields[key]
            where = _where(stage_policy, field=field._description_string(self.env), key=key)
            if field.type == "selection" and value not in (False, None):
                allowed = dict(field._description_selection(self.env))
                if value not in allowed:
                    raise UserError(
                        self.env._(
                            "The policy was not imported: stage “%(stage)s” (level %(level)s): "
                            "“%(field)s” (%(key)s) cannot be “%(value)s”; it is one of: %(allowed)s.",
                            **where,
                            value=value,
                            allowed=", ".join(allowed),
                        )
                    )
            elif field.type == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
                raise UserError(
                    self.env._(
                        "The policy was not imported: stage “%(stage)s” (level %(level)s): "
                        "“%(field)s” (%(key)s) must be a whole number.",
                        **where,
                    )
                )
            elif field.type in ("char", "text") and not isinstance(value, str):
                value = str(value)
            elif field.type == "boolean":
                value = bool(value)
            vals[key] = value
        return vals

    def _ar_template(self, stage_policy, template_ref):
        template = (
            self.env.ref(template_ref, raise_if_not_found=False) if isinstance(template_ref, str) else None
        )
        if not template or template._name != "mail.template":
            raise UserError(
                self.env._(
                    "The policy was not imported: stage “%(stage)s” (level %(level)s) names the email "
                    "template “%(template)s”, which this database does not have.",
                    **_where(stage_policy, template=template_ref),
                )
            )
        return template

    def action_import(self):
        """Validate the whole file first; apply it only when every stage and rule is valid."""
        self.ensure_one()
        data = self._ar_parse()
        policy_data = {
            "promise_grace_days": data.get("promise_grace_days", self.env.company.ar_promise_grace_days),
            "stages": data["stages"],
        }
        try:
            policy, case = validate_ladder(policy_data)
        except PolicyError as exc:
            raise UserError(
                self.env._("The policy was not imported:\n%s", policy_error_text(self.env, exc))
            ) from None
        kept, archived = self._ar_apply_stages(data["stages"], policy, case)
        self.env.company.ar_promise_grace_days = policy.promise_grace_days
        track = data.get("track")
        if isinstance(track, dict) and isinstance(track.get("external_approval"), bool):
            self.track_id.external_approval = track["external_approval"]
        # the import says what it did, rather than closing silently
        lines = [
            self.env._(
                "The track %(track)s now has %(count)s stages: %(stages)s.",
                track=self.track_id.name,
                count=len(kept),
                stages=", ".join(kept.sorted("sequence").mapped("name")),
            ),
            self.env._("Promise grace days: %s.", policy.promise_grace_days),
        ]
        if archived:
            lines.append(self.env._("Archived: %s.", ", ".join(archived.mapped("name"))))
        return self.env["ar.escalation.everyday"]._ar_notify(
            self.env._("Policy imported"), lines, in_dialog=True
        )

    def _ar_apply_stages(self, raw_stages, policy, case):
        """Write the file's stages over those of the same level, create the others and archive
        the stages the file does not name; returns (the file's stages, the archived ones)."""
        Stage = self.env["ar.escalation.stage"].with_context(active_test=False)
        on_track = [("track_id", "=", self.track_id.id)]
        existing = {stage.sequence: stage for stage in Stage.search(on_track)}
        kept = Stage
        for raw, stage_policy, case_stage in zip(raw_stages, policy.stages, case.stages, strict=True):
            vals = self._ar_stage_vals(raw, stage_policy, case_stage)
            stage = existing.get(stage_policy.sequence)
            if stage:
                stage.write(vals)
            else:
                stage = Stage.create(vals)
            kept |= stage
        archived = Stage.search(on_track) - kept
        archived.write({"active": False})
        return kept, archived

    def _ar_stage_vals(self, raw, stage_policy, case_stage):
        """A stage's values from its validated policy, case settings and presentation of the file."""
        presentation = raw.get("presentation") or {}
        if not isinstance(presentation, dict):
            raise UserError(
                self.env._(
                    "The policy was not imported: stage “%(stage)s” (level %(level)s): its "
                    "“presentation” must be a mapping of named values.",
                    **_where(stage_policy),
                )
            )
        presentation = dict(presentation)
        template_ref = presentation.pop("mail_template", None)
        Rule = self.env["ar.escalation.rule"]
        vals = {
            "name": stage_policy.name,
            "track_id": self.track_id.id,
            "sequence": stage_policy.sequence,
            "active": True,
            "rule_mode": stage_policy.rule_mode,
            "channel": stage_policy.channel,
            "cadence_days": stage_policy.cadence_days,
            "cadence_max": stage_policy.cadence_max,
            "pause_on_promise": stage_policy.pause_on_promise,
            **case_stage.model_dump(),
            **self._ar_presentation(stage_policy, presentation),
            "rule_ids": [Command.clear()]
            + [Command.create(Rule._prepare_rule_vals(rule)) for rule in stage_policy.rules],
        }
        if template_ref:
            vals["mail_template_id"] = self._ar_template(stage_policy, template_ref).id
        return vals
