# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The owner's activity on a case: its note with the account context, scheduled in batch."""

import functools
from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import safe_eval

from ..engine.vocabulary import ACCOUNT_TIERS
from .ar_escalation_format import ReasonWords, days_overdue_text, format_reader_datetime


class ArEscalationCase(models.Model):
    _inherit = "ar.escalation.case"

    def _ar_activity_note(self):
        """The account context an owner needs, as HTML for the activity note."""
        self.ensure_one()
        return self._ar_activity_notes()[self.id]

    def _ar_activity_notes(self):
        """The activity notes of the cases, ``{case id: HTML}``, the template compiled once per language.

        The very steps of ``ir.qweb._render`` (environment, checked values,
        compiled template) done once per owner language for all the cases of
        a run rather than once per case; each note gets its own values, in its
        owner's language and time zone, amounts in the company's currency.
        """
        if not self:
            return {}
        notes = {}
        by_lang = defaultdict(list)
        for case in self:
            by_lang[case.owner_id.lang or self.env.lang or "en_US"].append(case)
        for lang, cases in by_lang.items():
            env = self.with_context(lang=lang).env
            qweb = env["ir.qweb"]
            base = self._ar_note_helpers(env)
            qweb = qweb._prepare_environment(base)
            functions, name = qweb._compile("ar_escalation_ladder.activity_note")
            render = functions[name]
            for case in cases:
                values = dict(
                    base,
                    case=case,
                    context=case.partner_id._ar_account_context(case.company_id),
                    tier=base["tiers"].get(case.partner_id.ar_account_tier, ""),
                    money=base["money_in"](case.company_id.currency_id),
                    deadline=format_reader_datetime(env, case.sla_deadline, case.owner_id),
                )
                safe_eval.check_values(values)
                notes[case.id] = Markup("".join(render(qweb, values)))
        return notes

    @api.model
    def _ar_note_helpers(self, env):
        """Labels and formatters of the activity note, in ``env``'s language (read once per run)."""
        _ = env._
        partner_fields = env["res.partner"]._fields
        dispute_fields = env["ar.escalation.dispute"]._fields
        lang = env["res.lang"]._lang_get(env.lang or "en_US")
        date_format = (lang and lang.date_format) or "%m/%d/%Y"

        # core's format_amount, with the language and currencies read once
        # (thousands of amounts per run): the formatter the templates use
        format_amount = env["mail.render.mixin"]._ar_amount_formatter()
        words = ReasonWords(env, env.company.currency_id)

        def money_in(currency):
            return lambda amount: format_amount(amount or 0.0, currency)

        def day(value):
            return value.strftime(date_format) if value else ""

        return {
            # the tier as a sentence says it ("key account", "Schlüsselkunde")
            "tiers": {tier: words.account_tier(tier) for tier in ACCOUNT_TIERS},
            "trends": dict(partner_fields["ar_trend"]._description_selection(env)),
            "dispute_codes": dict(dispute_fields["code"]._description_selection(env)),
            "bucket_names": {
                "current": _("not yet due"),
                "1-30": _("1-30 days"),
                "31-60": _("31-60 days"),
                "61-90": _("61-90 days"),
                "90+": _("over 90 days"),
            },
            "money_in": money_in,
            "due_text": functools.partial(days_overdue_text, env),
            "day": day,
        }

    def _ar_schedule_activity(self, summary):
        """Give each case's owner an "AR escalation" activity with the account context.

        One ``mail.activity.create`` for all the cases of a run: core checks
        the access, subscribes each owner to its cases (in batch, per owner)
        and refreshes the owners' counters; other modules' hooks on activities
        (teams, reminders, audit) see them as they see core's own. No
        "assigned to you" email (``mail_activity_quick_update``): an owner
        with hundreds of escalations sees them in the activity menu.
        """
        if not self:
            return self.env["mail.activity"]
        activity_type = self.env.ref("ar_escalation_ladder.mail_activity_type_escalation")
        notes = self._ar_activity_notes()
        now = fields.Datetime.now()
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = [
            self._ar_prepare_activity_vals(
                activity_type,
                {
                    "res_model_id": model_id,
                    "res_id": case.id,
                    "activity_type_id": activity_type.id,
                    "user_id": case.owner_id.id,
                    "summary": summary.get(case.id) or case.name,
                    "date_deadline": fields.Date.context_today(case, case.sla_deadline or now),
                    "note": notes[case.id],
                    "automated": True,
                },
            )
            for case in self
        ]
        activities = self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(vals_list)
        # the cases' activity fields (current activity, state, deadline) read them anew
        self.invalidate_recordset(
            [name for name in self._fields if name.startswith(("activity_", "my_activity_"))]
        )
        return activities

    @api.model
    def _ar_prepare_activity_vals(self, activity_type, vals):
        """The values of an owner's activity (hook), with what ``activity_schedule`` would add.

        Modules that extend ``activity_schedule`` rather than the activity
        itself are honoured here: with OCA ``mail_activity_team`` the activity
        type's default team is applied, the owner staying assigned when they
        belong to it (otherwise the owner's own team is found by the module).
        """
        Activity = self.env["mail.activity"]
        team = activity_type.default_team_id if "default_team_id" in activity_type._fields else None
        if team and "team_id" in Activity._fields and "team_id" not in vals:
            owner = self.env["res.users"].browse(vals.get("user_id"))
            if not owner or owner in team.member_ids:
                vals = dict(vals, team_id=team.id)
                if owner and "team_user_id" in Activity._fields:
                    vals["team_user_id"] = owner.id
        return vals

    @api.model
    def _ar_set_activity_notes(self, notes):
        """Refresh the owners' activity notes (``{activity id: HTML}``) through the ORM."""
        Activity = self.env["mail.activity"].with_context(mail_activity_quick_update=True)
        for activity_id, note in notes.items():
            Activity.browse(activity_id).write({"note": note})
