# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""One message's way through the provider: checks before the call, its answer after.

Quiet hours, opt-outs and Odoo's own SMS service before the call; the
provider's answer, retries with backoff, adoption of a message the provider
already holds, review when the outcome cannot be known.
"""

import pytz

from odoo import fields, models

from ..tools import quiet
from ..tools.provider import TWILIO_TO_STATE, WEBHOOK_TO_STATE, ProviderError
from .ar_escalation_sms import MAX_ATTEMPTS, backoff


class ArEscalationSms(models.Model):
    _inherit = "ar.escalation.sms"

    def _ar_prepare(self, now, provider, api_, blacklisted):
        """Everything before the provider call; True when the message must be sent."""
        self.ensure_one()
        if self.state == "sending":
            return self._ar_resolve_sending(now, provider, api_, self.number in blacklisted)
        if self.number in blacklisted:
            self.write({"state": "canceled", "note": self.env._("Opted out")})
            self._ar_log(
                "error",
                self.env._("%(channel)s not sent: %(number)s has opted out (STOP).", **self._ar_words()),
            )
            return False
        company = self.company_id
        partner = self.partner_id
        tz = quiet.customer_timezone(
            partner.tz or self.customer_id.tz,
            (partner.country_id or self.customer_id.country_id).code,
            pytz.country_timezones,
        )
        when = quiet.next_send_time(now, tz, company.ar_sms_window_start, company.ar_sms_window_end)
        if when > now:
            self.write(
                {
                    "next_try": when,
                    "note": self.env._(
                        "Quiet hours in %(tz)s: waits until %(when)s UTC",
                        tz=tz,
                        when=fields.Datetime.to_string(when),
                    ),
                }
            )
            return False
        vals = {"provider": provider, "first_try": self.first_try or now}
        if provider == "odoo":
            # handed to Odoo's outbox in this same transaction: no unknown outcome
            self._ar_send_odoo(vals)
            return False
        self.write(vals)
        if self.attempts and provider == "twilio":
            return self._ar_lookup(now, api_)
        return True

    def _ar_lookup(self, now, api_):
        """Ask Twilio whether it holds the message; adopt it, or True to send."""
        try:
            found = api_.find_sent(
                self.idempotency_key,
                self.number,
                self.body,
                self.channel,
                since=self.first_try,
                exclude=self._ar_known_refs(),
            )
        except ProviderError as exc:
            if self.state == "sending":
                self._ar_retry_lookup(now, str(exc))
            else:
                self._ar_retry(now, {}, str(exc))
            return False
        if found:
            self._ar_adopt(found)
            return False
        return True

    def _ar_known_refs(self):
        """Provider ids already held by other messages to the same number: never adopted twice."""
        others = self.search(
            [("number", "=", self.number), ("provider_ref", "!=", False), ("id", "!=", self.id)]
        )
        return set(others.mapped("provider_ref"))

    def _ar_adopt(self, provider_ref):
        self.write(
            {"state": "pending", "provider_ref": provider_ref, "attempts": self.attempts + 1, "note": False}
        )
        self._ar_log(
            "delivery",
            self.env._("%(channel)s to %(number)s accepted by the provider.", **self._ar_words()),
        )

    def _ar_resolve_sending(self, now, provider, api_, opted_out=False):
        """A message a dead worker left *sending*: did the provider take it?

        Twilio is asked (the messages to the number since the first attempt);
        the webhook provider is sent the same ``Idempotency-Key``, which it
        answers without sending twice. Anything else cannot be established:
        the message goes to review, never resent blindly. A number that
        opted out (STOP) meanwhile is not sent to again.
        """
        self.ensure_one()
        if opted_out:
            if provider == "twilio" and self.provider == provider and not self._ar_lookup(now, api_):
                return False  # Twilio had it (adopted), or could not be asked (asked again later)
            self.write({"state": "canceled", "note": self.env._("Opted out")})
            self._ar_log(
                "error",
                self.env._(
                    "%(channel)s not sent again: %(number)s has opted out (STOP) while it was being "
                    "sent; the provider may have received it before.",
                    **self._ar_words(),
                ),
            )
            return False
        if self.provider != provider:
            self._ar_review(
                self.env._(
                    "it was being sent through %(was)s and the provider is now %(now)s",
                    was=self.provider or "?",
                    now=provider,
                )
            )
            return False
        if provider == "webhook":
            return True
        if provider == "twilio":
            return self._ar_lookup(now, api_)
        self._ar_review(self.env._("the %s provider cannot be asked", provider))
        return False

    def _ar_retry_lookup(self, now, error):
        """The provider could not be asked: ask again later, never resend blindly."""
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.write({"attempts": attempts})
            self._ar_review(self.env._("the provider could not be asked: %s", error))
            return
        self.write({"attempts": attempts, "next_try": now + backoff(attempts), "note": error})

    def _ar_review(self, why):
        """Outcome unknown: an error to review, on the message and the invoices."""
        self._ar_fail(
            self.env._(
                "Outcome unknown, not resent: %(why)s. Check the provider's log for %(number)s "
                "since %(since)s before retrying.",
                why=why,
                number=self.number,
                since=fields.Datetime.to_string(self.last_try or self.first_try),
            )
        )

    def _ar_record(self, now, provider, result):
        """The provider's answer to a send, in a transaction of its own."""
        self.ensure_one()
        if self.state != "sending":
            return  # already resolved meanwhile (a status callback adopted it)
        vals = {"provider": provider}
        if result.outcome == "sent":
            table = TWILIO_TO_STATE if provider == "twilio" else WEBHOOK_TO_STATE
            state = table.get(result.status, "pending")
            self.write(
                {
                    **vals,
                    "state": state,
                    "provider_ref": result.provider_ref,
                    "attempts": self.attempts + 1,
                    "note": False,
                }
            )
            self._ar_log(
                "delivery",
                self.env._("%(channel)s to %(number)s accepted by the provider.", **self._ar_words()),
            )
        elif result.outcome == "retry":
            self._ar_retry(now, {**vals, "state": "outgoing"}, result.error)
        else:
            self.write({**vals, "attempts": self.attempts + 1})
            self._ar_fail(result.error)

    def _ar_send_odoo(self, vals):
        if self.channel == "whatsapp":
            self.write(vals)
            self._ar_fail(self.env._("Odoo's SMS service does not carry WhatsApp messages."))
            return
        # sudo: sms.sms is Odoo's technical outbox, written as Odoo's own SMS composer does
        sms = (
            self.env["sms.sms"]
            .sudo()
            .create({"number": self.number, "body": self.body, "partner_id": self.partner_id.id})
        )
        self.write(
            {**vals, "state": "pending", "sms_sms_id": sms.id, "provider_ref": sms.uuid, "attempts": 1}
        )
        self._ar_log(
            "delivery",
            self.env._("%(channel)s to %(number)s handed to Odoo's SMS service.", **self._ar_words()),
        )

    def _ar_retry(self, now, vals, error):
        attempts = self.attempts + 1
        if attempts >= MAX_ATTEMPTS:
            self.write({**vals, "attempts": attempts})
            self._ar_fail(self.env._("Gave up after %(n)s attempts: %(error)s", n=attempts, error=error))
            return
        self.write({**vals, "attempts": attempts, "next_try": now + backoff(attempts), "note": error})

    def _ar_fail(self, error):
        self.write({"state": "error", "note": (error or "")[:500]})
        self._ar_log(
            "error",
            self.env._("%(channel)s to %(number)s failed: %(error)s", error=error, **self._ar_words()),
        )
