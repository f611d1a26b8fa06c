# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A drafted track's choices (engine/proposal.py) in the reader's language.

The choices are stored as codes (``ar.escalation.track.choice.data``) and
worded when read: :class:`ChoiceWords` has a method per code of
``PROPOSAL_CODES``, amounts in the company's currency, months as the
language names them, labels from the stage's selections.
"""

from odoo.tools import format_amount

from ..engine.proposal_words import ProposalWords
from .ar_escalation_rule_due_month import month_name


class ChoiceWords(ProposalWords):
    def __init__(self, env, currency):
        self.env = env
        self.currency = currency
        self._labels = {}

    def _label(self, model, field, key):
        if (model, field) not in self._labels:
            selection = self.env[model]._fields[field]._description_selection(self.env)
            self._labels[model, field] = dict(selection)
        return self._labels[model, field].get(key, key or "")

    def join(self, texts):
        return "; ".join(texts)

    def month(self, month):
        return month_name(self.env, month)

    def percent(self, rate):
        return self.env._("%s%%", round((rate or 0) * 100))

    def amount(self, amount):
        return format_amount(self.env, amount or 0.0, self.currency)

    def tone_label(self, tone):
        return self._label("ar.escalation.stage", "tone", tone)

    def channel_label(self, channel):
        return self._label("ar.escalation.stage", "channel", channel)

    def role_label(self, role):
        return self._label("ar.escalation.stage", "owner_role", role)

    def kind_label(self, kind):
        return self._label("ar.escalation.rule", "kind", kind)

    def days(self, days):
        return self.env._("1 day") if days == 1 else self.env._("%s days", days)

    # decisions -------------------------------------------------------------------------
    def stages_from(self, track):
        return self.env._(
            "stages copied from %s; what the segment's behaviour does not change stays as there", track
        )

    def unchanged(self):
        return self.env._("nothing in the segment's behaviour calls for a change")

    def pre_due_days(self, days, before):
        return self.env._(
            "first reminder %(days)s before the due date (was %(before)s)",
            days=self.days(days),
            before=self.days(before or 0),
        )

    def overdue_from(self, days, before):
        return self.env._(
            "entered at %(days)s overdue (was %(before)s)", days=self.days(days), before=self.days(before)
        )

    def cadence(self, value, before):
        return self.env._(
            "repeats every %(days)s (was %(before)s)", days=self.days(value), before=self.days(before or 0)
        )

    def tone(self, value, before):
        return self.env._(
            "tone: %(tone)s (was %(before)s)", tone=self.tone_label(value), before=self.tone_label(before)
        )

    def channel(self, value, before):
        return self.env._(
            "channel: %(channel)s (was %(before)s)",
            channel=self.channel_label(value),
            before=self.channel_label(before),
        )

    def owner(self, value, before):
        return self.env._(
            "owner: %(owner)s (was %(before)s)", owner=self.role_label(value), before=self.role_label(before)
        )

    def owner_task(self, value, before):
        if value:
            return self.env._("the owner gets a task at this stage")
        return self.env._("no task for the owner at this stage")

    def promise_pause(self, value, before):
        if value:
            return self.env._("reminders pause while a promise to pay holds")
        return self.env._("reminders continue while a promise to pay holds")

    def timing_only(self, kinds):
        labels = ", ".join(self.kind_label(kind) for kind in kinds)
        return self.env._("entered by its timing only, so that the check comes first (dropped: %s)", labels)

    def invoice_check(self, days, role):
        return self.env._(
            "an internal check of the invoice (reference, delivery, price) before any message, "
            "from %(days)s before the due date (owner: %(owner)s)",
            days=self.days(days),
            owner=self.role_label(role),
        )

    def seasonal_reminder(self, month, days):
        return self.env._(
            "invoices due in %(month)s: a reminder %(days)s before the due date",
            month=self.month(month),
            days=self.days(days),
        )

    # evidence ----------------------------------------------------------------------------
    def late_avg(self, days):
        if days <= 0:
            return self.env._("pays on time on average")
        return self.env._("pays %s late on average", self.days(days))

    def early_share(self, share):
        return self.env._("pays %s of its invoices early", self.percent(share))

    def trend(self, days):
        return self.env._("paying %s later than in the months before", self.days(days))

    def dispute_rate(self, rate):
        return self.env._("disputes %s of its invoices", self.percent(rate))

    def broken_promise_rate(self, rate):
        return self.env._("breaks %s of its promises to pay", self.percent(rate))

    def seasonal(self, month, amplitude):
        return self.env._(
            "pays latest in %(month)s (seasonality %(amplitude)s)",
            month=self.month(month),
            amplitude=self.percent(amplitude),
        )

    def avg_invoice(self, amount):
        return self.env._("invoices of %s on average", self.amount(amount))
