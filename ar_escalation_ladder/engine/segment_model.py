# Copyright 2026 AR Escalation contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The clustering behind :func:`.segment.segment_book`: a Gaussian mixture, k by BIC.

The customers' behaviour features, each in the unit of a difference that
matters (5 days, 10 points of invoices) and centred, are fitted with
scikit-learn's ``GaussianMixture`` for k = 1..K, with full and with diagonal
covariances; the fit of the lowest Bayesian information criterion wins, so the
book decides how many segments it has (k = 1 winning: no distinct groups). A
covariance floor of half a unit keeps noise (a dispute more or less) from
making groups of its own. A component with fewer members than the minimum
segment size is dissolved into the nearest remaining ones (the highest
posterior among them). Segments are then keyed by their average lateness and
named from what sets them apart (:func:`segment_traits`).

numpy and scikit-learn are imported here, inside :func:`cluster`: when they
are missing the run is "unavailable" and nothing else is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .vocabulary import Phrase

# the behaviour the model clusters on, each in the unit of a difference that
# matters to an AR team (5 days, 10 points of invoices...); invoice size and
# tenure describe a segment but are not behaviour (the rule segments cover
# invoice value and tier)
MODEL_UNITS = {
    "avg_days_late": 5.0,
    "spread_days_late": 5.0,
    "trend_days": 5.0,
    "seasonality": 0.2,
    "dispute_rate": 0.1,
    "broken_promise_rate": 0.1,
    "early_share": 0.2,
}
MODEL_KEYS = tuple(MODEL_UNITS)
# covariance floor, in those units squared: differences under about half a unit
# are noise (a dispute more or less in two years), not a group of their own
REG_COVAR = 0.25
MAX_K = 8
COVARIANCES = ("full", "diag")
SELECTION_SAMPLE = 3000  # customers the choice of k and shape is made on (a larger book: a sample)
N_INIT = 5  # starts per k: one start often stops in a local optimum that merges two groups


@dataclass(slots=True)
class ClusterResult:
    status: str
    reason: tuple[Phrase, ...] = ()
    segments: list = field(default_factory=list)
    assignment: dict = field(default_factory=dict)  # partner id -> segment key or None
    why: dict = field(default_factory=dict)  # partner id -> phrases
    model: dict = field(default_factory=dict)


def _unsegmented(eligible, status, reason):
    return ClusterResult(status, (reason,), why=dict.fromkeys(eligible, (reason,)))


def _matrix(eligible):
    """The model features in their units, centred, a row per customer, and the columns that vary."""
    import numpy as np

    rows = np.array([[getattr(f, key) or 0.0 for key in MODEL_KEYS] for f in eligible.values()], dtype=float)
    rows /= np.array([MODEL_UNITS[key] for key in MODEL_KEYS])
    varying = rows.std(axis=0) > 1e-9
    scaled = rows[:, varying] - rows[:, varying].mean(axis=0)
    return scaled, [key for key, keep in zip(MODEL_KEYS, varying, strict=True) if keep]


def _fit(scaled, k_max, seed):
    """The mixture of the lowest BIC over k = 1..k_max and the covariance shapes, with their BICs.

    Full covariances follow correlated features (lateness with its spread)
    on a large book; diagonal ones need far fewer parameters, which BIC
    prefers on a small book: the criterion chooses between them as it
    chooses k. On a book over ``SELECTION_SAMPLE`` customers the choice is
    made on a random sample of that many (BIC's choice is settled long before)
    and the winner alone is fitted on the whole book.
    """
    import numpy as np
    from sklearn.mixture import GaussianMixture

    sample = scaled
    if len(scaled) > SELECTION_SAMPLE:
        rows = np.random.default_rng(seed).choice(len(scaled), SELECTION_SAMPLE, replace=False)
        sample = scaled[rows]
    best, best_bic, bics = None, None, {}
    for shape in COVARIANCES:
        for k in range(1, k_max + 1):
            model = GaussianMixture(
                k, covariance_type=shape, reg_covar=REG_COVAR, n_init=N_INIT, random_state=seed
            )
            model.fit(sample)
            bic = float(model.bic(sample))
            bics[f"{shape}/{k}"] = round(bic, 1)
            if best_bic is None or bic < best_bic:
                best, best_bic = model, bic
    if sample is not scaled:
        best = GaussianMixture(
            best.n_components,
            covariance_type=best.covariance_type,
            reg_covar=REG_COVAR,
            n_init=N_INIT,
            random_state=seed,
        ).fit(scaled)
    return best, bics


def _labels(model, scaled, min_size):
    """Each row's component, after dissolving components under ``min_size`` into the nearest others."""
    import numpy as np

    posterior = model.predict_proba(scaled)
    alive = np.ones(posterior.shape[1], dtype=bool)
    while True:
        masked = np.where(alive, posterior, -1.0)
        labels = masked.argmax(axis=1)
        counts = np.bincount(labels, minlength=posterior.shape[1])
        small = [c for c in np.flatnonzero(alive) if counts[c] < min_size]
        if not small or alive.sum() == 1:
            return labels
        alive[min(small, key=lambda c: counts[c])] = False


def cluster(eligible, min_size: int, seed: int = 0) -> ClusterResult:
    """Group ``eligible`` customers (``{partner id: Features}``) by behaviour."""
    try:
        import numpy  # noqa: F401
        import sklearn.mixture  # noqa: F401
    except ImportError:
        return _unsegmented(eligible, "unavailable", Phrase.of("unavailable"))
    if len(eligible) < 2 * min_size:
        reason = Phrase.of("too_few_customers", count=len(eligible), minimum=2 * min_size)
        return _unsegmented(eligible, "unsegmented", reason)
    scaled, columns = _matrix(eligible)
    if not columns:
        return _unsegmented(eligible, "unsegmented", Phrase.of("all_alike"))
    from threadpoolctl import threadpool_limits  # scikit-learn's own dependency

    # one thread: the run shares the server's cores with Odoo's workers, and
    # BLAS threads fighting over them make a small fit ten times slower
    with threadpool_limits(limits=1):
        model, bics = _fit(scaled, min(MAX_K, len(eligible) // min_size), seed)
    labels = _labels(model, scaled, min_size)
    if len(set(labels.tolist())) < 2:
        return _unsegmented(eligible, "unsegmented", Phrase.of("no_distinct_groups"))
    summary = {"k": model.n_components, "covariance": model.covariance_type, "bic": bics, "features": columns}
    return _result(eligible, labels.tolist(), summary)


def _result(eligible, labels, model):
    """Segments keyed 1.. by average lateness, their traits and profile; each customer's why."""
    groups = {}
    for pid, label in zip(eligible, labels, strict=True):
        groups.setdefault(label, []).append(pid)
    book = population(eligible.values())
    profiles = {label: segment_profile([eligible[pid] for pid in pids]) for label, pids in groups.items()}
    order = sorted(groups, key=lambda label: (profiles[label]["avg_days_late"], label))
    segments, assignment, why = [], {}, {}
    for key, label in enumerate(order, start=1):
        traits = segment_traits(profiles[label], book)
        segments.append(_plan(key, traits, profiles[label], groups[label]))
        for pid in groups[label]:
            assignment[pid] = key
            why[pid] = customer_traits(eligible[pid], traits[1:])
    model["sizes"] = {segment.key: len(segment.members) for segment in segments}
    return ClusterResult("segmented", (), segments, assignment, why, model)


def _plan(key, traits, profile, members):
    from .segment import SegmentPlan

    return SegmentPlan(key, traits, profile, tuple(members))


def segment_profile(features) -> dict:
    """The members' average behaviour (``profile`` keys), the usual peak month and the size."""
    from .segment import PROFILE_KEYS

    features = list(features)
    profile = {}
    for key in PROFILE_KEYS:
        values = [getattr(f, key) for f in features if getattr(f, key) is not None]
        profile[key] = sum(values) / len(values) if values and key != "peak_month" else None
    peaks = Counter(f.peak_month for f in features if f.peak_month)
    if peaks and sum(peaks.values()) * 2 >= len(features):
        profile["peak_month"] = peaks.most_common(1)[0][0]
    profile["size"] = len(features)
    return profile


def population(features):
    """Mean and spread of each profile key over the whole book: what "distinctive" is measured against."""
    from .segment import PROFILE_KEYS

    out = {}
    features = list(features)
    for key in PROFILE_KEYS:
        values = [getattr(f, key) for f in features if getattr(f, key) is not None]
        mean = sum(values) / len(values) if values else 0.0
        spread = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5 if values else 0.0
        out[key] = (mean, spread)
    return out


def _distinct(profile, book, key, floor):
    """How many book spreads the segment's ``key`` sits above the book's mean (0 below ``floor``)."""
    value = profile.get(key)
    if value is None or value < floor:
        return 0.0
    mean, spread = book[key]
    return (value - mean) / spread if spread > 1e-9 else 0.0


def lateness_phrase(avg, early_share):
    if avg >= 3:
        return Phrase.of("pays_late", days=round(avg))
    if early_share >= 0.5:
        return Phrase.of("pays_early", share=round(early_share * 100))
    return Phrase.of("pays_on_time")


# the traits a segment may be named by: (profile key, floor, phrase code, its parameter, how)
TRAITS = (
    ("spread_days_late", 10, "irregular", "days", 1),  # says least: only when nothing else does
    ("trend_days", 5, "worsening", "days", 1),
    ("seasonality", 0.25, "seasonal", "month", None),
    ("dispute_rate", 0.1, "disputes", "share", 100),
    ("broken_promise_rate", 0.1, "broken_promises", "share", 100),
)


def _trait(profile, code, param, scale):
    if scale is None:
        return Phrase.of(code, **{param: profile.get("peak_month") or 0})
    key = next(t[0] for t in TRAITS if t[2] == code)
    return Phrase.of(code, **{param: round((profile[key] or 0) * scale)})


def segment_traits(profile, book) -> tuple[Phrase, ...]:
    """What sets a segment apart, most distinctive first after its lateness (at most four phrases)."""
    scored = [
        (_distinct(profile, book, key, floor), _trait(profile, code, param, scale))
        for key, floor, code, param, scale in TRAITS
    ]
    if (profile.get("trend_days") or 0) <= -5:
        scored.append((1.0, Phrase.of("improving", days=round(-profile["trend_days"]))))
    picked = sorted((c for c in scored[1:] if c[0] >= 0.5), key=lambda c: -c[0])[:3]
    if not picked and scored[0][0] >= 0.5:
        picked = [scored[0]]
    lateness = lateness_phrase(profile["avg_days_late"], profile["early_share"] or 0.0)
    return (lateness, *(phrase for __, phrase in picked))


def _about(days):
    """Days as a reason says them, to the nearest 5 ("about 25 days"; "about 5" for 3 to 7)."""
    return max(5 * round(days / 5), 5) if days >= 3 else round(days)


def _share(rate):
    return 10 * round(rate * 10)


def customer_traits(features, traits=()) -> tuple[Phrase, ...]:
    """One customer's own figures in its segment's phrases: why it sits where it sits.

    Its lateness, then each trait its segment is named by (``traits``), with
    the customer's figure. Rounded as people say them ("about 25 days", "30%
    of invoices"): the customers of a segment share few distinct reasons,
    written together.
    """
    trend = features.trend_days or 0.0
    own = {
        "worsening": Phrase.of("worsening", days=_about(max(trend, 0))),
        "improving": Phrase.of("improving", days=_about(max(-trend, 0))),
        "seasonal": Phrase.of("seasonal", month=features.peak_month or 0),
        "disputes": Phrase.of("disputes", share=_share(features.dispute_rate)),
        "broken_promises": Phrase.of("broken_promises", share=_share(features.broken_promise_rate)),
        "irregular": Phrase.of("irregular", days=_about(features.spread_days_late)),
    }
    if features.avg_days_late >= 3:
        lateness = Phrase.of("pays_late", days=_about(features.avg_days_late))
    else:
        lateness = lateness_phrase(features.avg_days_late, _share(features.early_share) / 100)
    return (lateness, *(own[trait.code] for trait in traits if trait.code in own))
