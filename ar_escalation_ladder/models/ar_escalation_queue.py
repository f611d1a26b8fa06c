# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""OCA ``queue_job`` where it is installed: whether to use it, and on which channels.

The ladder does not depend on ``queue_job``: it looks for it at run time
(:meth:`_ar_queue_available`: the module is loaded in this database's
registry and its ``with_delay`` API is there). With it, and the setting
*Spread the work over queue_job workers* on, the daily sweep enqueues its
batches on ``<channel>.sweep`` and their messages on ``<channel>.delivery``
(``ar_escalation_queue_sweep.py``); another feature of the ladder (webhooks)
takes ``_ar_channel("webhook")``. Without ``queue_job`` nothing changes: the
scheduled action runs every batch in its own thread, as before.
"""

import re

from odoo import api, models

PARAM_ENABLED = "ar_escalation.queue_job"
PARAM_CHANNEL = "ar_escalation.queue_channel"
DEFAULT_CHANNEL = "root.ar_escalation"
CHANNEL_RE = re.compile(r"^root(\.[A-Za-z0-9_-]+)*$")
KINDS = ("sweep", "delivery", "webhook")


class ArEscalationQueue(models.AbstractModel):
    _name = "ar.escalation.queue"
    _description = "AR escalation: queue_job where it is installed"

    @api.model
    def _ar_queue_available(self):
        """Whether OCA ``queue_job`` is installed in this database and its API usable.

        The registry holds ``queue.job`` only once the module is installed
        here (an addons path that merely contains it is not enough), and
        ``with_delay`` is the API the ladder enqueues through.
        """
        return "queue.job" in self.env.registry and callable(getattr(self, "with_delay", None))

    @api.model
    def _ar_queue_enabled(self):
        """Whether the ladder's work goes through ``queue_job``: installed here and the setting on."""
        if not self._ar_queue_available():
            return False
        # sudo: a system parameter; the sweep runs as whoever triggers it
        value = self.env["ir.config_parameter"].sudo().get_param(PARAM_ENABLED, "")
        return value not in ("", "0", "False", "false")

    @api.model
    def _ar_channel(self, kind):
        """The ``queue_job`` channel for ``kind`` ("sweep", "delivery", "webhook").

        The parent channel is the setting (``root.ar_escalation`` by default),
        so that one line of the job runner's configuration sizes them all
        (``root.ar_escalation:2``) or each on its own
        (``root.ar_escalation.sweep:2,root.ar_escalation.delivery:1``). A
        channel the job runner does not know runs in its nearest parent.
        """
        if kind not in KINDS:
            raise ValueError(f"unknown AR escalation queue kind {kind!r}; one of {KINDS}")
        # sudo: a system parameter, set by an administrator in Settings
        base = (self.env["ir.config_parameter"].sudo().get_param(PARAM_CHANNEL) or "").strip()
        if not CHANNEL_RE.match(base):
            base = DEFAULT_CHANNEL
        return f"{base}.{kind}"

    @api.model
    def _ar_run_jobs(self, day):
        """Where the jobs of the run of ``day`` are: ``{"evaluated", "waiting", "failed"}``.

        ``evaluated``: the invoices of its sweep jobs done. Empty without queue_job.
        """
        if "queue.job" not in self.env.registry:
            return {}
        # sudo: the job queue is its managers' (queue_job's access rights); a run's reader
        # sees counts of its own jobs only, found by their identity keys
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search_fetch(
                [
                    "|",
                    ("identity_key", "=like", f"ar_escalation.sweep:{day}:%"),
                    ("identity_key", "=like", f"ar_escalation.delivery:%:{day}:%"),
                ],
                ["identity_key", "state", "args"],
            )
        )
        out = {"evaluated": 0, "waiting": 0, "failed": 0}
        for job in jobs:
            if job.state == "done":
                if job.identity_key.startswith("ar_escalation.sweep:"):
                    out["evaluated"] += len(job.args[0]) if job.args else 0
            elif job.state == "failed":
                out["failed"] += 1
            elif job.state != "cancelled":
                out["waiting"] += 1
        return out
