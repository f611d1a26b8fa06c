# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Segments on the demo database: a planted book of customers, then the segmentation run.

Run inside ``odoo shell`` on a database with the three addons (the demo's,
``setup/run.sh`` with ``AR_DEMO_SEGMENTS=1`` does it)::

    odoo shell -d DB --no-http < setup/segment_demo.py

Posts in the current company the planted book of tests/planted_book.py — the
segmentation tests' generator: punctual, chronic late, deteriorating, seasonal
and dispute-prone customers with two years of invoices, disputes and broken
promises — through the ORM, as the Odoo test does (its ``post_book``: invoices
posted, settled by journal entries reconciled on the book's dates). Then it
runs the segmentation the *Segment customers now* button runs
(``_ar_segment_company``): behaviour segments, each customer's segment and
reasons, the segment map's colours and a drafted track for each segment no
assignment rule places. ``AR_SEGMENT_DEMO_PER_GROUP`` customers a group (30:
150 customers, about 2,100 invoices; about three minutes of CPU). The book is
posted once (marked by a system parameter); a second run only segments again.
"""

import os

from odoo import fields
from odoo.tools import mute_logger

# the Odoo test's own posting of the book, reused; odoo.tests logs an error when
# imported outside a test run ("avoid importing from business modules"), which
# is what this demo deliberately does
with mute_logger("odoo.tests.common"):
    from odoo.addons.ar_escalation_ladder.tests.test_segmentation import planted_module, post_book

MARK = "ar_escalation.segment_demo_book"
PER_GROUP = int(os.environ.get("AR_SEGMENT_DEMO_PER_GROUP", "30"))


def company_journals(env, company):
    """The journals the test's ``post_book`` settles the invoices with."""
    Journal = env["account.journal"].with_company(company)
    domain = [("company_id", "=", company.id)]
    return {
        "default_journal_bank": Journal.search([*domain, ("type", "=", "bank")], limit=1),
        "default_journal_misc": Journal.search([*domain, ("type", "=", "general")], limit=1),
    }


def main(env):
    company = env.company
    params = env["ir.config_parameter"].sudo()
    if not params.get_param(MARK):
        today = fields.Date.context_today(env.user)
        book = planted_module().planted_book(per_group=PER_GROUP, seed=7, every_days=45, today=today)
        partners = post_book(env, book, company_journals(env, company))
        params.set_param(MARK, fields.Date.to_string(today))
        invoices = sum(len(customer.invoices) for customer in book.customers)
        print(f"Planted book posted: {len(partners)} customers, {invoices} invoices.")
    Segment = env["ar.escalation.segment"].with_company(company)
    summary = Segment._ar_segment_company(company)
    env.cr.commit()  # odoo shell rolls back otherwise
    print(Segment._ar_summary_text(company, summary))
    drafted = env["ar.escalation.track"].search([("state", "=", "draft"), ("segment_id", "!=", False)])
    print(f"Drafted tracks waiting for approval: {', '.join(drafted.mapped('name')) or 'none'}.")


main(env)  # noqa: F821 - odoo shell's environment
