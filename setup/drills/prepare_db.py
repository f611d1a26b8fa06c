# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Prepare one drill database (run inside ``odoo shell``; not a test).

``setup/drills/run_drills.py`` runs this on a copy of the drill template
database. It builds the synthetic book of ``setup/benchmark_escalation.py``
(``DRILL_N`` open invoices over N/10 customers, cloned in SQL so that 20,000
invoices take seconds) and sets the database up for one drill:

- ``DRILL_BATCH``: the escalation batch size (``ar_escalation.batch_size``);
- ``DRILL_SECOND_CRON=1``: a second scheduled action running the same sweep,
  so that two server processes each run the escalation in a cron thread at
  the same moment (one cron job never runs twice at once in Odoo);
- ``DRILL_QUEUE_CHANNEL``: the sweep through queue_job on that channel (the setting on);
- ``DRILL_SMTP_PORT``: an outgoing mail server on 127.0.0.1 at that port;
- ``DRILL_MAIL_RETRY_DELAYS``: the minutes an escalation email refused by
  the mail server waits before each retry (``ar_escalation.mail_retry_delays``;
  5, 15, 60, 240 by default: the drill uses seconds);
- ``DRILL_SMS_URL`` (with ar_escalation_sms installed): every customer gets a
  mobile number, every stage texts instead of emailing, through the SMS
  addon's webhook provider at that URL, with no quiet hours;
- the other scheduled actions are put off by a day, so that the cron thread
  runs the escalation (and only it) when woken.

Prints one line ``DRILL_PREPARED {json}``.
"""

import json
import os
import time
from datetime import timedelta
from pathlib import Path

from odoo import fields


def load_build_book():
    """``build_book`` of the benchmark script, without running the benchmark.

    The script runs its benchmark under ``if __name__ == "__main__"`` (as fed
    to ``odoo shell``); loaded under another name it only defines its functions.
    """
    path = Path(os.environ["DRILL_ROOT"]) / "setup" / "benchmark_escalation.py"
    source = path.read_text(encoding="utf-8")
    if 'if __name__ == "__main__"' not in source:
        head, sep, __ = source.rpartition("\nmain(env)")
        if not sep:
            raise RuntimeError(f"{path} runs its benchmark on load: update setup/drills/prepare_db.py")
        source = head
    namespace = {"__name__": "benchmark_escalation"}
    exec(compile(source, str(path), "exec"), namespace)  # noqa: S102 - our own repository's file
    return namespace["build_book"]


def prepare(env):
    n = int(os.environ.get("DRILL_N", "1000"))
    env = env(context=dict(env.context, tracking_disable=True))
    start = time.perf_counter()
    load_build_book()(env, n)
    built = time.perf_counter() - start
    icp = env["ir.config_parameter"].sudo()
    icp.set_param("ar_escalation.batch_size", os.environ.get("DRILL_BATCH", "1000"))
    cron = env.ref("ar_escalation_ladder.ir_cron_ar_escalation")
    later = fields.Datetime.now() + timedelta(days=1)
    env["ir.cron"].search([("id", "!=", cron.id)]).write({"nextcall": later})
    cron.write({"nextcall": later, "active": True})
    crons = [cron.id]
    if os.environ.get("DRILL_SECOND_CRON") == "1":
        second = cron.copy({"name": "AR escalation: evaluate the ladder (second worker)", "nextcall": later})
        crons.append(second.id)
    smtp_port = os.environ.get("DRILL_SMTP_PORT")
    if smtp_port:
        env["ir.mail_server"].search([]).write({"active": False})
        env["ir.mail_server"].create(
            {
                "name": "Drill SMTP on loopback",
                "smtp_host": "127.0.0.1",
                "smtp_port": int(smtp_port),
                "smtp_encryption": "none",
                "sequence": 1,
            }
        )
    queue_channel = os.environ.get("DRILL_QUEUE_CHANNEL")
    if queue_channel:
        # the sweep through OCA queue_job (installed in this database by the queue drill)
        icp.set_param("ar_escalation.queue_job", "True")
        icp.set_param("ar_escalation.queue_channel", queue_channel)
    retry_delays = os.environ.get("DRILL_MAIL_RETRY_DELAYS")
    if retry_delays:
        icp.set_param("ar_escalation.mail_retry_delays", retry_delays)
    sms_url = os.environ.get("DRILL_SMS_URL")
    if sms_url:
        env.cr.execute(
            "UPDATE res_partner SET mobile = '+3361' || lpad(id::text, 7, '0') "
            "WHERE name LIKE 'Bench customer %%'"
        )
        env.company.write({"ar_sms_window_start": 0.0, "ar_sms_window_end": 0.0})
        env["ar.escalation.stage"].search([]).write({"channel": "sms"})
        icp.set_param("ar_escalation_sms.provider", "webhook")
        icp.set_param("ar_escalation_sms.webhook_url", sms_url)
        icp.set_param("ar_escalation_sms.webhook_secret", "drill-secret")
        icp.set_param("ar_escalation_sms.timeout", "5")
        env.invalidate_all()
    env.cr.execute("SELECT COUNT(*) FROM account_move WHERE name LIKE 'BENCH/%%'")
    invoices = env.cr.fetchone()[0]
    env.cr.commit()
    info = {
        "invoices": invoices,
        "built_s": round(built, 1),
        "cron_ids": crons,
        "mail_cron_id": env.ref("mail.ir_cron_mail_scheduler_action").id,
    }
    if sms_url:
        info["sms_cron_id"] = env.ref("ar_escalation_sms.ir_cron_send").id
    print("DRILL_PREPARED " + json.dumps(info), flush=True)


prepare(env)  # noqa: F821 - ``env`` is provided by odoo shell
