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

from odoo import api, fields, models
from odoo.osv import expression

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
    def _ar_run_jobs(self, days):
        """Where the jobs of the runs of ``days`` are: ``{day: {"evaluated", "waiting", "failed"}}``.

        ``evaluated``: the invoices of its sweep jobs done. One query for all
        the days (a list of runs reads them together); empty without queue_job.
        """
        days = sorted({fields.Date.to_string(fields.Date.to_date(day)) for day in days})
        if "queue.job" not in self.env.registry or not days:
            return {}
        # the jobs' identity keys name their day (ar_escalation_queue_sweep.py)
        prefixes = [f"ar_escalation.sweep:{day}:%" for day in days]
        prefixes += [f"ar_escalation.delivery:%:{day}:%" for day in days]
        domain = expression.OR([[("identity_key", "=like", prefix)] for prefix in prefixes])
        # sudo: the job queue is its managers' (queue_job's access rights); a run's reader
        # sees counts of its own jobs only, found by their identity keys
        jobs = self.env["queue.job"].sudo().search_fetch(domain, ["identity_key", "state", "args"])
        out = {day: {"evaluated": 0, "waiting": 0, "failed": 0} for day in days}
        for job in jobs:
            parts = job.identity_key.split(":")
            sweep = parts[0] == "ar_escalation.sweep"
            counts = out.get(parts[1] if sweep else parts[2])
            if counts is None:
                continue
            if job.state == "done":
                if sweep:
                    counts["evaluated"] += len(job.args[0]) if job.args else 0
            elif job.state == "failed":
                counts["failed"] += 1
            elif job.state != "cancelled":
                counts["waiting"] += 1
        return out
