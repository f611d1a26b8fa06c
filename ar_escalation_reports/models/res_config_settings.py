# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ar_digest_user_ids = fields.Many2many(related="company_id.ar_digest_user_ids", readonly=False)

    def action_ar_send_digest_now(self):
        """Send the current company's digest of the week to date now, and say to whom it went."""
        self.ensure_one()
        company = self.company_id
        mails = self.env["ar.escalation.digest"]._ar_send(company, now=fields.Datetime.now())
        without = company.ar_digest_user_ids.filtered(lambda u: not u.email)
        if mails:
            message = self.env._(
                "This week's escalation digest, up to now, went to %(recipients)s.",
                recipients=", ".join(
                    f"{partner.name} <{partner.email}>" for partner in mails.recipient_ids.sorted("name")
                ),
            )
        elif without:
            message = self.env._("Nothing sent: the digest's recipients have no email address.")
        else:
            message = self.env._("Choose who receives the digest first.")
        if mails and without:
            message += " " + self.env._(
                "Not to %(users)s: no email address.", users=", ".join(without.mapped("name"))
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Weekly escalation digest"),
                "type": "success" if mails and not without else "warning",
                "sticky": bool(without),
                "message": message,
            },
        }
