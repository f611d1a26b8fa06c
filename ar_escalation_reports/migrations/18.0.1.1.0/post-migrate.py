# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The formal notice rides on the pre-default email's template reports (18.0.1.1.0).

Before, the run attached it itself; now core's composer renders the template's
``report_template_ids``. The link is shipped noupdate (an administrator may
move it); a database that had this addon already gets it here once.
"""

from odoo import api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, api.SUPERUSER_ID, {})
    template = env.ref("ar_escalation_ladder.mail_template_stage_predefault", raise_if_not_found=False)
    report = env.ref("ar_escalation_reports.action_report_formal_notice_case", raise_if_not_found=False)
    if template and report and report not in template.report_template_ids:
        template.report_template_ids = [(4, report.id)]
