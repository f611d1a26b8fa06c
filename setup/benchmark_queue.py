# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark: the first pass over a book through queue_job, 1 and 2 workers, against the cron path.

Run by ``bash setup/benchmark_queue.sh [N]`` (20,000 invoices by default) with
Odoo's Python; not part of the tests. Each pass gets a fresh database with the
synthetic book of ``setup/benchmark_escalation.py`` (built by the drills'
``prepare_db.py``) and one real Odoo server on loopback:

1. **cron**: the scheduled action evaluates every batch in its own thread
   (queue_job not installed: the path as it has always been);
2. **queue, capacity 1** and 3. **queue, capacity 2**: queue_job installed, the
   ladder's setting on; the server runs in prefork mode with two HTTP workers
   and queue_job's job runner (``--workers=2 --load=web,queue_job``), the
   channels ``ODOO_QUEUE_JOB_CHANNELS=root:<capacity>``.

Each pass is timed from waking the scheduled action to the last job done. It
prints invoices/s, the speedup of capacity 2 over 1, and the queue's own
overhead per batch: the wall time the queue adds at capacity 1 over the cron
path, per batch of the sweep (enqueueing, the runner's dispatch over HTTP,
loading and storing each job, the delivery job of its own), beside the jobs'
own execution times as queue_job records them. Knobs: ``BENCH_QUEUE_BATCH``
(500), ``BENCH_QUEUE_PASSES`` (``cron,1,2``), ``BENCH_DB_PREFIX``
(``ar_bench_queue_``), ``BENCH_PORT`` (8079), ``BENCH_KEEP=1``.
"""

import os
import re
import sys
import threading
import time
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("BENCH_QUEUE_N", "20000"))
BATCH = int(os.environ.get("BENCH_QUEUE_BATCH", "500"))
PASSES = [p for p in os.environ.get("BENCH_QUEUE_PASSES", "cron,1,2").split(",") if p]
PREFIX = os.environ.get("BENCH_DB_PREFIX", "ar_bench_queue_")
PORT = int(os.environ.get("BENCH_PORT", "8079"))
KEEP = os.environ.get("BENCH_KEEP") == "1"

# the drills' helpers (template database, book, server processes) under this benchmark's names
os.environ["DRILL_DB_PREFIX"] = PREFIX
os.environ.setdefault("DRILL_LOG_DIR", f"/tmp/{PREFIX}logs")
os.environ.setdefault("DRILL_TIMEOUT", "5400")
sys.path.insert(0, str(Path(__file__).resolve().parent / "drills"))
import run_drills as rd  # noqa: E402 - after the environment it reads

SWEEP = "_ar_job_sweep"
DELIVER = "_ar_job_deliver"


def load():
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_times():
    """(busy, total) jiffies of all the machine's cores, from /proc/stat."""
    with open("/proc/stat", encoding="ascii") as stat:
        values = [int(x) for x in stat.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def cores_busy(start, end):
    """How many of the machine's cores were busy on average between two ``cpu_times()``."""
    busy, total = end[0] - start[0], end[1] - start[1]
    return (os.cpu_count() or 1) * busy / total if total else 0.0


def one_pass(name):
    """Run one pass; return its figures."""
    db = f"{PREFIX}{name}"
    queue = name != "cron"
    knobs = {"n": N, "batch": BATCH}
    if queue:
        knobs["queue_channel"] = "root.ar_escalation"
    info = rd.prepare(db, install="queue_job" if queue else None, **knobs)
    server = rd.Server(db, PORT, 1, f"bench_{name}")
    if queue:
        server.extra_args = [
            "--workers=2",
            "--load=web,queue_job",
            "--limit-time-real=3600",
            "--limit-time-cpu=3600",
            "--limit-memory-soft=4294967296",
            "--limit-memory-hard=5368709120",
        ]
        server.env = {"ODOO_QUEUE_JOB_CHANNELS": f"root:{name}", "ODOO_QUEUE_JOB_PORT": str(PORT)}
    server.start()
    server.wait_ready()
    rd.say(f"{name}: server up; {load()}")
    started, cpu_start = time.monotonic(), cpu_times()
    rd.wake_crons(db, info["cron_ids"])
    if not queue:
        # the cron framework runs ten calls of the scheduled action, then waits for its next
        # wake-up (up to a minute): woken again at once here, so that the pass times the batches
        threading.Thread(target=keep_waking, args=(db, info["cron_ids"]), daemon=True).start()

    connections = [0]

    def finished():
        used = rd.scalar(db, "SELECT COUNT(*) - 1 FROM pg_stat_activity WHERE datname = %s", [db])
        connections[0] = max(connections[0], used)
        if not queue:
            return rd.run_state(db)[2]
        # every batch handed over, and every sweep and delivery job done (the run's closing
        # job, which checks every 10 s, is not the work timed)
        if not rd.scalar(db, "SELECT COUNT(*) FROM ar_escalation_run WHERE queued_at IS NOT NULL"):
            return False
        left = rd.scalar(
            db,
            "SELECT COUNT(*) FROM queue_job WHERE state NOT IN ('done', 'failed') AND method_name IN %s",
            [(SWEEP, DELIVER)],
        )
        return left == 0

    rd.wait_for(finished, 5000, f"the {name} pass to finish", 0.25)
    wall = time.monotonic() - started
    figures = {"name": name, "wall": wall, "load": load(), "batches": -(-N // BATCH), "conns": connections[0]}
    # everything the machine ran meanwhile (Odoo, PostgreSQL, the job runner, this script's polling)
    figures["cores"] = cores_busy(cpu_start, cpu_times())
    if not queue:
        text = server.log.read_text(encoding="utf-8", errors="replace")
        calls = [float(x) for x in re.findall(r"evaluate the ladder' \(\d+\) done in ([\d.]+)s", text)]
        figures["calls"] = calls
    if queue:
        figures.update(job_figures(db))
    checks = rd.book_counts(db)
    figures["wrong"] = [check for check, expected, found in checks if expected != found]
    server.stop()
    if not KEEP:
        rd.drop_db(db)
    rd.say(f"{name}: {wall:.1f} s, {N / wall:.0f} invoices/s; {figures['load']}")
    return figures


def keep_waking(db, cron_ids):
    """Wake the scheduled action whenever it is idle, until the day's run is finished."""
    while not rd.run_state(db)[2]:
        rd.wake_crons(db, cron_ids)  # waits while the cron job runs (its row is locked)
        time.sleep(0.5)


def job_figures(db):
    rows = rd.rows(
        db,
        """SELECT method_name, COUNT(*), SUM(exec_time), AVG(exec_time),
                  AVG(EXTRACT(EPOCH FROM date_started - date_created)),
                  COUNT(*) FILTER (WHERE state = 'failed')
             FROM queue_job GROUP BY method_name""",
    )
    out = {}
    for method, count, total, mean, wait, failed in rows:
        out[method] = {
            "count": count,
            "exec": float(total or 0),
            "mean": float(mean or 0),
            "wait": float(wait or 0),
            "failed": failed,
        }
    return {"jobs": out}


def report(results):
    by = {r["name"]: r for r in results}
    cores = os.cpu_count() or 1
    print(
        f"\n| Pass | Wall (s) | Invoices/s | Jobs | Sum of job times (s) | PG connections (max) "
        f"| Cores busy (of {cores}) | Load |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        jobs = r.get("jobs", {})
        count = " + ".join(f"{v['count']} {k.removeprefix('_ar_job_')}" for k, v in jobs.items()) or "-"
        exec_sum = sum(v["exec"] for v in jobs.values())
        print(
            f"| {r['name']} | {r['wall']:.1f} | {N / r['wall']:.0f} | {count} | "
            f"{exec_sum:.1f} | {r['conns']} | {r['cores']:.2f} | {r['load']} |"
        )
    if "1" in by and "2" in by:
        print(f"\nspeedup, capacity 2 over capacity 1: {by['1']['wall'] / by['2']['wall']:.2f}x")
        # the whole machine (Odoo, PostgreSQL, the job runner, this script's polling): a second
        # job can only add what the first one leaves idle
        print(
            f"cores busy: {by['1']['cores']:.2f} of {cores} at capacity 1, "
            f"{by['2']['cores']:.2f} at capacity 2"
        )
    if "cron" in by and "2" in by:
        print(f"speedup, capacity 2 over the cron path: {by['cron']['wall'] / by['2']['wall']:.2f}x")
    if "cron" in by:
        cron = by["cron"]
        per_batch = cron["wall"] / cron["batches"]
        calls = cron.get("calls") or [0]
        print(
            f"cron path: {per_batch:.2f} s per batch of {BATCH} ({cron['batches']} batches), "
            f"a call of the scheduled action {sum(calls) / len(calls):.2f} s on average "
            f"({min(calls):.2f}–{max(calls):.2f} s, {len(calls)} calls)"
        )
        if "1" in by:
            one = by["1"]
            jobs = one.get("jobs", {})
            overhead = (one["wall"] - cron["wall"]) / one["batches"]
            work = sum(v["exec"] for v in jobs.values()) / one["batches"]
            print(
                f"queue, capacity 1: {one['wall'] / one['batches']:.2f} s per batch wall "
                f"(jobs' own time {work:.2f} s: sweep {jobs.get(SWEEP, {}).get('mean', 0):.2f} s + "
                f"delivery {jobs.get(DELIVER, {}).get('mean', 0):.2f} s); "
                f"the queue's own overhead {overhead:+.2f} s per batch "
                f"({overhead / per_batch:+.1%} of a cron batch)"
            )
    for r in results:
        if r["wrong"]:
            print(f"WRONG COUNTS in pass {r['name']}: {r['wrong']}")
        failed = sum(v["failed"] for v in r.get("jobs", {}).values())
        if failed:
            print(f"FAILED JOBS in pass {r['name']}: {failed}")


def main():
    rd.LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old in rd.LOG_DIR.glob("*.log"):
        old.unlink()  # the servers append: a pass reads its own log only
    print(f"benchmark_queue: {N:,} invoices, batches of {BATCH}, passes {PASSES}; {load()}", flush=True)
    rd.ensure_template()
    results = []
    try:
        for name in PASSES:
            results.append(one_pass(name))
    finally:
        for server in rd.SERVERS:
            server.stop()
    report(results)
    bad = any(r["wrong"] or any(v["failed"] for v in r.get("jobs", {}).values()) for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
