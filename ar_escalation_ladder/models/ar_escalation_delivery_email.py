# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The email channel: the stage's template posted on every customer's case at once (core's composer)."""

from odoo import api, models
from odoo.tools import email_normalize


class ArEscalationDeliveryEmail(models.AbstractModel):
    _inherit = "ar.escalation.delivery"

    @api.model
    def _ar_recipients(self, contact, moves, partner):
        """Who a message to ``partner`` about ``moves`` goes to, for a stage's ``contact`` setting.

        Billing contacts: each invoice's partner when its email is valid, else
        the customer. The escalation contact falls back to the billing
        contacts when the customer has none with a valid address. Invalid
        addresses ("not-an-email") are no recipients. The templates read it
        through the case's ``message_recipient_ids``.
        """

        def valid(partners):
            return partners.filtered(lambda p: email_normalize(p.email or ""))

        billing = self.env["res.partner"]
        for move in moves:
            billing |= move.partner_id if valid(move.partner_id) else partner
        billing = valid(billing or partner)
        escalation = valid(partner.ar_escalation_contact_id)
        if contact == "escalation":
            return escalation or billing
        if contact == "both":
            return billing | escalation
        return billing

    @api.model
    def _ar_invoice_map(self, todo):
        """What each message lists: the run's listing (context), else the invoices it is due for."""
        listed = dict(self.env.context.get("ar_invoice_map") or ())
        return tuple((case.id, listed.get(case.id) or tuple(moves.ids)) for case, moves in todo)

    @api.model
    def _deliver_email(self, stage, todo, results):
        """Post the stage's email template on every case at once, through core's composer.

        ``mail.compose.message`` in batch comment mode renders the template
        for all the cases (subject, body, recipients from ``partner_to``,
        ``reply_to``, ``email_cc``, attachments and ``report_template_ids``,
        ``lang``, mail server, scheduled date) and posts one message per case:
        its recipients get the email through the notification layout, the
        case's followers (its owner) are notified. The emails are queued
        (``mail_notify_force_send``: the mail queue sends them after the
        commit), so a crash before the commit sends nothing and a rerun sends
        exactly once.
        """
        template = stage.mail_template_id
        if not template:
            raise ValueError(self.env._("Stage %s has no email template.", stage.name))
        cases = self._ar_email_cases(stage, todo)
        composer = cases.env["mail.compose.message"].create(
            {
                "composition_mode": "comment",
                "model": cases._name,
                "res_ids": repr(cases.ids),
                "template_id": template.id,
                "message_type": "comment",
                "subtype_id": self.env.ref("mail.mt_comment").id,
                "email_layout_xmlid": "mail.mail_notification_light",
            }
        )
        # one composer for all the cases (message_post_with_source makes one
        # per record, rendering each alone): batch comment mode renders the
        # template once for all of them, then posts on each case
        __, messages = composer._action_send_mail()
        return {**results, **self._ar_email_results(todo, messages)}

    @api.model
    def _ar_email_cases(self, stage, todo):
        """The cases of ``todo``, in the context the composer renders them in.

        Checked first: every case has a recipient with a valid address. The
        listed invoices get their portal access tokens (the message's links).
        """
        invoice_map = self._ar_invoice_map(todo)
        cases = self.env["ar.escalation.case"].concat(*(case for case, __ in todo))
        cases = cases.with_context(
            ar_invoice_map=invoice_map,
            ar_render_batch=True,
            ar_notice_stage_id=stage.id,
            mail_notify_force_send=False,
            mail_post_autofollow=False,
        )
        listed = self.env["account.move"].browse({i for __, ids in invoice_map for i in ids})
        listed._ar_ensure_access_tokens()
        for case in cases:
            if not case.message_recipient_ids:
                raise ValueError(
                    self.env._("No contact with a valid email address for %s.", case.partner_id.display_name)
                )
        # core's comment mode takes the Reply-To from the records, one post at
        # a time (_notify_get_reply_to): the template's when it has one, else
        # the company's "Replies go to"; worked out here once for all the cases
        template = stage.mail_template_id
        if template.reply_to:
            replies = template.with_env(cases.env)._render_field("reply_to", cases.ids)
        else:
            replies = cases._notify_get_reply_to()
        return cases.with_context(ar_template_reply_to=tuple(replies.items()))

    @api.model
    def _ar_email_results(self, todo, messages):
        """Per case: the channel, the chatter's summary and the customer's queued mail."""
        message_of = {message.res_id: message for message in messages}
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "in", messages.ids)])
        )  # sudo: the outbox
        # the customer's email: the mail to the message's recipients (a follower
        # who reads notifications by email gets a mail of their own)
        mail_of = {}
        for mail in mails:
            if mail.recipient_ids & mail.mail_message_id.partner_ids:
                mail_of.setdefault(mail.mail_message_id.id, mail.id)
        results = {}
        for case, __ in todo:
            message = message_of[case.id]
            results[case.id] = {
                "channel": "email",
                "summary": self.env._(
                    "Email “%(subject)s” to %(to)s",
                    subject=message.subject,
                    to=", ".join(message.partner_ids.mapped("email")),
                ),
                "mail_id": mail_of.get(message.id),
                "message_id": message.id,
            }
        return results
