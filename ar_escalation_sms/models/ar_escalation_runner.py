# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""SMS and WhatsApp for the ladder's external track.

The ladder has recorded one ``external`` event per invoice (uniquely keyed)
before calling :meth:`_ar_deliver_sms`; the messages are queued here, in the
same transaction, with an idempotency key derived from those events, and the
queue's cron sends them.
"""

from odoo import models

from ..tools import numbers, segments


class ArEscalationRunner(models.AbstractModel):
    _inherit = "ar.escalation.runner"

    def _ar_deliver_sms(self, stage, todo, results):
        channel = "whatsapp" if stage.channel == "whatsapp" else "sms"
        template = stage.sms_template_id
        if not template:
            raise ValueError(self.env._("Stage %s has no SMS template.", stage.name))
        cases = self.env["ar.escalation.case"].concat(*(case for case, __ in todo))
        invoice_map = self._ar_invoice_map(todo)
        # the pay links of the message need the invoices' access tokens
        listed = self.env["account.move"].browse({i for __, ids in invoice_map for i in ids})
        listed._ar_ensure_access_tokens()
        bodies = template.with_context(ar_invoice_map=invoice_map)._render_field(
            "body", cases.ids, compute_lang=True
        )
        events = self._ar_sms_events(stage, todo)
        checks = {case.id: self._ar_sms_recipient(stage, moves, case.partner_id) for case, moves in todo}
        blacklist = self._ar_sms_blacklist([check.e164 for __, check in checks.values() if check.ok])
        queue_vals, fallback, failures = [], [], []
        results = dict(results)
        for case, moves in todo:
            recipient, check = checks[case.id]
            problem = check.problem if not check.ok else ""
            if check.ok and check.e164 in blacklist:
                problem = self.env._("%s has opted out of text messages (STOP)", check.e164)
            label = "WhatsApp" if channel == "whatsapp" else "SMS"
            if problem:
                reason = self.env._(
                    "%(label)s not sent to %(who)s: %(number)s — %(problem)s",
                    label=label,
                    who=recipient.display_name,
                    number=check.raw or self.env._("no number"),
                    problem=problem,
                )
                failures += [
                    self._event_vals(m, "error", stage, reason, channel=channel, case_id=case.id)
                    for m in moves
                ]
                if stage.channel != "email_sms" and stage.mail_template_id:
                    fallback.append((case, moves, reason))
                elif case.id in results:
                    results[case.id] = {
                        **results[case.id],
                        "summary": f"{results[case.id]['summary']}; {reason}",
                    }
                else:
                    results[case.id] = {"channel": channel, "summary": reason}
                continue
            first_event = min(events[m.id] for m in moves)
            body = bodies[case.id]
            queue_vals.append(
                {
                    "company_id": case.company_id.id,
                    "case_id": case.id,
                    "stage_id": stage.id,
                    "partner_id": recipient.id,
                    "customer_id": case.partner_id.id,
                    "move_ids": [(6, 0, moves.ids)],
                    "channel": channel,
                    "number": check.e164,
                    "body": body,
                    "idempotency_key": f"ar-{case.company_id.id}-{first_event}-{channel}",
                }
            )
            summary = self.env._(
                "%(label)s queued to %(number)s (%(segments)s segment(s))",
                label=label,
                number=check.e164,
                segments=segments.count(body).segments,
            )
            if case.id in results:
                results[case.id] = {
                    **results[case.id],
                    "channel": "email_sms",
                    "summary": f"{results[case.id]['summary']}; {summary}",
                }
            else:
                results[case.id] = {"channel": channel, "summary": summary}
        # sudo: the queue is a technical outbox, like mail.mail for the ladder's
        # emails; a payment or a promise logged by an accountant re-evaluates
        # invoices as that user, who must not need rights on it
        queued = self.env["ar.escalation.sms"].sudo().create(queue_vals)
        for sms in queued:
            # sudo: events are the ladder's audit trail, read-only to every user
            self.env["ar.escalation.event"].sudo().browse([events[m.id] for m in sms.move_ids]).write(
                {"sms_id": sms.id}
            )
        if failures:
            self.env["ar.escalation.event"]._ar_log(failures)
        if fallback:
            emailed = self._ar_deliver_email(stage, [(case, moves) for case, moves, __ in fallback])
            for case, __, reason in fallback:
                results[case.id] = {
                    **emailed[case.id],
                    "summary": self.env._(
                        "%(reason)s; sent by email instead: %(email)s",
                        reason=reason,
                        email=emailed[case.id]["summary"],
                    ),
                }
        if queued:
            cron = self.env.ref("ar_escalation_sms.ir_cron_send", raise_if_not_found=False)
            if cron:
                cron._trigger()
        return results

    def _ar_sms_events(self, stage, todo):
        """The external event just recorded for each invoice (its latest: an invoice listed
        in a higher stage's message is recorded at its own stage)."""
        moves = self.env["account.move"].concat(*(moves for __, moves in todo))
        groups = self.env["ar.escalation.event"]._read_group(
            [("move_id", "in", moves.ids), ("kind", "=", "external")],
            ["move_id"],
            ["id:max"],
        )
        return {move.id: event_id for move, event_id in groups}

    def _ar_sms_blacklist(self, numbers_):
        if not numbers_:
            return set()
        # sudo: only whether a number opted out is read, not the marketing list itself
        return set(self.env["phone.blacklist"].sudo().search([("number", "in", numbers_)]).mapped("number"))

    def _ar_sms_recipient(self, stage, moves, customer):
        """The contact to text and the check of its number (mobile first, then phone)."""
        billing = moves[0].partner_id
        escalation = customer.ar_escalation_contact_id
        if stage.contact in ("escalation", "both") and escalation and (escalation.mobile or escalation.phone):
            recipient = escalation
        elif billing.mobile or billing.phone:
            recipient = billing
        else:
            recipient = customer
        country = recipient.country_id or customer.country_id or moves[0].company_id.country_id
        check = numbers.normalize(recipient.mobile or recipient.phone, country.code)
        if not check.ok and recipient.mobile and recipient.phone:
            alternative = numbers.normalize(recipient.phone, country.code)
            if alternative.ok:
                check = alternative
        return recipient, check
