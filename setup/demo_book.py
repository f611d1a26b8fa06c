# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Build a realistic demo AR book and run the escalation once.

Run inside ``odoo shell`` (setup/run.sh does it): ``env`` is Odoo's. Safe to
run again: the book is created once (marked by a system parameter) and the
escalation run is idempotent by design.

The book: customers of every account tier, invoices at every age from
not-yet-due to 95 days overdue, one kept and one broken promise to pay, one
dispute, one customer without an email address, and the escalation owners.
"""

from datetime import timedelta

from odoo import Command, fields

MARKER = "ar_escalation.demo_book"


def ensure_chart(env):
    company = env.company
    if not company.chart_template:
        env["account.chart.template"].try_loading("generic_coa", company, install_demo=False)
    return company


def ensure_user(env, login, name):
    user = env["res.users"].with_context(active_test=False).search([("login", "=", login)])
    if user:
        return user
    groups = [
        env.ref("base.group_user").id,
        env.ref("account.group_account_invoice").id,
        env.ref("ar_escalation_ladder.group_ar_user").id,
    ]
    return env["res.users"].create(
        {
            "login": login,
            "name": name,
            "password": login,
            "email": f"{login}@demo.example.com",
            "groups_id": [Command.set(groups)],
        }
    )


def build(env):
    company = ensure_chart(env)
    today = fields.Date.context_today(env.user)
    users = {
        "operator": ensure_user(env, "ar.operator", "Olivia Operator"),
        "am": ensure_user(env, "account.manager", "Adam Account-Manager"),
        "lead": ensure_user(env, "ar.lead", "Lena AR-Lead"),
        "finance": ensure_user(env, "finance.lead", "Fred Finance-Lead"),
        "cfo": ensure_user(env, "cfo", "Carla CFO"),
    }
    company.write(
        {
            "email": company.email or "ar@yourcompany.example.com",
            "ar_escalation_enabled": True,
            "ar_operator_user_id": users["operator"].id,
            "ar_lead_user_id": users["lead"].id,
            "ar_finance_lead_user_id": users["finance"].id,
            "ar_cfo_user_id": users["cfo"].id,
        }
    )
    Partner = env["res.partner"]

    def customer(name, tier, email, **vals):
        return Partner.create(
            {
                "name": name,
                "is_company": True,
                "email": email,
                "ar_account_tier": tier,
                "ar_account_manager_id": users["am"].id,
                **vals,
            }
        )

    customers = {
        "globex": customer(
            "Globex Corporation", "strategic", "ap@globex.example.com", phone="+1 415 555 0100"
        ),
        "initech": customer("Initech", "key", "payables@initech.example.com", ar_requires_ref=True),
        "umbrella": customer("Umbrella Retail", "standard", "billing@umbrella.example.com"),
        "hooli": customer("Hooli Services", "standard", "finance@hooli.example.com"),
        "piedpiper": customer("Pied Piper", "small", "money@piedpiper.example.com"),
        "silent": customer("Silent Partner LLC", "small", False),  # no email: hygiene task
        "vandelay": customer("Vandelay Industries", "key", "ap@vandelay.example.com"),
    }
    escalation_contact = Partner.create(
        {
            "name": "Gina Globex (CFO)",
            "parent_id": customers["globex"].id,
            "email": "cfo@globex.example.com",
            "type": "contact",
        }
    )
    customers["globex"].ar_escalation_contact_id = escalation_contact

    def invoice(partner, amount, days_overdue, ref=None):
        due = today - timedelta(days=days_overdue)
        move = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": min(due, today),
                "invoice_date_due": due,
                "ref": ref,
                "invoice_line_ids": [
                    Command.create({"name": "Services", "quantity": 1, "price_unit": amount, "tax_ids": []})
                ],
            }
        )
        move.action_post()
        move.invoice_date_due = due
        return move

    ages = [-5, 3, 9, 14, 18, 26, 33, 45, 58, 66, 95]
    amounts = [1200, 4800, 950, 15000, 2300, 7800, 520, 33000, 3100, 8900, 12500]
    for i, (days, amount) in enumerate(zip(ages, amounts, strict=True)):
        partner = list(customers.values())[i % len(customers)]
        invoice(partner, amount, days, ref=f"PO-{4400 + i}")
    # a customer that pays late and later and later: its next invoice, not yet
    # due, is a preventive case (two risk signals: late payer, worsening trend)
    for days, late in ((120, 10), (80, 30)):
        paid = invoice(customers["vandelay"], 2000, days)
        register = (
            env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=paid.ids)
            .create({"payment_date": today - timedelta(days=days - late)})
        )
        register._create_payments()
    upcoming = invoice(customers["vandelay"], 6400, -4, ref="PO-VAN-1")
    # kept promise: promised, then paid in full
    kept = invoice(customers["hooli"], 1800, 12)
    kept._ar_log_promise([(today + timedelta(days=2), kept.amount_residual)], confidence="high")
    env["account.payment.register"].with_context(active_model="account.move", active_ids=kept.ids).create(
        {"payment_date": today}
    )._create_payments()
    # broken promise: the promised date passed long ago, nothing paid
    broken = invoice(customers["umbrella"], 2600, 14)
    broken._ar_log_promise([(today - timedelta(days=7), broken.amount_residual)], confidence="medium")
    # the kind of thing that also happens: a dispute
    disputed = invoice(customers["piedpiper"], 4100, 21)
    disputed._ar_log_dispute("pricing", "Unit price differs from the signed quote (98 vs 89).")
    return upcoming


def main(env):
    params = env["ir.config_parameter"].sudo()
    if not params.get_param(MARKER):
        build(env)
        params.set_param(MARKER, fields.Datetime.to_string(fields.Datetime.now()))
        print("AR escalation demo book created.")
    else:
        print("AR escalation demo book already there; running the escalation again (idempotent).")
    env["ar.escalation.promise"]._cron_settle(fields.Date.context_today(env.user))
    runner = env["ar.escalation.runner"]
    while runner._cron_run():
        pass
    events = env["ar.escalation.event"].search_count([])
    staged = env["account.move"].search_count([("ar_stage_id", "!=", False)])
    print(f"Escalation run done: {staged} invoices on the ladder, {events} escalation events.")
    env.cr.commit()  # odoo shell does not commit on its own


main(env)  # noqa: F821 - ``env`` is provided by odoo shell
