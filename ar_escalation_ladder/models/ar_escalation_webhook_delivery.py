# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The webhook outbox and delivery log: one row per (subscription, event).

A row is written in the transaction that records its event
(:meth:`_ar_outbox`, called by ``ar.escalation.event._ar_log``): an event
committed has its deliveries, an event rolled back has none. Sending is
models/ar_escalation_webhook_send.py.
"""

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine.vocabulary import EVENT_KIND_SELECTION

DELIVERY_STATES = [
    ("pending", "Waiting"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("given_up", "Given up"),
]


class ArEscalationWebhookDelivery(models.Model):
    _name = "ar.escalation.webhook.delivery"
    _description = "AR escalation webhook delivery"
    _order = "id desc"
    _check_company_auto = True

    # every field is the sender's: administrators read the log and press Retry
    webhook_id = fields.Many2one(
        "ar.escalation.webhook", "Subscription", required=True, readonly=True, index=True, ondelete="cascade"
    )
    event_id = fields.Many2one(
        "ar.escalation.event", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    kind = fields.Selection(EVENT_KIND_SELECTION, required=True, readonly=True, index=True)
    move_id = fields.Many2one(related="event_id.move_id", string="Invoice")
    partner_id = fields.Many2one(related="event_id.partner_id", string="Customer")
    state = fields.Selection(DELIVERY_STATES, required=True, default="pending", readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime("Next attempt", readonly=True)
    give_up_at = fields.Datetime("Give up at", readonly=True, help="When retrying stops.")
    last_attempt_at = fields.Datetime("Last attempt", readonly=True)
    last_status = fields.Integer("Last HTTP status", readonly=True, help="0: no answer.")
    last_error = fields.Char(
        "Last error", readonly=True, help="Why the last attempt did not deliver, in words."
    )
    sent_at = fields.Datetime("Sent", readonly=True)
    queued_at = fields.Datetime(
        "Queued for a job", readonly=True, help="When a queue job was last made for it (queue_job)."
    )
    idempotency_key = fields.Char(compute="_compute_idempotency_key")

    _sql_constraints = [
        ("once", "UNIQUE(webhook_id, event_id)", "An event is delivered once to a subscription."),
    ]

    def init(self):
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS ar_escalation_webhook_delivery_due
               ON ar_escalation_webhook_delivery (next_attempt_at, id) WHERE state = 'pending'"""
        )

    @api.depends("webhook_id", "event_id")
    def _compute_idempotency_key(self):
        for delivery in self:
            delivery.idempotency_key = self._ar_key(delivery.webhook_id.id, delivery.event_id.id)

    @api.model
    def _ar_key(self, webhook_id, event_id):
        """The Idempotency-Key of every attempt of ``event_id`` to ``webhook_id``.

        The database's uuid keeps two databases posting to one receiver apart.
        """
        # sudo: the database uuid is not a secret, its parameter is the system's
        uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "")
        return f"ar-escalation:{uuid}:{webhook_id}:{event_id}"

    def _compute_display_name(self):
        for delivery in self:
            delivery.display_name = f"{delivery.webhook_id.name} — {delivery.event_id.display_name}"

    # ------------------------------------------------------------------
    # the outbox: written with the events
    # ------------------------------------------------------------------
    @api.model
    def _ar_outbox(self, event_ids, vals_list):
        """Queue ``event_ids`` (just recorded from ``vals_list``) for the subscriptions that take them.

        One INSERT ... SELECT for all the events; no query at all when no
        sending subscription takes any of their (company, kind) pairs.
        """
        subscribed = self.env["ar.escalation.webhook"]._ar_subscribed()
        if not event_ids or not subscribed:
            return 0
        if not any((vals.get("company_id"), vals.get("kind")) in subscribed for vals in vals_list):
            return 0
        self.env["ar.escalation.event"].flush_model(["company_id", "kind"])
        now = fields.Datetime.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO ar_escalation_webhook_delivery
                          (webhook_id, event_id, company_id, kind, state, attempts, next_attempt_at,
                           give_up_at, create_uid, create_date, write_uid, write_date)
                   SELECT w.id, e.id, e.company_id, e.kind, 'pending', 0, %(now)s,
                          %(now)s + w.give_up_hours * interval '1 hour', %(uid)s, %(now)s, %(uid)s, %(now)s
                     FROM ar_escalation_event e
                     JOIN ar_escalation_webhook w
                       ON w.company_id = e.company_id AND w.enabled AND w.active
                     JOIN ar_escalation_webhook_ar_escalation_webhook_kind_rel r
                       ON r.ar_escalation_webhook_id = w.id
                     JOIN ar_escalation_webhook_kind k
                       ON k.id = r.ar_escalation_webhook_kind_id AND k.code = e.kind
                    WHERE e.id = ANY(%(ids)s)
                   ON CONFLICT (webhook_id, event_id) DO NOTHING""",
                now=now,
                uid=self.env.uid,
                ids=list(event_ids),
            )
        )
        queued = self.env.cr.rowcount
        if queued:
            self._ar_wake_after_commit()
        return queued

    @api.model
    def _ar_wake_after_commit(self):
        """Have the sender look at the outbox once this transaction commits (once per transaction)."""
        data = self.env.cr.precommit.data
        if not data.get("ar_webhook_wake"):
            data["ar_webhook_wake"] = True
            self.env.cr.precommit.add(self._ar_wake)

    @api.model
    def _ar_wake(self):
        """A precommit hook (it also runs when a savepoint is entered or released)."""
        # sudo: the sender is the system's, whoever recorded the event
        self.sudo()._ar_dispatch()
        # precommit hooks run after the transaction's flush: what they wrote is flushed here
        self.env.flush_all()

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_retry(self):
        """Try these deliveries again now, with a new give-up time (sent ones stay sent)."""
        retried = self.filtered(lambda delivery: delivery.state != "sent")
        if not retried:
            return False
        now = fields.Datetime.now()
        for webhook, deliveries in retried.grouped("webhook_id").items():
            deliveries.write(
                {
                    "state": "pending",
                    "next_attempt_at": now,
                    "give_up_at": fields.Datetime.add(now, hours=webhook.give_up_hours),
                    "queued_at": False,
                }
            )
        self._ar_wake_after_commit()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": self.env._(
                    "%(count)s deliveries will be tried again shortly.", count=len(retried)
                ),
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
