# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Send now: a customer's communication on demand, from the customer or from invoices.

The message is the one the daily run would send: the customer's case at its
highest stage posts the stage's template (``_ar_send_stage``, the run's own
delivery), listing every open invoice. It counts as the stage's contact
exactly as a run's message does: one ``external`` event per invoice (the next
cycle of the stage), the chatter line, the contact attempt and date, so the
next reminder waits the stage's cadence from now. Nothing goes for a company
not activated (go-live), a paused customer, or invoices held by a dispute, a
promise that holds, or missing details (not payable as sent).
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_date

from .ar_escalation_facts import PAID_STATES


class ArEscalationSendNow(models.AbstractModel):
    """The run's own steps (``ar.escalation.delivery``) for customers picked by a user."""

    _name = "ar.escalation.send.now"
    _description = "AR escalation: send a reminder now"

    @api.model
    def _ar_send(self, records):
        """Send the communication of the customers of ``records`` (customers or invoices) now.

        Returns one outcome per customer and company: ``{"partner",
        "company", "sent" (bool), "text"}``, the text in the user's words.
        """
        if not self.env.user.has_group("ar_escalation_ladder.group_ar_user"):
            raise AccessError(self.env._("Sending reminders is for AR users and AR managers."))
        today = fields.Date.context_today(self)
        outcomes, by_stage = self._ar_due_groups(records, today)
        contacted, events = self._ar_deliver(by_stage, outcomes, today, fields.Datetime.now())
        for outcome in outcomes:
            group = outcome.pop("group", None)
            if group:
                self._ar_outcome(outcome, group, contacted, events)
        return outcomes

    @api.model
    def _ar_customers(self, records):
        """The (company, customer) pairs of ``records``: customers in every allowed company, or invoices."""
        if records._name == "res.partner":
            return [
                (company, partner)
                for partner in records.commercial_partner_id
                for company in self.env.companies
            ]
        invoices = records.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted")
        return list(dict.fromkeys((m.company_id, m.commercial_partner_id) for m in invoices))

    @api.model
    def _ar_due_groups(self, records, today):
        """One outcome per customer and company, with its ``group`` when a message is due.

        Returns ``(outcomes, by_stage)``: the groups by (company, stage), as
        the run builds them; an outcome without a group says why not.
        """
        Move = self.env["account.move"]
        outcomes = []
        by_stage = defaultdict(list)  # (company, stage) -> groups, as the run builds them
        for company, partner in self._ar_customers(records):
            outcome = {"partner": partner, "company": company, "sent": False, "text": ""}
            outcomes.append(outcome)
            open_moves = Move.search(
                [
                    ("company_id", "=", company.id),
                    ("commercial_partner_id", "=", partner.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "not in", PAID_STATES),
                    ("amount_residual", ">", 0),
                ]
            )
            if not open_moves and records._name == "res.partner" and len(self.env.companies) > 1:
                continue  # not a customer of this company
            if not company.ar_escalation_enabled:  # go-live gate
                outcome["text"] = self.env._(
                    "Nothing sent to %(customer)s: AR escalation is not active for %(company)s yet.",
                    customer=partner.display_name,
                    company=company.name,
                )
                continue
            group, why = self._ar_group(company, partner, open_moves, today)
            if why:
                outcome["text"] = self.env._(
                    "Nothing sent to %(customer)s: %(reason)s.", customer=partner.display_name, reason=why
                )
                continue
            outcome["group"] = group
            by_stage[(company, group["stage"])].append(group)
        return [o for o in outcomes if o["text"] or o.get("group")], by_stage

    @api.model
    def _ar_deliver(self, by_stage, outcomes, today, now):
        """Send the groups' messages through the run's delivery; count them as contacts.

        Returns ``(contacted, events)``: the invoices contacted and the events
        recorded, whose chatter lines are written at once.
        """
        run_events = []
        runner = self.env["ar.escalation.delivery"].with_context(ar_run_events=run_events)
        contacted = {}
        for (company, stage), groups in by_stage.items():
            listing = runner._ar_listing(
                company, [g["moves"][0].commercial_partner_id.id for g in groups], today
            )
            for group in groups:
                group["listing"] = listing.get(group["moves"][0].commercial_partner_id.id) or tuple(
                    group["moves"].ids
                )
            contacted.update(runner._ar_send_stage(stage, groups, now))
        self._ar_count_contacts(runner, outcomes, contacted, now)
        events = self.env["ar.escalation.event"].browse(run_events)
        if events:
            events._ar_post_chatter()
        return contacted, events

    @api.model
    def _ar_count_contacts(self, delivery, outcomes, contacted, now):
        """The invoices contacted count the stage's contact, as a run counts it."""
        Move = self.env["account.move"]
        updates = {}
        for outcome in outcomes:
            for move in outcome.get("group", {}).get("moves", Move):
                if move.id in contacted:
                    updates[move.id] = delivery._ar_contact_values(
                        move.ar_contact_attempts,
                        move.ar_unanswered_since,
                        move.ar_stage_id,
                        contacted[move.id],
                        now,
                    )
        Move._ar_write_many(updates)

    @api.model
    def _ar_group(self, company, partner, open_moves, today):
        """The invoices a message now is due for and the stage it goes at, or why none goes.

        Returns ``(group, reason)``: the group as the run builds it
        (``moves``, ``cycles``, ``stages``) with the customer's ``stage``.
        """
        if partner.ar_pause_until and partner.ar_pause_until >= today:
            return None, self.env._(
                "the customer's escalation is paused until %s", format_date(self.env, partner.ar_pause_until)
            )
        on_ladder = open_moves.filtered(lambda m: m.ar_stage_id and not m.ar_closed_date)
        if not on_ladder:
            return None, self.env._("no open invoice of theirs is on the escalation ladder")
        grace = company.ar_promise_grace_days

        def held(move):
            if move.ar_pause_until and move.ar_pause_until >= today:
                return self.env._("paused")
            if move.ar_dispute_state == "open":
                return self.env._("disputed")
            if (
                move.ar_promise_date
                and move.ar_stage_id.pause_on_promise
                and fields.Date.add(move.ar_promise_date, days=grace) >= today
            ):
                return self.env._("under a promise to pay")
            if move.ar_hygiene:
                return self.env._("not payable as sent (%s)", move.ar_hygiene)
            return ""

        holds = {move.id: held(move) for move in on_ladder}
        due = on_ladder.filtered(lambda m: not holds[m.id])
        if not due:
            return None, self.env._(
                "every invoice on the ladder is held: %s",
                ", ".join(f"{m.name} {holds[m.id]}" for m in on_ladder),
            )
        stage = max(due.ar_stage_id, key=lambda s: s.sequence)
        if stage.channel == "none":
            return None, self.env._("at %s the ladder does not write to the customer", stage.name)
        return {
            "stage": stage,
            "moves": due,
            "cycles": {move.id: move.ar_contact_attempts for move in due},
            "stages": {move.id: move.ar_stage_id for move in due},
        }, ""

    @api.model
    def _ar_outcome(self, outcome, group, contacted, events):
        """What the user reads about one customer's message: to whom, how many invoices, or why not."""
        partner = outcome["partner"]
        moves = group["moves"]
        if not any(move.id in contacted for move in moves):
            errors = {move.ar_error for move in moves if move.ar_error}
            outcome["text"] = self.env._(
                "Nothing sent to %(customer)s: %(reason)s.",
                customer=partner.display_name,
                reason="; ".join(sorted(errors)) or self.env._("it was sent already"),
            )
            return
        external = events.filtered(lambda e: e.kind == "external" and e.move_id in moves)
        mails = external.mail_id
        to = ", ".join(mails.recipient_ids.mapped("email")) if mails else ""
        if not to:
            to = ", ".join(sorted(set(external.mapped("reason")) - {False})) or partner.display_name
        count = len(group["listing"])
        outcome["sent"] = True
        outcome["text"] = (
            self.env._("Statement sent to %(to)s (1 invoice, %(stage)s).", to=to, stage=group["stage"].name)
            if count == 1
            else self.env._(
                "Statement sent to %(to)s (%(count)s invoices, %(stage)s).",
                to=to,
                count=count,
                stage=group["stage"].name,
            )
        )

    @api.model
    def _ar_action(self, records):
        """The button's answer: send, then a notification that says what went out or why not."""
        outcomes = self._ar_send(records)
        sent = [o for o in outcomes if o["sent"]]
        if not outcomes:
            text = self.env._("Nothing to send: no open invoice of these customers.")
        else:
            text = " ".join(o["text"] for o in outcomes)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Send a reminder now"),
                "message": text,
                "type": "success" if sent and len(sent) == len(outcomes) else "warning",
                "sticky": len(sent) != len(outcomes),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
