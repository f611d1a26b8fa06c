"""Rule-based segments: aging band, account tier, invoice value, first match in order (no database)."""

from ar_escalation_ladder.engine.segment_rules import RuleFacts, RuleSegment, rule_segment

RULES = (
    RuleSegment(1, aging_band="90+"),
    RuleSegment(2, account_tier="strategic", min_invoice=10000),
    RuleSegment(3, max_invoice=500),
)


def test_the_first_rule_whose_conditions_all_hold_wins():
    assert rule_segment(RULES, RuleFacts("strategic", 120, 20000)) == 1
    assert rule_segment(RULES, RuleFacts("strategic", 10, 20000)) == 2
    assert rule_segment(RULES, RuleFacts("standard", 10, 300)) == 3


def test_a_customer_no_rule_fits_has_no_rule_segment():
    assert rule_segment(RULES, RuleFacts("strategic", 10, 5000)) is None
    assert rule_segment((), RuleFacts()) is None


def test_the_aging_band_is_the_oldest_open_invoices_and_nothing_open_has_none():
    assert RuleFacts(oldest_open_days=0).aging_band == "current"
    assert RuleFacts(oldest_open_days=45).aging_band == "31-60"
    assert RuleFacts().aging_band is None
    assert rule_segment((RuleSegment(1, aging_band="current"),), RuleFacts()) is None


def test_an_invoice_value_range_needs_invoices():
    assert rule_segment((RuleSegment(1, min_invoice=0),), RuleFacts(avg_invoice=None)) is None
