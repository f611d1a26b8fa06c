# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The weekly digest to finance leadership, built from the escalation reports themselves."""

import logging
from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import Command, api, fields, models

_logger = logging.getLogger(__name__)

TOP_ACCOUNTS = 10


class ArEscalationDigest(models.AbstractModel):
    _name = "ar.escalation.digest"
    _description = "Weekly escalation digest"

    @api.model
    def _cron_send_weekly(self):
        """Send each company's digest to its recipients; one company's failure spares the others."""
        companies = self.env["res.company"].search([("ar_digest_user_ids", "!=", False)])
        for company in companies:
            try:
                with self.env.cr.savepoint():
                    self._ar_send(company)
            except Exception:  # noqa: BLE001 - logged, the other companies still get theirs
                _logger.exception("AR escalation digest of %s failed", company.name)

    @api.model
    def _ar_send(self, company, date_to=None, now=None):
        """Queue the digest of ``company`` for its recipients, one mail per language.

        ``now``: the week to date (Send now), else the week before ``date_to``. The figures are
        read in each language: a stage's, a segment's and a track's names are the reader's.
        """
        users = company.ar_digest_user_ids.filtered(lambda u: u.active and u.email)
        if not users:
            return self.env["mail.mail"]
        by_lang = defaultdict(lambda: self.env["res.users"])
        for user in users:
            by_lang[user.lang or self.env.lang or "en_US"] |= user
        mail_vals = []
        for lang, recipients in by_lang.items():
            digest = self.with_context(lang=lang)
            values = digest._ar_values(company, date_to, now=now)
            body = digest.env["ir.qweb"]._render("ar_escalation_reports.digest_mail", values)
            mail_vals.append(
                {
                    "subject": digest.env._(
                        "%(company)s: escalation digest, week to %(date)s",
                        company=company.name,
                        date=fields.Date.to_string(values["date_last"]),
                    ),
                    "body_html": body,
                    "email_from": company.email_formatted or self.env.user.email_formatted,
                    "recipient_ids": [Command.set(recipients.partner_id.ids)],
                    "auto_delete": True,
                }
            )
        # sudo: mail.mail is technical; the digest goes to the configured recipients only
        return self.env["mail.mail"].sudo().create(mail_vals)

    @api.model
    def _ar_values(self, company, date_to=None, now=None):
        """The week's figures for ``company``: the 7 days before ``date_to`` (default: today).

        Read through the report models, so the digest says exactly what the
        reports say; judged as of the start of ``date_to`` (UTC). With
        ``now`` (Send now), the week to date instead: the 6 days before today
        and today up to ``now``, judged at ``now`` — today's escalations are in.
        """
        today = fields.Date.context_today(self)
        if now:
            report_date, date_to, end = today, today + timedelta(days=1), now
        else:
            date_to = date_to or today
            report_date, end = date_to, datetime.combine(date_to, time.min)
        date_from = date_to - timedelta(days=7)
        start = datetime.combine(date_from, time.min)
        env = self.with_company(company).with_context(ar_report_date=report_date, ar_report_now=end).env
        mine = [("company_id", "=", company.id)]
        stages = env["ar.escalation.stage"].with_context(active_test=False).search([])
        stage_rows = self._ar_stage_rows(env, mine, stages, start, end)
        return {
            "company": company,
            "currency": company.currency_id,
            "date_from": date_from,
            "date_last": date_to - timedelta(days=1),
            "stage_rows": stage_rows,
            "new_count": sum(row["count"] for row in stage_rows),
            "new_amount": sum(row["amount"] for row in stage_rows),
            "recovered": sum(row["recovered"] for row in stage_rows),
            **self._ar_sla_figures(env, mine, start, end),
            **self._ar_book_figures(env, mine),
            **self._ar_segment_figures(env, company, stage_rows),
        }

    @api.model
    def _ar_stage_rows(self, env, mine, stages, start, end):
        """Per stage: invoices that entered it in the week, their value, the value recovered.

        Every stage of a live track, and any other stage the week's figures name (a stage of a
        drafted track shows only once an invoice entered it).
        """
        Stay = env["ar.escalation.report.stage"]
        week_in = [*mine, ("date_in", ">=", start), ("date_in", "<", end)]
        week_out = [*mine, ("date_out", ">=", start), ("date_out", "<", end)]
        entered = {
            stage: (count, amount)
            for stage, count, amount in Stay._read_group(week_in, ["stage_id"], ["__count", "amount_in:sum"])
        }
        recovered = dict(Stay._read_group(week_out, ["stage_id"], ["amount_recovered:sum"]))
        return [
            {
                "stage": stage,
                "count": entered.get(stage, (0, 0.0))[0],
                "amount": entered.get(stage, (0, 0.0))[1],
                "recovered": recovered.get(stage, 0.0),
            }
            for stage in stages
            if (stage.active and stage.track_id.state == "active") or stage in entered or stage in recovered
        ]

    @api.model
    def _ar_sla_figures(self, env, mine, start, end):
        """The week's escalations acknowledged on time, due and pending, and the adherence."""
        statuses = dict(
            env["ar.escalation.report.sla"]._read_group(
                [*mine, ("date", ">=", start), ("date", "<", end)], ["status"], ["__count"]
            )
        )
        on_time = statuses.get("on_time", 0)
        due = on_time + statuses.get("late", 0) + statuses.get("missed", 0)
        return {
            "sla_on_time": on_time,
            "sla_due": due,
            "sla_pending": statuses.get("pending", 0),
            "sla_adherence": (100.0 * on_time / due) if due else None,
        }

    @api.model
    def _ar_book_figures(self, env, mine):
        """The open book's value at risk within 7 days and its largest accounts at stage 3 or beyond."""
        Book = env["ar.escalation.report.book"]
        [(at_risk, at_risk_count)] = Book._read_group(
            [*mine, ("risk_7d", "!=", False)], [], ["amount_at_risk_7d:sum", "__count"]
        )
        top = Book._read_group(
            [*mine, ("stage_level", ">=", 3)],
            ["partner_id"],
            ["amount_residual:sum", "__count", "stage_level:max", "days_overdue:max"],
            order="amount_residual:sum desc, partner_id",
            limit=TOP_ACCOUNTS,
        )
        top_stages = self._ar_top_stages(Book, mine, [partner for partner, *__ in top])
        return {
            "at_risk": at_risk or 0.0,
            "at_risk_count": at_risk_count,
            "top_accounts": [
                {
                    "partner": partner,
                    "amount": amount,
                    "count": count,
                    "stage": top_stages.get(partner),
                    "days_overdue": days,
                }
                for partner, amount, count, __, days in top
            ],
        }

    @api.model
    def _ar_top_stages(self, Book, mine, partners):
        """The highest stage each of ``partners`` has an invoice at: levels repeat across tracks,
        so the stage is read, not looked up from its level."""
        stages = {}
        rows = Book._read_group(
            [*mine, ("partner_id", "in", [p.id for p in partners]), ("stage_level", ">=", 3)],
            ["partner_id", "stage_id"],
        )
        for partner, stage in rows:
            if partner not in stages or stage.sequence > stages[partner].sequence:
                stages[partner] = stage
        return stages
