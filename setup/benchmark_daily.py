# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the daily run when only what changes is evaluated (issue 16; not a test).

Run inside ``odoo shell`` on a throwaway database where ar_escalation_ladder
is installed (``bash setup/benchmark_daily.sh`` does it). ``BENCH_N`` sets the
number of open invoices (the book of setup/benchmark_escalation.py: N/10
customers, due dates over 95 days overdue .. 5 days ahead); ``BENCH_DUE`` the
share of customers with an invoice due on the measured day (0.02).

1. first escalation of the whole book (no invoice has a next check yet);
2. the full re-evaluation: every open invoice evaluated again, as every daily
   run did before (here because the policy changed: the company's stamp);
3. a quiet day: no invoice due, the sweep only looks (its selection's cost);
4. a day with BENCH_DUE of the customers due (their invoices' next check is
   today): the daily run, evaluating those customers whole.

Between the passes the day stays the same; the previous day's run is a row
dated yesterday (what the policy stamp is compared with). Printed: invoices
evaluated, seconds, the selection's query plan, the load average, and
1,000,000 invoices extrapolated from the per-invoice costs measured here.
"""

import os
import sys
import time
from datetime import timedelta

from odoo import fields
from odoo.tools import SQL

sys.path.insert(0, os.environ.get("BENCH_SETUP", "setup"))
import benchmark_escalation as bench  # noqa: E402 - the shared book builder and counters

N = int(os.environ.get("BENCH_N", "10000"))
BATCH = int(os.environ.get("BENCH_BATCH", "2000"))
DUE = float(os.environ.get("BENCH_DUE", "0.02"))


def load():
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def sweep(env, label):
    """The day's sweep as the scheduled action runs it, batch after batch, committing between."""
    cr = env.cr
    today = fields.Date.context_today(env.user)
    cr.execute("DELETE FROM ar_escalation_run WHERE date = %s", [today])  # the day's sweep starts over
    cr.commit()
    env.invalidate_all()
    runner = env["ar.escalation.runner"]
    done = 0
    start = time.perf_counter()
    with bench.QueryCounter(cr) as counter:
        while True:
            processed = runner._cron_run(batch_size=BATCH)
            cr.commit()
            env.invalidate_all()
            if not processed:
                break
            done += processed
    elapsed = time.perf_counter() - start
    print(
        f"{label:<34} {done:>8} inv evaluated  {elapsed:8.2f} s  {counter.count:>6} queries  "
        f"(load average {load()})",
        flush=True,
    )
    return done, elapsed


def yesterday_run(env):
    """The run before today's: the policy has not changed since it started."""
    cr = env.cr
    today = fields.Date.context_today(env.user)
    cr.execute("DELETE FROM ar_escalation_run WHERE date < %s", [today])
    cr.execute(
        """INSERT INTO ar_escalation_run (date, cursor, total, evaluated, batches, started_at, finished_at)
           VALUES (%s, 0, 0, 0, 0, now() at time zone 'UTC' - interval '1 day',
                   now() at time zone 'UTC' - interval '1 day')""",
        [today - timedelta(days=1)],
    )
    cr.execute("UPDATE res_company SET ar_policy_changed_at = now() at time zone 'UTC' - interval '2 days'")
    cr.commit()


def explain(env):
    """The plan of the sweep's first query (the next due customers in order) on the measured day."""
    runner = env["ar.escalation.runner"]
    today = fields.Date.context_today(env.user)
    where = runner._open_invoices_where(0, due_on=today)
    env.cr.execute(
        SQL(
            """EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) SELECT m.commercial_partner_id FROM account_move m
                WHERE %s ORDER BY m.commercial_partner_id, m.id LIMIT %s""",
            where,
            BATCH + 1,
        )
    )
    print("the sweep's selection of the next due customers (first batch):")
    for (line,) in env.cr.fetchall():
        print("    " + line)


def distribution(env):
    """How many invoices and customers the engine's next checks make due on each of the next days."""
    env.cr.execute(
        """SELECT ar_next_check - CURRENT_DATE, COUNT(*), COUNT(DISTINCT commercial_partner_id)
             FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'
              AND ar_next_check IS NOT NULL AND ar_next_check <= CURRENT_DATE + 30
         GROUP BY 1 ORDER BY 1"""
    )
    rows = env.cr.fetchall()
    print("next checks after the first pass (day: invoices due, customers due):")
    print("    " + ", ".join(f"+{day}: {count} / {customers}" for day, count, customers in rows))


def main(env):
    print(f"== AR escalation daily run: N = {N:,} open invoices, {DUE:.0%} of customers due ==", flush=True)
    start = time.perf_counter()
    bench.build_book(env(context=dict(env.context, tracking_disable=True)), N)
    env.cr.commit()
    print(f"book built in {time.perf_counter() - start:.1f} s", flush=True)
    cr = env.cr
    sweep(env, "1. first escalation")
    distribution(env)
    yesterday_run(env)
    env["res.company"].search([("ar_escalation_enabled", "=", True)])._ar_policy_changed()
    cr.commit()
    full, full_s = sweep(env, "2. full re-evaluation (policy edit)")
    yesterday_run(env)
    quiet, quiet_s = sweep(env, "3. quiet day (nothing due)")
    modulo = max(round(1 / DUE), 1)
    cr.execute(
        """UPDATE account_move SET ar_next_check = CURRENT_DATE
            WHERE move_type = 'out_invoice' AND state = 'posted' AND ar_next_check IS NOT NULL
              AND commercial_partner_id %% %s = 0""",
        [modulo],
    )
    cr.commit()
    cr.execute("ANALYZE account_move")
    explain(env)
    cr.commit()
    daily, daily_s = sweep(env, f"4. daily run ({DUE:.0%} of customers due)")
    per_invoice = full_s / max(full, 1)
    per_book_invoice = quiet_s / N
    print(
        f"daily run {daily_s:.2f} s for {daily} invoices ({daily / N:.1%} of the book) "
        f"vs full re-evaluation {full_s:.2f} s for {full}: {full_s / daily_s if daily_s else 0:.1f}x less",
        flush=True,
    )
    big = 1_000_000
    estimate = per_book_invoice * big + per_invoice * daily / N * big
    print(
        "1,000,000 invoices, extrapolated: quiet-day cost per book invoice "
        f"{per_book_invoice * 1e6:.2f} µs × 1,000,000 + evaluation cost per invoice "
        f"{per_invoice * 1e6:.0f} µs × {daily / N:.1%} × 1,000,000 = {estimate:.1f} s "
        f"(full re-evaluation: {per_invoice * big:.0f} s)",
        flush=True,
    )


if __name__ == "__main__":  # fed to odoo shell
    main(env)  # noqa: F821 - ``env`` is provided by odoo shell
