# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from lxml import etree

from odoo.tests import tagged

from .common import ArReportsCommon

DSO = "ar.escalation.report.dso"


@tagged("post_install", "-at_install")
class TestDsoGraph(ArReportsCommon):
    """The DSO graph plots one point a week per tier, side by side, not stacked."""

    def test_the_graph_is_weekly_and_not_stacked(self):
        graph = etree.fromstring(self.env[DSO].get_view(view_type="graph")["arch"])
        self.assertEqual(graph.get("type"), "line")
        self.assertEqual(graph.get("stacked"), "0")
        [date] = graph.xpath("//field[@name='date']")
        self.assertEqual(date.get("interval"), "week")
        pivot = etree.fromstring(self.env[DSO].get_view(view_type="pivot")["arch"])
        self.assertEqual(pivot.xpath("//field[@name='date']")[0].get("interval"), "week")

    def test_one_point_a_week_and_no_days_between(self):
        customer = self._customer("Weekly Corp", "strategic", "ap@weekly.example.com")
        self._invoice(customer, 9000, 20)
        report = self._report(DSO).with_context(fill_temporal=True)
        domain = [("company_id", "=", self.company.id), ("account_tier", "=", "strategic")]

        def points(interval):
            # the graph's query: the empty periods filled, as the web client asks
            return report.read_group(domain, ["dso:avg"], [f"date:{interval}"], lazy=False)

        # the invoice is in today's figure and the 2 weeks' before: 3 points, each a week
        weekly = points("week")
        self.assertEqual(len(weekly), 3)
        self.assertTrue(all(point["__count"] == 1 for point in weekly), "no empty week between")
        # by day (the graph before), the 6 days between two points were zeros
        daily = points("day")
        self.assertEqual(len(daily), 15)
        self.assertEqual(len([point for point in daily if not point["__count"]]), 12)
