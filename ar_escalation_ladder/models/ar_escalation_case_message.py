# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""What a customer message says, and where the customer's reply goes.

The stage templates (``data/mail_template_data.xml``, the SMS addon's
templates) are rendered on the customer's case at its highest stage, with
``ar_invoice_map`` in the context giving the invoices the message lists, in
the order the customer reads them. Everything they print comes from here:
recipients, totals, earlier reminders, payment details. The fields are
computed for all the cases of a batch at once (a few queries per batch, none
per case), and say only what the customer has seen: an earlier reminder is
one whose email or SMS went out.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL, email_normalize, formataddr

# longer Reply-To headers fold badly (see mail's _notify_get_reply_to_formatted_email)
REPLY_TO_MAX = 68
# invoices named in a short message (SMS)
SHORT_LIST = 3


class ArEscalationCase(models.Model):
    _inherit = "ar.escalation.case"

    message_recipient_ids = fields.Many2many(
        "res.partner",
        compute="_compute_message_recipient_ids",
        help="Who the customer message goes to, by the stage's contact setting: the billing "
        "contacts of the listed invoices, the customer's escalation contact, or both. Only "
        "contacts with a valid email address.",
    )
    message_date = fields.Date(
        compute="_compute_message_amounts", help="The day of the message: days overdue count to it."
    )
    message_amount_overdue = fields.Monetary(
        "Total overdue",
        compute="_compute_message_amounts",
        currency_field="company_currency_id",
        help="Open amount of the listed invoices past their due date, in the company's currency.",
    )
    message_amount_open = fields.Monetary(
        "Total open",
        compute="_compute_message_amounts",
        currency_field="company_currency_id",
        help="Open amount of all the listed invoices, in the company's currency.",
    )
    message_overdue_count = fields.Integer(compute="_compute_message_amounts")
    message_invoice_names = fields.Char(
        compute="_compute_message_amounts",
        help="For short messages (SMS): the numbers of the first listed invoices, and how many more.",
    )
    message_promise_broken = fields.Boolean(
        compute="_compute_message_amounts", help="A payment promised on a listed invoice was not received."
    )
    message_promise_open = fields.Boolean(
        compute="_compute_message_amounts", help="A listed invoice has a promise to pay that still holds."
    )
    message_reminder_dates = fields.Json(
        compute="_compute_message_reminder_dates",
        help="Days on which the customer received an earlier reminder (email or text message "
        "actually sent), oldest first, as ISO dates.",
    )
    message_bank_ids = fields.Many2many(
        "res.partner.bank",
        compute="_compute_message_bank_ids",
        help="Where to pay: the bank account on the listed invoices, else the company's accounts.",
    )

    # ------------------------------------------------------------------
    # what the message says
    # ------------------------------------------------------------------
    @api.depends_context("ar_invoice_map")
    def _compute_message_recipient_ids(self):
        for case in self:
            case.message_recipient_ids = case._ar_message_recipients(case.stage_id.contact)

    def _ar_message_recipients(self, contact):
        """The partners a message listing ``message_invoice_ids`` goes to, for a stage ``contact``
        (the rule is the delivery's :meth:`_ar_recipients`, shared with the preview)."""
        self.ensure_one()
        return self.env["ar.escalation.delivery"]._ar_recipients(
            contact, self.message_invoice_ids, self.partner_id
        )

    @api.depends_context("ar_invoice_map")
    def _compute_message_amounts(self):
        today = fields.Date.context_today(self)
        for case in self:
            overdue = open_ = 0.0
            count = 0
            for invoice in case.message_invoice_ids:
                # company currency, signed: a credit note lowers the total
                open_ += invoice.amount_residual_signed
                if (invoice.invoice_date_due or invoice.date) < today:
                    overdue += invoice.amount_residual_signed
                    count += 1
            invoices = case.message_invoice_ids
            case.message_date = today
            case.message_amount_open = open_
            case.message_amount_overdue = overdue
            case.message_overdue_count = count
            names = ", ".join(invoices[:SHORT_LIST].mapped("name"))
            more = len(invoices) - SHORT_LIST
            case.message_invoice_names = f"{names} +{more}" if more > 0 else names
            case.message_promise_broken = any(inv.ar_promise_state == "broken" for inv in invoices)
            case.message_promise_open = any(
                inv.ar_promise_state == "open" and inv.ar_promise_date for inv in invoices
            )

    def _compute_message_reminder_dates(self):
        """The days each customer received a reminder, for all the cases in one query.

        An external event whose email went out (its mail is sent) or whose
        text message left for the provider; a message still queued, failed
        or cancelled was not received and is not mentioned.
        """
        pairs = {(case.partner_id.id, case.company_id.id) for case in self if case.partner_id}
        dates = defaultdict(set)
        if pairs:
            Event = self.env["ar.escalation.event"]
            Event.flush_model(["kind", "partner_id", "company_id", "date", "mail_id"])
            self.env["mail.mail"].flush_model(["state"])
            sent = [SQL("m.state = 'sent'")]
            joins = [SQL("LEFT JOIN mail_mail m ON m.id = e.mail_id")]
            if "sms_id" in Event._fields:
                # the SMS addon's queue: handed to the provider (sent) or delivered
                self.env["ar.escalation.sms"].flush_model(["state"])
                joins.append(SQL("LEFT JOIN ar_escalation_sms s ON s.id = e.sms_id"))
                sent.append(SQL("s.state IN ('pending', 'sent')"))
            tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
            self.env.cr.execute(
                SQL(
                    """SELECT DISTINCT e.partner_id, e.company_id,
                              (e.date AT TIME ZONE 'UTC' AT TIME ZONE %(tz)s)::date
                         FROM ar_escalation_event e %(joins)s
                        WHERE e.kind = 'external'
                          AND (e.partner_id, e.company_id) IN %(pairs)s
                          AND (%(sent)s)""",
                    tz=tz,
                    joins=SQL(" ").join(joins),
                    pairs=tuple(pairs),
                    sent=SQL(" OR ").join(sent),
                )
            )
            for partner_id, company_id, day in self.env.cr.fetchall():
                dates[partner_id, company_id].add(day)
        for case in self:
            days = sorted(dates.get((case.partner_id.id, case.company_id.id), ()))
            case.message_reminder_dates = [fields.Date.to_string(day) for day in days] or False

    @api.depends_context("ar_invoice_map")
    def _compute_message_bank_ids(self):
        for case in self:
            banks = case.message_invoice_ids.partner_bank_id
            case.message_bank_ids = banks or case.company_id.partner_id.bank_ids

    def _ar_pay_url(self, invoice):
        """The invoice's portal page, where the customer pays, promises a date or disputes it."""
        return invoice.get_base_url() + invoice.get_portal_url()

    # ------------------------------------------------------------------
    # how the message goes out and where the reply comes back
    # ------------------------------------------------------------------
    def _ar_is_customer_message(self):
        """Whether a post on the case is the run's customer communication."""
        wanted = dict(self.env.context.get("ar_invoice_map") or ())
        return bool(self) and all(case.id in wanted for case in self)

    def message_post(self, **kwargs):
        """The customer's email names their account, not the internal case.

        The notification layout shows the message's record name and the
        model's description ("Your AR escalation case / Managed — Acme") in
        its header; a customer communication reads "Your statement of
        account / Acme", in the customer's language.
        """
        if len(self) == 1 and kwargs.get("message_type") == "comment" and self._ar_is_customer_message():
            env = self.with_context(lang=self.partner_id.lang or self.env.lang).env
            kwargs["record_name"] = self.partner_id.display_name
            if not kwargs.get("model_description"):
                kwargs["model_description"] = env._("statement of account")
        return super().message_post(**kwargs)

    def _notify_get_reply_to(self, default=None):
        """Reply-To of the customer messages, by the company's "Replies go to" setting.

        ``catchall``: the company's catchall address, so the mail gateway puts
        the reply on this case (it replies to the case's message). ``owner``:
        the case owner's email. ``address``: the address set in Settings.
        Without a catchall (no alias domain) the owner's email, then the
        company's: never the sender's, who may be OdooBot. The display name is
        the company's only; the case's name is internal.
        """
        if not self:
            return super()._notify_get_reply_to(default=default)
        # the run works out the Reply-To of all its cases at once
        # (ar_template_reply_to): the stage template's when it has one (the
        # administrator chose it for that message), else the lines below
        chosen = dict(self.env.context.get("ar_template_reply_to") or ())
        if chosen and all(chosen.get(case_id) for case_id in self.ids):
            return {case_id: chosen[case_id] for case_id in self.ids}
        root = self.env.ref("base.partner_root", raise_if_not_found=False)
        robot = email_normalize(root.sudo().email or "") if root else False
        result = {}
        # sudo: the alias domain and the company's settings are read as mail itself reads them
        for case in self.sudo():
            company = case.company_id
            owner = case.owner_id.partner_id
            owner_email = email_normalize(owner.email or "")
            candidates = []
            if company.ar_reply_to == "owner":
                candidates.append((owner.name, owner_email))
            elif company.ar_reply_to == "address":
                candidates.append((company.name, email_normalize(company.ar_reply_to_address or "")))
            candidates += [
                (company.name, email_normalize(company.catchall_email or "")),
                (owner.name, owner_email),
                (company.name, email_normalize(company.email or "")),
            ]
            address = next((pair for pair in candidates if pair[1] and pair[1] != robot), None)
            if address:
                formatted = formataddr(address)
                result[case.id] = formatted if len(formatted) < REPLY_TO_MAX else address[1]
            elif default and email_normalize(default) != robot:
                result[case.id] = default
            else:
                result[case.id] = False
        return result

    def _message_post_after_hook(self, message, msg_vals):
        """A customer's email on the case counts as their response on all their open invoices.

        The message they answer listed all their open invoices, not only those
        of this case's stage: the no-response clock stops for every one.
        """
        result = super()._message_post_after_hook(message, msg_vals)
        if message.message_type == "email" and message.author_id:
            author = message.author_id
            cases = self.filtered(
                lambda case: (
                    author.commercial_partner_id == case.partner_id
                    or author == case.partner_id.ar_escalation_contact_id
                )
            )
            if cases:
                self.env["account.move"].search(
                    [
                        ("move_type", "in", ("out_invoice", "out_receipt")),
                        ("state", "=", "posted"),
                        ("payment_state", "not in", ("paid", "in_payment", "reversed")),
                        ("commercial_partner_id", "in", cases.partner_id.ids),
                        ("company_id", "in", cases.company_id.ids),
                    ]
                )._ar_customer_responded()
        return result
