# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The external track's delivery: one communication per customer, recorded once, sent on the stage's channel.

``ar.escalation.delivery`` receives the messages a batch's plan says are due
(:meth:`_ar_communicate`), picks the customers whose position on the ladder
is due a message, records one ``external`` event per invoice (uniquely keyed:
never twice) and sends on the stage's channel through the channel's method,
looked up in :meth:`_get_delivery_channels`. The ladder delivers email
(``ar_escalation_delivery_email.py``); the SMS addon adds SMS, WhatsApp and
email + SMS by extending that registry and defining ``_deliver_sms``.
"""

import logging
from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL

from ..engine.plan import contact_values
from .ar_escalation_facts import NOT_HELD_CLOSED, PAID_STATES
from .ar_escalation_runner import ArConcurrentRun

_logger = logging.getLogger(__name__)


class ArEscalationDelivery(models.AbstractModel):
    _name = "ar.escalation.delivery"
    _description = "AR escalation: messages to customers"

    # ------------------------------------------------------------------
    # channels
    # ------------------------------------------------------------------
    @api.model
    def _get_delivery_channels(self):
        """The channels this database delivers: ``{stage channel: (method names, in order)}`` (hook).

        Each method takes ``(stage, todo, results)`` — ``todo`` a list of
        (case, invoices), ``results`` what the earlier methods of the channel
        returned — and returns, per case id, a dict with the ``channel`` used,
        a ``summary`` in words for the chatter and the queued ``mail_id``.
        """
        return {"none": (), "email": ("_deliver_email",)}

    @api.model
    def _ar_deliver(self, stage, todo):
        """Send on the stage's channel, through the methods the channel registry names."""
        methods = self._get_delivery_channels().get(stage.channel)
        if methods is None:
            raise ValueError(
                self.env._(
                    "Stage %(stage)s sends by %(channel)s, which needs the AR Escalation SMS addon.",
                    stage=stage.name,
                    channel=stage.channel,
                )
            )
        results = {case.id: {"channel": "none", "summary": ""} for case, __ in todo} if not methods else {}
        for method in methods:
            results = getattr(self, method)(stage, todo, results)
        return results

    @api.model
    def _ar_records_before_delivery(self, stage):
        """Whether the stage's delivery needs its events recorded first.

        Email needs nothing but the events' key, checked beforehand; the SMS
        addon's channels key their outbox on the events themselves.
        """
        return stage.channel != "email"

    @api.model
    def _ar_contact_values(self, attempts, unanswered, stage, channel, now):
        """An invoice's contact fields once a message at ``stage`` went out on ``channel``."""
        return contact_values(attempts, unanswered, stage.sequence, channel, now)

    # ------------------------------------------------------------------
    # who gets a message, listing what
    # ------------------------------------------------------------------
    @api.model
    def _ar_communicate(self, company, due, position, stages, today, now):
        """One communication per customer: at its highest stage, carrying every invoice due a message.

        ``due`` lists per customer the invoices a message is due for (with
        their stage level and cycle), ``position`` the highest stage level of
        its invoices on the external track in this batch. The customer's
        other open invoices (outside the batch) count too. A message goes
        only when an invoice at the customer's position is due one; the
        invoices due at lower stages are then listed in it and counted as
        contacted, else they wait for that next communication.

        Returns ``{invoice id: channel}`` for the invoices contacted.
        """
        if not due:
            return {}
        by_stage = self._ar_groups_by_stage(company, due, position, stages)
        partner_ids = [g["moves"][0].commercial_partner_id.id for gs in by_stage.values() for g in gs]
        listing = self._ar_listing(company, partner_ids, today)
        contacted = {}
        for stage_id, groups in by_stage.items():
            for group in groups:
                group["listing"] = listing.get(group["moves"][0].commercial_partner_id.id) or tuple(
                    group["moves"].ids
                )
            contacted.update(
                self._ar_send_stage(self.env["ar.escalation.stage"].browse(stage_id), groups, now)
            )
        return contacted

    @api.model
    def _ar_groups_by_stage(self, company, due, position, stages):
        """The customers whose position is due a message, grouped by the stage of that message.

        Returns ``{stage id: [group]}``, a group holding the customer's
        invoices due a message (``moves``), their ``cycles`` and ``stages``.
        """
        outside = self._ar_outside_positions(
            company, list(due), [m.id for items in due.values() for m, *__ in items]
        )
        by_stage = defaultdict(list)
        # concat() prefetches its own ids only: the customers' invoices read together instead
        prefetch = self.env["account.move"].concat(*(m for items in due.values() for m, *__ in items))
        for pid, items in due.items():
            level = max(position.get(pid, -1), outside.get(pid, -1))
            if not any(item_level == level for __, item_level, __ in items):
                continue  # the customer's position is not due: nothing goes alone
            by_stage[stages[level].id].append(
                {
                    "moves": prefetch.browse([move.id for move, __, __ in items]).with_prefetch(
                        prefetch._prefetch_ids
                    ),
                    "cycles": {move.id: cycle for move, __, cycle in items},
                    "stages": {move.id: stages[item_level] for move, item_level, __ in items},
                }
            )
        return by_stage

    @api.model
    def _ar_outside_positions(self, company, partner_ids, batch_move_ids):
        """The highest stage level of the customers' other open invoices on the ladder (one query).

        An invoice outside the batch (a payment or a promise re-evaluates one
        invoice) still stands for its stage, unless a dispute or a pause
        holds it.
        """
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id, MAX(s.sequence)
                     FROM account_move m
                     JOIN ar_escalation_stage s ON s.id = m.ar_stage_id
                    WHERE m.company_id = %s AND m.commercial_partner_id IN %s AND m.id NOT IN %s
                      AND m.move_type = 'out_invoice' AND m.state = 'posted'
                      AND m.payment_state NOT IN %s AND m.ar_closed_date IS NULL
                      AND m.ar_dispute_state IS DISTINCT FROM 'open'
                      AND (m.ar_pause_until IS NULL OR m.ar_pause_until < CURRENT_DATE)
                 GROUP BY m.commercial_partner_id""",
                company.id,
                tuple(partner_ids),
                tuple(batch_move_ids) or (0,),
                PAID_STATES,
            )
        )
        return dict(self.env.cr.fetchall())

    @api.model
    def _ar_listing(self, company, partner_ids, today):
        """Every open invoice a customer's communication lists, in the order it shows them.

        Returns ``{customer id: (invoice ids)}``: the invoices on the ladder
        and the ones past due, highest stage first, then by due date. One
        query for all the customers of the batch, after its writes.
        """
        if not partner_ids:
            return {}
        self.env["account.move"].flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id, m.id
                     FROM account_move m
                LEFT JOIN ar_escalation_stage s ON s.id = m.ar_stage_id AND m.ar_closed_date IS NULL
                    WHERE m.company_id = %s AND m.commercial_partner_id IN %s
                      AND m.move_type = 'out_invoice' AND m.state = 'posted'
                      AND m.payment_state NOT IN %s AND m.amount_residual > 0
                      AND (s.id IS NOT NULL OR m.invoice_date_due < %s) AND %s
                 ORDER BY m.commercial_partner_id, s.sequence DESC NULLS LAST, m.invoice_date_due, m.id""",
                company.id,
                tuple(set(partner_ids)),
                PAID_STATES,
                today,
                NOT_HELD_CLOSED,
            )
        )
        listing = defaultdict(list)
        for partner_id, move_id in self.env.cr.fetchall():
            listing[partner_id].append(move_id)
        return {partner_id: tuple(ids) for partner_id, ids in listing.items()}

    # ------------------------------------------------------------------
    # one stage's messages: isolated per customer, recorded once
    # ------------------------------------------------------------------
    @api.model
    def _ar_send_stage(self, stage, groups, now):
        """Send the communication at ``stage`` to every customer of ``groups``: one each.

        ``groups`` holds per customer the invoices due a message (``moves``),
        their ``cycles`` and ``stages``, and the invoices its communication
        lists (``listing``). The whole stage is delivered in one savepoint; if
        anything fails, each customer is retried alone so that the error
        lands on its own invoices and the other customers still get theirs.

        Returns the channel each invoice was contacted on (``{invoice id:
        channel}``); the caller counts the contacts.
        """
        try:
            with self.env.cr.savepoint():
                contacted = self._ar_deliver_groups(stage, groups)
        except Exception as exc:  # noqa: BLE001 - isolated per customer, reported on its invoices
            if self.env["ar.escalation.runner"]._ar_is_concurrency_error(exc):
                raise  # not this customer's fault: the whole batch is retried
            contacted = {}
            if len(groups) > 1:
                for group in groups:
                    contacted.update(self._ar_send_stage(stage, [group], now))
            else:
                self._ar_report_failure(stage, groups[0]["moves"], exc)
        return contacted

    @api.model
    def _ar_report_failure(self, stage, moves, exc):
        partner = moves[0].commercial_partner_id
        _logger.warning(
            "AR escalation: message at %s for %s failed: %s",
            stage.name,
            partner.display_name,
            exc,
            exc_info=True,
        )
        # the first paragraph: a template's rendering error carries the whole
        # traceback after it, which the log has (exc_info) and a user cannot use
        error = str(exc).split("\n\n", 1)[0].strip()
        message = self.env._(
            "Message to the customer at %(stage)s failed: %(error)s", stage=stage.name, error=error
        )
        Event = self.env["ar.escalation.event"]
        with self.env.cr.savepoint():
            moves._ar_write({"ar_error": error[:250]})
            Event._ar_log(
                [Event._prepare_event_vals(m, "error", stage, message, channel=stage.channel) for m in moves]
            )

    @api.model
    def _ar_deliver_groups(self, stage, groups):
        """Record the external events (never twice) and deliver.

        Each invoice's event is keyed at its own stage and cycle; the message
        is the one of ``stage``, the customer's position. Returns ``{invoice
        id: channel}`` for the invoices a message went to.
        """
        Event = self.env["ar.escalation.event"]
        vals = [
            Event._prepare_event_vals(
                move,
                "external",
                group["stages"][move.id],
                "",
                cycle=group["cycles"][move.id],
                channel=stage.channel,
                case_id=move.ar_case_id.id,
            )
            for group in groups
            for move in group["moves"]
        ]
        if self._ar_records_before_delivery(stage):
            events, todo, results = self._ar_record_then_deliver(stage, groups, vals)
        else:
            events, todo, results = self._ar_deliver_then_record(stage, groups, vals)
        if not todo:
            return {}  # already sent by an earlier or concurrent run
        deferred = self.env.context.get("ar_run_events")
        if deferred is not None:
            deferred.extend(events.ids)
        else:
            events._ar_post_chatter()
        return {move.id: results[case.id]["channel"] for case, moves, __ in todo for move in moves}

    def _ar_record_then_deliver(self, stage, groups, vals):
        """The events first, then the messages keyed on them (the SMS outbox)."""
        events = self.env["ar.escalation.event"]._ar_log(vals, post=False)
        todo = self._ar_delivery_todo(stage, groups, set(events.move_id.ids))
        if not todo:
            return events, todo, {}
        results = self._ar_deliver_todo(stage, todo)
        case_of = {move.id: case.id for case, moves, __ in todo for move in moves}
        events._ar_record_delivery({event.id: results[case_of[event.move_id.id]] for event in events})
        return events, todo, results

    def _ar_deliver_then_record(self, stage, groups, vals):
        """The messages first, then their events, written once with what the delivery did.

        The events recorded already are left out first; one recorded by
        another transaction meanwhile makes the insert fall short, which
        retries the whole batch (nothing is sent: it rolls back).
        """
        Event = self.env["ar.escalation.event"]
        vals = Event._ar_unrecorded(vals)
        todo = self._ar_delivery_todo(stage, groups, {v["move_id"] for v in vals})
        if not todo:
            return Event, todo, {}
        results = self._ar_deliver_todo(stage, todo)
        case_of = {move.id: case.id for case, moves, __ in todo for move in moves}
        for event_vals in vals:
            result = results[case_of[event_vals["move_id"]]]
            event_vals.update(
                case_id=case_of[event_vals["move_id"]],
                reason=result["summary"] or False,
                channel=result["channel"] or False,
                mail_id=result.get("mail_id") or False,
            )
        events = Event._ar_log(vals, post=False)
        if len(events) != len(vals):
            raise ArConcurrentRun(
                self.env._("Another run recorded messages at %s for these invoices meanwhile.", stage.name)
            )
        return events, todo, results

    @api.model
    def _ar_deliver_todo(self, stage, todo):
        """Deliver ``todo`` [(case, invoices due, invoices listed)] with the listing in the context."""
        invoice_map = tuple((case.id, listing) for case, __, listing in todo)
        return self.with_context(ar_invoice_map=invoice_map)._ar_deliver(
            stage, [(case, moves) for case, moves, __ in todo]
        )

    @api.model
    def _ar_delivery_todo(self, stage, groups, move_ids):
        """(case, invoices due, invoices listed) to message, per customer.

        The communication goes on the customer's case at ``stage``, which its
        invoices at that stage belong to.
        """
        todo = []
        for group in groups:
            moves = group["moves"]
            kept = moves.filtered(lambda move: move.id in move_ids)
            if not kept:
                continue
            case = next(
                (m.ar_case_id for m in moves if group["stages"][m.id] == stage and m.ar_case_id),
                kept[0].ar_case_id,
            )
            if not case:
                raise ValueError(self.env._("%s has no escalation case.", kept[0].display_name))
            todo.append((case, kept, group["listing"]))
        return todo
