# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "AR Escalation Reports",
    "summary": "Escalation analysis, SLA adherence, recovery by stage, DSO by tier, "
    "weekly digest and the formal notice PDF",
    "version": "18.0.1.0.0",
    "category": "Accounting/Accounting",
    "website": "https://github.com/ar-escalation/ar-escalation",
    "author": "AR Escalation contributors",
    "maintainers": ["ar-escalation"],
    "license": "AGPL-3",
    "installable": True,
    "depends": ["ar_escalation_ladder"],
    "data": [],
}
