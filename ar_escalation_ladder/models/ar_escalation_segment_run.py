# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The segmentation run: monthly (ir.cron) and on an AR manager's button.

Per company: read every customer's invoices (res_partner_segment.py, a fixed
number of queries), segment them (engine/segment.py), keep the behaviour
segments' records stable from run to run (a segment that reads the same keeps
its record, so the track rules pointing at it keep working), write the
customers' segments grouped by equal values, log each change of behaviour
segment on the customer's chatter, and let the track rules place the
customers whose segments changed.
"""

import logging
import time

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..engine.segment import segment_book
from ..engine.segment_rules import rule_segment
from ..engine.segment_words import segment_name
from ..engine.vocabulary import phrases_to_json
from .ar_escalation_segment_words import segment_text, stored_phrases

_logger = logging.getLogger(__name__)


def _signature(traits):
    """What a segment is, for matching it to last run's: its phrase codes, without their figures."""
    return tuple(sorted(phrase.code for phrase in traits))


class ArEscalationSegment(models.Model):
    _inherit = "ar.escalation.segment"

    @api.model
    def _ar_segment_company(self, company):
        """Segment ``company``'s customers now; the run's summary (also kept on the company)."""
        start = time.perf_counter()
        today = fields.Date.context_today(self)
        Partner = self.env["res.partner"].with_company(company)
        book, facts = Partner._ar_segment_book(company, today)
        result = segment_book(
            book.values(), today, company.ar_segment_min_size or 10, company.ar_worsening_days
        )
        segment_ids = None if result.status == "unavailable" else self._ar_sync_behaviour(company, result)
        rules = self._ar_rule_segments(company)
        rule_of = {pid: rule_segment(rules, fact) for pid, fact in facts.items()}
        changed = Partner._ar_apply_segment_result(result, segment_ids, rule_of, today)
        if changed:
            # a segment is a track rule's condition: the rules place these customers again
            Partner.browse(changed).sudo()._ar_assign_tracks()
        drafted = self.browse()
        if segment_ids:
            # sudo: drafting a track for a segment no rule places is the run's; a draft
            # waits for an AR manager's approval (ar_escalation_track_proposal.py)
            drafted = (
                self.env["ar.escalation.track"]
                .sudo()
                ._ar_propose_for_segments(self.sudo().browse(list(segment_ids.values())))
            )
        summary = {
            "date": fields.Datetime.to_string(fields.Datetime.now()),
            "status": result.status,
            "reason": phrases_to_json(result.reason),
            "segments": len(result.segments),
            "customers": len(book),
            "segmented": sum(1 for c in result.customers.values() if c.segment),
            "early_risk": sum(1 for c in result.customers.values() if c.early_risk),
            "drafted_tracks": len(drafted),
            "model": {key: result.model.get(key) for key in ("k", "covariance")},
            "seconds": round(time.perf_counter() - start, 2),
        }
        # sudo: the run's summary is the company's record, not the pressing user's setting
        company.sudo().ar_segment_last_run = summary
        _logger.info("Segmentation of %s: %s", company.name, summary)
        return summary

    @api.model
    def _ar_sync_behaviour(self, company, result):
        """The behaviour segments' records for this run: ``{segment key: record id}``.

        A segment that reads as one of last run's (the same phrase codes)
        keeps its record, the closest by lateness; the rest are created, and
        last run's that found no match are archived (a track rule naming one
        keeps it, matching nobody). sudo: behaviour segments are the run's.
        """
        Segment = self.sudo().with_context(active_test=False)
        old = Segment.search(
            [("kind", "=", "behaviour"), ("company_id", "=", company.id), ("active", "=", True)]
        )
        free = {segment.id: segment for segment in old}
        now = fields.Datetime.now()
        out = {}
        for plan in result.segments:
            vals = {
                "name": segment_name(plan.traits),
                "traits": phrases_to_json(plan.traits),
                "profile": plan.profile,
                "run_date": now,
                "sequence": plan.key,
                "active": True,
            }
            same = [s for s in free.values() if _signature(s._ar_traits()) == _signature(plan.traits)]
            if same:
                lateness = plan.profile.get("avg_days_late") or 0.0
                match = min(same, key=lambda s: abs((s.profile or {}).get("avg_days_late", 0.0) - lateness))
                match.write(vals)
                del free[match.id]
                out[plan.key] = match.id
            else:
                out[plan.key] = Segment.create({**vals, "kind": "behaviour", "company_id": company.id}).id
        if free:
            Segment.browse(list(free)).write({"active": False})
        return out

    def _ar_traits(self):
        return stored_phrases(self.traits)

    # ------------------------------------------------------------------
    # entry points
    # ------------------------------------------------------------------
    def action_ar_segment_now(self):
        """The "Segment customers now" button: the companies the manager works in, now.

        A list header button: called on the selected segments (or none), which it does not read.
        """
        if not self.env.user.has_group("ar_escalation_ladder.group_ar_manager"):
            raise AccessError(self.env._("Segmenting customers is for AR managers."))
        texts = []
        for company in self.env.companies:
            summary = self._ar_segment_company(company)
            texts.append(self._ar_summary_text(company, summary))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Customers segmented"),
                "message": "\n".join(texts),
                "type": "success",
                "sticky": False,
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    @api.model
    def _cron_ar_segment(self):
        """Monthly: every company's customers, each company on its own (a failure stays its own)."""
        for company in self.env["res.company"].search([]):
            try:
                with self.env.cr.savepoint():
                    self.with_company(company)._ar_segment_company(company)
            except Exception:
                _logger.exception("Segmentation of %s failed; the other companies go on", company.name)

    @api.model
    def _ar_summary_text(self, company, summary):
        """A run's summary in the reader's words."""
        if not summary:
            return self.env._("Not segmented yet.")
        if summary["status"] != "segmented":
            return self.env._(
                "%(company)s: no behaviour segments (%(reason)s); %(early)s customer(s) at early risk.",
                company=company.name,
                reason=segment_text(self.env, summary.get("reason")),
                early=summary.get("early_risk", 0),
            )
        return self.env._(
            "%(company)s: %(segmented)s of %(customers)s customers in %(segments)s behaviour segments; "
            "%(early)s at early risk (%(seconds)s s).",
            company=company.name,
            segmented=summary["segmented"],
            customers=summary["customers"],
            segments=summary["segments"],
            early=summary.get("early_risk", 0),
            seconds=summary.get("seconds", 0),
        )
