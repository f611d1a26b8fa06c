# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Segments from behaviour: how each customer actually pays, and who pays alike.

Plain Python, no database. The Odoo side reads every customer's posted
invoices of the last two years with their settlement dates
(:class:`CustomerRecord`), this module turns each into :class:`Features`
(:func:`customer_features`), flags the customers that are current but
deteriorating (:func:`is_early_risk`) and groups the rest with a Gaussian
mixture (:func:`segment_book`, the model in :mod:`.segment_model`).

Everything a person reads leaves as :class:`~.vocabulary.Phrase` codes
(``SEGMENT_PHRASES``), worded when read (:mod:`.segment_words`). numpy and
scikit-learn are optional: without them the features and the early-risk flag
still work and the clustering says it is unavailable.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from .vocabulary import Phrase

MIN_INVOICES = 3  # settled or overdue invoices a customer needs to be segmented
RECENT_DAYS = 182  # "recent": invoices due in the last six months
MIN_FIT = 8  # observations for the trend-and-season fit (else a plain difference)
SEASONAL = 0.3  # share of the lateness a yearly wave explains before it is "seasonal"
PROFILE_KEYS = (
    "avg_days_late",
    "spread_days_late",
    "trend_days",
    "seasonality",
    "peak_month",
    "avg_invoice",
    "tenure_months",
    "dispute_rate",
    "broken_promise_rate",
    "early_share",
)


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    """One posted invoice: when it fell due, its amount, when it was settled in full (None: open)."""

    due: date
    amount: float = 0.0
    issued: date | None = None
    paid: date | None = None
    disputed: bool = False


@dataclass(slots=True)
class CustomerRecord:
    partner_id: int
    invoices: list[InvoiceRecord] = field(default_factory=list)
    broken_promises: int = 0


@dataclass(frozen=True, slots=True)
class Features:
    """A customer's payment behaviour (days are calendar days; rates and shares 0..1)."""

    invoices: int
    observed: int  # invoices settled or overdue: the ones whose lateness is known
    avg_days_late: float
    spread_days_late: float
    trend_days: float | None  # recent six months minus before (None: too few in a window)
    trend_error: float | None  # its standard error (days)
    seasonality: float  # share of the lateness a yearly wave explains
    peak_month: int | None  # the month the wave peaks (1..12), when seasonal
    avg_invoice: float
    tenure_months: float
    dispute_rate: float
    broken_promise_rate: float
    early_share: float  # share of the settled invoices paid before they fell due
    overdue_now: bool  # an invoice is open past its due date today

    def profile(self) -> dict:
        values = asdict(self)
        return {key: values[key] for key in PROFILE_KEYS}


def _mean(values):
    return sum(values) / len(values) if values else 0.0


def _observations(record: CustomerRecord, today: date):
    """``(due, days late)`` of every invoice whose lateness is known, and whether one is overdue now.

    A settled invoice is late by its settlement date (negative when paid
    early). An open one past due is late by its age so far, a lower bound:
    it counts only once that age exceeds the customer's usual lateness,
    otherwise a chronic late payer's latest invoices would read as improving.
    """
    settled = [(inv.due, (inv.paid - inv.due).days) for inv in record.invoices if inv.paid is not None]
    usual = _mean([max(days, 0) for __, days in settled])
    out, overdue = list(settled), False
    for invoice in record.invoices:
        if invoice.paid is None and invoice.due < today:
            overdue = True
            if (today - invoice.due).days > usual:
                out.append((invoice.due, (today - invoice.due).days))
    return out, overdue


def _solve(matrix, vector):
    """Least squares by the normal equations (a few columns): the coefficients, or None if singular."""
    size = len(matrix[0])
    normal = [[sum(row[i] * row[j] for row in matrix) for j in range(size)] for i in range(size)]
    rhs = [sum(row[i] * y for row, y in zip(matrix, vector, strict=True)) for i in range(size)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(normal[r][col]))
        if abs(normal[pivot][col]) < 1e-9:
            return None
        normal[col], normal[pivot] = normal[pivot], normal[col]
        rhs[col], rhs[pivot] = rhs[pivot], rhs[col]
        for row in range(size):
            if row != col:
                factor = normal[row][col] / normal[col][col]
                normal[row] = [a - factor * b for a, b in zip(normal[row], normal[col], strict=True)]
                rhs[row] -= factor * rhs[col]
    return [rhs[i] / normal[i][i] for i in range(size)]


def _wave_fit(points, cut):
    """``(step, residual variance, seasonality, peak month)`` of the trend-and-season fit, or None."""
    if len(points) < MIN_FIT or len({due.month for due, __ in points}) < 6:
        return None
    rows = [
        (
            1.0,
            1.0 if due >= cut else 0.0,
            math.cos(math.pi * due.month / 6),
            math.sin(math.pi * due.month / 6),
        )
        for due, __ in points
    ]
    coef = _solve(rows, [late for __, late in points])
    if coef is None:
        return None
    fitted = [sum(c * x for c, x in zip(coef, row, strict=True)) for row in rows]
    residual = _mean([(late - fit) ** 2 for (__, late), fit in zip(points, fitted, strict=True)])
    wave = (coef[2] ** 2 + coef[3] ** 2) / 2
    seasonality = wave / (wave + residual) if wave + residual > 1e-9 else 0.0
    peak = None
    if seasonality >= SEASONAL:
        peak = round(math.atan2(coef[3], coef[2]) * 6 / math.pi) % 12 or 12
    return coef[1], residual, seasonality, peak


def trend_and_season(points, today: date):
    """``(trend days, its standard error, seasonality 0..1, peak month)`` of ``(due, days late)`` points.

    One least-squares fit, lateness = base + step for the last six months +
    a yearly wave over the month of the due date, so that a customer late
    every August is not read as worsening when August is recent, and a
    customer worsening lately is not read as seasonal. With fewer points,
    the trend is the plain difference of the two windows and there is no wave.
    """
    cut = today - timedelta(days=RECENT_DAYS)
    recent = [late for due, late in points if due >= cut]
    before = [late for due, late in points if due < cut]
    if len(recent) < 2 or len(before) < 2:
        return None, None, 0.0, None
    scale = math.sqrt(1 / len(recent) + 1 / len(before))
    fit = _wave_fit(points, cut)
    if fit is None:
        pooled = [late - _mean(recent) for late in recent] + [late - _mean(before) for late in before]
        error = math.sqrt(_mean([d * d for d in pooled])) * scale
        return _mean(recent) - _mean(before), error, 0.0, None
    step, residual, seasonality, peak = fit
    return step, math.sqrt(residual) * scale, seasonality, peak


def customer_features(record: CustomerRecord, today: date):
    """The customer's :class:`Features`, or the phrase saying why it has too little history."""
    if not record.invoices:
        return Phrase.of("no_history")
    points, overdue = _observations(record, today)
    if len(points) < MIN_INVOICES:
        return Phrase.of("too_few_invoices", count=len(points), minimum=MIN_INVOICES)
    late = [max(days, 0) for __, days in points]
    avg = _mean(late)
    spread = math.sqrt(_mean([(days - avg) ** 2 for days in late]))
    trend, error, seasonality, peak = trend_and_season([(due, max(d, 0)) for due, d in points], today)
    settled = [inv for inv in record.invoices if inv.paid is not None]
    first = min(inv.issued or inv.due for inv in record.invoices)
    count = len(record.invoices)
    return Features(
        invoices=count,
        observed=len(points),
        avg_days_late=avg,
        spread_days_late=spread,
        trend_days=trend,
        trend_error=error,
        seasonality=seasonality,
        peak_month=peak,
        avg_invoice=_mean([inv.amount for inv in record.invoices]),
        tenure_months=max((today - first).days, 0) / 30.44,
        dispute_rate=sum(1 for inv in record.invoices if inv.disputed) / count,
        broken_promise_rate=min(record.broken_promises / count, 1.0),
        early_share=_mean([1.0 if inv.paid < inv.due else 0.0 for inv in settled]),
        overdue_now=overdue,
    )


def is_early_risk(features, worsening_days: float) -> bool:
    """Technically current (nothing overdue today) but paying later and later.

    The preventive stage reads it as the ``early_risk`` risk signal: the
    customer's next invoices are not due yet, its recent ones were settled
    ``worsening_days`` or more later than before, and by more than twice the
    trend's standard error (a customer whose lateness swings widely is not
    flagged on one late month).
    """
    if not isinstance(features, Features) or features.overdue_now or features.trend_days is None:
        return False
    return features.trend_days >= max(worsening_days, 1.0) and features.trend_days >= 2 * features.trend_error


@dataclass(slots=True)
class CustomerSegment:
    """Where one customer lands: its segment's key (None: unsegmented) and why, in phrases."""

    segment: int | None
    why: tuple[Phrase, ...]
    early_risk: bool = False
    features: Features | None = None


@dataclass(slots=True)
class SegmentPlan:
    """A segment the run found: its traits (what distinguishes it) and its members' profile."""

    key: int
    traits: tuple[Phrase, ...]
    profile: dict
    members: tuple[int, ...]


@dataclass(slots=True)
class Segmentation:
    """A run's outcome: ``status`` is "segmented", "unsegmented" (``reason`` says why) or "unavailable"."""

    status: str
    reason: tuple[Phrase, ...] = ()
    segments: list[SegmentPlan] = field(default_factory=list)
    customers: dict[int, CustomerSegment] = field(default_factory=dict)
    model: dict = field(default_factory=dict)

    def labels(self, partner_ids):
        """The segment key of each partner (-1: unsegmented), in the order given."""
        return [
            -1
            if self.customers.get(pid) is None or self.customers[pid].segment is None
            else self.customers[pid].segment
            for pid in partner_ids
        ]


def _customers(records, today, worsening_days):
    """Every customer's :class:`CustomerSegment` before clustering, and the features of the eligible."""
    customers, eligible = {}, {}
    for record in records:
        features = customer_features(record, today)
        if isinstance(features, Phrase):
            customers[record.partner_id] = CustomerSegment(None, (features,))
            continue
        early = is_early_risk(features, worsening_days)
        customers[record.partner_id] = CustomerSegment(None, (), early, features)
        eligible[record.partner_id] = features
    return customers, eligible


def segment_book(records, today: date, min_size: int = 10, worsening_days: float = 5.0, seed: int = 0):
    """Segment a company's customers by how they pay (see the module's docstring).

    Never raises on the book's content: a customer without enough history,
    a book too small or without distinct groups, a missing scikit-learn —
    each gives customers without a segment and the reason.
    """
    from .segment_model import cluster  # numpy / scikit-learn stay optional

    customers, eligible = _customers(records, today, worsening_days)
    result = cluster(eligible, max(int(min_size), 2), seed)
    for pid, segment in result.assignment.items():
        customers[pid].segment = segment
    for pid, why in result.why.items():
        customers[pid].why = why
    for customer in customers.values():
        if customer.early_risk:
            days = max(5 * round(customer.features.trend_days / 5), 1)
            customer.why = (*customer.why, Phrase.of("early_risk", days=days))
    return Segmentation(result.status, result.reason, result.segments, customers, result.model)
