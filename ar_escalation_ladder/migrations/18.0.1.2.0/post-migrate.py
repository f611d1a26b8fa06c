# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Safe go-live (18.0.1.2.0): escalation is off until an administrator activates it.

A new company, and every company of a database the ladder is installed into,
starts inactive. A database upgraded from an earlier version was running the
ladder for each company whose "AR escalation" was ticked (the default): those
companies stay live, activated as of the upgrade, and the company's chatter
says so. The others stay off.
"""

from odoo import api, fields

from odoo.addons.ar_escalation_ladder.models.ar_escalation_access import ladder_context


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, api.SUPERUSER_ID, {})
    companies = (
        env["res.company"]
        .with_context(active_test=False)
        .search([("ar_escalation_enabled", "=", True), ("ar_go_live_date", "=", False)])
    )
    if not companies:
        return
    companies.with_context(**ladder_context()).write(
        {"ar_go_live_date": fields.Datetime.now(), "ar_go_live_user_id": False}
    )
    companies._ar_log_go_live(
        env._("AR escalation active since the upgrade to version 18.0.1.2.0."),
        env._(
            "It was running before the upgrade; from this version on an administrator activates "
            "and deactivates it in Settings."
        ),
    )
