# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ArEscalationCommon

AR_ADDONS = ["ar_escalation_ladder", "ar_escalation_sms", "ar_escalation_reports"]


@tagged("post_install", "-at_install")
class TestTourFrench(ArEscalationCommon, HttpCase):
    """The UI runs in French: the board and the invoice's band, as a French AR manager sees them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        modules = cls.env["ir.module.module"]
        installed = modules.search([("name", "in", AR_ADDONS), ("state", "=", "installed")])
        # the views', fields' and records' terms from the shipped i18n/fr.po (the
        # code's terms are read from the same files when a text is written)
        modules._load_module_terms(installed.mapped("name"), ["fr_FR"], overwrite=True)
        cls.user_fr = new_test_user(
            cls.env,
            "ar_fr_manager",
            groups="base.group_user,account.group_account_invoice,ar_escalation_ladder.group_ar_manager",
            name="Françoise Recouvrement",
            lang="fr_FR",
            tz="Europe/Paris",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        dupont = cls._customer("Les Fromages Dupont", email="compta@dupont.example.com")
        martin = cls._customer("Boulangerie Martin", email="ap@martin.example.com")
        cls.managed = cls._invoice(dupont, 2400, 20)
        cls.early = cls._invoice(martin, 900, 5)

    def test_board_and_invoice_band_read_in_french(self):
        self._run(self.managed | self.early)
        self.assertEqual(self.managed.ar_stage_id, self.stage2)
        self.assertEqual(self.early.ar_stage_id, self.stage1)
        as_french = self.managed.with_user(self.user_fr).with_context(lang="fr_FR")
        # what the band shows, read as the French user: the stage's French name
        # and the reason written in French at display time
        self.assertEqual(as_french.ar_stage_id.name, "Encadrée")
        # counted on the French user's day (Europe/Paris: after 23:00 UTC, tomorrow already)
        days = (fields.Date.context_today(as_french) - self.managed.invoice_date_due).days
        self.assertIn(f"{days} jours de retard", as_french.ar_reason)
        self.assertNotIn("days overdue", as_french.ar_reason)
        self.start_tour(
            "/odoo/action-ar_escalation_ladder.account_move_action_ar_board",
            "ar_escalation_french_board_and_invoice",
            login="ar_fr_manager",
        )
