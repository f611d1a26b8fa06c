# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "AR Escalation: ecosystem tests",
    "summary": "Test-only addon: the escalation ladder composes with OCA's mail_tracking, "
    "mail_activity_team, mail_activity_reminder and auditlog as core's own paths do, "
    "and runs its daily sweep through OCA queue_job",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/ar-escalation/ar-escalation",
    "author": "AR Escalation contributors",
    "maintainers": ["ar-escalation"],
    "license": "AGPL-3",
    "installable": True,
    "depends": [
        "ar_escalation_ladder",
        "ar_escalation_sms",
        "ar_escalation_reports",
        "mail_tracking",
        "mail_activity_team",
        "mail_activity_reminder",
        "auditlog",
        "queue_job",
    ],
    "data": [],
}
