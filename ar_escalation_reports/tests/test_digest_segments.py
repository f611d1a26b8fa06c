# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import tagged

from .common import ArSegmentBookCommon


@tagged("post_install", "-at_install")
class TestDigestSegments(ArSegmentBookCommon):
    """The digest's segments and tracks, on the small book of ArSegmentBookCommon.

    Late (L, Q): 11,500 open, 11,000 overdue (l3 is not due yet); Q flagged early risk (2,000 open).
    Punctual (P): 4,000 open and overdue.
    Ned "Nobody's Segment": an invoice of 300, 12 days overdue, and no segment → Not segmented.
    Tracks: SMB (L) 9,500 open, 9,000 overdue; Strategic (P, Q) 6,000 and 6,000.
    This week: l2 leaves stage 1 (the default track's) at D−3 with 3,000 recovered.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ned = cls._customer("Nobody's Segment", "standard", "ap@ned.example.com")
        cls.n1 = cls._invoice(cls.ned, 300, 12)
        # sudo: the early-risk flag is the segmentation run's
        cls.Q.sudo().ar_early_risk = True

    def setUp(self):
        super().setUp()
        self._enter(self.l2, self.stage1, self._at(-20, 9), 9000)
        moved = self._at(-3, 9)
        self._enter(self.l2, self.stage2, moved, 6000, amount_recovered=3000, from_stage=self.stage1, entry=2)

    def test_segment_rows(self):
        values = self.env["ar.escalation.digest"]._ar_values(self.company, self.today)
        self.assertTrue(values["has_segments"])
        rows = [
            (row["name"], row["customers"], row["open"], row["overdue"], row["early_risk"])
            for row in values["segment_rows"]
        ]
        self.assertEqual(
            rows,
            [
                (self.seg_late.display_name, 2, 11500.0, 11000.0, 1),
                (self.seg_punctual.display_name, 1, 4000.0, 4000.0, 0),
                ("Not segmented", 1, 300.0, 300.0, None),
            ],
        )
        self.assertEqual((values["early_risk_count"], values["early_risk_amount"]), (1, 2000.0))

    def test_track_rows(self):
        values = self.env["ar.escalation.digest"]._ar_values(self.company, self.today)
        rows = {
            row["track"]: (row["customers"], row["open"], row["overdue"], row["recovered"])
            for row in values["track_rows"]
        }
        self.assertEqual(rows[self.track_smb], (1, 9500.0, 9000.0, 0.0))
        self.assertEqual(rows[self.track_strategic], (2, 6000.0, 6000.0, 0.0))
        self.assertEqual(rows[self.track_default][3], 3000.0, "recovered at the default track's stage 1")
        self.assertEqual(rows[self.track_default][:3], (1, 300.0, 300.0), "Ned, whom nobody placed")

    def _mail_body(self):
        self.user_cfo.email = "cfo@company.example.com"
        self.company.ar_digest_user_ids = self.user_cfo
        return str(self.env["ar.escalation.digest"]._ar_send(self.company, self.today).body_html)

    def test_the_mail_lists_segments_and_tracks(self):
        body = self._mail_body()
        for text in (
            "By segment",
            self.seg_late.display_name,
            self.seg_punctual.display_name,
            "Not segmented",
            "11,500.00",
            "By track",
            "SMB automated",
            "Strategic — human review",
            "9,500.00",
            "Customers at early risk (current but deteriorating): "
            '<strong class="o_translate_inline">1</strong>',
        ):
            self.assertIn(text, body)

    def test_each_reader_reads_the_names_in_their_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        modules = self.env["ir.module.module"].search(
            [("name", "in", ("ar_escalation_ladder", "ar_escalation_reports")), ("state", "=", "installed")]
        )
        modules._load_module_terms(modules.mapped("name"), ["fr_FR"], overwrite=True)
        self.user_cfo.write({"email": "cfo@company.example.com", "lang": "fr_FR"})
        self.user_finance.write({"email": "finance@company.example.com", "lang": "en_US"})
        self.company.ar_digest_user_ids = self.user_cfo | self.user_finance
        mails = self.env["ar.escalation.digest"]._ar_send(self.company, self.today)
        body = {mail.recipient_ids: str(mail.body_html) for mail in mails}
        french, english = body[self.user_cfo.partner_id], body[self.user_finance.partner_id]
        self.assertIn("paie avec environ 45 jours de retard", french)
        self.assertIn("Non segmenté", french)
        self.assertIn("pays about 45 days late", english)
        self.assertIn("Not segmented", english)

    def test_no_segment_yet(self):
        for partner in self.L | self.P | self.Q:
            self._place_customer(partner, segment=self.env["ar.escalation.segment"])
        (self.seg_late | self.seg_punctual).sudo().active = False
        values = self.env["ar.escalation.digest"]._ar_values(self.company, self.today)
        self.assertFalse(values["has_segments"])
        self.assertIn("No customer is segmented yet.", self._mail_body())
