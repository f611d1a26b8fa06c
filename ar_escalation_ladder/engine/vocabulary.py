# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The vocabularies the engine and Odoo share, each defined once.

A vocabulary is a list of ``(code, English label)`` pairs: the engine reads
its codes (``ACCOUNT_TIERS``…), the Odoo fields take the pairs as their
selection (Odoo translates the labels and words them with
``_description_selection``). The rule kinds are the registry's
(:mod:`.rules`, or :data:`.policy.RULE_KINDS` until it lands).

A decision leaves the engine as codes, not prose: its reasons are
:class:`Phrase` values (a code and its parameters, ``REASON_CODES``) and its
hold is one of ``HOLD_CODES``. Whoever shows them words them at display
time: :func:`.evaluate.render` in English, the Odoo side in the reader's
language (models/ar_escalation_format.py).
"""

from __future__ import annotations

from dataclasses import dataclass

ACCOUNT_TIER_SELECTION = [
    ("strategic", "Strategic"),
    ("key", "Key"),
    ("standard", "Standard"),
    ("small", "Small"),
]
OWNER_ROLE_SELECTION = [
    ("ar_operator", "AR operator"),
    ("account_manager", "Account manager"),
    ("ar_lead", "AR lead"),
    ("finance_lead", "Finance lead"),
    ("cfo", "CFO"),
]
# how a stage's message speaks (ar.escalation.stage.tone)
TONE_SELECTION = [
    ("courteous", "Courteous"),
    ("collaborative", "Collaborative"),
    ("firm", "Firm and specific"),
    ("executive", "Executive, concise"),
    ("formal", "Formal final notice"),
]
CHANNEL_SELECTION = [
    ("none", "None (internal only)"),
    ("email", "Email"),
    ("sms", "SMS"),
    ("email_sms", "Email and SMS"),
    ("whatsapp", "WhatsApp"),
]
# what happened to an invoice, as its audit trail (ar.escalation.event) records it
EVENT_KIND_SELECTION = [
    ("stage", "Stage change"),
    ("external", "External message"),
    ("activity", "Internal escalation"),
    ("acknowledged", "Acknowledged"),
    ("rollup", "Rolled up"),
    ("promise", "Promise logged"),
    ("promise_kept", "Promise kept"),
    ("promise_broken", "Promise broken"),
    ("dispute", "Dispute logged"),
    ("dispute_resolved", "Dispute resolved"),
    ("override", "Stage override"),
    ("pause", "Paused"),
    ("resume", "Pause lifted"),
    ("hygiene", "Not payable as sent"),
    ("closed", "Case closed"),
    ("reopened", "Case reopened"),
    ("approved", "Message approved"),
    ("error", "Error"),
]
# what the customer's own history says (:func:`.evaluate.risk_signals`)
RISK_SIGNAL_SELECTION = [
    ("late_payer", "pays late on average"),
    ("worsening", "payment delays worsening"),
    ("early_risk", "current but deteriorating"),
    ("broken_promise", "broke a promise before"),
    ("dispute", "open dispute"),
    ("over_credit_limit", "over credit limit"),
]
# why nothing goes to the customer although the invoice has a stage
# (:func:`.evaluate.external_plan`); "" is "a message goes"
HOLD_SELECTION = [
    ("no_channel", "no external channel"),
    ("paused", "paused"),
    ("open_dispute", "open dispute"),
    ("promise_holds", "promise to pay holds"),
    ("not_payable", "not payable as sent"),
    ("awaiting_approval", "waiting for the account manager's approval"),
    ("cadence_complete", "cadence complete"),
    ("not_due_yet", "next reminder not due yet"),
]


def codes(selection):
    """The codes of a vocabulary, in its order."""
    return tuple(code for code, __ in selection)


ACCOUNT_TIERS = codes(ACCOUNT_TIER_SELECTION)
OWNER_ROLES = codes(OWNER_ROLE_SELECTION)
CHANNELS = codes(CHANNEL_SELECTION)
TONES = codes(TONE_SELECTION)
EVENT_KINDS = codes(EVENT_KIND_SELECTION)
RISK_SIGNALS = codes(RISK_SIGNAL_SELECTION)
HOLD_CODES = codes(HOLD_SELECTION)
# the holds under which an invoice still stands for its stage on the customer's
# external track (a reminder is simply not due): "" (sending) and these two
TRACK_HOLDS = ("", "not_due_yet", "cadence_complete")

# The phrases of a reason, with their parameters:
#   days_overdue(days)            "5 days overdue", "due today", "due in 3 days"
#   open_on_invoice(amount)       "1,200.00 open on the invoice" (company currency)
#   overdue_for_customer(amount)  "8,000.00 overdue for the customer"
#   over_credit_limit             "over credit limit"
#   promises_broken(count)        "2 promises broken" (on the invoice)
#   promises_broken_customer(count) "2 promises broken by the customer"
#   open_dispute                  "open dispute"
#   account_tier(tier)            "strategic account" (ACCOUNT_TIERS)
#   risk_signals(signals)         "2 risk signals (pays late on average, ...)" (RISK_SIGNALS)
#   no_response(days)             "no response for 12 days"
#   paid                          "paid in full"
#   held_at(stage)                "held at Managed (escalation only moves up)"
#   go_live_held(stage)           "climbing from the go-live cap: stays at Early until its cadence completes"
#   go_live_entered(stage)        "entered at Early (go-live cap), climbing by the cadence"
#   set_by_hand(text)             "Set by hand: <the reason given>"
#   escalated_to(owner)           "Escalated to Alice Martin" (the case's owner)
#   message_approved(user)        "Message approved by Alice Martin" (approval tracks)
#   text(text)                    a person's own words or a message, shown verbatim
REASON_CODES = (
    "days_overdue",
    "open_on_invoice",
    "overdue_for_customer",
    "over_credit_limit",
    "promises_broken",
    "promises_broken_customer",
    "open_dispute",
    "account_tier",
    "risk_signals",
    "no_response",
    "paid",
    "held_at",
    "go_live_held",
    "go_live_entered",
    "set_by_hand",
    "escalated_to",
    "message_approved",
    "text",
)


# The phrases of a behaviour segment's name and of a customer's segment reason
# (engine/segment.py, worded by engine/segment_words.py and the Odoo side):
#   pays_late(days)               "pays about 25 days late"
#   pays_early(share)             "pays early (70% of invoices)"
#   pays_on_time                  "pays on time"
#   worsening(days)               "worsening (+9 days)" (recent six months against before)
#   improving(days)               "improving (-9 days)"
#   seasonal(month)               "late around August" (0: in some months of the year)
#   disputes(share)               "frequent disputes (36% of invoices)"
#   broken_promises(share)        "breaks promises (15% of invoices)"
#   irregular(days)               "irregular (± 15 days)"
#   early_risk(days)              "current, but paying 9 days later than before"
# and why a customer (or a whole run) has no behaviour segment:
#   no_history                    "no invoices yet"
#   too_few_invoices(count, minimum) "1 invoice with a known payment; segmenting needs 3"
#   too_few_customers(count, minimum) "7 customers with enough history; segmenting needs 20"
#   all_alike                     "all customers pay alike"
#   no_distinct_groups            "no distinct groups in how the customers pay"
#   unavailable                   "behaviour segmentation unavailable (scikit-learn is not installed)"
SEGMENT_CODES = (
    "pays_late",
    "pays_early",
    "pays_on_time",
    "worsening",
    "improving",
    "seasonal",
    "disputes",
    "broken_promises",
    "irregular",
    "early_risk",
    "no_history",
    "too_few_invoices",
    "too_few_customers",
    "all_alike",
    "no_distinct_groups",
    "unavailable",
)


def _frozen(value):
    """A parameter as a hashable value: JSON's lists come back as tuples."""
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


def _plain(value):
    """A parameter as JSON holds it: tuples as lists."""
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Phrase:
    """One phrase of a reason: a code (``REASON_CODES``, or an added rule kind's) and its values.

    Two phrases that read the same are equal: the parameters are kept sorted
    by name, as :meth:`of` builds them.
    """

    code: str
    params: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **params) -> Phrase:
        return cls(code, tuple(sorted((name, _frozen(value)) for name, value in params.items())))

    @classmethod
    def text(cls, text: str) -> Phrase:
        """Words that are shown as they are: a person's reason, a delivery's summary, an error."""
        return cls.of("text", text=text)

    def get(self, name: str, default=None):
        for key, value in self.params:
            if key == name:
                return value
        return default

    def to_json(self) -> dict:
        return {"code": self.code, **{name: _plain(value) for name, value in self.params}}

    @classmethod
    def from_json(cls, data: dict) -> Phrase:
        values = dict(data)
        return cls.of(values.pop("code"), **values)


def phrases_to_json(phrases) -> list:
    """Phrases as stored (a JSON list of ``{"code": ..., **params}``)."""
    return [phrase.to_json() for phrase in phrases]


def phrases_from_json(data) -> tuple[Phrase, ...]:
    """Stored phrases back: a list of phrases, one phrase, or the text of a row written before codes."""
    if not data:
        return ()
    if isinstance(data, str):
        return (Phrase.text(data),)
    if isinstance(data, dict):
        data = [data]
    return tuple(Phrase.from_json(item) for item in data)


def as_phrases(value) -> tuple[Phrase, ...]:
    """A reason as phrases, whatever form a caller gives it in.

    A :class:`Phrase` or several, stored JSON (:func:`phrases_from_json`), or
    text: a person's words, a delivery's summary, shown as they are.
    """
    if isinstance(value, Phrase):
        return (value,)
    if isinstance(value, tuple | list) and all(isinstance(item, Phrase) for item in value):
        return tuple(value)
    return phrases_from_json(value)
