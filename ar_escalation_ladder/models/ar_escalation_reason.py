# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reasons stored as codes, worded when they are read.

The engine gives a decision's reasons as phrases (a code and its values,
engine/vocabulary.py). An event keeps them as data (``reason_data``, JSON) and
its ``reason`` is their text in the language of whoever reads it, amounts in
the company's currency (models/ar_escalation_format.py); so does an invoice's
"Escalation reason". A person's own words (an override's or a closing's
reason), a delivery's summary or an error message are a ``text`` phrase,
shown as they were written. Events written before the codes keep their text
the same way (migrations/18.0.1.3.0).
"""

import json

from odoo import api, fields, models

from ..engine import Words, render
from ..engine.vocabulary import Phrase, as_phrases, phrases_from_json, phrases_to_json
from .ar_escalation_format import reason_words


def word_reasons(records, data_field, text_field):
    """Set each record's ``text_field`` to its reason codes (``data_field``) in words, in the
    reader's language and its company's currency (the words read once per company)."""
    words = {}
    for record in records:
        company = record.company_id
        if company not in words:
            words[company] = reason_words(records.env, company)
        record[text_field] = render(phrases_from_json(record[data_field]), words[company]) or False


class ArEscalationEvent(models.Model):
    _inherit = "ar.escalation.event"

    reason_data = fields.Json(
        "Reason codes",
        copy=False,
        help='Why, as phrase codes with their values: [{"code": "days_overdue", "days": 34}, ...].',
    )

    @api.depends("reason_data", "company_id")
    @api.depends_context("lang")
    def _compute_reason(self):
        word_reasons(self, "reason_data", "reason")

    @api.model
    def _ar_reason_texts(self, rows):
        """``{row id: reason text}`` for event rows read in SQL (``reason_data``, ``company_id``)."""
        words = {}
        worded = {}  # a first escalation writes the same few reasons tens of thousands of times
        texts = {}
        for row in rows:
            phrases = phrases_from_json(row.get("reason_data"))
            if not phrases:
                continue
            key = (row.get("company_id"), phrases)
            if key not in worded:
                company_id = key[0]
                if company_id not in words:
                    words[company_id] = reason_words(self.env, self.env["res.company"].browse(company_id))
                worded[key] = render(phrases, words[company_id])
            texts[row["id"]] = worded[key]
        return texts

    @api.model
    def _ar_phrase_text(self, phrase, words):
        """A phrase of a code the ladder does not know, in words (hook).

        A module that adds a rule kind whose matcher says a phrase of its own
        code words it here, in ``self.env``'s language, and calls ``super()``
        for the others.
        """
        return Words.unknown(words, phrase)

    # ------------------------------------------------------------------
    # writing: a reason given as phrases or text is stored as its codes
    # ------------------------------------------------------------------
    @api.model
    def _ar_reason_json(self, reason):
        """A reason as the column holds it in SQL: JSON text, None when there is none."""
        phrases = as_phrases(reason)
        return json.dumps(phrases_to_json(phrases)) if phrases else None

    @api.model
    def _ar_reason_vals(self, vals):
        """``vals`` with its ``reason`` (phrases, text or stored codes) as ``reason_data``."""
        if "reason" not in vals:
            return vals
        vals = dict(vals)
        vals["reason_data"] = phrases_to_json(as_phrases(vals.pop("reason"))) or False
        return vals

    def _ar_log(self, vals_list, post=True):
        stored = {}  # equal reasons (a text, a decision's phrases) are serialised once
        return super()._ar_log([self._ar_stored_reason(vals, stored) for vals in vals_list], post)

    @api.model
    def _ar_stored_reason(self, vals, stored):
        """``vals`` as :meth:`_ar_log`'s insert takes them: the ``reason`` as ``reason_data`` JSON text."""
        if "reason" not in vals:
            return vals
        vals = dict(vals)
        reason = vals.pop("reason")
        reusable = isinstance(reason, str) or (
            isinstance(reason, tuple) and all(isinstance(item, Phrase) for item in reason)
        )
        if not reusable:
            vals["reason_data"] = self._ar_reason_json(reason)
        else:
            if reason not in stored:
                stored[reason] = self._ar_reason_json(reason)
            vals["reason_data"] = stored[reason]
        return vals

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._ar_reason_vals(vals) for vals in vals_list])

    def write(self, vals):
        return super().write(self._ar_reason_vals(vals))


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_reason_data = fields.Json(
        "Escalation reason codes",
        compute="_compute_ar_reason_data",
        help="Why the invoice is at its stage today, as phrase codes (what Escalation reason words).",
    )

    def _compute_ar_reason_data(self):
        """The reasons of the ladder's decision today; a stage set by hand keeps the reason given.

        A day count is never stale and the daily run does not rewrite every
        invoice to keep it current: the engine decides again for display.
        """
        latest = self._ar_latest_stage_events()
        live = self.filtered(
            lambda m: (
                m.id
                and m.ar_stage_id
                and not m.ar_closed_date
                and (latest.get(m.id) or ("",))[0] != "override"
            )
        )
        # sudo: the reason is the invoice's own field, shown to whoever reads the
        # invoice; it is worded from the ladder's policy, which only the AR team reads
        reasons = self.env["ar.escalation.facts"].sudo()._ar_explain(live) if live else {}
        for move in self:
            event = latest.get(move.id)
            if move.id in reasons:
                phrases = as_phrases(reasons[move.id])
            elif event and event[0] == "override" and move.ar_stage_id:
                given = render(phrases_from_json(event[2]))
                phrases = (Phrase.of("set_by_hand", text=given),)
            else:
                phrases = phrases_from_json(event[2]) if event and move.ar_stage_id else ()
            move.ar_reason_data = phrases_to_json(phrases) or False

    @api.depends_context("lang")
    def _compute_ar_reason(self):
        word_reasons(self, "ar_reason_data", "ar_reason")
