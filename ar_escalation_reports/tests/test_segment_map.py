# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import ArReportsCommon, ArSegmentBookCommon

MAP = "ar.escalation.segment.map"
MAP_URL = "/odoo/action-ar_escalation_reports.ar_escalation_segment_map_action"


@tagged("post_install", "-at_install")
class TestSegmentMapData(ArSegmentBookCommon):
    """Each customer's average days late (once due: paid ones to their payment, open ones to today)
    and open amount, coloured by its segment.

    L: l1 70 days late (due D−80, paid D−10), l2 20 (open, due D−20), l3 not due yet → 45.0; open 9,500
    P: p1 100, p2 30 (both open) → 65.0; open 4,000
    Q: q1 40 → 40.0; open 2,000
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Company B")["company"]
        cls.B_only = cls._customer("Elsewhere Inc", "standard", "ap@elsewhere.example.com")
        cls.b1 = cls._invoice(cls.L, 7000, 15, company=cls.company_b)
        cls.b2 = cls._invoice(cls.B_only, 800, 15, company=cls.company_b)
        cls.user_a = cls._user("ar_map_a", "base.group_user,ar_escalation_ladder.group_ar_user")
        cls.user_ab = cls._user(
            "ar_map_ab", "base.group_user,ar_escalation_ladder.group_ar_user", cls.company | cls.company_b
        )

    def _points(self, data):
        return {
            point["name"]: (point["segment_id"], point["days_late"], point["open_amount"], point["track"])
            for point in data["points"]
        }

    def test_points_and_segments(self):
        data = self.env[MAP].with_user(self.user_a).ar_map_data()
        self.assertEqual(data["kind"], "behaviour")
        self.assertEqual(
            self._points(data),
            {
                "Late Larry Ltd": (self.seg_late.id, 45.0, 9500.0, "SMB automated"),
                "Punctual Pam": (self.seg_punctual.id, 65.0, 4000.0, "Strategic — human review"),
                "Quiet Quincy": (self.seg_late.id, 40.0, 2000.0, "Strategic — human review"),
            },
        )
        self.assertEqual(
            [(segment["id"], segment["name"], segment["size"]) for segment in data["segments"]],
            [
                (self.seg_late.id, self.seg_late.display_name, 2),
                (self.seg_punctual.id, self.seg_punctual.display_name, 1),
            ],
        )
        self.assertFalse(data["multi_company"])

    def test_a_user_of_company_a_sees_company_a_only(self):
        names = self._points(self.env[MAP].with_user(self.user_a).ar_map_data())
        self.assertNotIn("Elsewhere Inc", names)
        self.assertEqual(names["Late Larry Ltd"][2], 9500.0, "not Company B's 7,000")
        # the user of both companies, working in both: a point per customer and company
        both = (
            self.env[MAP]
            .with_user(self.user_ab)
            .with_context(allowed_company_ids=(self.company | self.company_b).ids)
        )
        data = both.ar_map_data()
        self.assertTrue(data["multi_company"])
        larry = {
            point["company"]: point["open_amount"]
            for point in data["points"]
            if point["name"] == "Late Larry Ltd"
        }
        self.assertEqual(larry, {self.company.name: 9500.0, "Company B": 7000.0})
        # a user of company A cannot ask for company B's figures
        with self.assertRaises(AccessError):
            self.env[MAP].with_user(self.user_a).with_context(
                allowed_company_ids=self.company_b.ids
            ).ar_map_data()

    def test_as_many_queries_for_many_customers_as_for_few(self):
        Map = self.env[MAP].with_user(self.user_a)

        def queries():
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            data = Map.ar_map_data()
            return self.env.cr.sql_log_count - before, len(data["points"])

        queries()  # the user's groups, rules and access rights, cached from then on
        few, points = queries()
        for i in range(6):
            segment = self._segment(f"Segment {i}", [["pays_late", {"days": 10 + i}]])
            partner = self._customer(f"More {i}", "standard", f"more{i}@example.com")
            self._place_customer(partner, segment=segment, track=self.track_smb)
            self._invoice(partner, 100 * (i + 1), 10 + i)
        self.assertEqual(queries(), (few, points + 6), "the points in one query, the names in one per model")

    def test_only_ar_users_read_the_map(self):
        clerk = self._user("not_ar", "base.group_user")
        with self.assertRaises(AccessError):
            self.env[MAP].with_user(clerk).ar_map_data()

    def test_the_menu_is_for_ar_users(self):
        menu = self.env.ref("ar_escalation_reports.menu_ar_escalation_segment_map")
        root = self.env.ref("ar_escalation_ladder.menu_ar_escalation_root")
        self.assertEqual(menu.parent_id.parent_id, root, "Escalation > Reporting > Segment map")
        Menu = self.env["ir.ui.menu"]
        self.assertIn(menu.id, Menu.with_user(self.user_a)._visible_menu_ids())
        clerk = self._user("not_ar_menu", "base.group_user,account.group_account_invoice")
        self.assertNotIn(menu.id, Menu.with_user(clerk)._visible_menu_ids())

    def test_coloured_by_rule_segments(self):
        band = self._segment("Overdue 1–30 days", [], kind="rule", rule_aging_band="1-30")
        self._place_customer(self.L, rule_segment=band)
        data = self.env[MAP].with_user(self.user_a).ar_map_data(kind="rule")
        self.assertEqual(data["kind"], "rule")
        self.assertEqual([segment["id"] for segment in data["segments"]], band.ids)
        points = self._points(data)
        self.assertEqual(points["Late Larry Ltd"][0], band.id)
        self.assertFalse(points["Punctual Pam"][0], "no rule-based segment")

    def test_no_segment_at_all(self):
        for partner in self.L | self.P | self.Q:
            self._place_customer(partner, segment=self.env["ar.escalation.segment"])
        data = self.env[MAP].with_user(self.user_a).ar_map_data()
        self.assertEqual(data["segments"], [])
        self.assertEqual(len(data["points"]), 3, "the customers are still plotted, as not segmented")
        self.assertTrue(all(point["segment_id"] is False for point in data["points"]))


@tagged("post_install", "-at_install")
class TestSegmentMapTour(ArSegmentBookCommon, HttpCase):
    """The map in a real browser: drawn without a JS error, a click on a point opens the customer."""

    def test_open_a_customer_from_the_map(self):
        self._admin_works_in(self.company)
        self.start_tour(MAP_URL, "ar_escalation_segment_map", login="admin")


@tagged("post_install", "-at_install")
class TestSegmentMapEmptyTour(ArReportsCommon, HttpCase):
    """No segment yet: the map says so in words and plots the customers as not segmented."""

    def test_no_segment_yet(self):
        self._invoice(self.customer, 1000, 12)
        self._admin_works_in(self.company)
        self.start_tour(MAP_URL, "ar_escalation_segment_map_empty", login="admin")
