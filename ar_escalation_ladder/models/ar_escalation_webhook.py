# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Webhook subscriptions: where a company's escalation events are pushed (a CRM).

Administrators only (base.group_system). The secret is written through the
form's *New secret* field and never read back into a view; the deliveries are
``ar.escalation.webhook.delivery`` (the outbox and its log).
"""

import secrets
from urllib.parse import urlsplit

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..engine.vocabulary import EVENT_KIND_SELECTION

DEFAULT_GIVE_UP_HOURS = 72
DEFAULT_TIMEOUT = 10


class ArEscalationWebhookKind(models.Model):
    """One event kind a subscription can choose (the vocabulary's, one record per kind)."""

    _name = "ar.escalation.webhook.kind"
    _description = "AR escalation webhook event kind"
    _order = "sequence, id"

    code = fields.Selection(EVENT_KIND_SELECTION, required=True, readonly=True)
    name = fields.Char(compute="_compute_name")
    sequence = fields.Integer(readonly=True)

    _sql_constraints = [("code_unique", "UNIQUE(code)", "Each event kind is listed once.")]

    @api.depends("code")
    def _compute_name(self):
        labels = dict(self._fields["code"]._description_selection(self.env))
        for kind in self:
            kind.name = labels.get(kind.code, kind.code)

    def _compute_display_name(self):
        self._compute_name()
        for kind in self:
            kind.display_name = kind.name


class ArEscalationWebhook(models.Model):
    _name = "ar.escalation.webhook"
    _description = "AR escalation webhook subscription"
    _order = "name, id"

    name = fields.Char(required=True, help="Who receives these events, e.g. 'Sales CRM'.")
    url = fields.Char("URL", required=True, help="HTTPS address the events are posted to.")
    secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Signs every delivery (HMAC-SHA256); never shown again once saved.",
    )
    secret_input = fields.Char(
        "New secret",
        compute="_compute_secret_input",
        inverse="_inverse_secret_input",
        groups="base.group_system",
        help="Type or paste the secret shared with the receiver; empty keeps the current one.",
    )
    secret_set = fields.Boolean("Secret set", compute="_compute_secret_set")
    kind_ids = fields.Many2many(
        "ar.escalation.webhook.kind",
        string="Event kinds",
        help="The kinds of escalation event sent; only events recorded after activation are sent.",
    )
    enabled = fields.Boolean(
        "Sending",
        default=False,
        readonly=True,
        copy=False,
        help="Set by the Activate button: nothing is sent before an administrator activates it.",
    )
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    give_up_hours = fields.Float(
        "Give up after (hours)",
        default=DEFAULT_GIVE_UP_HOURS,
        help="How long a delivery is retried after its event before it is given up.",
    )
    timeout = fields.Float(
        "Timeout (seconds)",
        default=DEFAULT_TIMEOUT,
        help="How long one attempt waits for the receiver's answer.",
    )
    delivery_ids = fields.One2many("ar.escalation.webhook.delivery", "webhook_id")
    pending_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        ("give_up_positive", "CHECK(give_up_hours > 0)", "The give-up time must be more than zero hours."),
        (
            "timeout_positive",
            "CHECK(timeout > 0 AND timeout <= 120)",
            "The timeout is between 0 and 120 seconds.",
        ),
    ]

    def _compute_secret_input(self):
        for webhook in self:
            webhook.secret_input = False

    def _inverse_secret_input(self):
        for webhook in self.filtered("secret_input"):
            webhook.secret = webhook.secret_input.strip()

    @api.depends("secret")
    def _compute_secret_set(self):
        # sudo: whether a secret is set is not the secret (the form says so to its readers)
        for webhook in self:
            webhook.secret_set = bool(webhook.sudo().secret)

    def _compute_counts(self):
        Delivery = self.env["ar.escalation.webhook.delivery"]
        groups = Delivery._read_group(
            [("webhook_id", "in", self.ids), ("state", "in", ("pending", "failed", "given_up"))],
            ["webhook_id", "state"],
            ["__count"],
        )
        counts = {(webhook.id, state): count for webhook, state, count in groups}
        for webhook in self:
            webhook.pending_count = counts.get((webhook.id, "pending"), 0)
            webhook.failed_count = counts.get((webhook.id, "failed"), 0) + counts.get(
                (webhook.id, "given_up"), 0
            )

    @api.constrains("url")
    def _check_url(self):
        for webhook in self:
            parts = urlsplit(webhook.url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValidationError(
                    self.env._("The webhook address %(url)s is not an http(s) URL.", url=webhook.url)
                )

    # ------------------------------------------------------------------
    # CRUD: the outbox's filter (_ar_subscribed) is cached
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        webhooks = super().create(vals_list)
        self.env.registry.clear_cache()
        return webhooks

    def write(self, vals):
        result = super().write(vals)
        if {"enabled", "active", "company_id", "kind_ids"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    @api.model
    @tools.ormcache()
    def _ar_subscribed(self):
        """The (company id, event kind) pairs some sending subscription takes, as a frozenset.

        Read once per registry and kept: the ladder's every recording asks it,
        and an outbox query for nothing is spared when no subscription matches.
        """
        self.flush_model(["enabled", "active", "company_id", "kind_ids"])
        self.env.cr.execute(
            """SELECT DISTINCT w.company_id, k.code
                 FROM ar_escalation_webhook w
                 JOIN ar_escalation_webhook_ar_escalation_webhook_kind_rel r
                   ON r.ar_escalation_webhook_id = w.id
                 JOIN ar_escalation_webhook_kind k ON k.id = r.ar_escalation_webhook_kind_id
                WHERE w.enabled AND w.active"""
        )
        return frozenset(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_activate(self):
        """Start sending: the events recorded from now on, of the chosen kinds."""
        for webhook in self:
            if not webhook.secret_set:
                raise ValidationError(
                    self.env._("Set a secret for %(name)s before activating it.", name=webhook.name)
                )
            if not webhook.kind_ids:
                raise ValidationError(
                    self.env._(
                        "Choose the event kinds %(name)s receives before activating it.", name=webhook.name
                    )
                )
        self.write({"enabled": True})

    def action_pause(self):
        """Stop sending: no new events are queued; those already queued wait until it is activated again."""
        self.write({"enabled": False})

    def action_generate_secret(self):
        """A new random secret, shown once in the notification to copy to the receiver."""
        self.ensure_one()
        secret = secrets.token_urlsafe(32)
        self.secret = secret
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("New secret for %(name)s", name=self.name),
                "message": self.env._(
                    "Copy it to the receiver now, it is not shown again: %(secret)s", secret=secret
                ),
                "sticky": True,
                "type": "warning",
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_open_deliveries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ar_escalation_ladder.ar_escalation_webhook_delivery_action"
        )
        action["domain"] = [("webhook_id", "=", self.id)]
        action["context"] = {"default_webhook_id": self.id}
        return action
