# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The day an invoice's decision can next change, and what makes it due before that day.

Every run writes, with the decision's other values, the first day on which
the engine could decide otherwise by time alone (``ar_next_check``,
:func:`~..engine.next_change.next_change`); the daily sweep takes only the
customers with an invoice whose day has come (``ar.escalation.runner``). A
fact that changes between two runs marks its invoices due (the field
cleared):

- the ladder's own bookkeeping of a fact the engine reads (stage, messages,
  pause, closing, reopening, go-live climb, an error) when written without a
  new next check (``_ar_write``);
- a payment, a promise, a dispute, a lifted pause, an approval (the pending
  path, ``ar.escalation.pending._ar_mark``);
- the invoice's own reference, due date, customer or state;
- a customer's fact (its track, tier, pause, addresses, reference rule,
  credit limit, early-risk mark) for all its open invoices;
- a policy edit (a stage, a rule, a track, a setting the policy or the
  payable checks read) stamps the company (``ar_policy_changed_at``): the
  next daily sweep takes all its open invoices (no write to any invoice).
"""

from odoo import api, fields, models
from odoo.tools import SQL

from .ar_escalation_access import ladder_context

# the ladder's invoice fields a decision reads: written without a next check, they make it due
NEXT_CHECK_FACTS = frozenset(
    {
        "ar_stage_id",
        "ar_stage_date",
        "ar_contact_attempts",
        "ar_last_contact_date",
        "ar_unanswered_since",
        "ar_pause_until",
        "ar_closed_date",
        "ar_disposition",
        "ar_go_live_capped",
        "ar_error",
    }
)
# an invoice's own fields that feed its facts
MOVE_FACTS = frozenset({"ref", "invoice_date_due", "partner_id", "commercial_partner_id", "state"})
# a customer's fields that feed its invoices' facts
PARTNER_FACTS = frozenset(
    {
        "email",
        "parent_id",
        "is_company",
        "credit_limit",
        "ar_track_id",
        "ar_account_tier",
        "ar_pause_until",
        "ar_requires_ref",
        "ar_escalation_contact_id",
        "ar_early_risk",
    }
)
# a company's settings that the policy, the payable checks or the go-live cap read
COMPANY_POLICY_FIELDS = (
    "ar_escalation_enabled",
    "ar_go_live_cap_stage_id",
    "ar_promise_grace_days",
    "ar_hygiene_require_email",
    "ar_hygiene_require_ref",
    "ar_late_payer_days",
    "ar_worsening_days",
    "account_use_credit_limit",
)


class AccountMove(models.Model):
    _inherit = "account.move"

    ar_next_check = fields.Date(
        "Next escalation check",
        readonly=True,
        copy=False,
        help="The first day the ladder's decision for this invoice can change with time alone; "
        "what changes a fact before then (a payment, a promise, a policy edit) makes it due at once.",
    )

    def init(self):
        res = super().init()
        # the daily sweep's due invoices: a range of days, then the customers in order
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS account_move_ar_next_check_idx
               ON account_move (ar_next_check, commercial_partner_id)
               WHERE move_type = 'out_invoice' AND state = 'posted'"""
        )
        return res

    def _ar_write(self, vals):
        if "ar_next_check" not in vals and NEXT_CHECK_FACTS.intersection(vals):
            vals = {**vals, "ar_next_check": False}
        return super()._ar_write(vals)

    def write(self, vals):
        res = super().write(vals)
        if MOVE_FACTS.intersection(vals) and not self.env.context.get("ar_next_check_marking"):
            self._ar_mark_due()
        return res

    def _ar_mark_due(self):
        """Have the next daily sweep take these invoices (those with a next check)."""
        moves = self.filtered(lambda m: m.move_type == "out_invoice" and m.ar_next_check)
        if moves:
            # sudo: the next check is the ladder's bookkeeping, whoever changed the fact
            moves.sudo().with_context(ar_next_check_marking=True)._ar_write({"ar_next_check": False})


class ArEscalationPending(models.Model):
    _inherit = "ar.escalation.pending"

    @api.model
    def _ar_mark(self, moves):
        res = super()._ar_mark(moves)
        # due for the sweep as well, should the pending run leave them (a promise failing to settle)
        moves._ar_mark_due()
        return res


class ResPartner(models.Model):
    _inherit = "res.partner"

    def write(self, vals):
        watched = sorted(PARTNER_FACTS.intersection(vals))
        if not watched:
            return super().write(vals)
        before = {partner.id: [partner[name] for name in watched] for partner in self}
        res = super().write(vals)
        # only where a value changed (the segmentation run rewrites its customers' marks as they are)
        self.filtered(lambda p: [p[name] for name in watched] != before[p.id])._ar_mark_invoices_due()
        return res

    def _ar_mark_invoices_due(self):
        """The open invoices these contacts' facts feed: their customers', and those whose customer
        they are the escalation contact of."""
        if not self:
            return
        # sudo: the ladder's bookkeeping, whoever edits the contact (no AR rights needed)
        Partner = self.sudo().with_context(active_test=False)
        contact_of = Partner.search([("ar_escalation_contact_id", "in", self.ids)])
        customers = self.commercial_partner_id | contact_of
        moves = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "in", customers.commercial_partner_id.ids),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("ar_next_check", "!=", False),
                ]
            )
        )
        moves._ar_mark_due()


class ResCompany(models.Model):
    _inherit = "res.company"

    ar_policy_changed_at = fields.Datetime(
        "Escalation policy changed on",
        readonly=True,
        copy=False,
        help="The next daily run evaluates every open invoice of the company again.",
    )

    def write(self, vals):
        watched = [name for name in COMPANY_POLICY_FIELDS if name in vals]
        before = {company.id: [company[name] for name in watched] for company in self} if watched else {}
        res = super().write(vals)
        changed = self.filtered(lambda c: before.get(c.id, []) != [c[name] for name in watched])
        if watched and changed:
            changed._ar_policy_changed()
        return res

    def _ar_policy_changed(self):
        """Stamp the companies: their next daily sweep takes every open invoice."""
        # sudo: the stamp is the ladder's, whoever edited the policy (an AR manager)
        self.sudo().with_context(**ladder_context()).write({"ar_policy_changed_at": fields.Datetime.now()})

    @api.model
    def _ar_policy_changed_ids(self, today):
        """The companies whose policy changed since the last daily run before ``today`` started.

        Each invoice's next check was computed with the policy of that time: a
        change since then (during that run too) may bring any invoice's day
        nearer. Without an earlier run, every company.
        """
        self.flush_model(["ar_policy_changed_at"])
        self.env["ar.escalation.run"].flush_model(["date", "started_at"])
        self.env.cr.execute(
            SQL(
                """WITH previous AS (SELECT started_at FROM ar_escalation_run
                                      WHERE date < %s ORDER BY date DESC LIMIT 1)
                   SELECT c.id FROM res_company c
                    WHERE c.ar_escalation_enabled
                      AND (NOT EXISTS (SELECT 1 FROM previous)
                           OR c.ar_policy_changed_at >= (SELECT started_at FROM previous))""",
                today,
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]


class PolicyChangeMixin(models.AbstractModel):
    """A record of the policy (stage, rule, track): its creation, edit or removal stamps its companies."""

    _name = "ar.escalation.policy.change"
    _description = "AR escalation: a change to the policy"

    def _ar_policy_companies(self):
        """The companies whose policy these records are part of (hook; all of them by default)."""
        return self.env["res.company"].sudo().search([("ar_escalation_enabled", "=", True)])

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records._ar_policy_companies()._ar_policy_changed()
        return records

    def write(self, vals):
        res = super().write(vals)
        self._ar_policy_companies()._ar_policy_changed()
        return res

    def unlink(self):
        companies = self._ar_policy_companies()
        res = super().unlink()
        companies._ar_policy_changed()
        return res


class ArEscalationStage(models.Model):
    _name = "ar.escalation.stage"
    _inherit = ["ar.escalation.stage", "ar.escalation.policy.change"]


class ArEscalationRule(models.Model):
    _name = "ar.escalation.rule"
    _inherit = ["ar.escalation.rule", "ar.escalation.policy.change"]


class ArEscalationTrack(models.Model):
    _name = "ar.escalation.track"
    _inherit = ["ar.escalation.track", "ar.escalation.policy.change"]
