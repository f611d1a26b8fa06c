# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the scheduled escalation run (not a test).

Run inside ``odoo shell`` on a throwaway database where ar_escalation_ladder
is installed (``bash setup/benchmark.sh`` does it). ``BENCH_N`` sets the
number of open invoices; the book spreads them over N/10 customers.

The book is cloned in SQL from one invoice posted through the ORM, so that
building 100,000 invoices takes seconds; the escalation itself runs through
the real scheduled-action code, batch by batch, committing between batches as
the cron framework does. Three passes are timed:

1. first escalation of the whole book (stage changes, events, chatter lines,
   cases with activities, queued customer emails);
2. an unchanged rerun (every invoice re-evaluated, nothing to do);
3. a rerun where 5 % of the invoices change stage.

The floor is a plain ``search_read`` of the same open invoices with the
fields the evaluation needs. ``BENCH_ONLY_RERUN=1`` on an already escalated
book times only the floor and the unchanged rerun. Printed: invoices per second, SQL queries per
invoice and per batch, peak memory (RSS), and the ratio to the floor.
"""

import collections
import json
import os
import resource
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

N = int(os.environ.get("BENCH_N", "10000"))
BATCH = int(os.environ.get("BENCH_BATCH", "2000"))
# each timed pass's figures by label; written as JSON to BENCH_RESULT_FILE when
# it is set (setup/benchmark_credit_control.py prints them beside OCA's)
RESULTS = {}


class QueryCounter:
    """Count the SQL statements the cursor executes."""

    def __init__(self, cr):
        self.cr = cr
        self.count = 0
        self._orig = cr.execute
        self.texts = collections.Counter() if os.environ.get("BENCH_PROFILE") else None

    def __enter__(self):
        def execute(query, params=None, log_exceptions=True):
            self.count += 1
            if self.texts is None:
                return self._orig(query, params, log_exceptions)
            start = time.perf_counter()
            try:
                return self._orig(query, params, log_exceptions)
            finally:
                text = " ".join(str(getattr(query, "code", query)).split())[:150]
                self.texts[text] += time.perf_counter() - start

        self.cr.execute = execute
        return self

    def __exit__(self, *exc):
        self.cr.execute = self._orig


def cpu_seconds(cr):
    """CPU time used so far by this Odoo process and by its PostgreSQL backend.

    On a busy machine wall time also counts the waits for a core; the CPU
    time of the two processes that do the work does not, so the rate per CPU
    second stays comparable between runs (the backend is read from /proc, so
    it needs the database on this machine).
    """
    own = time.process_time()
    cr.execute("SELECT pg_backend_pid()")
    pid = cr.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields_ = stat.read().rsplit(")", 1)[1].split()
        backend = (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        backend = 0.0
    return own, backend


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def clone_rows(cr, table, template_id, count, overrides):
    """Insert ``count`` copies of row ``template_id`` with SQL expressions in ``overrides``.

    ``overrides`` maps a column to an SQL expression over ``g`` (1..count).
    Returns nothing; rows get fresh ids from the table's sequence.
    """
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND column_name != 'id'",
            table,
        )
    )
    columns = [row[0] for row in cr.fetchall()]
    select = [SQL(overrides[c]) if c in overrides else SQL.identifier("t", c) for c in columns]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, generate_series(1, %s) g WHERE t.id = %s",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            count,
            template_id,
        )
    )


def build_book(env, n):
    cr = env.cr
    today = fields.Date.context_today(env.user)
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    user = env.ref("base.user_admin")
    # the same book serves databases without the ladder (the OCA comparison of
    # setup/benchmark_credit_control.py): the ladder's own fields are set where they exist
    ladder = "ar_account_tier" in env["res.partner"]._fields
    roles = ("ar_lead_user_id", "ar_finance_lead_user_id", "ar_cfo_user_id", "ar_operator_user_id")
    company.write({"email": "ar@bench.example.com"} | (dict.fromkeys(roles, user.id) if ladder else {}))
    if ladder and not company.ar_escalation_enabled:
        # escalation is off until an administrator activates it (the drills build this book too)
        company._ar_activate()
    n_customers = max(n // 10, 1)
    template_partner = env["res.partner"].create(
        {"name": "Bench customer", "is_company": True, "email": "ap@bench.example.com"}
        | ({"ar_account_tier": "standard"} if ladder else {})
    )
    template_move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": template_partner.id,
            "invoice_date": today - timedelta(days=40),
            "invoice_line_ids": [
                Command.create({"name": "Bench", "quantity": 1, "price_unit": 100.0, "tax_ids": []})
            ],
        }
    )
    template_move.action_post()
    env.flush_all()
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
    first_partner = cr.fetchone()[0] + 1
    tiers = "(ARRAY['strategic','key','standard','small'])[1 + g %% 4]"
    clone_rows(
        cr,
        "res_partner",
        template_partner.id,
        n_customers,
        {
            "name": "'Bench customer ' || g",
            "complete_name": "'Bench customer ' || g",
            "email": "'ap' || g || '@bench.example.com'",
            "ar_account_tier": tiers,
            "commercial_partner_id": "NULL",
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id >= %s", [first_partner])
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
    first_move = cr.fetchone()[0] + 1
    # due dates spread over 95 days overdue .. 5 days ahead, and within each
    # customer too (a customer's ten invoices are at 4-5 stages, as in a real
    # book of monthly invoices); amounts 100..5,000
    due = f"DATE '{today}' - ((g * 37 + (g / {n_customers}) * 29) %% 100 - 5)"
    amount = "(100 + (g * 131) %% 4900)::numeric"
    partner = f"{first_partner} + (g %% {n_customers})"
    clone_rows(
        cr,
        "account_move",
        template_move.id,
        n,
        {
            "name": "'BENCH/' || lpad(g::text, 7, '0')",
            "partner_id": partner,
            "commercial_partner_id": partner,
            "invoice_date_due": due,
            "amount_total": amount,
            "amount_total_signed": amount,
            "amount_total_in_currency_signed": amount,
            "amount_untaxed": amount,
            "amount_untaxed_signed": amount,
            "amount_residual": amount,
            "amount_residual_signed": amount,
            "access_token": "NULL",
        },
    )
    for line in template_move.line_ids:
        receivable = line.account_id.account_type == "asset_receivable"
        sign = "" if line.balance > 0 else "-"
        clone_rows(
            cr,
            "account_move_line",
            line.id,
            n,
            {
                "move_id": f"{first_move} + g - 1",
                "partner_id": partner,
                "move_name": "'BENCH/' || lpad(g::text, 7, '0')",
                "date_maturity": due if receivable else "t.date_maturity",
                "balance": f"{sign}{amount}",
                "debit": amount if sign == "" else "0",
                "credit": amount if sign == "-" else "0",
                "amount_currency": f"{sign}{amount}",
                "amount_residual": amount if receivable else "0",
                "amount_residual_currency": amount if receivable else "0",
                "price_unit": amount,
                "price_subtotal": amount,
                "price_total": amount,
            },
        )
    # the template itself leaves the book
    template_move.button_draft()
    template_move.unlink()
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE res_partner")
    env.invalidate_all()
    return first_move


def customer_mails(cr):
    """Queued emails to customers (a recipient who is not a user) and how many customers they reach."""
    cr.execute(
        "SELECT COUNT(DISTINCT m.id), COUNT(DISTINCT r.res_partner_id) FROM mail_mail m"
        " JOIN mail_mail_res_partner_rel r ON r.mail_mail_id = m.id"
        " WHERE m.state = 'outgoing'"
        " AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = r.res_partner_id)"
    )
    return cr.fetchone()


def run_pass(env, label, floor_rate=None):
    """Evaluate the whole book as the cron does: batch after batch, commit between."""
    runner = env["ar.escalation.runner"]
    cr = env.cr
    cr.execute("DELETE FROM ar_escalation_run")  # the day's sweep starts over
    cr.commit()
    env.invalidate_all()
    done, batches, per_batch = 0, 0, []
    odoo_cpu_start, pg_cpu_start = cpu_seconds(cr)
    start = time.perf_counter()
    with QueryCounter(cr) as counter:
        while True:
            before = counter.count
            processed = runner._cron_run(batch_size=BATCH)
            cr.commit()
            env.invalidate_all()
            if not processed:
                break
            per_batch.append(counter.count - before)
            done += processed
            batches += 1
    elapsed = time.perf_counter() - start
    odoo_cpu, pg_cpu = cpu_seconds(cr)
    odoo_cpu, pg_cpu = odoo_cpu - odoo_cpu_start, pg_cpu - pg_cpu_start
    cpu = odoo_cpu + pg_cpu
    if counter.texts:
        for text, seconds in counter.texts.most_common(12):
            print(f"{seconds:7.3f} s  {text}")
    rate = done / elapsed if elapsed else 0.0
    line = (
        f"{label:<28} {done:>8} inv  {elapsed:8.2f} s  {rate:10.0f} inv/s  "
        f"{counter.count / max(done, 1):7.3f} q/inv  "
        f"q/batch min {min(per_batch or [0])} max {max(per_batch or [0])}  "
        f"peak RSS {peak_rss_mb():7.0f} MB  "
        f"CPU {odoo_cpu:.2f} s Odoo + {pg_cpu:.2f} s PostgreSQL = {done / cpu if cpu else 0.0:.0f} inv/CPU-s"
    )
    if floor_rate:
        line += f"  {floor_rate / rate if rate else float('inf'):5.2f}x floor"
    print(line, flush=True)
    RESULTS[label] = {
        "invoices": done,
        "seconds": elapsed,
        "rate": rate,
        "queries": counter.count,
        "batches": batches,
        "queries_per_batch": [min(per_batch or [0]), max(per_batch or [0])],
        "peak_rss_mb": peak_rss_mb(),
        "cpu_seconds": [odoo_cpu, pg_cpu],
    }
    return rate


def floor(env):
    """A plain ORM read of the same open invoices with the fields the evaluation needs."""
    env.invalidate_all()
    fields_needed = [
        "commercial_partner_id",
        "partner_id",
        "invoice_date_due",
        "amount_residual_signed",
        "payment_state",
        "ref",
        "ar_stage_id",
        "ar_stage_entries",
        "ar_broken_promise_count",
        "ar_dispute_state",
        "ar_promise_date",
        "ar_pause_until",
        "ar_contact_attempts",
        "ar_last_contact_date",
    ]
    start = time.perf_counter()
    rows = env["account.move"].search_read(
        [
            ("move_type", "=", "out_invoice"),
            ("state", "=", "posted"),
            ("payment_state", "in", ("not_paid", "partial")),
        ],
        fields_needed,
    )
    elapsed = time.perf_counter() - start
    rate = len(rows) / elapsed
    print(f"{'floor: search_read':<28} {len(rows):>8} inv  {elapsed:8.2f} s  {rate:10.0f} inv/s", flush=True)
    env.invalidate_all()
    return rate


def profiled(env, label, floor_rate):
    """Run a pass; with BENCH_PROFILE=<pass number>, under cProfile."""
    if os.environ.get("BENCH_PROFILE") != label[0]:
        return run_pass(env, label, floor_rate)
    import cProfile  # noqa: PLC0415 - only when profiling
    import pstats  # noqa: PLC0415

    profile = cProfile.Profile()
    profile.enable()
    rate = run_pass(env, label, floor_rate)
    profile.disable()
    if os.environ.get("BENCH_PROFILE_OUT"):
        profile.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    stats = pstats.Stats(profile).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumtime"))
    stats.print_stats(os.environ.get("BENCH_PROFILE_FILTER", ""), 60)
    return rate


def main(env):
    # the passes run in the scheduled action's context (chatter tracking on, as
    # in production); only the synthetic book is built without it
    print(
        f"== AR escalation benchmark: N = {N:,} open invoices over {max(N // 10, 1):,} customers, "
        f"batch {BATCH} ==",
        flush=True,
    )
    if os.environ.get("BENCH_ONLY_RERUN"):
        # the book is already there and escalated: time the floor and an unchanged rerun
        floor_rate = floor(env)
        profiled(env, "2. unchanged rerun", floor_rate)
        return
    start = time.perf_counter()
    build_book(env(context=dict(env.context, tracking_disable=True)), N)
    env.cr.commit()
    print(f"book built in {time.perf_counter() - start:.1f} s", flush=True)
    floor_rate = floor(env)
    profiled(env, "1. first escalation", floor_rate)
    RESULTS["1. first escalation"]["mails"], RESULTS["1. first escalation"]["mailed_customers"] = (
        customer_mails(env.cr)
    )
    profiled(env, "2. unchanged rerun", floor_rate)
    # 5 % of the invoices fall 25 days further behind: most of them climb a stage
    env.cr.execute(
        "UPDATE account_move SET invoice_date_due = invoice_date_due - 25 "
        "WHERE move_type = 'out_invoice' AND name LIKE 'BENCH/%' AND id % 20 = 0"
    )
    env.cr.execute(
        "UPDATE account_move_line l SET date_maturity = m.invoice_date_due FROM account_move m "
        "WHERE l.move_id = m.id AND m.name LIKE 'BENCH/%' AND m.id % 20 = 0 AND l.date_maturity IS NOT NULL"
    )
    env.cr.execute("SELECT COUNT(*) FROM ar_escalation_event WHERE kind = 'stage'")
    stage_events_before = env.cr.fetchone()[0]
    env.cr.commit()
    profiled(env, "3. rerun, 5 % change stage", floor_rate)
    env.cr.execute("SELECT COUNT(*) FROM ar_escalation_event WHERE kind = 'stage'")
    moved = env.cr.fetchone()[0] - stage_events_before
    env.cr.execute("SELECT kind, COUNT(*) FROM ar_escalation_event GROUP BY kind ORDER BY kind")
    print(f"invoices that changed stage in pass 3: {moved}")
    print("events by kind: " + ", ".join(f"{k} {c}" for k, c in env.cr.fetchall()))
    env.cr.execute(
        "SELECT (SELECT COUNT(*) FROM mail_mail), (SELECT COUNT(*) FROM ar_escalation_case),"
        " (SELECT COUNT(*) FROM mail_activity)"
    )
    mails, cases, activities = env.cr.fetchone()
    print(f"customer emails queued {mails}, cases {cases}, activities {activities}")
    if os.environ.get("BENCH_RESULT_FILE"):
        with open(os.environ["BENCH_RESULT_FILE"], "w") as result:
            json.dump(
                {"n": N, "batch": BATCH, "date": str(fields.Date.context_today(env.user)), "passes": RESULTS},
                result,
            )


if __name__ == "__main__":  # fed to odoo shell; setup/benchmark_credit_control.py imports it
    main(env)  # noqa: F821 - ``env`` is provided by odoo shell
