# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "AR Escalation: a rule kind added by an addon (tests)",
    "summary": "Test-only addon: a stage's entry rule on the customer's tags, added through the "
    "ladder's extension points (rule-kind registry, extra facts, phrase words)",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tests",
    "website": "https://github.com/ar-escalation/ar-escalation",
    "author": "AR Escalation contributors",
    "maintainers": ["ar-escalation"],
    "license": "AGPL-3",
    "installable": True,
    "depends": ["ar_escalation_ladder"],
    "data": ["views/ar_escalation_stage_views.xml"],
}
