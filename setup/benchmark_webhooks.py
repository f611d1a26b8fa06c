# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the webhooks to a CRM (not a test): N events delivered to a local receiver.

Run inside ``odoo shell`` on a throwaway database where ar_escalation_ladder
is installed (setup/benchmark_webhooks.sh does it all)::

    BENCH_N=10000 python -m odoo shell -d ar_wh_bench --no-http --log-level=warn \\
        < setup/benchmark_webhooks.py

The receiver is a process of its own (ar_escalation_ladder/tests/webhook_receiver.py,
the tests' receiver: it checks every signature with the README's snippet and
stores an event once per Idempotency-Key) on 127.0.0.1. ``BENCH_N`` events
(10,000) are recorded by the ladder's own ``_ar_log`` in batches of 1,000 with
one active subscription taking their kinds: the outbox rows are written by
those inserts. Then the scheduled action's method sends the outbox batch by
batch, committing after each as the cron framework does. Printed: the cost the
outbox adds to recording (queries per ``_ar_log`` call), the delivery rate
(events/s), the SQL queries per batch, and the receiver's counts (every event
stored once, none rejected). ``BENCH_BATCH`` and ``BENCH_PARALLEL`` override
the sender's batch size and requests in flight; ``BENCH_LATENCY_MS`` makes each answer
take that long (a CRM across the internet); ``BENCH_PROFILE=1`` prints
where the sending time goes (cProfile, the sender's thread).
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from odoo import Command, fields

N = int(os.environ.get("BENCH_N", "10000"))
SECRET = "bench-secret"
KINDS = ("promise", "dispute", "acknowledged", "pause")
ROOT = Path(os.environ.get("AR_ROOT", Path.cwd()))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_receiver():
    port = free_port()
    path = ROOT / "ar_escalation_ladder" / "tests" / "webhook_receiver.py"
    latency = float(os.environ.get("BENCH_LATENCY_MS", "0")) / 1000
    proc = subprocess.Popen([sys.executable, str(path), str(port), SECRET, str(latency)])
    for _ in range(100):
        try:
            stats(port)
            return proc, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the receiver did not start")


def stats(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as answer:  # noqa: S310
        return json.loads(answer.read())


def book(env, customers=50):
    """``customers`` posted invoices of a live company (the events' invoices)."""
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    if not company.ar_escalation_enabled:
        company._ar_activate()
    partners = env["res.partner"].create(
        [{"name": f"Webhook bench {i}", "is_company": True, "ref": f"CRM-{i:04d}"} for i in range(customers)]
    )
    today = fields.Date.context_today(env.user)
    moves = env["account.move"].create(
        [
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": today,
                "invoice_line_ids": [Command.create({"name": "Bench", "quantity": 1, "price_unit": 100.0})],
            }
            for partner in partners
        ]
    )
    moves.action_post()
    return moves


def record(env, moves, n):
    """N events through ``_ar_log`` in batches of 1,000; the queries per call printed."""
    Event = env["ar.escalation.event"]
    calls, queries, started = 0, 0, time.perf_counter()
    for start in range(0, n, 1000):
        vals = [
            Event._prepare_event_vals(moves[i % len(moves)], KINDS[i % len(KINDS)], False, "bench", cycle=i)
            for i in range(start, min(start + 1000, n))
        ]
        before = env.cr.sql_log_count
        Event._ar_log(vals, post=False)
        queries += env.cr.sql_log_count - before
        calls += 1
    env.cr.commit()
    rows = env["ar.escalation.webhook.delivery"].search_count([])
    print(
        f"recorded {n} events in {time.perf_counter() - started:.1f} s, {calls} _ar_log calls, "
        f"{queries / calls:.1f} queries per call with the outbox; outbox rows: {rows}"
    )


def send(env):
    """The scheduled action's batches until the outbox is empty; rate and queries per batch."""
    Delivery = env["ar.escalation.webhook.delivery"]
    batches, queries, done_total = 0, [], 0
    started = time.perf_counter()
    while True:
        before = env.cr.sql_log_count
        done = Delivery._cron_send()
        env.cr.commit()  # the cron framework commits after each batch
        if not done:
            break
        batches += 1
        done_total += done
        queries.append(env.cr.sql_log_count - before)
    elapsed = time.perf_counter() - started
    return done_total, elapsed, batches, queries


def main(env):
    proc, port = start_receiver()
    try:
        env["ir.config_parameter"].set_param(
            "ar_escalation.webhook_batch_size", os.environ.get("BENCH_BATCH", "200")
        )
        env["ir.config_parameter"].set_param(
            "ar_escalation.webhook_parallel", os.environ.get("BENCH_PARALLEL", "4")
        )
        moves = book(env)
        webhook = env["ar.escalation.webhook"].create(
            {
                "name": "Bench CRM",
                "url": f"http://127.0.0.1:{port}/hooks/ar",
                "secret_input": SECRET,
                "kind_ids": [
                    Command.set(env["ar.escalation.webhook.kind"].search([("code", "in", KINDS)]).ids)
                ],
            }
        )
        webhook.action_activate()
        env.cr.commit()
        record(env, moves, N)
        if os.environ.get("BENCH_PROFILE"):
            import cProfile  # pylint: disable=import-outside-toplevel
            import pstats  # pylint: disable=import-outside-toplevel

            profile = cProfile.Profile()
            done, elapsed, batches, queries = profile.runcall(send, env)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
        else:
            done, elapsed, batches, queries = send(env)
        seen = stats(port)
        states = dict(env["ar.escalation.webhook.delivery"]._read_group([], ["state"], ["__count"]))
        print(
            f"delivered {done} events in {elapsed:.1f} s: {done / elapsed:.0f} events/s; "
            f"{batches} batches of "
            f"{env['ir.config_parameter'].get_param('ar_escalation.webhook_batch_size')}, "
            f"{env['ir.config_parameter'].get_param('ar_escalation.webhook_parallel')} requests in flight; "
            f"SQL queries per batch: median {sorted(queries)[len(queries) // 2]}, max {max(queries)}"
        )
        print(f"delivery states: {states}")
        print(f"receiver: {seen}")
        print(f"receiver latency: {os.environ.get('BENCH_LATENCY_MS', '0')} ms per answer")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        ok = seen["stored"] == N and seen["rejected"] == 0 and seen["keys_more_than_once"] == 0
        print("RESULT: OK, every event stored once, every signature valid" if ok else "RESULT: MISMATCH")
    finally:
        proc.terminate()


main(env)  # noqa: F821 - odoo shell's env
