# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Reasons are stored as codes and read in the reader's language (issue 14).

The run writes an event's reason once, as phrase codes; a French reader then
reads it in French and an English one in English, amounts in the company's
currency; a person's own words read as they were written; an event written
before the codes (its text in the old column) reads as it did.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

from odoo.tests import tagged
from odoo.tools import SQL, format_amount

from .common import ArEscalationCommon

MIGRATION = Path(__file__).resolve().parent.parent / "migrations" / "18.0.1.3.0" / "post-migrate.py"


@tagged("post_install", "-at_install")
class TestReasonCodes(ArEscalationCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.env["ir.module.module"]._load_module_terms(["ar_escalation_ladder"], ["fr_FR"], overwrite=True)

    def _french(self, records):
        return records.with_context(lang="fr_FR")

    def test_a_stage_change_reads_in_the_readers_language(self):
        move = self._invoice(self.customer, 500, 31)
        self._run(move)
        event = self._events(move, "stage")
        self.assertEqual(event.reason_data, [{"code": "days_overdue", "days": 31}])
        self.assertEqual(event.reason, "31 days overdue")
        self.assertEqual(self._french(event).reason, "31 jours de retard")
        self.assertEqual(self._french(move).ar_reason, "31 jours de retard")
        self.assertEqual(move.ar_reason, "31 days overdue")
        french = self._french(event)
        kinds = dict(french._fields["kind"]._description_selection(french.env))
        self.assertEqual(kinds[event.kind], "Changement d'étape", "the event's kind reads in French too")
        # the case's owner was handed the escalation: said in the reader's words too
        handed = self._events(move, "activity")
        owner = handed.owner_id.name
        self.assertEqual(handed.reason_data, [{"code": "escalated_to", "owner": owner}])
        self.assertEqual(handed.reason, f"Escalated to {owner}")
        self.assertEqual(self._french(handed).reason, f"Escaladé à {owner}")

    def test_amounts_read_in_the_company_currency_in_either_language(self):
        self.stage3.rule_ids = [
            (0, 0, {"kind": "amount_residual", "use_min": True, "min_value": 10000}),
        ]
        move = self._invoice(self.customer, 33000, 3)
        self._run(move)
        event = self._events(move, "stage")
        self.assertEqual(event.reason_data[1], {"code": "open_on_invoice", "amount": 33000.0})
        french = self._french(event)
        money = format_amount(french.env, 33000, self.company.currency_id)
        self.assertEqual(french.reason, f"3 jours de retard; {money} restant dû sur la facture")
        self.assertIn(format_amount(self.env, 33000, self.company.currency_id), event.reason)

    def test_an_invoice_held_at_its_stage_says_so_in_french(self):
        move = self._invoice(self.customer, 500, 40)
        self._run(move)
        self.assertEqual(move.ar_stage_id, self.stage3)
        # a credit note's date moved, the rules now point lower: the invoice stays
        move.sudo().invoice_date_due = self.today - timedelta(days=20)  # sudo: the test moves the date
        move.invalidate_recordset(["ar_reason", "ar_reason_data"])
        self.assertEqual(move.ar_reason_data[-1]["code"], "held_at")
        self.assertTrue(move.ar_reason.endswith("(escalation only moves up)"), move.ar_reason)
        french = self._french(move).ar_reason
        self.assertTrue(french.startswith("20 jours de retard; maintenue à l'étape "), french)
        self.assertTrue(french.endswith("(l'escalade ne fait que monter)"), french)

    def test_a_persons_words_read_as_written(self):
        move = self._invoice(self.customer, 500, 5)
        self._run(move)
        move._ar_override(self.stage2, "Le client a demandé un geste")
        override = self._events(move, "override")
        self.assertEqual(override.reason_data, [{"code": "text", "text": "Le client a demandé un geste"}])
        self.assertEqual(override.reason, "Le client a demandé un geste")
        self.assertEqual(self._french(override).reason, "Le client a demandé un geste")
        self.assertEqual(move.ar_reason, "Set by hand: Le client a demandé un geste")
        self.assertEqual(self._french(move).ar_reason, "Défini manuellement : Le client a demandé un geste")

    def test_why_no_message_goes_is_a_code_worded_for_the_reader(self):
        hold = self.env["ar.escalation.preview.line"]._fields["hold"]
        english = dict(hold._description_selection(self.env))
        french = dict(hold._description_selection(self._french(self.env["ar.escalation.preview.line"]).env))
        self.assertEqual(english["not_due_yet"], "next reminder not due yet")
        self.assertEqual(french["not_due_yet"], "prochaine relance pas encore due")
        self.assertEqual(french["cadence_complete"], "cadence terminée")

    def test_an_event_written_before_the_codes_reads_as_it_did(self):
        move = self._invoice(self.customer, 500, 5)
        self._run(move)
        event = self._events(move, "stage")
        cr = self.env.cr
        # the table as version 18.0.1.2.0 left it: the reason's text in its own column
        cr.execute(SQL("ALTER TABLE ar_escalation_event ADD COLUMN IF NOT EXISTS reason varchar"))
        cr.execute(
            SQL(
                "UPDATE ar_escalation_event SET reason = %s, reason_data = NULL WHERE id = %s",
                "5 days overdue; 2 promises broken",
                event.id,
            )
        )
        spec = importlib.util.spec_from_file_location("ar_reason_migration", MIGRATION)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        migration.migrate(cr, "18.0.1.2.0")
        event.invalidate_recordset()
        self.assertEqual(event.reason_data, [{"code": "text", "text": "5 days overdue; 2 promises broken"}])
        self.assertEqual(event.reason, "5 days overdue; 2 promises broken")
        self.assertEqual(self._french(event).reason, "5 days overdue; 2 promises broken")
        migration.migrate(cr, "18.0.1.2.0")
        event.invalidate_recordset()
        self.assertEqual(len(event.reason_data), 1, "run twice, the migration changes nothing more")
