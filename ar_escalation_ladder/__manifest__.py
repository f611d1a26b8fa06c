# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "AR Escalation Ladder",
    "summary": "Escalate overdue invoices internally and externally, stage by stage, "
    "with SLAs, roll-ups, promises-to-pay, disputes and a full audit trail",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-escalation/ar-escalation",
    "author": "AR Escalation contributors",
    "maintainers": ["ar-escalation"],
    "license": "AGPL-3",
    "application": False,
    "installable": True,
    "depends": ["account", "mail", "portal", "resource"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/ar_escalation_groups.xml",
        "security/ir.model.access.csv",
        "security/ar_escalation_rules.xml",
        "views/ar_escalation_templates.xml",
        "data/mail_activity_type_data.xml",
        "data/mail_template_data.xml",
        "data/ar_escalation_stage_data.xml",
        "data/ir_cron_data.xml",
        "views/ar_escalation_stage_views.xml",
        "views/ar_escalation_event_views.xml",
        "views/ar_escalation_wizard_views.xml",
        "views/account_move_views.xml",
        "views/ar_escalation_board_views.xml",
        "views/ar_escalation_preview_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/ar_escalation_menus.xml",
    ],
    "assets": {
        "web.assets_tests": ["ar_escalation_ladder/static/tests/tours/*.js"],
    },
}
