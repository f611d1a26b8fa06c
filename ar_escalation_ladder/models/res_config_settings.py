# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

DEFAULT_CADENCE_DAYS = 7
DEFAULT_CADENCE_MAX = 3


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    # activated and deactivated by the buttons below (administrators), never by saving the settings
    ar_escalation_enabled = fields.Boolean(related="company_id.ar_escalation_enabled")
    ar_go_live_date = fields.Datetime(related="company_id.ar_go_live_date")
    ar_go_live_user_id = fields.Many2one(related="company_id.ar_go_live_user_id")
    ar_go_live_cap_stage_id = fields.Many2one(related="company_id.ar_go_live_cap_stage_id")
    ar_go_live_stop_date = fields.Datetime(related="company_id.ar_go_live_stop_date")
    ar_go_live_stop_user_id = fields.Many2one(related="company_id.ar_go_live_stop_user_id")
    ar_operator_user_id = fields.Many2one(related="company_id.ar_operator_user_id", readonly=False)
    ar_lead_user_id = fields.Many2one(related="company_id.ar_lead_user_id", readonly=False)
    ar_finance_lead_user_id = fields.Many2one(related="company_id.ar_finance_lead_user_id", readonly=False)
    ar_cfo_user_id = fields.Many2one(related="company_id.ar_cfo_user_id", readonly=False)
    ar_promise_grace_days = fields.Integer(related="company_id.ar_promise_grace_days", readonly=False)
    ar_hygiene_require_email = fields.Boolean(related="company_id.ar_hygiene_require_email", readonly=False)
    ar_hygiene_require_ref = fields.Boolean(related="company_id.ar_hygiene_require_ref", readonly=False)
    ar_late_payer_days = fields.Float(related="company_id.ar_late_payer_days", readonly=False)
    ar_worsening_days = fields.Float(related="company_id.ar_worsening_days", readonly=False)
    ar_reply_to = fields.Selection(related="company_id.ar_reply_to", readonly=False)
    ar_reply_to_address = fields.Char(related="company_id.ar_reply_to_address", readonly=False)
    ar_portal_promise_horizon_days = fields.Integer(
        related="company_id.ar_portal_promise_horizon_days", readonly=False
    )
    ar_portal_promise_min_percent = fields.Float(
        related="company_id.ar_portal_promise_min_percent", readonly=False
    )
    ar_predue_window_days = fields.Integer(
        "Pre-due window (days)",
        help="How many days before the due date an invoice of a risky customer can enter the "
        "pre-due stage: the lower bound of that stage's days-overdue rule (the ladder is shared "
        "by all companies).",
    )
    ar_default_cadence_days = fields.Integer(
        "Repeat every (days)",
        config_parameter="ar_escalation.default_cadence_days",
        default=DEFAULT_CADENCE_DAYS,
        help="Default cadence of a new stage: its customer message is repeated every N days.",
    )
    ar_default_cadence_max = fields.Integer(
        "Messages at most",
        config_parameter="ar_escalation.default_cadence_max",
        default=DEFAULT_CADENCE_MAX,
        help="Default number of messages a new stage sends while an invoice stays in it.",
    )

    ar_rollup_chain = fields.Char("Roll-up chain", compute="_compute_ar_rollup_chain")

    @api.depends("company_id")
    def _compute_ar_rollup_chain(self):
        labels = dict(
            self.env["ar.escalation.rollup.step"]._fields["from_role"]._description_selection(self.env)
        )
        for settings in self:
            # sudo: Settings are the administrators', who need no AR group to read the chain
            steps = settings.company_id.sudo().ar_rollup_step_ids
            settings.ar_rollup_chain = "; ".join(
                f"{labels[s.from_role]} → {labels[s.to_role]}" for s in steps
            ) or self.env._("No roll-up: escalations stay with their owner.")

    def action_ar_rollup_chain(self):
        """Open the company's roll-up chain, one line per role."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Roll-up chain"),
            "res_model": "ar.escalation.rollup.step",
            "view_mode": "list",
            "domain": [("company_id", "=", self.company_id.id)],
            "context": {"default_company_id": self.company_id.id},
        }

    @api.model
    def _ar_predue_rule(self):
        """The days-overdue rule that lets not-yet-due invoices in: the pre-due stage's."""
        # sudo: Settings are the administrators' (core's access rights), who
        # need no AR group to read and set this window
        return (
            self.env["ar.escalation.rule"]
            .sudo()
            .search(
                [
                    ("kind", "=", "days_overdue"),
                    ("use_min", "=", True),
                    ("min_value", "<", 0),
                    ("stage_id.active", "=", True),
                ],
                order="min_value",
                limit=1,
            )
        )

    @api.model
    def get_values(self):
        res = super().get_values()
        rule = self._ar_predue_rule()
        res["ar_predue_window_days"] = int(-rule.min_value) if rule else 0
        return res

    def set_values(self):
        res = super().set_values()
        rule = self._ar_predue_rule()
        if rule and self.ar_predue_window_days > 0 and -rule.min_value != self.ar_predue_window_days:
            rule.min_value = -self.ar_predue_window_days
        return res

    def action_ar_apply_default_cadence(self):
        """Give every stage the default cadence (after saving the settings)."""
        self.ensure_one()
        self.set_values()
        self.env["ar.escalation.stage"].search([]).write(
            {"cadence_days": self.ar_default_cadence_days, "cadence_max": self.ar_default_cadence_max}
        )
        return True

    def action_ar_go_live(self):
        """Open the activation: the preview of the first run and how the existing book enters."""
        self.ensure_one()
        self.company_id._ar_check_go_live_admin()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Activate AR escalation"),
            "res_model": "ar.escalation.golive.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_company_id": self.company_id.id},
        }

    def action_ar_deactivate(self):
        self.ensure_one()
        self.company_id._ar_deactivate()
        return {"type": "ir.actions.client", "tag": "reload"}
