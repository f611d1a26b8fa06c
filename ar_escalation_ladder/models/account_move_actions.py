# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The ladder's buttons on invoices (Escalate now, Acknowledge, Resume) and the board's figures."""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression

# "Escalate now" by an AR user (not manager): a selection, never the whole book
AR_USER_ESCALATE_NOW_LIMIT = 20


class AccountMove(models.Model):
    _inherit = "account.move"

    @api.model
    def read_progress_bar(self, domain, group_by, progress_bar):
        """The board's on-time / breached bar: breach depends on the clock, so it is counted here."""
        if progress_bar.get("field") != "ar_sla_state":
            return super().read_progress_bar(domain, group_by, progress_bar)

        def key(value):
            return str(value[0] if isinstance(value, tuple) else value)

        result = {}
        for group in self.read_group(domain, ["__count"], [group_by], lazy=False):
            result[key(group[group_by])] = {"on_time": group["__count"], "breached": 0}
        breached = expression.AND(
            [domain, [("ar_sla_deadline", "<", fields.Datetime.now()), ("ar_acknowledged_at", "=", False)]]
        )
        for group in self.read_group(breached, ["__count"], [group_by], lazy=False):
            counts = result.setdefault(key(group[group_by]), {"on_time": 0, "breached": 0})
            counts["breached"] = group["__count"]
            counts["on_time"] = max(counts["on_time"] - group["__count"], 0)
        return result

    @api.model
    def _read_group_ar_stage_ids(self, stages, domain):
        """The board's columns: every live track's stages, track by track, or the tracks the search names."""
        track_ids = set()
        for leaf in domain:
            if isinstance(leaf, list | tuple) and len(leaf) == 3 and leaf[0] == "ar_track_id":
                if leaf[1] in ("=", "in"):
                    track_ids.update(leaf[2] if isinstance(leaf[2], list | tuple) else [leaf[2]])
        on_track = [("track_id", "in", [t for t in track_ids if isinstance(t, int)])] if track_ids else []
        # the live tracks' stages: a drafted track (or an archived one) is not a column
        found = stages.search([*on_track, ("track_id.state", "=", "active"), ("track_id.active", "=", True)])
        return found.sorted(lambda stage: (stage.track_id.sequence, stage.track_id.id, stage.sequence))

    @api.model
    def _read_group_fill_results(
        self, domain, groupby, annoted_aggregates, read_group_result, read_group_order=None
    ):
        model = self
        if groupby.split(":")[0] == "ar_stage_id" and not self.env["ar.escalation.stage"].has_access("read"):
            # sudo: an accountant's report of invoices by escalation stage gets every stage
            # as a group, with its name and folding only, as the invoices' stage field
            # shows them; the ladder's configuration stays the AR team's
            model = self.sudo()
        return super(AccountMove, model)._read_group_fill_results(
            domain, groupby, annoted_aggregates, read_group_result, read_group_order=read_group_order
        )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_ar_view_events(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Escalation events"),
            "res_model": "ar.escalation.event",
            "view_mode": "list,form",
            "domain": [("move_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_ar_escalate_now(self):
        """Evaluate these invoices right away instead of waiting for the scheduled run.

        Their customers' other open invoices are evaluated with them, as the
        scheduled run does: a customer gets one message per stage listing all
        its invoices there, not one per selection.

        Who may (README, "Permissions"): an AR manager on any selection; an
        AR user on at most ``AR_USER_ESCALATE_NOW_LIMIT`` invoices, each an
        escalation it owns or of a customer it is the account manager of.
        """
        self.company_id._ar_check_live()  # go-live gate
        self._ar_check_escalate_now()
        everyday = self.env["ar.escalation.everyday"]
        # sudo: what the run did to the invoices this user may escalate (checked
        # above) is read back from them, after the run wrote it, whatever the
        # company the user's session has selected
        before = everyday._ar_snapshot(self.sudo())
        self.env["ar.escalation.runner"]._ar_process_safely(self._ar_escalation_scope()._ar_whole_customers())
        # what happened, invoice by invoice, rather than a silent reload
        lines = everyday._ar_escalate_now_lines(self.sudo(), before)
        failed = any(move.ar_error for move in self.sudo())
        return everyday._ar_notify(self.env._("Escalate now"), lines, "warning" if failed else "info")

    def _ar_check_escalate_now(self):
        """Refuse "Escalate now" to a user whose role does not cover the selection."""
        if self.env.su or self.env.user.has_group("ar_escalation_ladder.group_ar_manager"):
            return
        if not self.env.user.has_group("ar_escalation_ladder.group_ar_user"):
            raise AccessError(self.env._("Escalating invoices now is for AR users and AR managers."))
        if len(self) > AR_USER_ESCALATE_NOW_LIMIT:
            raise AccessError(
                self.env._(
                    "An AR user escalates at most %(limit)s invoices at once (%(count)s selected); "
                    "an AR manager can escalate more.",
                    limit=AR_USER_ESCALATE_NOW_LIMIT,
                    count=len(self),
                )
            )
        user = self.env.user
        others = self.filtered(
            lambda m: m.ar_owner_id != user and m.commercial_partner_id.ar_account_manager_id != user
        )
        if others:
            raise AccessError(
                self.env._(
                    "%(invoices)s: neither your escalation nor your customer's; an AR manager can "
                    "escalate it now.",
                    invoices=", ".join(others[:5].mapped("display_name")),
                )
            )

    def action_ar_acknowledge(self):
        self.ar_case_id._ar_acknowledge()
        return True

    def action_ar_acknowledge_selected(self):
        """Bulk *Acknowledge*: the selected invoices' open escalations (the owner's, or an AR manager's).

        Each escalation acknowledged writes its event and chatter line on each
        of its invoices, as from the invoice; the notification says how many.
        """
        self._ar_check_ar_group("ar_escalation_ladder.group_ar_user", self.env._("Acknowledging"))
        open_cases = self.ar_case_id.filtered(lambda c: c.state == "open")
        cases = open_cases.filtered(lambda c: c._ar_may_acknowledge())
        others = open_cases - cases
        if others and not cases:
            others._ar_check_acknowledge()  # refused in words: only the owner or an AR manager
        cases._ar_acknowledge()
        moves = cases.invoice_ids
        skipped = self - moves - others.invoice_ids
        everyday = self.env["ar.escalation.everyday"]
        if not cases:
            return everyday._ar_notify(
                self.env._("Acknowledge"),
                [self.env._("Nothing to acknowledge: no open escalation among the selected invoices.")],
                "warning",
            )
        lines = [
            self.env._(
                "Acknowledged: %(cases)s (invoices %(invoices)s).",
                cases=", ".join(cases[:10].mapped("name")),
                invoices=", ".join(moves[:10].mapped("display_name")),
            )
        ]
        if others:
            lines.append(
                self.env._(
                    "Left alone, only their owner or an AR manager acknowledges them: %s",
                    ", ".join(others[:10].mapped("name")),
                )
            )
        if skipped:
            lines.append(
                self.env._(
                    "Left alone, no open escalation: %s", ", ".join(skipped[:10].mapped("display_name"))
                )
            )
        return everyday._ar_notify(self.env._("Acknowledge"), lines)

    def action_ar_resume(self):
        """*Resume*: lift the invoices' pause now (AR managers, as pausing is); the ladder's next run,
        a few seconds later, evaluates them again."""
        self._ar_check_ar_group(
            "ar_escalation_ladder.group_ar_manager", self.env._("Resuming a paused escalation")
        )
        paused = self.filtered("ar_pause_until")
        everyday = self.env["ar.escalation.everyday"]
        if not paused:
            return everyday._ar_notify(
                self.env._("Resume"), [self.env._("None of the selected invoices is paused.")], "warning"
            )
        paused._ar_resume()
        return everyday._ar_notify(
            self.env._("Resume"),
            [
                self.env._(
                    "Escalation resumed on %s; evaluated again in a moment.",
                    ", ".join(paused[:10].mapped("display_name")),
                )
            ],
        )

    def _ar_check_ar_group(self, group, what):
        """Refuse an action to a user without ``group`` (README, "Permissions"), in words."""
        if self.env.su or self.env.user.has_group(group):
            return
        role = (
            self.env._("AR managers")
            if group == "ar_escalation_ladder.group_ar_manager"
            else self.env._("AR users and AR managers")
        )
        raise AccessError(self.env._("%(what)s is for %(role)s.", what=what, role=role))
