# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""OCA ``account_credit_control`` on the escalation benchmark's book (not a test).

Run inside ``odoo shell`` on a throwaway database where OCA's
``account_credit_control`` 18.0 is installed and the ladder is not
(``bash setup/benchmark.sh`` does it). ``BENCH_N`` sets the number of open
invoices; the book is the one ``setup/benchmark_escalation.py`` builds for the
ladder (imported from ``BENCH_SETUP``, the setup folder): same customers, same
invoices, same amounts and due dates, for the same day.

Credit control is set up like the default ladder: one policy on the company's
receivable accounts and set as the company's policy (so it applies to every
customer), five levels at 0, 1, 16, 31 and 61 days past the due date (mode
"Due Date"), channel email, one mail template per level (copies of OCA's
template, listing the invoices), no PDF attached (the ladder's templates
attach none). The run is driven as a user does it on the run's form, the
three buttons one after the other, each committed:

1. *Compute Credit Control Lines*: ``credit.control.run.generate_credit_lines``;
2. *Set to ready all*: ``set_to_ready_lines`` (draft lines become "To Do");
3. *Run channel action*: ``run_channel_action``, which groups the lines into
   ``credit.control.communication`` records (one per customer, level and
   currency) and posts each one's level template, which queues its email.

Emails are only queued, as the ladder's run does (``mail_notify_force_send``
off; otherwise core would try to send up to 100 at commit). Queries are
counted as for the ladder's passes. When ``BENCH_OURS_RESULT`` names the JSON
the ladder's benchmark wrote for the same N, a side-by-side table follows.
"""

import json
import os
import sys
import time

from odoo import Command, fields

sys.path.insert(0, os.environ.get("BENCH_SETUP", "setup"))
import benchmark_escalation as bench  # noqa: E402 - the shared book builder and counters

# days past due of each level, with the ladder's stage it stands for
LEVELS = [(0, "Due"), (1, "Early"), (16, "Managed"), (31, "Executive"), (61, "Pre-default")]
STEPS = ("generation", "mark ready", "emailing")


def configure(env):
    """The policy, its five email levels and their templates; the company's default policy."""
    company = env.company
    base = env.ref("account_credit_control.email_template_credit_control_base")
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)]
    )
    levels = []
    for sequence, (delay, name) in enumerate(LEVELS, start=1):
        template = base.copy(
            {
                "name": f"Credit control: {name}",
                "subject": f"{name}: your overdue invoices ({{{{ object.company_id.name }}}})",
                "report_template_ids": [Command.clear()],
            }
        )
        levels.append(
            Command.create(
                {
                    "name": name,
                    "level": sequence,
                    "computation_mode": "net_days",
                    "delay_days": delay,
                    "channel": "email",
                    "email_template_id": template.id,
                    "mail_show_invoice_detail": True,
                    "custom_text": f"{name}: the invoices below are {delay}+ days overdue.",
                    "custom_mail_text": f"<p>{name}: the invoices below are {delay}+ days overdue.</p>",
                }
            )
        )
    policy = env["credit.control.policy"].create(
        {"name": "Benchmark ladder", "account_ids": [Command.set(receivable.ids)], "level_ids": levels}
    )
    company.credit_policy_id = policy
    return policy


def timed(env, label, action):
    """Run ``action()`` and commit, as one button press; print and return its figures."""
    cr = env.cr
    env.invalidate_all()
    odoo_cpu_start, pg_cpu_start = bench.cpu_seconds(cr)
    start = time.perf_counter()
    with bench.QueryCounter(cr) as counter:
        action()
        cr.commit()
    elapsed = time.perf_counter() - start
    odoo_cpu, pg_cpu = bench.cpu_seconds(cr)
    env.invalidate_all()
    result = {
        "seconds": elapsed,
        "queries": counter.count,
        "peak_rss_mb": bench.peak_rss_mb(),
        "cpu_seconds": [odoo_cpu - odoo_cpu_start, pg_cpu - pg_cpu_start],
    }
    print(
        f"OCA {label:<24} {elapsed:8.2f} s  {counter.count:>8} queries  "
        f"{counter.count / bench.N:7.3f} q/inv  peak RSS {result['peak_rss_mb']:7.0f} MB  "
        f"CPU {result['cpu_seconds'][0]:.2f} s Odoo + {result['cpu_seconds'][1]:.2f} s PostgreSQL",
        flush=True,
    )
    return result


def outcome(env, run):
    """What the run left: lines by level and state, communications, queued customer emails."""
    cr = env.cr
    cr.execute(
        "SELECT level, state, COUNT(*) FROM credit_control_line WHERE run_id = %s"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        [run.id],
    )
    by_level = [(level, state, count) for level, state, count in cr.fetchall()]
    cr.execute(
        "SELECT COUNT(*), COUNT(DISTINCT (partner_id, policy_level_id)), COUNT(DISTINCT partner_id)"
        " FROM credit_control_communication"
    )
    communications, partner_levels, partners = cr.fetchone()
    mails, mailed = bench.customer_mails(cr)
    print("OCA lines by level and state: " + ", ".join(f"L{lv} {st} {n}" for lv, st, n in by_level))
    check = (
        "" if mails == communications == partner_levels else "  ** not one email per customer and level **"
    )
    print(
        f"OCA communications {communications} (customer x level {partner_levels}, customers {partners}); "
        f"customer emails queued {mails} to {mailed} customers{check}"
    )
    return {
        "lines": sum(count for _level, _state, count in by_level),
        "levels": sorted({level for level, _state, _count in by_level}),
        "communications": communications,
        "mails": mails,
        "mailed_customers": mailed,
    }


def side_by_side(ours, oca):
    """Ours first pass beside OCA's generation + mark ready + emailing, and the ratio."""
    first = ours["passes"]["1. first escalation"]
    steps = [oca["steps"][step] for step in STEPS]
    seconds = sum(step["seconds"] for step in steps)
    queries = sum(step["queries"] for step in steps)
    cpu = sum(sum(step["cpu_seconds"]) for step in steps)
    invoices = oca["n"]
    rate = invoices / seconds
    outcome_ = oca["outcome"]
    # label, ours, OCA, format; the ratio ours/OCA is printed for the rates and queries
    rows = [
        ("open invoices in the book", first["invoices"], invoices, "{:,}", False),
        ("wall time (s)", first["seconds"], seconds, "{:.2f}", False),
        ("invoices / s", first["rate"], rate, "{:.0f}", True),
        ("invoices / CPU-s (Odoo + PG)", first["invoices"] / sum(first["cpu_seconds"]), invoices / cpu,
         "{:.0f}", True),
        ("SQL queries", first["queries"], queries, "{:,}", False),
        ("queries / invoice", first["queries"] / first["invoices"], queries / invoices, "{:.3f}", True),
        ("queries / batch (min-max)", "{}-{} in {}".format(*first["queries_per_batch"], first["batches"]),
         "1 transaction a step", "{}", False),
        ("customer emails queued", first.get("mails", "?"), outcome_["mails"], "{}", False),
        ("customers emailed", first.get("mailed_customers", "?"), outcome_["mailed_customers"], "{}", False),
        ("peak RSS (MB, whole process)", first["peak_rss_mb"], max(s["peak_rss_mb"] for s in steps),
         "{:.0f}", False),
    ]  # fmt: skip
    print()
    print(f"== Side by side, N = {invoices:,} open invoices, same book, date {oca['date']} ==")
    print(f"{'':<30} {'ours: pass 1':>20} {'OCA: lines+ready+mail':>22} {'ours/OCA':>9}")
    for label, mine, theirs, fmt, ratio in rows:
        ratio = f"{mine / theirs:8.2f}x" if ratio else ""
        print(f"{label:<30} {fmt.format(mine):>20} {fmt.format(theirs):>22} {ratio:>9}")
    names = ", ".join(f"{name} {oca['steps'][name]['seconds']:.2f} s" for name in STEPS)
    print(f"OCA steps: {names}; levels reached {outcome_['levels']}, lines {outcome_['lines']}")
    verdict = "met" if first["rate"] >= 2 * rate else "NOT met"
    print(f"rate ratio ours/OCA {first['rate'] / rate:.2f}x (target >= 2x: {verdict})", flush=True)
    if ours.get("date") != oca["date"]:
        print(f"** the two books were run on different days: ours {ours.get('date')}, OCA {oca['date']} **")


def main(env):
    n = bench.N
    print(f"== OCA account_credit_control on the same book: N = {n:,} open invoices ==", flush=True)
    start = time.perf_counter()
    bench.build_book(env(context=dict(env.context, tracking_disable=True)), n)
    policy = configure(env)
    env.cr.commit()
    print(f"book built and credit control configured in {time.perf_counter() - start:.1f} s", flush=True)
    today = fields.Date.context_today(env.user)
    run = env["credit.control.run"].create({"date": today, "policy_ids": [Command.set(policy.ids)]})
    env.cr.commit()
    queue = run.with_context(mail_notify_force_send=False)
    steps = {
        "generation": timed(env, "1. generate lines", run.generate_credit_lines),
        "mark ready": timed(env, "2. set to ready all", run.set_to_ready_lines),
        "emailing": timed(env, "3. run channel action", queue.run_channel_action),
    }
    total = sum(step["seconds"] for step in steps.values())
    print(f"OCA {'total':<24} {total:8.2f} s  {n / total:10.0f} inv/s", flush=True)
    oca = {"n": n, "date": str(today), "steps": steps, "outcome": outcome(env, run)}
    if os.environ.get("BENCH_OURS_RESULT") and os.path.exists(os.environ["BENCH_OURS_RESULT"]):
        with open(os.environ["BENCH_OURS_RESULT"]) as result:
            side_by_side(json.load(result), oca)


if __name__ == "__main__":
    main(env)  # noqa: F821 - ``env`` is provided by odoo shell
