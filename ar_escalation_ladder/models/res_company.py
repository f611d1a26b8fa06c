# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import email_normalize

from .ar_escalation_access import is_ladder_write, ladder_context

# whether the ladder acts for a company, since when and by whom: changed only by
# activating or deactivating it (Settings, an administrator), never by a plain write
GO_LIVE_FIELDS = (
    "ar_escalation_enabled",
    "ar_go_live_date",
    "ar_go_live_user_id",
    "ar_go_live_cap_stage_id",
    "ar_go_live_stop_date",
    "ar_go_live_stop_user_id",
)


class ResCompany(models.Model):
    _inherit = "res.company"

    # off until an administrator activates it (Settings, AR escalation): installed
    # into a database with a book, the ladder sends nothing, sets no stage and
    # creates no activity for a company before its go-live
    ar_escalation_enabled = fields.Boolean(
        "AR escalation active",
        default=False,
        help="The ladder evaluates, messages and escalates this company's invoices only once an "
        "administrator has activated it (Settings, AR escalation, Activate).",
    )
    ar_go_live_date = fields.Datetime("Escalation live since", readonly=True, copy=False)
    ar_go_live_user_id = fields.Many2one("res.users", "Activated by", readonly=True, copy=False)
    ar_go_live_cap_stage_id = fields.Many2one(
        "ar.escalation.stage",
        "Existing book entered at most at",
        readonly=True,
        copy=False,
        help="Chosen at activation: an invoice entering the ladder for the first time at a higher "
        "stage than this one enters at this one, gets its message, and climbs from there one stage "
        "at a time as each stage's cadence completes. Empty: at the stage its age gives.",
    )
    ar_go_live_stop_date = fields.Datetime("Escalation deactivated on", readonly=True, copy=False)
    ar_go_live_stop_user_id = fields.Many2one("res.users", "Deactivated by", readonly=True, copy=False)
    ar_operator_user_id = fields.Many2one("res.users", "AR operator")
    ar_lead_user_id = fields.Many2one("res.users", "AR lead")
    ar_finance_lead_user_id = fields.Many2one("res.users", "Finance lead")
    ar_cfo_user_id = fields.Many2one("res.users", "CFO")
    ar_promise_grace_days = fields.Integer("Promise grace (days)", default=3)
    ar_hygiene_require_email = fields.Boolean("Require a billing email before dunning", default=True)
    ar_hygiene_require_ref = fields.Boolean(
        "Require the customer reference where the customer asks for one", default=True
    )
    ar_late_payer_days = fields.Float("Late payer threshold (avg days late)", default=10)
    ar_worsening_days = fields.Float("Worsening trend threshold (days)", default=5)
    ar_reply_to = fields.Selection(
        [
            ("catchall", "The company's catchall address (replies land on the case)"),
            ("owner", "The case owner's email"),
            ("address", "A given address"),
        ],
        "Replies go to",
        default="catchall",
        required=True,
        help="Reply-To of the customer messages. The catchall address lets Odoo's mail gateway put "
        "the customer's reply on the escalation case, notify its owner and count it as a response. "
        "Without an alias domain (or an address), replies go to the case owner, else to the "
        "company's email.",
    )
    ar_reply_to_address = fields.Char(
        "Reply address", help="Where customers' replies go when 'Replies go to' is 'A given address'."
    )
    # what a customer may promise from the portal (security: a promise of 0.01
    # dated years ahead would silence the reminders of an invoice for good)
    ar_portal_promise_horizon_days = fields.Integer(
        "Portal promises up to (days ahead)",
        default=90,
        help="A customer can commit on the portal to pay within this many days, not later.",
    )
    ar_portal_promise_min_percent = fields.Float(
        "Portal promises cover at least (%)",
        default=10.0,
        help="Share of the invoice's open amount a promise made on the portal must cover at least.",
    )

    @api.constrains("ar_portal_promise_horizon_days", "ar_portal_promise_min_percent")
    def _check_ar_portal_promise_bounds(self):
        for company in self:
            if not 1 <= company.ar_portal_promise_horizon_days <= 3650:
                raise ValidationError(self.env._("Portal promises: the horizon is 1 to 3650 days."))
            if not 0 <= company.ar_portal_promise_min_percent <= 100:
                raise ValidationError(self.env._("Portal promises: the share to cover is 0 to 100 %."))

    @api.constrains("ar_reply_to", "ar_reply_to_address")
    def _check_ar_reply_to_address(self):
        for company in self:
            # an empty address falls back to the catchall; a wrong one is refused
            if company.ar_reply_to_address and not email_normalize(company.ar_reply_to_address):
                raise ValidationError(
                    self.env._(
                        "Replies of %(company)s's customers: “%(address)s” is not a valid email address.",
                        company=company.name,
                        address=company.ar_reply_to_address or "",
                    )
                )

    # ------------------------------------------------------------------
    # go-live: activation and deactivation, administrators only
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._ar_check_go_live_write([name for name, value in vals.items() if value])
            if vals.get("ar_escalation_enabled"):
                vals.update(self._ar_go_live_stamp(vals))
        return super().create(vals_list)

    def write(self, vals):
        self._ar_check_go_live_write(list(vals))
        if vals.get("ar_escalation_enabled") and "ar_go_live_date" not in vals:
            # superuser code (the demo, a script) switching it on still says since when
            vals = {**vals, **self._ar_go_live_stamp(vals)}
        return super().write(vals)

    def _ar_check_go_live_write(self, names):
        """Activation is the administrators' (the activation wizard, which shows the first run
        and records who and when): a plain write of these fields, also by a user who may edit
        companies, is refused."""
        names = [name for name in names if name in GO_LIVE_FIELDS]
        if names and not is_ladder_write(self.env):
            raise AccessError(
                self.env._(
                    "AR escalation is activated or deactivated by an administrator in Settings "
                    "(Accounting, AR Escalation), not by editing the company."
                )
            )

    def _ar_go_live_stamp(self, vals):
        return {
            "ar_go_live_date": vals.get("ar_go_live_date") or fields.Datetime.now(),
            "ar_go_live_user_id": vals.get("ar_go_live_user_id") or self.env.uid,
            "ar_go_live_stop_date": False,
            "ar_go_live_stop_user_id": False,
        }

    def _ar_check_go_live_admin(self):
        if not (self.env.su or self.env.user.has_group("base.group_system")):
            raise AccessError(self.env._("Only an administrator activates or deactivates AR escalation."))

    def _ar_check_live(self):
        """Refuse a ladder action (Escalate now, override, dispute) for a company not activated."""
        dormant = self.filtered(lambda company: not company.ar_escalation_enabled)
        if dormant:
            raise UserError(
                self.env._(
                    "AR escalation is not active for %(companies)s yet: nothing is sent or escalated "
                    "until an administrator activates it in Settings (Accounting, AR Escalation).",
                    companies=", ".join(dormant.mapped("name")),
                )
            )

    def _ar_activate(self, cap_stage=None, note=None):
        """Go live: the ladder acts for these companies from now on; recorded and logged.

        ``cap_stage``: the highest stage an invoice enters at on its first
        evaluation (the existing book); None for the stage its age gives.
        """
        self._ar_check_go_live_admin()
        now = fields.Datetime.now()
        cap_stage = cap_stage or self.env["ar.escalation.stage"]
        self.with_context(**ladder_context()).write(
            {
                "ar_escalation_enabled": True,
                "ar_go_live_date": now,
                "ar_go_live_user_id": self.env.uid,
                "ar_go_live_cap_stage_id": cap_stage.id,
            }
        )
        if cap_stage:
            entry = self.env._(
                "Invoices enter the ladder at most at %(stage)s and climb from there by its cadence.",
                stage=cap_stage.name,
            )
        else:
            entry = self.env._("Invoices enter the ladder at the stage their age gives.")
        self._ar_log_go_live(
            self.env._("AR escalation activated by %(user)s.", user=self.env.user.name), entry, note
        )
        return True

    def _ar_deactivate(self, note=None):
        """Stop the ladder for these companies: nothing is sent, escalated or rolled up any more."""
        self._ar_check_go_live_admin()
        self.with_context(**ladder_context()).write(
            {
                "ar_escalation_enabled": False,
                "ar_go_live_stop_date": fields.Datetime.now(),
                "ar_go_live_stop_user_id": self.env.uid,
            }
        )
        self._ar_log_go_live(
            self.env._("AR escalation deactivated by %(user)s.", user=self.env.user.name),
            self.env._("Nothing is sent, escalated or rolled up until it is activated again."),
            note,
        )
        return True

    def _ar_log_go_live(self, title, detail, note=None):
        """A line in the chatter of the company's contact (companies have no chatter of their own)."""
        body = Markup("<p><b>%s</b></p><p>%s</p>") % (title, detail)
        if note:
            body += Markup("<p>%s</p>") % note
        for company in self:
            # sudo: an administrator without contact-edit rights still leaves the trace
            company.partner_id.sudo()._message_log(body=body)
