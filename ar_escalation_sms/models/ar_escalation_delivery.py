# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""SMS and WhatsApp for the ladder's external track.

The ladder's delivery (``ar.escalation.delivery``) has recorded one
``external`` event per invoice (uniquely keyed) before calling
:meth:`_deliver_sms`, the method this addon registers for its channels; the
messages are queued here, in the same transaction, with an idempotency key
derived from those events, and the queue's cron sends them.
"""

from odoo import api, models

from ..tools import numbers, segments


class ArEscalationDelivery(models.AbstractModel):
    _inherit = "ar.escalation.delivery"

    @api.model
    def _get_delivery_channels(self):
        """SMS, WhatsApp, and email followed by SMS."""
        return {
            **super()._get_delivery_channels(),
            "sms": ("_deliver_sms",),
            "whatsapp": ("_deliver_sms",),
            "email_sms": ("_deliver_email", "_deliver_sms"),
        }

    @api.model
    def _deliver_sms(self, stage, todo, results):
        """Queue one text per case (its invoices' events key it), or say why not and fall back to email.

        ``results`` holds the email of an email + SMS stage: the text's summary
        is added to it.
        """
        channel = "whatsapp" if stage.channel == "whatsapp" else "sms"
        texts = self._ar_sms_prepare(stage, todo, channel)
        results = dict(results)
        fallback = []
        for case, moves in todo:
            problem = texts["problems"].get(case.id)
            if not problem:
                results[case.id] = self._ar_sms_summed(
                    results.get(case.id), channel, texts["summaries"][case.id], True
                )
            elif stage.channel != "email_sms" and stage.mail_template_id:
                fallback.append((case, moves, problem))
            else:
                results[case.id] = self._ar_sms_summed(results.get(case.id), channel, problem)
        self._ar_sms_queue(texts["queue"], texts["events"])
        failures = [vals for case, __ in todo for vals in texts["failures"].get(case.id, ())]
        if failures:
            self.env["ar.escalation.event"]._ar_log(failures)
        if fallback:
            results.update(self._ar_sms_fallback(stage, fallback))
        return results

    @api.model
    def _ar_sms_prepare(self, stage, todo, channel):
        """What the stage's texts need for every case at once: bodies, events, numbers checked.

        ``problems`` says, per case, why its text cannot go (and ``failures``
        holds the error events saying so); ``queue`` holds the outbox rows of
        the others and ``summaries`` their chatter summaries.
        """
        checks = {case.id: self._ar_sms_recipient(stage, moves, case.partner_id) for case, moves in todo}
        problems, failures = self._ar_sms_problems(stage, todo, channel, checks)
        texts = {
            "bodies": self._ar_sms_bodies(stage, todo),
            "checks": checks,
            "events": self._ar_sms_events(stage, todo),
            "problems": problems,
            "failures": failures,
            "queue": [],
            "summaries": {},
        }
        label = "WhatsApp" if channel == "whatsapp" else "SMS"
        for case, moves in todo:
            if case.id in problems:
                continue
            vals = self._ar_sms_queue_vals(stage, case, moves, channel, texts)
            texts["queue"].append(vals)
            texts["summaries"][case.id] = self.env._(
                "%(label)s queued to %(number)s (%(segments)s segment(s))",
                label=label,
                number=vals["number"],
                segments=segments.count(vals["body"]).segments,
            )
        return texts

    @api.model
    def _ar_sms_bodies(self, stage, todo):
        """The stage's SMS template rendered for every case, in each customer's language."""
        template = stage.sms_template_id
        if not template:
            raise ValueError(self.env._("Stage %s has no SMS template.", stage.name))
        cases = self.env["ar.escalation.case"].concat(*(case for case, __ in todo))
        invoice_map = self._ar_invoice_map(todo)
        # the pay links of the message need the invoices' access tokens
        listed = self.env["account.move"].browse({i for __, ids in invoice_map for i in ids})
        listed._ar_ensure_access_tokens()
        return template.with_context(ar_invoice_map=invoice_map)._render_field(
            "body", cases.ids, compute_lang=True
        )

    @api.model
    def _ar_sms_problems(self, stage, todo, channel, checks):
        """Why a case's text cannot go (no valid number, opted out), and the error events saying so."""
        blacklist = self._ar_sms_blacklist([check.e164 for __, check in checks.values() if check.ok])
        label = "WhatsApp" if channel == "whatsapp" else "SMS"
        Event = self.env["ar.escalation.event"]
        problems, failures = {}, {}
        for case, moves in todo:
            recipient, check = checks[case.id]
            problem = check.problem if not check.ok else ""
            if check.ok and check.e164 in blacklist:
                problem = self.env._("%s has opted out of text messages (STOP)", check.e164)
            if not problem:
                continue
            problems[case.id] = self.env._(
                "%(label)s not sent to %(who)s: %(number)s — %(problem)s",
                label=label,
                who=recipient.display_name,
                number=check.raw or self.env._("no number"),
                problem=problem,
            )
            failures[case.id] = [
                Event._prepare_event_vals(
                    m, "error", stage, problems[case.id], channel=channel, case_id=case.id
                )
                for m in moves
            ]
        return problems, failures

    @api.model
    def _ar_sms_queue_vals(self, stage, case, moves, channel, texts):
        """The outbox row of a case's text, keyed by the first of its invoices' events."""
        recipient, check = texts["checks"][case.id]
        first_event = min(texts["events"][m.id] for m in moves)
        return {
            "company_id": case.company_id.id,
            "case_id": case.id,
            "stage_id": stage.id,
            "partner_id": recipient.id,
            "customer_id": case.partner_id.id,
            "move_ids": [(6, 0, moves.ids)],
            "channel": channel,
            "number": check.e164,
            "body": texts["bodies"][case.id],
            "idempotency_key": f"ar-{case.company_id.id}-{first_event}-{channel}",
        }

    @api.model
    def _ar_sms_summed(self, result, channel, summary, both=False):
        """A case's result with the text's summary: added to the email's on an email + SMS stage."""
        if not result:
            return {"channel": channel, "summary": summary}
        merged = {**result, "summary": f"{result['summary']}; {summary}"}
        if both:
            merged["channel"] = "email_sms"
        return merged

    @api.model
    def _ar_sms_queue(self, queue_vals, events):
        """Queue the texts, link each invoice's event to its text, wake the sender."""
        if not queue_vals:
            return
        # sudo: the queue is a technical outbox, like mail.mail for the ladder's
        # emails; a payment or a promise logged by an accountant re-evaluates
        # invoices as that user, who must not need rights on it
        queued = self.env["ar.escalation.sms"].sudo().create(queue_vals)
        for sms in queued:
            # sudo: events are the ladder's audit trail, read-only to every user
            self.env["ar.escalation.event"].sudo().browse([events[m.id] for m in sms.move_ids]).write(
                {"sms_id": sms.id}
            )
        cron = self.env.ref("ar_escalation_sms.ir_cron_send", raise_if_not_found=False)
        if cron:
            cron._trigger()

    @api.model
    def _ar_sms_fallback(self, stage, fallback):
        """The stage's email instead, for the customers whose text could not go."""
        emailed = self._deliver_email(stage, [(case, moves) for case, moves, __ in fallback], {})
        return {
            case.id: {
                **emailed[case.id],
                "summary": self.env._(
                    "%(reason)s; sent by email instead: %(email)s",
                    reason=reason,
                    email=emailed[case.id]["summary"],
                ),
            }
            for case, __, reason in fallback
        }

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
