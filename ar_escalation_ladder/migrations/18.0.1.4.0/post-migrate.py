# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tracks (18.0.1.4.0): the stages of an existing ladder become the default track's."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    track = env.ref("ar_escalation_ladder.track_default", raise_if_not_found=False)
    if not track:
        return
    stages = env["ar.escalation.stage"].with_context(active_test=False).search([("track_id", "=", False)])
    stages.write({"track_id": track.id})
