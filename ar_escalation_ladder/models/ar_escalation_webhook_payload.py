# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A webhook's body (what the CRM receives) and the record of each attempt."""

import logging
from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

from ..tools import webhook as hook

_logger = logging.getLogger(__name__)


def _iso(value):
    """A UTC datetime as ISO 8601 with its Z, a date as ISO, None as None."""
    if not value:
        return None
    if hasattr(value, "hour"):
        return value.replace(microsecond=0).isoformat() + "Z"
    return value.isoformat()


def _ref(record, **extra):
    """``{"id", "name", ...}`` of a record, None when there is none."""
    if not record:
        return None
    return {"id": record.id, "name": record.display_name, **extra}


class ArEscalationWebhookDelivery(models.Model):
    _inherit = "ar.escalation.webhook.delivery"

    def _ar_payloads(self):
        """``{delivery id: payload}``; the events, invoices and customers read once for the batch."""
        # sudo: the body is the event as the system recorded it, whoever queued it
        deliveries = self.sudo().with_context(lang="en_US")
        kinds = dict(self.env["ar.escalation.event"]._fields["kind"]._description_selection(deliveries.env))
        return {delivery.id: delivery._ar_payload(kinds) for delivery in deliveries}

    def _ar_payload(self, kinds):
        event = self.event_id
        move = event.move_id
        partner = event.partner_id
        # the event's owner when it names one, else its case's, else the invoice's
        owner = event.owner_id or event.case_id.owner_id or move.ar_owner_id
        return {
            "event_id": event.id,
            "kind": event.kind,
            "kind_label": kinds.get(event.kind, event.kind),
            "occurred_at": _iso(event.date),
            "company": _ref(event.company_id),
            "invoice": _ref(
                move,
                reference=move.ref or None,
                invoice_date=_iso(move.invoice_date),
                due_date=_iso(move.invoice_date_due),
                amount_total=move.amount_total,
                amount_residual=move.amount_residual,
                currency=move.currency_id.name,
            ),
            "customer": _ref(partner, reference=partner.ref or None, vat=partner.vat or None),
            "stage": _ref(event.stage_id),
            "from_stage": _ref(event.from_stage_id),
            "to_stage": _ref(event.to_stage_id),
            "owner": _ref(owner, email=owner.email or None),
            "done_by": _ref(event.user_id),
            "amount": event.amount,
            "amount_recovered": event.amount_recovered,
            "company_currency": event.company_currency_id.name,
            "channel": event.channel or None,
            "disposition": event.disposition or None,
            "sla_deadline": _iso(event.sla_deadline),
            "acknowledged_at": _iso(event.acknowledged_at),
            "reason": event.reason or None,
            "subscription_id": self.webhook_id.id,
        }

    # ------------------------------------------------------------------
    # what an attempt did
    # ------------------------------------------------------------------
    def _ar_record(self, outcomes):
        """Write every attempt's outcome in one statement (row by row if that statement fails)."""
        now = fields.Datetime.now()
        rows = [self._ar_next_state(delivery, outcomes[delivery.id], now) for delivery in self]
        try:
            with self.env.cr.savepoint():
                self._ar_write_rows(rows, now)
        except Exception:
            _logger.exception("AR escalation webhook: recording %s outcomes together failed", len(rows))
            for row in rows:
                with self.env.cr.savepoint(flush=False):
                    self._ar_write_rows([row], now)
        self.invalidate_recordset()

    def _ar_next_state(self, delivery, outcome, now):
        """``(id, state, attempts, next attempt, status, error, sent at)`` after ``outcome``."""
        attempts = delivery.attempts + 1
        if outcome.state == "sent":
            return (delivery.id, "sent", attempts, None, outcome.status, None, now)
        error = self._ar_error_words(outcome)
        if outcome.state == "failed":
            return (delivery.id, "failed", attempts, None, outcome.status, error, None)
        give_up_at = delivery.give_up_at or now
        if now >= give_up_at:
            words = self.env._(
                "Given up after %(attempts)s attempts: %(error)s", attempts=attempts, error=error
            )
            return (delivery.id, "given_up", attempts, None, outcome.status, words, None)
        delay = hook.retry_delay(attempts, outcome.retry_after)
        at = min(now + timedelta(seconds=delay), give_up_at)
        return (delivery.id, "pending", attempts, at, outcome.status, error, None)

    def _ar_error_words(self, outcome):
        """Why an attempt did not deliver, in the reader's words."""
        _ = self.env._
        if outcome.error == "timeout":
            return _("No answer within the timeout.")
        if outcome.error == "connection":
            return _("Receiver unreachable (%(error)s).", error=outcome.detail)
        if outcome.error == "secret":
            return _("The subscription has no secret: set one, then press Retry.")
        if outcome.error == "bug":
            return _("Could not be sent (%(error)s); see the server log.", error=outcome.detail)
        if outcome.state == "failed":
            return _(
                "Refused by the receiver with HTTP %(status)s: %(answer)s. Not retried: correct the "
                "subscription or the receiver, then press Retry.",
                status=outcome.status,
                answer=outcome.detail or "-",
            )
        if outcome.retry_after is not None:
            return _(
                "HTTP %(status)s from the receiver, asked to wait %(seconds)s s: %(answer)s",
                status=outcome.status,
                seconds=round(outcome.retry_after),
                answer=outcome.detail or "-",
            )
        return _(
            "HTTP %(status)s from the receiver: %(answer)s",
            status=outcome.status,
            answer=outcome.detail or "-",
        )

    def _ar_write_rows(self, rows, now):
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        self.env.cr.execute(
            SQL(
                """UPDATE ar_escalation_webhook_delivery d
                      SET state = v.state, attempts = v.attempts, next_attempt_at = v.next_attempt_at,
                          last_status = v.status, last_error = v.error, sent_at = v.sent_at,
                          last_attempt_at = %s, queued_at = NULL, write_uid = %s, write_date = %s
                     FROM unnest(%s::int[], %s::varchar[], %s::int[], %s::timestamp[], %s::int[],
                                 %s::varchar[], %s::timestamp[])
                          AS v(id, state, attempts, next_attempt_at, status, error, sent_at)
                    WHERE d.id = v.id""",
                now,
                self.env.uid,
                now,
                *[list(column) for column in columns],
            )
        )
