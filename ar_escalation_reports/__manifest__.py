# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "AR Escalation Reports",
    "summary": "Escalation analysis, SLA adherence, recovery by stage, segment and track, DSO by "
    "tier, segment and track, the segment map, weekly digest, the formal notice and the customer "
    "statement PDFs",
    "version": "18.0.1.1.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-escalation/ar-escalation",
    "author": "AR Escalation contributors",
    "maintainers": ["ar-escalation"],
    "license": "AGPL-3",
    "installable": True,
    "depends": ["ar_escalation_ladder", "web"],
    "data": [
        "security/ir.model.access.csv",
        "security/ar_escalation_reports_rules.xml",
        "views/ar_escalation_report_book_views.xml",
        "views/ar_escalation_report_case_views.xml",
        "views/ar_escalation_report_sla_views.xml",
        "views/ar_escalation_report_stage_views.xml",
        "views/ar_escalation_report_reach_views.xml",
        "views/ar_escalation_report_dso_views.xml",
        "views/ar_escalation_report_cause_views.xml",
        "views/ar_escalation_segment_map_views.xml",
        "views/ar_escalation_reports_menus.xml",
        "views/res_config_settings_views.xml",
        "report/report_formal_notice.xml",
        "report/report_customer_statement.xml",
        "data/mail_template_data.xml",
        "data/ar_escalation_digest_templates.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "ar_escalation_reports/static/src/segment_map/*.js",
            "ar_escalation_reports/static/src/segment_map/*.xml",
        ],
        "web.assets_tests": ["ar_escalation_reports/static/tests/tours/*.js"],
    },
}
