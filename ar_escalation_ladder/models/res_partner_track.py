# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The customer's escalation track: set by hand or by the assignment rules, logged.

A change of track is written on the customer's chatter and its open invoices
are evaluated again shortly, on the new track's stages.
"""

from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL

OPEN_INVOICES = SQL(
    "m.move_type = 'out_invoice' AND m.state = 'posted' AND m.payment_state IN ('not_paid', 'partial')"
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    ar_track_id = fields.Many2one(
        "ar.escalation.track",
        "Escalation track",
        index=True,
        copy=False,
        domain=[("state", "=", "active")],
        help="The ladder this customer's overdue invoices climb. Set by hand, it stays; empty, the "
        "assignment rules place the customer (Escalation > Configuration > Track assignment rules).",
    )
    ar_track_manual = fields.Boolean(
        "Track set by hand", copy=False, readonly=True, help="The assignment rules leave this customer alone."
    )

    # what the customer's form shows those who cannot change it: the track the
    # ladder uses, the default one included (an empty field would say "none")
    ar_effective_track_id = fields.Many2one(
        "ar.escalation.track",
        "Escalation track in use",
        compute="_compute_ar_effective_track_id",
        groups="ar_escalation_ladder.group_ar_user",  # tracks are the AR team's to read
        help="The ladder this customer's overdue invoices climb: the one set by hand or by the "
        "assignment rules, else the default track.",
    )

    @api.depends("ar_track_id")
    def _compute_ar_effective_track_id(self):
        default = self.env["ar.escalation.track"]._ar_default_track()
        for partner in self:
            partner.ar_effective_track_id = partner.ar_track_id or default

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("ar_track_id") and not self.env.context.get("ar_track_assign"):
                vals["ar_track_manual"] = True
        return super().create(vals_list)

    def write(self, vals):
        if "ar_track_id" not in vals or self.env.context.get("ar_track_assign"):
            return super().write(vals)
        self._ar_check_group("ar_escalation_ladder.group_ar_manager", {"ar_track_id"})
        before = {partner.id: partner.ar_track_id for partner in self}
        result = super().write({**vals, "ar_track_manual": bool(vals["ar_track_id"])})
        changed = self.filtered(lambda p: p.ar_track_id != before[p.id])
        changed._ar_log_track_change(before, by_hand=True)
        if not vals["ar_track_id"]:
            self._ar_assign_tracks()  # cleared: the rules place them again
        changed._ar_reevaluate_open_invoices()
        return result

    def action_ar_follow_track_rules(self):
        """*Follow the rules*: the assignment rules place the customer again (AR managers)."""
        self._ar_check_group("ar_escalation_ladder.group_ar_manager", {"ar_track_id"})
        self.with_context(ar_track_assign=True).write({"ar_track_manual": False})
        self._ar_assign_tracks()

    # ------------------------------------------------------------------
    def _ar_effective_track(self):
        """The customer's track as the run reads it: its own, else the default track."""
        default = self.env["ar.escalation.track"]._ar_default_track()
        return {partner.id: partner.ar_track_id or default for partner in self}

    @api.model
    def _ar_overdue_by_partner(self, partner_ids):
        """Each customer's overdue amount (company currency, all companies summed): one query."""
        self.env.cr.execute(
            SQL(
                """SELECT m.commercial_partner_id, SUM(m.amount_residual_signed)
                     FROM account_move m
                    WHERE m.commercial_partner_id = ANY(%s) AND %s AND m.invoice_date_due < %s
                 GROUP BY m.commercial_partner_id""",
                list(partner_ids),
                OPEN_INVOICES,
                fields.Date.context_today(self),
            )
        )
        return dict(self.env.cr.fetchall())

    def _ar_rule_track(self, rules_by_company, overdue):
        """The track the assignment rules give this customer (an empty recordset: the default)."""
        self.ensure_one()
        company = self.company_id or self.env.company
        for rule in rules_by_company.get(company.id, ()):
            if rule._ar_matches(self, overdue.get(self.id, 0.0)):
                return rule.track_id
        return self.env["ar.escalation.track"]

    def _ar_assign_tracks(self):
        """Place the customers (not those set by hand) on the track their rules give, logged.

        Reads the rules once and the overdue amounts in one query; writes the
        customers moving to the same track together.
        """
        partners = self.commercial_partner_id.filtered(lambda p: not p.ar_track_manual)
        if not partners:
            return partners
        Rule = self.env["ar.escalation.track.rule"]
        rules_by_company = defaultdict(list)
        # sudo: placing customers is the system's, whoever changed a rule or a segment
        for rule in Rule.sudo().search([("track_id.state", "=", "active")]):
            rules_by_company[rule.company_id.id].append(rule)
        overdue = self._ar_overdue_by_partner(partners.ids)
        default = self.env["ar.escalation.track"]._ar_default_track()
        moves = defaultdict(lambda: self.browse())
        before = {}
        for partner in partners:
            target = partner._ar_rule_track(rules_by_company, overdue)
            if (target or default) != (partner.ar_track_id or default):
                before[partner.id] = partner.ar_track_id
                moves[target] |= partner
        for target, group in moves.items():
            group.with_context(ar_track_assign=True).sudo().write({"ar_track_id": target.id})
        changed = self.browse(list(before))
        changed._ar_log_track_change(before, by_hand=False)
        changed._ar_reevaluate_open_invoices()
        return changed

    @api.model
    def _ar_mark_tracks_due(self, companies):
        """The assignment rules of ``companies`` changed: their customers are placed again."""
        self.env.cr.execute(
            SQL(
                """SELECT DISTINCT m.commercial_partner_id FROM account_move m
                    WHERE m.company_id = ANY(%s) AND %s""",
                companies.ids,
                OPEN_INVOICES,
            )
        )
        ids = [row[0] for row in self.env.cr.fetchall()]
        ids += self.search([("ar_track_id", "!=", False), ("ar_track_manual", "=", False)]).ids
        self.browse(set(ids))._ar_assign_tracks()

    def _ar_log_track_change(self, before, by_hand):
        """One chatter line per customer: from which track to which, and who decided."""
        if not self:
            return
        default = self.env["ar.escalation.track"]._ar_default_track()
        bodies = {}
        for partner in self:
            old = before[partner.id] or default
            new = partner.ar_track_id or default
            text = (
                self.env._("Escalation track: %(old)s → %(new)s (set by hand).", old=old.name, new=new.name)
                if by_hand
                else self.env._(
                    "Escalation track: %(old)s → %(new)s (assignment rules).", old=old.name, new=new.name
                )
            )
            bodies[partner.id] = Markup("<p>%s</p>") % text
        # sudo: the track change is the system's log line on a customer the writer may not edit
        self.sudo()._message_log_batch(bodies=bodies)
