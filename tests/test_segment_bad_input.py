"""Bad input to the behaviour segmentation: a clear "unsegmented" and its reason, never an exception.

A customer with no history or one invoice, a book of identical customers, a
book smaller than two minimum segments, a book with one behaviour only, and a
Python without scikit-learn (the ladder's other parts keep working).
"""

import builtins
from datetime import date, timedelta

import pytest
from planted_book import as_records, planted_book

from ar_escalation_ladder.engine import CustomerHistory, load_policy, risk_signals
from ar_escalation_ladder.engine.segment import CustomerRecord, InvoiceRecord, segment_book
from ar_escalation_ladder.engine.segment_words import segment_name
from ar_escalation_ladder.engine.vocabulary import Phrase

pytest.importorskip("sklearn")
TODAY = date(2026, 12, 1)


def _steady(pid, late=3, invoices=12):
    due = [TODAY - timedelta(days=30 * n + 10) for n in range(invoices)]
    invoices = [InvoiceRecord(d, 1000.0, d - timedelta(30), d + timedelta(late)) for d in due]
    return CustomerRecord(pid, invoices)


def test_a_customer_without_history_or_with_one_invoice_is_unsegmented_with_the_reason():
    book = planted_book(per_group=20, seed=3)
    records = as_records(book)
    records.append(CustomerRecord(9001))
    single = InvoiceRecord(TODAY - timedelta(40), 500.0, paid=TODAY - timedelta(35))
    records.append(CustomerRecord(9002, [single]))
    result = segment_book(records, book.today, min_size=10)
    assert result.status == "segmented"
    assert result.customers[9001].segment is None
    assert result.customers[9001].why == (Phrase.of("no_history"),)
    assert result.customers[9002].why == (Phrase.of("too_few_invoices", count=1, minimum=3),)
    assert segment_name(result.customers[9002].why) == "1 invoice(s) with a known payment; segmenting needs 3"
    assert all(result.customers[c.key].segment for c in book.customers)


def test_identical_customers_are_unsegmented_all_alike():
    result = segment_book([_steady(pid) for pid in range(1, 41)], TODAY, min_size=10)
    assert result.status == "unsegmented"
    assert result.reason == (Phrase.of("all_alike"),)
    assert {c.segment for c in result.customers.values()} == {None}
    assert segment_name(result.customers[1].why) == "all customers pay alike"


def test_fewer_customers_than_the_minimum_segment_size_is_unsegmented_with_the_count():
    book = planted_book(per_group=1, seed=1)
    result = segment_book(as_records(book), book.today, min_size=10)
    assert result.status == "unsegmented"
    assert result.reason == (Phrase.of("too_few_customers", count=5, minimum=20),)
    assert all(c.segment is None and c.why[0] == result.reason[0] for c in result.customers.values())


def test_one_behaviour_only_gives_no_distinct_groups():
    book = planted_book(per_group=60, seed=5, groups=("punctual",))
    result = segment_book(as_records(book), book.today, min_size=10)
    assert result.status == "unsegmented"
    assert result.reason == (Phrase.of("no_distinct_groups"),)


def test_no_segment_is_smaller_than_the_minimum():
    book = planted_book(per_group=30, seed=2)
    records = as_records(book)
    # three customers who pay like nobody else: 90 days late
    records += [_steady(8000 + n, late=90 + n) for n in range(3)]
    result = segment_book(records, book.today, min_size=10)
    assert result.status == "segmented"
    assert min(len(segment.members) for segment in result.segments) >= 10
    assert all(result.customers[8000 + n].segment for n in range(3))


def test_without_scikit_learn_the_segmentation_says_unavailable_and_early_risk_still_works(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.split(".")[0] == "sklearn":
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    book = planted_book(per_group=20, seed=4)
    result = segment_book(as_records(book), book.today, min_size=10)
    assert result.status == "unavailable"
    assert result.segments == []
    assert result.reason == (Phrase.of("unavailable"),)
    deteriorating = [c.key for c in book.customers if c.group == "deteriorating"]
    assert sum(result.customers[key].early_risk for key in deteriorating) >= 0.9 * len(deteriorating)
    assert "scikit-learn is not installed" in segment_name(result.customers[deteriorating[0]].why)


def test_early_risk_is_a_risk_signal_the_preventive_stage_can_count():
    policy = load_policy({"stages": [{"sequence": 1, "name": "Early"}]})
    assert risk_signals(CustomerHistory(early_risk=True), policy) == ("early_risk",)
    assert "early_risk" not in risk_signals(CustomerHistory(), policy)
