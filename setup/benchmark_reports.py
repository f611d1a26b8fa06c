# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the escalation reports (not a test).

Run inside ``odoo shell`` on a throwaway database where ar_escalation_reports
is installed, for example::

    createdb ar_rep_bench
    python -m odoo -d ar_rep_bench -i ar_escalation_reports --without-demo=all \\
        --stop-after-init --no-http
    BENCH_N=100000 python -m odoo shell -d ar_rep_bench --no-http --log-level=warn \\
        < setup/benchmark_reports.py

``BENCH_N`` sets the number of customer invoices (100,000); the book spreads
them over N/10 customers of every tier, due from 10 days ahead to 90 days
overdue, one in seven paid. The escalation history is written in SQL as the
ladder writes it: every invoice climbs the stages its age has reached (a
``stage`` and an ``activity`` event per stage, with a case per customer and
stage), a fifth of the escalations are acknowledged, paid invoices are closed,
some invoices are not payable as sent and some disputed — about 5 events per
invoice, 500,000 for 100,000 invoices. ``BENCH_REUSE=1`` times the reports on
a book built by an earlier run.

Each report is then read as its pivot, graph or list view reads it — the
same ``_read_group`` calls, as an AR user, so the company rule applies — three
times; the best and the slowest time are printed. Target: every report
answers in under 2 s. ``BENCH_EXPLAIN=1`` prints each query's plan.
``BENCH_DROP_INDEXES=1`` first drops the indexes this addon adds, to show what
they are worth.
"""

import os
import time
from datetime import timedelta

from odoo import Command, fields
from odoo.tools import SQL

N = int(os.environ.get("BENCH_N", "100000"))
REPORT_INDEXES = (
    "ar_rep_event_assignment_idx",
    "ar_rep_event_ack_idx",
    "ar_rep_event_stay_idx",
    "ar_rep_event_entry_idx",
    "ar_rep_event_hygiene_idx",
    "ar_rep_aml_receivable_idx",
)


def clone_rows(cr, table, template_id, count, overrides):
    """Insert ``count`` copies of row ``template_id``; ``overrides`` maps columns to SQL over ``g``."""
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


def build_invoices(env, n):
    """N posted customer invoices over N/10 customers, cloned in SQL from one posted by the ORM."""
    cr = env.cr
    today = fields.Date.context_today(env.user)
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    n_customers = max(n // 10, 1)
    template_partner = env["res.partner"].create(
        {"name": "Bench customer", "is_company": True, "email": "ap@bench.example.com"}
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
    clone_rows(
        cr,
        "res_partner",
        template_partner.id,
        n_customers,
        {
            "name": "'Bench customer ' || g",
            "complete_name": "'Bench customer ' || g",
            "email": "'ap' || g || '@bench.example.com'",
            "ar_account_tier": "(ARRAY['strategic','key','standard','small'])[1 + g %% 4]",
            "commercial_partner_id": "NULL",
        },
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id >= %s", [first_partner])
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM account_move")
    first_move = cr.fetchone()[0] + 1
    # due from 10 days ahead to 90 days overdue; issued 30 days before; amounts 100..5,000
    due = f"DATE '{today}' - ((g * 37) %% 101 - 10)"
    issued = f"({due}) - 30"
    amount = "(100 + (g * 131) %% 4900)::numeric"
    paid = "g %% 7 = 0"
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
            "date": issued,
            "invoice_date": issued,
            "invoice_date_due": due,
            "amount_total": amount,
            "amount_total_signed": amount,
            "amount_total_in_currency_signed": amount,
            "amount_untaxed": amount,
            "amount_untaxed_signed": amount,
            "amount_residual": f"CASE WHEN {paid} THEN 0 ELSE {amount} END",
            "amount_residual_signed": f"CASE WHEN {paid} THEN 0 ELSE {amount} END",
            "payment_state": f"CASE WHEN {paid} THEN 'paid' ELSE 'not_paid' END",
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
                "date": issued,
                "invoice_date": issued,
                "date_maturity": due if receivable else "t.date_maturity",
                "balance": f"{sign}{amount}",
                "debit": amount if sign == "" else "0",
                "credit": amount if sign == "-" else "0",
                "amount_currency": f"{sign}{amount}",
                "amount_residual": f"CASE WHEN {paid} THEN 0 ELSE {amount} END" if receivable else "0",
                "amount_residual_currency": f"CASE WHEN {paid} THEN 0 ELSE {amount} END"
                if receivable
                else "0",
                "price_unit": amount,
                "price_subtotal": amount,
                "price_total": amount,
            },
        )
    template_move.button_draft()
    template_move.unlink()
    return first_move


def build_history(env, first_move):
    """The escalation history the ladder would have written for the book, in SQL."""
    cr = env.cr
    now = fields.Datetime.now()
    today = fields.Date.context_today(env.user)
    admin = env.ref("base.user_admin").id
    company = env.company.id
    # the default track's ladder (levels repeat across tracks)
    stages = {
        stage.sequence: stage.id
        for stage in env["ar.escalation.stage"].search([("track_id.is_default", "=", True)])
    }
    # level reached: by days overdue, as the default ladder does (1–15, 16–30, 31–60, 61+)
    cr.execute(
        SQL(
            """CREATE TEMP TABLE bench_level AS
               SELECT m.id AS move_id, m.commercial_partner_id AS partner_id, m.invoice_date_due AS due,
                      m.amount_total AS amount, m.payment_state = 'paid' AS paid,
                      CASE WHEN %(today)s::date - m.invoice_date_due <= 0 THEN 0
                           WHEN %(today)s::date - m.invoice_date_due <= 15 THEN 1
                           WHEN %(today)s::date - m.invoice_date_due <= 30 THEN 2
                           WHEN %(today)s::date - m.invoice_date_due <= 60 THEN 3 ELSE 4 END AS level
                 FROM account_move m WHERE m.id >= %(first)s AND m.move_type = 'out_invoice'""",
            today=today,
            first=first_move,
        )
    )
    cr.execute(
        SQL(
            """CREATE TEMP TABLE bench_entry AS
               SELECT l.*, j AS step, (ARRAY[%(s1)s, %(s2)s, %(s3)s, %(s4)s])[j] AS stage_id,
                      CASE WHEN j > 1 THEN (ARRAY[%(s1)s, %(s2)s, %(s3)s, %(s4)s])[j - 1] END
                          AS from_stage_id,
                      (l.due + (ARRAY[1, 16, 31, 61])[j])::timestamp + mod(l.move_id, 10) * INTERVAL '1 hour'
                          AS entered
                 FROM bench_level l, generate_series(1, l.level) AS j""",
            s1=stages[1],
            s2=stages[2],
            s3=stages[3],
            s4=stages[4],
        )
    )
    # a case per customer and stage: open where an unpaid invoice sits at its level, else closed
    cr.execute(
        SQL(
            """INSERT INTO ar_escalation_case (name, partner_id, company_id, stage_id, owner_id, owner_role,
                      sla_deadline, state, kind, rollup_count, acknowledged_at,
                      create_uid, create_date, write_uid, write_date)
               SELECT 'Bench case', e.partner_id, %(company)s, e.stage_id, %(admin)s, 'cfo',
                      MIN(e.entered) + INTERVAL '8 hours',
                      CASE WHEN BOOL_OR(e.step = e.level AND NOT e.paid)
                           THEN (CASE WHEN mod(e.partner_id, 3) = 0 THEN 'acknowledged' ELSE 'open' END)
                           ELSE 'closed' END,
                      'escalation', 0,
                      CASE WHEN mod(e.partner_id, 3) = 0 THEN MIN(e.entered) + INTERVAL '2 hours' END,
                      %(admin)s, %(now)s, %(admin)s, MAX(e.entered) + INTERVAL '20 days'
                 FROM bench_entry e GROUP BY e.partner_id, e.stage_id""",
            company=company,
            admin=admin,
            now=now,
        )
    )
    cr.execute(
        """CREATE TEMP TABLE bench_case AS
           SELECT id AS case_id, partner_id, stage_id, state, sla_deadline, acknowledged_at
             FROM ar_escalation_case WHERE name = 'Bench case'"""
    )
    cr.execute("CREATE INDEX ON bench_case (partner_id, stage_id)")
    cr.execute(
        SQL(
            """UPDATE account_move m SET ar_stage_id = e.stage_id, ar_stage_date = e.entered,
                      ar_stage_entries = e.step, ar_owner_id = %(admin)s,
                      ar_case_id = c.case_id, ar_sla_deadline = c.sla_deadline,
                      ar_acknowledged_at = c.acknowledged_at,
                      ar_closed_date = CASE WHEN e.paid THEN e.entered + INTERVAL '5 days' END,
                      ar_promise_date = CASE WHEN mod(m.id, 11) = 0 THEN %(today)s::date + mod(m.id, 9) END
                 FROM bench_entry e
                 JOIN bench_case c ON c.partner_id = e.partner_id AND c.stage_id = e.stage_id
                WHERE m.id = e.move_id AND e.step = e.level""",
            admin=admin,
            today=today,
        )
    )
    columns = SQL(
        """(date, move_id, partner_id, company_id, case_id, kind, stage_id, from_stage_id, to_stage_id,
            owner_id, amount, amount_recovered, sla_deadline, acknowledged_at, reason_data, disposition,
            entry, cycle, create_uid, create_date, write_uid, write_date)"""
    )
    common = SQL("%s, %s, %s, %s", admin, now, admin, now)
    # a reason is stored as phrase codes: here a text phrase
    bench = SQL("jsonb_build_array(jsonb_build_object('code', 'text', 'text', 'Bench'))")
    inserts = {
        "stage": SQL(
            """SELECT e.entered, e.move_id, e.partner_id, %(company)s, c.case_id, 'stage', e.stage_id,
                      e.from_stage_id, e.stage_id, NULL::int, e.amount,
                      CASE WHEN e.step > 1 AND mod(e.move_id, 10) = 0
                           THEN round(e.amount * 0.2, 2) ELSE 0 END,
                      NULL::timestamp, NULL::timestamp, %(bench)s, NULL, e.step, 0, %(common)s
                 FROM bench_entry e
                 JOIN bench_case c ON c.partner_id = e.partner_id AND c.stage_id = e.stage_id""",
            company=company,
            common=common,
            bench=bench,
        ),
        "activity": SQL(
            """SELECT e.entered, e.move_id, e.partner_id, %(company)s, c.case_id, 'activity', e.stage_id,
                      NULL::int, NULL::int, %(admin)s, e.amount, 0, e.entered + INTERVAL '8 hours',
                      NULL::timestamp, %(bench)s, NULL, e.step, 0, %(common)s
                 FROM bench_entry e
                 JOIN bench_case c ON c.partner_id = e.partner_id AND c.stage_id = e.stage_id""",
            company=company,
            admin=admin,
            common=common,
            bench=bench,
        ),
        "acknowledged": SQL(
            """SELECT e.entered + INTERVAL '2 hours', e.move_id, e.partner_id, %(company)s, c.case_id,
                      'acknowledged', e.stage_id, NULL::int, NULL::int, %(admin)s, e.amount, 0,
                      e.entered + INTERVAL '8 hours', e.entered + INTERVAL '2 hours', %(bench)s, NULL,
                      e.step, 0, %(common)s
                 FROM bench_entry e
                 JOIN bench_case c ON c.partner_id = e.partner_id AND c.stage_id = e.stage_id
                WHERE mod(e.partner_id, 5) = 0""",
            company=company,
            admin=admin,
            common=common,
            bench=bench,
        ),
        "closed": SQL(
            """SELECT e.entered + INTERVAL '5 days', e.move_id, e.partner_id, %(company)s, c.case_id,
                      'closed',
                      e.stage_id, NULL::int, NULL::int, NULL::int, e.amount, e.amount, NULL::timestamp,
                      NULL::timestamp, jsonb_build_array(jsonb_build_object('code', 'text', 'text', 'Paid')),
                      'paid', e.step, 0, %(common)s
                 FROM bench_entry e
                 JOIN bench_case c ON c.partner_id = e.partner_id AND c.stage_id = e.stage_id
                WHERE e.paid AND e.step = e.level""",
            company=company,
            common=common,
        ),
        "hygiene": SQL(
            """SELECT e.entered + INTERVAL '1 hour', e.move_id, e.partner_id, %(company)s, NULL::int,
                      'hygiene', e.stage_id, NULL::int, NULL::int, NULL::int, e.amount, 0, NULL::timestamp,
                      NULL::timestamp,
                      jsonb_build_array(jsonb_build_object('code', 'text', 'text',
                          CASE WHEN mod(e.move_id, 2) = 0 THEN 'no email address to reach the customer'
                               ELSE 'no email address to reach the customer; '
                                    'the customer''s reference (PO) is missing'
                          END)), NULL, e.step, 0, %(common)s
                 FROM bench_entry e WHERE mod(e.move_id, 50) = 0""",
            company=company,
            common=common,
        ),
    }
    for select in inserts.values():
        cr.execute(SQL("INSERT INTO ar_escalation_event %s %s", columns, select))
    cr.execute(
        SQL(
            """INSERT INTO ar_escalation_dispute (move_id, partner_id, company_id, code, note, state, source,
                      create_uid, create_date, write_uid, write_date)
               SELECT l.move_id, l.partner_id, %(company)s,
                      (ARRAY['pricing','quantity','quality','not_received','missing_po','wrong_entity',
                             'tax_error','duplicate','other'])[1 + mod(l.move_id, 9)],
                      'Bench', 'open', 'backoffice', %(admin)s, l.due + 20, %(admin)s, l.due + 20
                 FROM bench_level l WHERE mod(l.move_id, 40) = 0""",
            company=company,
            admin=admin,
        )
    )
    cr.execute("DROP TABLE bench_entry; DROP TABLE bench_level; DROP TABLE bench_case")
    cr.execute("ANALYZE")
    env.invalidate_all()


def queries(env):
    """(label, callable) for what each report's views ask."""
    company = env.company
    user = env.ref("base.user_admin")
    since = fields.Datetime.now() - timedelta(days=90)

    def group(model, domain, groupby, aggregates):
        return lambda: env[model].with_user(user)._read_group(domain, groupby, aggregates)

    def first_page(model, order):
        """What the list view asks: the first 80 rows and their count up to 10,001."""
        fields_ = env[model]._fields.values()
        spec = {f.name: {"fields": {"display_name": {}}} if f.type == "many2one" else {} for f in fields_}

        def read():
            return (
                env[model]
                .with_user(user)
                .web_search_read([], spec, limit=80, order=order, count_limit=10001)["length"]
            )

        return read

    book, case = "ar.escalation.report.book", "ar.escalation.report.case"
    sla, stay = "ar.escalation.report.sla", "ar.escalation.report.stage"
    reach, dso, cause = "ar.escalation.report.reach", "ar.escalation.report.dso", "ar.escalation.report.cause"
    return [
        (
            "open book: stage x aging (pivot)",
            group(book, [], ["stage_id", "aging_bucket"], ["amount_residual:sum", "__count"]),
        ),
        ("open book: list, first page", first_page(book, None)),
        (
            "SLA breaches: stage x owner",
            group(
                book,
                [("sla_breached", "=", True)],
                ["stage_id", "owner_id"],
                ["__count", "amount_breached:sum"],
            ),
        ),
        (
            "value at risk (7 days) by stage",
            group(
                book,
                [("risk_7d", "!=", False)],
                ["stage_id", "risk_7d"],
                ["amount_at_risk_7d:sum", "__count"],
            ),
        ),
        (
            "open cases: stage x owner",
            group(
                case,
                [("kind", "=", "escalation")],
                ["stage_id", "owner_id"],
                ["__count", "breached_count:sum", "amount_open:sum"],
            ),
        ),
        (
            "SLA adherence by stage (90 days)",
            group(
                sla,
                [("date", ">=", since)],
                ["stage_id"],
                ["adherence:avg", "on_time_count:sum", "counted:sum"],
            ),
        ),
        (
            "SLA adherence by owner (all)",
            group(sla, [], ["owner_id"], ["adherence:avg", "on_time_count:sum", "counted:sum"]),
        ),
        ("SLA adherence: list, first page", first_page(sla, None)),
        (
            "recovery yield + median days",
            group(
                stay,
                [],
                ["stage_id"],
                ["amount_in_done:sum", "amount_recovered:sum", "recovery_yield:avg", "median_days:avg"],
            ),
        ),
        (
            "recovered by month x stage",
            group(
                stay, [("amount_recovered", ">", 0)], ["date_out:month", "stage_id"], ["amount_recovered:sum"]
            ),
        ),
        ("stage stays: list, first page", first_page(stay, None)),
        (
            "executive ratio by tier",
            group(
                reach,
                [],
                ["account_tier"],
                ["escalated:sum", "reached_3:sum", "reached_4:sum", "ratio_3:avg", "ratio_4:avg"],
            ),
        ),
        (
            "DSO: tier x week (8 weeks)",
            group(dso, [], ["account_tier", "date:day"], ["dso:avg", "receivable:sum", "credit_sales:sum"]),
        ),
        ("causes: cause x month", group(cause, [], ["cause", "date:month"], ["__count", "repeat_count:sum"])),
        ("weekly digest, all figures", lambda: env["ar.escalation.digest"]._ar_values(company)),
    ]


def explain(env, label, run):
    """Print the plan of the SQL queries ``run`` executes."""
    cr = env.cr
    original = cr.execute
    plans = []

    def execute(query, params=None, log_exceptions=True):
        text = query.code if isinstance(query, SQL) else query
        if text.lstrip().upper().startswith("SELECT") and "ar_escalation" in str(text) + str(params):
            original(
                SQL("EXPLAIN (ANALYZE, BUFFERS) %s", query)
                if isinstance(query, SQL)
                else "EXPLAIN ANALYZE " + query,
                params,
            )
            plans.append("\n".join(row[0] for row in cr.fetchall()))
        return original(query, params, log_exceptions)

    cr.execute = execute
    try:
        run()
    finally:
        cr.execute = original
    print(f"--- {label}")
    for plan in plans:
        print(plan)


def main(env):
    env = env(context=dict(env.context, tracking_disable=True))
    cr = env.cr
    if not os.environ.get("BENCH_REUSE"):
        start = time.perf_counter()
        first_move = build_invoices(env, N)
        env.flush_all()
        build_history(env, first_move)
        cr.commit()
        print(f"book built in {time.perf_counter() - start:.1f} s", flush=True)
    if os.environ.get("BENCH_DROP_INDEXES"):
        for name in REPORT_INDEXES:
            cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
        cr.commit()
        print("indexes of ar_escalation_reports dropped")
    cr.execute("SELECT COUNT(*) FROM account_move WHERE move_type = 'out_invoice' AND state = 'posted'")
    invoices = cr.fetchone()[0]
    cr.execute("SELECT kind, COUNT(*) FROM ar_escalation_event GROUP BY kind ORDER BY kind")
    kinds = cr.fetchall()
    cr.execute("SELECT COUNT(*) FROM ar_escalation_case")
    cases = cr.fetchone()[0]
    print(
        f"== escalation reports: {invoices:,} customer invoices, {sum(c for __, c in kinds):,} events "
        f"({', '.join(f'{k} {c:,}' for k, c in kinds)}), {cases:,} cases =="
    )
    slowest = 0.0
    for label, run in queries(env):
        times = []
        for __ in range(3):
            env.invalidate_all()
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        slowest = max(slowest, min(times))
        verdict = "ok" if min(times) < 2.0 else "SLOW"
        print(f"{label:<36} best {min(times):6.3f} s  worst {max(times):6.3f} s  {verdict}", flush=True)
        if os.environ.get("BENCH_EXPLAIN"):
            explain(env, label, run)
    print(f"slowest report: {slowest:.3f} s (target < 2 s)")


main(env)  # noqa: F821 - ``env`` is provided by odoo shell
