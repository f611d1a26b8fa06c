# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import api, fields, models

PROVIDERS = [
    ("odoo", "Odoo SMS (in-app credits)"),
    ("twilio", "Twilio Messages API"),
    ("webhook", "Generic JSON webhook"),
]


def _admin_param(string, key, **kwargs):
    """A provider setting kept in the system parameter ``ar_escalation_sms.<key>``, for administrators."""
    return fields.Char(
        string, config_parameter=f"ar_escalation_sms.{key}", groups="base.group_system", **kwargs
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_sms_provider = fields.Selection(
        PROVIDERS,
        "SMS provider",
        default="odoo",
        config_parameter="ar_escalation_sms.provider",
        groups="base.group_system",
    )
    # credentials: ir.config_parameter is readable by administrators only,
    # and so are these fields
    ar_sms_twilio_account_sid = _admin_param("Twilio account SID", "twilio_account_sid")
    ar_sms_twilio_auth_token = _admin_param("Twilio auth token", "twilio_auth_token")
    ar_sms_twilio_sender = _admin_param(
        "Twilio sender", "twilio_sender", help="E.164 number or messaging service sender the SMS come from."
    )
    ar_sms_twilio_whatsapp_sender = _admin_param(
        "WhatsApp sender",
        "twilio_whatsapp_sender",
        help="The WhatsApp-enabled number (E.164, without the whatsapp: prefix); the SMS sender when empty.",
    )
    ar_sms_webhook_url = _admin_param("Webhook provider URL", "webhook_url")
    ar_sms_webhook_secret = _admin_param("Webhook shared secret", "webhook_secret")
    ar_sms_window_start = fields.Float(related="company_id.ar_sms_window_start", readonly=False)
    ar_sms_window_end = fields.Float(related="company_id.ar_sms_window_end", readonly=False)
    ar_sms_max_segments = fields.Integer(related="company_id.ar_sms_max_segments", readonly=False)

    # ------------------------------------------------------------------
    # secrets are for administrators, by every route
    # ------------------------------------------------------------------
    # Core's default_get reads ``config_parameter`` fields as superuser and
    # returns them whatever the field's ``groups``, and default_get needs no
    # access right: any internal user calling it over RPC would get the
    # provider credentials (and could sign a webhook with the secret). Fields
    # the user may not read are left out of default_get and get_values.
    @api.model
    def _ar_readable(self, names):
        if self.env.su or self.env.user._is_system():
            return list(names)
        return [
            name for name in names if name not in self._fields or self._fields[name].is_accessible(self.env)
        ]

    @api.model
    def default_get(self, fields_list):
        return super().default_get(self._ar_readable(fields_list or []))

    @api.model
    def get_values(self):
        values = super().get_values()
        readable = set(self._ar_readable(values))
        return {name: value for name, value in values.items() if name in readable}
