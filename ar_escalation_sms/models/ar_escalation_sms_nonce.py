# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

# A signed callback older than this is refused; its digest is kept as long.
REPLAY_WINDOW = timedelta(minutes=10)


class ArEscalationSmsNonce(models.Model):
    """Signed callbacks already accepted: a second one with the same signature is a replay."""

    _name = "ar.escalation.sms.nonce"
    _description = "Accepted provider callback (replay guard)"
    _log_access = False

    digest = fields.Char(required=True, index=True)
    received_at = fields.Datetime(required=True, default=fields.Datetime.now)

    _sql_constraints = [("digest_uniq", "unique(digest)", "This callback was already received.")]

    @api.model
    def _ar_claim(self, digest):
        """Record ``digest``; False when it was already there (a replay)."""
        self.env.cr.execute(
            SQL(
                "INSERT INTO ar_escalation_sms_nonce (digest, received_at) VALUES (%s, %s) "
                "ON CONFLICT (digest) DO NOTHING RETURNING id",
                digest,
                fields.Datetime.now(),
            )
        )
        return bool(self.env.cr.fetchone())

    @api.model
    def _ar_vacuum(self):
        # the webhook provider's timestamps are checked, so older digests are not needed;
        # Twilio signs no timestamp: its digests are kept 30 days
        self.env.cr.execute(
            SQL(
                "DELETE FROM ar_escalation_sms_nonce WHERE received_at < %s",
                fields.Datetime.now() - timedelta(days=30),
            )
        )
