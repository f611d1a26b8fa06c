# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Words a person reads easily (issue 13): money with its currency, dates in the reader's
format and time zone, errors in the words of the forms, and no access error for an
accountant who reads invoices and customers without an AR group."""

import base64
import codecs
import json
from datetime import timedelta

import yaml

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import format_amount, format_date

from ..models.ar_escalation_format import format_reader_datetime, reason_words
from .common import ArEscalationCommon
from .test_permissions import ArRolesCommon


@tagged("post_install", "-at_install")
class TestReasonsInWords(ArEscalationCommon):
    def _money(self, amount):
        return format_amount(self.env, amount, self.company.currency_id)

    def test_ages_read_due_in_not_negative_overdue(self):
        words = reason_words(self.env, self.company)
        self.assertEqual(words.days_overdue(5), "5 days overdue")
        self.assertEqual(words.days_overdue(1), "1 day overdue")
        self.assertEqual(words.days_overdue(0), "due today")
        self.assertEqual(words.days_overdue(-1), "due tomorrow")
        self.assertEqual(words.days_overdue(-5), "due in 5 days")

    def test_a_not_yet_due_invoice_reads_due_in(self):
        # a risky customer's invoice not yet due enters Preventive: "due in 4 days"
        self.stage0.rule_ids = [Command.clear(), Command.create({"kind": "account_tier", "tier_key": True})]
        move = self._invoice(self.customer_b, 640, -4)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage0)
        self.assertTrue(move.ar_reason.startswith("due in 4 days"), move.ar_reason)
        self.assertNotIn("-4", move.ar_reason)
        line = self._events(move, "stage").message_id.body
        self.assertIn("due in 4 days; key account", line)

    def test_amounts_in_reasons_carry_the_company_currency(self):
        self.stage3.rule_ids = [
            Command.create({"kind": "amount_residual", "use_min": True, "min_value": 10000})
        ]
        self.stage2.rule_ids = [
            Command.create({"kind": "customer_overdue", "use_min": True, "min_value": 5000}),
        ]
        big = self._invoice(self.customer, 33000, 3)
        small = self._invoice(self.customer_b, 3000, 3)
        self._invoice(self.customer_b, 2500, 4)
        self._run()
        self.assertEqual(big.ar_reason, f"3 days overdue; {self._money(33000)} open on the invoice")
        self.assertIn(self.company.currency_id.symbol, big.ar_reason)
        self.assertIn(f"{self._money(5500)} overdue for the customer", small.ar_reason)
        # the chatter line of the stage change says the same
        body = str(self._events(big, "stage").message_id.body).replace("&nbsp;", "\xa0")
        self.assertIn(f"{self._money(33000)} open on the invoice", body)

    def test_promise_kept_or_broken_reads_money_and_a_date(self):
        move = self._invoice(self.customer, 950, 5)
        self._run(move)
        due = self.today - timedelta(days=5)
        move._ar_log_promise([(self.today, 950.0)])
        move.ar_promise_ids.line_ids.sudo().date = due  # sudo: time passes
        self.env["ar.escalation.promise"]._cron_settle(self.today)
        broken = self._events(move, "promise_broken")
        money = move.currency_id.format(950.0)
        self.assertEqual(broken.reason, f"Promise of {money} by {format_date(self.env, due)} broken")
        self.assertNotIn("950.0 ", broken.reason)
        self.assertNotIn(fields.Date.to_string(due), broken.reason)

    def test_a_promise_above_what_is_open_is_refused_in_money(self):
        move = self._invoice(self.customer, 950, 5)
        with self.assertRaises(ValidationError) as err:
            self.env["ar.escalation.promise"].sudo().create(
                {
                    "move_id": move.id,
                    "residual_at_promise": 950.0,
                    "line_ids": [Command.create({"date": self.today, "amount": 1200.0})],
                }
            )
        currency = move.currency_id
        self.assertIn(f"({currency.format(1200.0)}) exceeds what is open", str(err.exception))
        self.assertIn(f"({currency.format(950.0)})", str(err.exception))

    def test_rollup_names_the_deadline_missed_in_the_owners_time_zone(self):
        self.user_am.tz = "Europe/Brussels"
        move = self._invoice(self.customer, 100, 5)
        self._run(move)
        case = move.ar_case_id
        deadline = case.sla_deadline
        run_at = deadline + timedelta(hours=7)
        self.env["ar.escalation.case"]._cron_rollup(run_at)
        rollup = self._events(move, "rollup")
        expected = format_reader_datetime(self.env, deadline, self.user_am)
        self.assertIn("(Europe/Brussels)", expected)
        self.assertTrue(
            rollup.reason.startswith(f"Not acknowledged by the deadline of {expected}: rolled up from"),
            rollup.reason,
        )
        self.assertNotIn(format_reader_datetime(self.env, run_at, self.user_am), rollup.reason)

    def test_customer_risk_signals_in_words(self):
        self.assertEqual(
            reason_words(self.env, self.company).risk_signals(("late_payer", "worsening")),
            "2 risk signals (pays late on average, payment delays worsening)",
        )


@tagged("post_install", "-at_install")
class TestPolicyErrorsInWords(ArEscalationCommon):
    def _import(self, raw, fmt="yaml"):
        wizard = self.env["ar.escalation.policy.wizard"].create(
            {"file_format": fmt, "file": base64.b64encode(raw), "filename": f"ladder.{fmt}"}
        )
        return wizard.action_import()

    def _export(self):
        wizard = self.env["ar.escalation.policy.wizard"].create({"file_format": "yaml"})
        return yaml.safe_load(wizard._ar_dump(wizard._ar_export_data()))

    def _refusal(self, data, fmt="yaml"):
        raw = (json.dumps(data) if fmt == "json" else yaml.safe_dump(data, allow_unicode=True)).encode()
        with self.assertRaises(UserError) as err:
            self._import(raw, fmt)
        return str(err.exception)

    def assertPlain(self, message):
        for technical in (
            "Input should",
            "pydantic",
            "Traceback",
            "Value error",
            "Field required",
            "errors.pydantic",
        ):
            self.assertNotIn(technical, message)

    def test_an_inverted_range_reads_as_a_range(self):
        data = self._export()
        managed = next(s for s in data["stages"] if s["name"] == "Managed")
        managed["rules"][0].update(min=20, max=15)
        message = self._refusal(data)
        self.assertEqual(
            message,
            "The policy was not imported:\n"
            "Stage “Managed” (level 2), rule 1 (Days overdue): "
            "The range of days overdue starts at 20 but ends at 15.",
        )
        self.assertEqual(self.stage2.rule_ids[0].min_value, 16.0, "nothing changed")

    def test_each_fault_in_the_words_of_the_form(self):
        data = self._export()
        early = next(s for s in data["stages"] if s["name"] == "Early")
        early["sla_hours"] = -2
        early["channel"] = "fax"
        early["colour"] = "red"
        early["rules"].append({"kind": "days_late", "min": 3})
        message = self._refusal(data)
        self.assertPlain(message)
        self.assertIn(
            "Stage “Early” (level 1): “SLA (hours)” (sla_hours) must be at least 0; it is -2.", message
        )
        self.assertIn("“External channel” (channel) cannot be “fax”; it is one of:", message)
        self.assertIn("“colour” is not a setting the ladder knows", message)
        self.assertIn("“days_late” is not a kind of rule", message)
        data = self._export()
        data["stages"][1]["sequence"] = data["stages"][2]["sequence"]
        message = self._refusal(data)
        self.assertIn("share level 2: each stage needs its own level.", message)
        data = self._export()
        data["stages"][0]["rules"][0]["min"] = "ten"
        message = self._refusal(data, "json")
        self.assertPlain(message)
        self.assertIn("rule 1 (Days overdue): “From” (min) must be a number; it is “ten”.", message)

    def test_presentation_and_templates_are_checked_in_words(self):
        data = self._export()
        data["stages"][0]["presentation"]["tone"] = "loud"
        self.assertIn("“Tone” (tone) cannot be “loud”", self._refusal(data))
        data = self._export()
        data["stages"][0]["presentation"]["mail_template"] = "ar_escalation_ladder.no_such_template"
        message = self._refusal(data)
        self.assertIn("names the email template “ar_escalation_ladder.no_such_template”", message)
        self.assertNotIn("External ID", message)

    def test_stage_form_errors_read_as_words(self):
        with self.assertRaises(ValidationError) as err:
            self.stage2.write({"sla_hours": 0, "sla_same_business_day": False})
        self.assertEqual(
            str(err.exception),
            "Stage “Managed” (level 2): "
            "The SLA must be more than 0 hours, unless it is the same business day.",
        )
        with self.assertRaises(ValidationError) as err:
            self.stage2.write({"cadence_max": 3, "cadence_days": 0})
        self.assertIn(
            "With 3 messages at most, the days between them must be at least 1.", str(err.exception)
        )

    def test_a_notepad_file_is_read_or_refused_in_words(self):
        wizard = self.env["ar.escalation.policy.wizard"].create({"file_format": "yaml"})
        text = wizard._ar_dump(wizard._ar_export_data()).replace("Managed", "Gérée")
        # Notepad's "Unicode" (UTF-16 with its byte order mark) and "UTF-8 with BOM" are read
        for raw in (codecs.BOM_UTF16_LE + text.encode("utf-16-le"), codecs.BOM_UTF8 + text.encode()):
            self._import(raw)
            self.assertEqual(self.stage2.name, "Gérée")
            self.stage2.name = "Managed"
        # UTF-16 without its mark, and Latin-1: refused in words, nothing changed
        for raw, words in (
            (text.encode("utf-16-le"), "as UTF-16 without its byte order mark does"),
            (text.encode("latin-1"), "The file is not UTF-8 text (line"),
        ):
            with self.assertRaises(UserError) as err:
                self._import(raw)
            self.assertIn(words, str(err.exception))
            self.assertIn("save it", str(err.exception))
            self.assertNotIn("codec", str(err.exception))
            self.assertEqual(self.stage2.name, "Managed")

    def test_a_broken_file_says_where(self):
        with self.assertRaises(UserError) as err:
            self._import(b"stages:\n  - name: Early\n    sequence: [1\n")
        self.assertIn("The file is not valid YAML: check line", str(err.exception))
        with self.assertRaises(UserError) as err:
            self._import(b'{"stages": [}', "json")
        self.assertEqual(str(err.exception), "The file is not valid JSON: check line 1, column 13.")
        with self.assertRaises(UserError) as err:
            self._import(b"- Early\n- Managed\n")
        self.assertIn("a list of stages under “stages:”", str(err.exception))


@tagged("post_install", "-at_install")
class TestReadersWithoutAnArGroup(ArRolesCommon):
    """An accountant (billing) and a plain employee read customers and invoices over RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.invoice._ar_log_promise([(cls.today + timedelta(days=3), 400.0)])
        cls.employee = cls._user("ar_word_employee", "base.group_user", name="Emma Employee")

    def test_a_billing_user_reads_customers_and_invoices(self):
        partner = self.customer
        names = [
            "ar_risk_signals",
            "ar_avg_days_late",
            "ar_trend",
            "ar_promises_broken",
            "ar_open_escalations",
        ]
        rows = self.assertAllowed(self.billing, "res.partner", "read", partner.ids, names)
        self.assertEqual(rows[0]["ar_open_escalations"], 1)
        self.assertEqual(rows[0]["ar_trend"], "stable")
        # every field, as an export or a custom report reads them
        self.assertAllowed(self.billing, "res.partner", "read", partner.ids)
        # an employee without invoicing reads the customer's escalation figures (core's own
        # invoice list on the customer is refused to it, the ladder's fields are not)
        rows = self.assertAllowed(self.employee, "res.partner", "read", partner.ids, names)
        self.assertEqual(rows[0]["ar_open_escalations"], 1)
        invoice = self.assertAllowed(self.billing, "account.move", "read", self.invoice.ids)[0]
        self.assertEqual(invoice["ar_stage_id"][0], self.invoice.ar_stage_id.id)
        self.assertEqual(invoice["ar_reason"], "20 days overdue")
        self.assertFalse(invoice["ar_can_acknowledge"])
        self.assertGreater(invoice["ar_event_count"], 0)
        # the ladder's own records stay the AR team's: not in the invoice read by an accountant
        for name in ("ar_promise_ids", "ar_dispute_ids", "ar_event_ids", "ar_promise_line_ids"):
            self.assertNotIn(name, invoice)
        self.assertRefused(self.billing, "ar.escalation.promise", "search_read", [], ["amount"])
        # the invoice's form, as the web client loads it
        form = self.assertAllowed(
            self.billing, "account.move", "get_views", [[False, "form"]], options={"load_filters": False}
        )
        self.assertNotIn("ar_promise_ids", form["models"]["account.move"]["fields"])
        spec = {name: {} for name in ("name", "ar_stage_id", "ar_reason", "ar_can_acknowledge", "ar_case_id")}
        self.assertAllowed(self.billing, "account.move", "web_read", self.invoice.ids, spec)
        # a custom report of invoices by escalation stage
        groups = self.assertAllowed(
            self.billing,
            "account.move",
            "read_group",
            [("move_type", "=", "out_invoice")],
            ["amount_residual:sum"],
            ["ar_stage_id"],
        )
        self.assertIn(self.invoice.ar_stage_id.id, [g["ar_stage_id"][0] for g in groups if g["ar_stage_id"]])
        # and an AR user still reads the promises on the invoice
        rows = self.assertAllowed(self.ar_user, "account.move", "read", self.invoice.ids, ["ar_promise_ids"])
        self.assertEqual(rows[0]["ar_promise_ids"], self.invoice.ar_promise_ids.ids)

    def test_a_case_link_in_the_chatter_tells_a_billing_user_it_is_the_ar_teams(self):
        line = self._events(self.invoice, "activity").message_id
        self.assertIn('data-oe-model="ar.escalation.case"', line.body)
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{self.invoice.id}",
            "ar_escalation_case_link_billing",
            login=self.billing.login,
        )


@tagged("post_install", "-at_install")
class TestPortalInWords(ArRolesCommon):
    """The customer's page shows money in the invoice's currency; a form sent twice records once."""

    def _post(self, route, **data):
        response = self._portal_post(None, route, self.invoice, True, **data)
        self.assertEqual(response.status_code, 303)
        return response.headers["Location"]

    def test_the_amount_is_in_the_invoices_currency(self):
        token = self.invoice._portal_ensure_token()
        page = self.url_open(f"/my/invoices/{self.invoice.id}?access_token={token}").text
        currency = self.invoice.currency_id
        self.assertIn('value="1000.00"', page)
        self.assertNotIn('value="1000.0"', page)
        self.assertIn(f'step="{currency.rounding}"', page)
        self.assertIn(f">{currency.symbol}</span>", page)
        self.assertIn("o_ar_portal_form", page, "the forms are sent once (static/src/portal)")

    def test_a_promise_or_a_dispute_sent_twice_is_recorded_once(self):
        data = self._promise_data("400")
        for __ in range(3):
            self.assertIn("ar_message=promise_noted", self._post("ar_promise", **data))
        self.assertEqual(len(self.invoice.ar_promise_ids), 1)
        self.assertEqual(len(self._events(self.invoice, "promise")), 1)
        # another promise is another matter: refused, as before
        self.assertIn("ar_message=promise_exists", self._post("ar_promise", **self._promise_data("300")))
        activities = len(self.invoice.activity_ids)
        for __ in range(3):
            location = self._post("ar_dispute", code="pricing", note="The unit price is 89, not 98")
            self.assertIn("ar_message=dispute_noted", location)
        self.assertEqual(len(self.invoice.ar_dispute_ids), 1)
        self.assertEqual(len(self._events(self.invoice, "dispute")), 1)
        self.assertEqual(len(self.invoice.activity_ids), activities + 1, "the owner is asked once")
        page = self.url_open(location).text
        self.assertIn("we will look into it", page)
