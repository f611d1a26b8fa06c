# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "AR Escalation SMS",
    "summary": "SMS and WhatsApp as escalation channels: E.164 numbers, HTTP "
    "provider gateway, signed delivery receipts, opt-out and quiet hours",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-escalation/ar-escalation",
    "author": "AR Escalation contributors",
    "maintainers": ["ar-escalation"],
    "license": "AGPL-3",
    "installable": True,
    "depends": ["ar_escalation_ladder", "sms", "phone_validation"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "data": [
        "security/ir.model.access.csv",
        "security/ar_escalation_sms_rules.xml",
        "data/ir_cron_data.xml",
        "data/sms_template_data.xml",
        "data/ar_escalation_stage_data.xml",
        "data/ar_escalation_track_data.xml",
        "views/ar_escalation_sms_views.xml",
        "views/ar_escalation_stage_views.xml",
        "views/sms_template_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
    ],
}
