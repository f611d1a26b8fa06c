# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Benchmark of the segmentation run (not a test): 10,000 customers, about 100,000 invoices.

Run inside ``odoo shell`` on a throwaway database where ar_escalation_ladder
is installed (``bash setup/benchmark_segments.sh`` does it)::

    BENCH_SETUP=setup BENCH_TESTS=tests odoo shell -d DB < setup/benchmark_segments.py

The book is the planted one of tests/planted_book.py (five behaviour groups,
two years of history, an invoice every ~66 days): ``BENCH_PER_GROUP``
customers a group (2,000). It is written in SQL, cloned from one invoice, one
settling entry and its reconciliation made through the ORM, so that building
it takes seconds; the segmentation itself runs through the real code (the
button's ``_ar_segment_company``): the SQL reads, the engine, the segment
records, the customers' writes grouped by equal values, the chatter notes of
the changed segments, the track rules. Two passes are timed: the first run
(every customer changes segment: 10,000 chatter notes) and a rerun (the
segments found again, nothing changes). Printed: seconds, queries, peak RSS,
and the adjusted Rand index against the planted groups.
"""

import os
import sys
import time
from datetime import timedelta

from psycopg2.extras import execute_values

from odoo import Command, fields
from odoo.tools import SQL

sys.path[:0] = [os.environ.get("BENCH_SETUP", "setup"), os.environ.get("BENCH_TESTS", "tests")]
import benchmark_escalation as bench  # noqa: E402 - the query counter, RSS, clone helpers
from planted_book import adjusted_rand_index, planted_book  # noqa: E402

PER_GROUP = int(os.environ.get("BENCH_PER_GROUP", "2000"))
EVERY_DAYS = int(os.environ.get("BENCH_EVERY_DAYS", "66"))
LIMIT_SECONDS = 60
# BENCH_COMMIT=0: a trial run that leaves the database as it was (rolled back at the end)
COMMIT = os.environ.get("BENCH_COMMIT", "1") == "1"


def commit(env):
    if COMMIT:
        env.cr.commit()


def clone_from(cr, table, template_id, source, overrides):
    """Insert a copy of row ``template_id`` per row of ``source`` (an SQL query aliased ``b``)."""
    cr.execute(
        SQL(
            "SELECT column_name FROM information_schema.columns"
            " WHERE table_name = %s AND column_name != 'id'",
            table,
        )
    )
    columns = [row[0] for row in cr.fetchall()]
    select = [SQL(overrides[c]) if c in overrides else SQL.identifier("t", c) for c in columns]
    cr.execute(
        SQL(
            "INSERT INTO %s (%s) SELECT %s FROM %s t, (%s) b WHERE t.id = %s ORDER BY b.g",
            SQL.identifier(table),
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(", ").join(select),
            SQL.identifier(table),
            SQL(source),
            template_id,
        )
    )


def templates(env, today):
    """One customer, one invoice settled by one entry (their reconciliation), one dispute: through the ORM."""
    partner = env["res.partner"].create({"name": "Segment bench", "is_company": True})
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": today - timedelta(days=60),
            "invoice_line_ids": [Command.create({"name": "Bench", "price_unit": 100.0, "tax_ids": []})],
        }
    )
    invoice.action_post()
    receivable = invoice.line_ids.filtered(lambda line: line.display_type == "payment_term")
    journal = env["account.journal"].search([("type", "=", "general"), ("company_id", "=", env.company.id)])[
        :1
    ]
    bank = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", env.company.id)])[:1]
    entry = env["account.move"].create(
        {
            "move_type": "entry",
            "journal_id": journal.id,
            "date": today - timedelta(days=20),
            "line_ids": [
                Command.create(
                    {"account_id": receivable.account_id.id, "partner_id": partner.id, "credit": 100.0}
                ),
                Command.create({"account_id": bank.default_account_id.id, "debit": 100.0}),
            ],
        }
    )
    entry.action_post()
    (receivable | entry.line_ids.filtered("partner_id")).reconcile()
    dispute = (
        env["ar.escalation.dispute"]
        .sudo()
        .create({"move_id": invoice.id, "code": "pricing", "note": "Bench", "state": "resolved"})
    )
    env.flush_all()
    partial = receivable.matched_credit_ids
    return partner, invoice, receivable, partial, dispute


def load_book(env, book):
    """The planted book in a table ``bench_seg`` (one row per invoice)."""
    cr = env.cr
    cr.execute(
        "CREATE TEMP TABLE bench_seg (g int PRIMARY KEY, c int, issued date, due date, amount numeric,"
        " paid date, disputed bool)"
    )
    rows, g = [], 0
    for index, customer in enumerate(book.customers):
        for inv in customer.invoices:
            g += 1
            rows.append((g, index + 1, inv.issued, inv.due, inv.amount, inv.paid, inv.disputed))
    execute_values(cr._obj, "INSERT INTO bench_seg VALUES %s", rows, page_size=5000)
    cr.execute("ANALYZE bench_seg")
    return g


def max_id(cr, table):
    cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM %s", SQL.identifier(table)))
    return cr.fetchone()[0]


def build(env, book):
    """Customers, invoices, their lines, settlements and disputes, cloned in SQL from the templates."""
    cr = env.cr
    today = book.today
    partner, invoice, receivable, partial, dispute = templates(env, today)
    invoices = load_book(env, book)
    cr.execute("SELECT COALESCE(MAX(id), 0) FROM res_partner")
    first_partner = cr.fetchone()[0] + 1
    bench.clone_rows(
        cr,
        "res_partner",
        partner.id,
        len(book.customers),
        {"name": "'Planted ' || g", "complete_name": "'Planted ' || g", "commercial_partner_id": "NULL"},
    )
    cr.execute("UPDATE res_partner SET commercial_partner_id = id WHERE id >= %s", [first_partner])
    pid = f"{first_partner} + b.c - 1"
    state = "CASE WHEN b.paid IS NULL THEN 'not_paid' ELSE 'paid' END"
    residual = "CASE WHEN b.paid IS NULL THEN b.amount ELSE 0 END"
    name = "'SEG/' || lpad(b.g::text, 7, '0')"
    move_values = {
        "name": name,
        "partner_id": pid,
        "commercial_partner_id": pid,
        "invoice_date": "b.issued",
        "date": "b.issued",
        "invoice_date_due": "b.due",
        "payment_state": state,
        "access_token": "NULL",
        **dict.fromkeys(
            (
                "amount_total",
                "amount_total_signed",
                "amount_total_in_currency_signed",
                "amount_untaxed",
                "amount_untaxed_signed",
            ),
            "b.amount",
        ),
        "amount_residual": residual,
        "amount_residual_signed": residual,
    }
    # rows get their ids in the order of b.g: invoice g is first_move + g - 1, its lines likewise
    first_move = max_id(cr, "account_move") + 1
    clone_from(cr, "account_move", invoice.id, "SELECT * FROM bench_seg", move_values)
    move_id = f"{first_move} + b.g - 1"
    first_receivable = None
    for line in invoice.line_ids:
        is_receivable = line == receivable
        if is_receivable:
            first_receivable = max_id(cr, "account_move_line") + 1
        sign = "" if line.balance > 0 else "-"
        clone_from(
            cr,
            "account_move_line",
            line.id,
            "SELECT * FROM bench_seg",
            {
                "move_id": move_id,
                "partner_id": pid,
                "move_name": name,
                "date": "b.issued",
                "date_maturity": "b.due" if is_receivable else "t.date_maturity",
                "balance": f"{sign}b.amount",
                "amount_currency": f"{sign}b.amount",
                "debit": "b.amount" if not sign else "0",
                "credit": "b.amount" if sign else "0",
                "amount_residual": residual if is_receivable else "0",
                "amount_residual_currency": residual if is_receivable else "0",
                "reconciled": "b.paid IS NOT NULL" if is_receivable else "t.reconciled",
                "price_unit": "b.amount",
                "price_subtotal": "b.amount",
                "price_total": "b.amount",
            },
        )
    clone_from(
        cr,
        "account_partial_reconcile",
        partial.id,
        "SELECT * FROM bench_seg WHERE paid IS NOT NULL",
        {"debit_move_id": f"{first_receivable} + b.g - 1", "max_date": "b.paid", "full_reconcile_id": "NULL"},
    )
    clone_from(
        cr,
        "ar_escalation_dispute",
        dispute.id,
        "SELECT * FROM bench_seg WHERE disputed",
        {"move_id": move_id, "partner_id": pid},
    )
    # the templates leave the book
    env["ar.escalation.dispute"].sudo().browse(dispute.id).unlink()
    cr.execute("DELETE FROM account_partial_reconcile WHERE id = %s", [partial.id])
    cr.execute(
        "ANALYZE account_move; ANALYZE account_move_line; ANALYZE account_partial_reconcile;"
        " ANALYZE res_partner"
    )
    env.invalidate_all()
    return first_partner, invoices


def check(cr, first_partner, customers):
    """The clones got their ids in order: customer g is first_partner + g - 1, a line is its move's."""
    cr.execute(
        "SELECT COUNT(*) FROM res_partner WHERE id >= %s AND id < %s AND name != 'Planted ' || (id - %s + 1)",
        [first_partner, first_partner + customers, first_partner],
    )
    partners = cr.fetchone()[0]
    cr.execute(
        "SELECT COUNT(*) FROM account_move_line l JOIN account_move m ON m.id = l.move_id"
        " WHERE m.name LIKE 'SEG/%%' AND l.move_name != m.name"
    )
    lines = cr.fetchone()[0]
    assert not partners and not lines, f"clones out of order: {partners} customers, {lines} lines"


def timed(env, label, company):
    env.invalidate_all()
    start = time.perf_counter()
    with bench.QueryCounter(env.cr) as counter:
        summary = env["ar.escalation.segment"]._ar_segment_company(company)
        env.flush_all()
    elapsed = time.perf_counter() - start
    commit(env)
    print(
        f"{label:<12} {elapsed:7.2f} s  {counter.count:6d} queries  peak RSS {bench.peak_rss_mb():6.0f} MB  "
        f"status {summary['status']}, {summary['segments']} segments, {summary['segmented']} of "
        f"{summary['customers']} customers segmented, {summary['early_risk']} at early risk, "
        f"model {summary['model']}",
        flush=True,
    )
    return elapsed


def main(env):
    today = fields.Date.context_today(env.user)
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    book = planted_book(per_group=PER_GROUP, seed=11, today=today, every_days=EVERY_DAYS)
    start = time.perf_counter()
    first_partner, invoices = build(env, book)
    check(env.cr, first_partner, len(book.customers))
    commit(env)
    print(
        f"book: {len(book.customers)} customers, {invoices} invoices,"
        f" built in {time.perf_counter() - start:.1f} s"
    )
    first = timed(env, "first run", company)
    timed(env, "rerun", company)
    env.cr.execute(
        "SELECT id, COALESCE(ar_segment_id, -1) FROM res_partner WHERE id >= %s AND id < %s ORDER BY id",
        [first_partner, first_partner + len(book.customers)],
    )
    found = [segment for __, segment in env.cr.fetchall()]
    if not COMMIT:
        env.cr.rollback()
    print(f"adjusted Rand index against the planted groups: {adjusted_rand_index(book.groups(), found):.3f}")
    verdict = "under" if first < LIMIT_SECONDS else "OVER"
    print(
        f"segmentation of {len(book.customers)} customers / {invoices} invoices:"
        f" {first:.1f} s ({verdict} {LIMIT_SECONDS} s)"
    )


if __name__ == "__main__":  # fed to odoo shell
    main(env)  # noqa: F821 - ``env`` is provided by odoo shell
