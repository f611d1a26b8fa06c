# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The digest's segments and tracks: who is in each, what they owe, and what came back this week.

Read through the open-book and stage-stay reports (each customer in the segments and on the
track it has today), so the digest says what the reports say.
"""

from collections import defaultdict

from odoo import api, models


class ArEscalationDigest(models.AbstractModel):
    _inherit = "ar.escalation.digest"

    @api.model
    def _ar_segment_figures(self, env, company, stage_rows):
        """The company's segments and tracks for the digest (``env``: the digest's report env;
        ``stage_rows``: the week's figures by stage, whose tracks the track rows sum)."""
        mine = [("company_id", "=", company.id)]
        Book = env["ar.escalation.report.book"]
        open_by = {
            field: {
                key: (customers, amount, overdue)
                for key, customers, amount, overdue in Book._read_group(
                    mine, [field], ["partner_id:count_distinct", "amount_residual:sum", "amount_overdue:sum"]
                )
            }
            for field in ("segment_id", "track_id")
        }
        [(early_count, early_amount)] = Book._read_group(
            [*mine, ("partner_id.ar_early_risk", "=", True)],
            [],
            ["partner_id:count_distinct", "amount_residual:sum"],
        )
        segment_rows = self._ar_segment_rows(env, company, open_by["segment_id"])
        return {
            "has_segments": any(row["segment"] for row in segment_rows),
            "segment_rows": segment_rows,
            "track_rows": self._ar_track_rows(env, company, open_by["track_id"], stage_rows),
            "early_risk_count": early_count,
            "early_risk_amount": early_amount or 0.0,
        }

    @api.model
    def _ar_segment_rows(self, env, company, open_by):
        """Per behaviour segment of the company: its customers, their open and overdue amounts, and
        how many the last run flagged early risk (current but deteriorating).

        Last, the customers with open invoices that no segment holds (when there are any).
        """
        segments = env["ar.escalation.segment"].search(
            [("kind", "=", "behaviour"), ("company_id", "in", (company.id, False))]
        )
        members, early = {}, {}
        Partner = env["res.partner"].with_context(active_test=False)
        for segment, early_risk, count in Partner._read_group(
            [("ar_segment_id", "in", segments.ids)], ["ar_segment_id", "ar_early_risk"], ["__count"]
        ):
            members[segment] = members.get(segment, 0) + count
            if early_risk:
                early[segment] = count
        rows = [
            {
                "segment": segment,
                "name": segment.display_name,
                "customers": members.get(segment, 0),
                "open": open_by.get(segment, (0, 0.0, 0.0))[1],
                "overdue": open_by.get(segment, (0, 0.0, 0.0))[2],
                "early_risk": early.get(segment, 0),
            }
            for segment in segments
        ]
        unsegmented = [
            figures for segment, figures in open_by.items() if not segment or segment not in segments
        ]
        if unsegmented:
            rows.append(
                {
                    "segment": env["ar.escalation.segment"],
                    "name": env._("Not segmented"),
                    "customers": sum(figures[0] for figures in unsegmented),
                    "open": sum(figures[1] for figures in unsegmented),
                    "overdue": sum(figures[2] for figures in unsegmented),
                    "early_risk": None,
                }
            )
        return rows

    @api.model
    def _ar_track_rows(self, env, company, open_by, stage_rows):
        """Per track of the company: customers with open invoices, open and overdue amounts, and
        the value recovered this week at the track's stages (a stay's track is its stage's)."""
        # the live tracks, and any other (drafted, archived) the figures name
        tracks = env["ar.escalation.track"].search(
            [("company_id", "in", (company.id, False)), ("state", "=", "active")]
        )
        recovered = defaultdict(float)
        for row in stage_rows:
            recovered[row["stage"].track_id] += row["recovered"]
        tracks |= tracks.browse(track.id for track, amount in recovered.items() if track and amount)
        tracks |= tracks.browse(track.id for track in open_by if track)
        return [
            {
                "track": track,
                "customers": open_by.get(track, (0, 0.0, 0.0))[0],
                "open": open_by.get(track, (0, 0.0, 0.0))[1],
                "overdue": open_by.get(track, (0, 0.0, 0.0))[2],
                "recovered": recovered.get(track, 0.0),
            }
            for track in tracks
        ]
