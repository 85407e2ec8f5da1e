"""Inter-reviewer agreement: Cohen's kappa per reviewer pair, Fleiss' kappa, Krippendorff's alpha
(nominal) and percent agreement, overall, per claim type and on "is it a claim at all".

Every statistic is computed with exact fractions and turned into a float at the end, so the
figures do not depend on summation order. A statistic that is undefined for the data (nothing to
compare, or every review gave one and the same category, so chance agreement is already 1) is
``None``, never ``nan``.

Definitions, for ratings grouped by claim ("unit"):

- percent agreement: the share of claims with two or more reviews on which every reviewer gave
  the same label;
- Cohen's kappa (two reviewers, claims both reviewed): ``(p_o - p_e) / (1 - p_e)`` with ``p_e``
  from each reviewer's own label distribution;
- Fleiss' kappa (claims with the same number ``m`` of reviews): chance agreement from the pooled
  label distribution. ``compute_agreement`` uses the most common ``m >= 2`` (the larger on a tie);
- Krippendorff's alpha, nominal, coincidence-matrix method, over every claim with two or more
  reviews (missing reviews allowed): ``1 - (n - 1) * sum_{c!=k} o_ck / sum_{c!=k} n_c n_k``.
"""

from __future__ import annotations

import textwrap
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from typing import Any

from annotations.errors import ValidationError
from annotations.records import Claim, Review
from annotations.vocab import CLAIM_TYPES, VERDICTS


@dataclass(frozen=True)
class Rating:
    """One reviewer's active verdict on one claim, with the claim's type."""

    claim_id: str
    reviewer: str
    verdict: str
    claim_type: str

    def __post_init__(self) -> None:
        for name in ("claim_id", "reviewer"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"rating {name} must be a non-empty string; got {value!r}")
        if self.verdict not in VERDICTS:
            raise ValidationError(f"verdict must be one of {', '.join(VERDICTS)}; got {self.verdict!r}")
        if self.claim_type not in CLAIM_TYPES:
            raise ValidationError(
                f"claim type must be one of {', '.join(CLAIM_TYPES)}; got {self.claim_type!r}"
            )


def ratings_from_reviews(reviews: Iterable[Review], claims: Iterable[Claim]) -> list[Rating]:
    """The ratings of the active (not withdrawn) reviews, typed by their claim."""
    claim_types = {claim.id: claim.claim_type for claim in claims}
    ratings = []
    for review in reviews:
        if review.withdrawn:
            continue
        if review.claim_id not in claim_types:
            raise ValidationError(f"review {review.id} is of claim {review.claim_id}, which is not given")
        ratings.append(Rating(review.claim_id, review.reviewer, review.verdict, claim_types[review.claim_id]))
    return ratings


# ------------------------------------------------------------------------------- statistics


def _float(value: Fraction | None) -> float | None:
    return None if value is None else float(value)


def _kappa(observed: Fraction, expected: Fraction) -> Fraction | None:
    # expected == 1 only when every label is one and the same category: kappa is 0/0.
    return None if expected == 1 else (observed - expected) / (1 - expected)


def cohen_kappa(labels_a: Sequence[str], labels_b: Sequence[str]) -> float | None:
    """Cohen's kappa of two reviewers' labels on the same items, in the same order.

    ``None`` when there is no item, or when both reviewers gave one and the same label to every
    item (chance agreement is 1, so kappa is 0/0).
    """
    if len(labels_a) != len(labels_b):
        raise ValidationError(
            f"Cohen's kappa needs two label lists of equal length; got {len(labels_a)} and {len(labels_b)}"
        )
    n = len(labels_a)
    if n == 0:
        return None
    observed = Fraction(sum(a == b for a, b in zip(labels_a, labels_b, strict=True)), n)
    count_a, count_b = Counter(labels_a), Counter(labels_b)
    expected = Fraction(sum(count_a[label] * count_b[label] for label in count_a), n * n)
    return _float(_kappa(observed, expected))


def fleiss_kappa(table: Sequence[Sequence[str]]) -> float | None:
    """Fleiss' kappa; each row holds one item's labels, every row the same number (>= 2) of them.

    ``None`` when the table is empty or holds a single category only.
    """
    if not table:
        return None
    m = len(table[0])
    for row in table:
        if len(row) != m:
            raise ValidationError(
                f"Fleiss' kappa needs the same number of labels on every row; got {m} and {len(row)}"
            )
    if m < 2:
        raise ValidationError(f"Fleiss' kappa needs at least 2 labels per row; got {m}")
    agreement = Fraction(0)  # sum of the per-item agreements P_i
    totals: Counter[str] = Counter()
    for row in table:
        counts = Counter(row)
        agreement += Fraction(sum(c * (c - 1) for c in counts.values()), m * (m - 1))
        totals.update(counts)
    n_labels = len(table) * m
    expected = sum((Fraction(c, n_labels) ** 2 for c in totals.values()), Fraction(0))
    return _float(_kappa(agreement / len(table), expected))


def krippendorff_alpha_nominal(units: Iterable[Sequence[str]]) -> float | None:
    """Krippendorff's alpha for nominal labels; each unit holds the labels it received.

    Units with fewer than two labels are not pairable and are left out. ``None`` when no unit is
    pairable or all pairable labels are one category (expected disagreement is 0).
    """
    coincidences: defaultdict[tuple[str, str], Fraction] = defaultdict(Fraction)
    for unit in units:
        m = len(unit)
        if m < 2:
            continue
        counts = Counter(unit)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                coincidences[c, k] += Fraction(pairs, m - 1)
    marginals: defaultdict[str, Fraction] = defaultdict(Fraction)
    for (c, _), value in coincidences.items():
        marginals[c] += value
    n = sum(marginals.values(), Fraction(0))
    expected = n * n - sum((v * v for v in marginals.values()), Fraction(0))
    if expected == 0:
        return None
    observed = n - sum((v for (c, k), v in coincidences.items() if c == k), Fraction(0))
    return _float(1 - (n - 1) * observed / expected)


# ------------------------------------------------------------------------------- report


@dataclass
class PairAgreement:
    """Agreement of two reviewers over the ``n`` claims both reviewed."""

    a: str
    b: str
    n: int
    observed: float
    cohen_kappa: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "n": self.n, "observed": _round(self.observed),
                "cohen_kappa": _round(self.cohen_kappa)}


@dataclass
class AgreementStats:
    """The agreement figures of one set of ratings.

    ``n_claims`` counts claims with two or more reviews; ``n_reviewers`` and ``n_ratings`` count
    every rating given. ``percent_agreement`` is ``None`` when ``n_claims`` is 0;
    ``fleiss_raters`` (m) is ``None`` when no claim has two reviews.
    """

    n_claims: int
    n_reviewers: int
    n_ratings: int
    percent_agreement: float | None
    pairs: list[PairAgreement]
    fleiss_kappa: float | None
    fleiss_claims: int
    fleiss_raters: int | None
    krippendorff_alpha: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n_claims": self.n_claims,
            "n_reviewers": self.n_reviewers,
            "n_ratings": self.n_ratings,
            "percent_agreement": _round(self.percent_agreement),
            "pairs": [pair.to_dict() for pair in self.pairs],
            "fleiss_kappa": _round(self.fleiss_kappa),
            "fleiss_claims": self.fleiss_claims,
            "fleiss_raters": self.fleiss_raters,
            "krippendorff_alpha": _round(self.krippendorff_alpha),
        }


@dataclass
class AgreementReport(AgreementStats):
    """Agreement on the verdicts, plus on "is it a claim at all" and per claim type present."""

    is_claim: AgreementStats
    by_type: dict[str, AgreementStats]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["is_claim"] = self.is_claim.to_dict()
        out["by_type"] = {name: stats.to_dict() for name, stats in self.by_type.items()}
        return out


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _stats(labels: dict[str, dict[str, str]]) -> AgreementStats:
    """Figures for ``labels[claim_id][reviewer] = label``."""
    units = [list(by_reviewer.values()) for by_reviewer in labels.values() if len(by_reviewer) >= 2]
    reviewers = sorted({r for by_reviewer in labels.values() for r in by_reviewer})

    pairs = []
    for a, b in combinations(reviewers, 2):
        shared = [(u[a], u[b]) for u in labels.values() if a in u and b in u]
        if shared:
            labels_a, labels_b = zip(*shared, strict=True)
            observed = sum(x == y for x, y in shared) / len(shared)
            pairs.append(PairAgreement(a, b, len(shared), observed, cohen_kappa(labels_a, labels_b)))

    sizes = Counter(len(u) for u in units)
    m = max(sizes, key=lambda size: (sizes[size], size)) if sizes else None
    fleiss_table = [u for u in units if len(u) == m]
    unanimous = sum(len(set(u)) == 1 for u in units)
    return AgreementStats(
        n_claims=len(units),
        n_reviewers=len(reviewers),
        n_ratings=sum(len(by_reviewer) for by_reviewer in labels.values()),
        percent_agreement=unanimous / len(units) if units else None,
        pairs=pairs,
        fleiss_kappa=fleiss_kappa(fleiss_table),
        fleiss_claims=len(fleiss_table),
        fleiss_raters=m,
        krippendorff_alpha=krippendorff_alpha_nominal(units),
    )


def compute_agreement(ratings: Iterable[Rating]) -> AgreementReport:
    """Agreement figures of the ratings: one active rating per (claim, reviewer).

    Raises ``ValidationError`` on a second rating of the same claim by the same reviewer, and on
    ratings that give one claim two different claim types.
    """
    verdicts: dict[str, dict[str, str]] = {}
    claim_types: dict[str, str] = {}
    for rating in ratings:
        by_reviewer = verdicts.setdefault(rating.claim_id, {})
        if rating.reviewer in by_reviewer:
            raise ValidationError(
                f"one active review per claim and reviewer expected; got two for claim "
                f"{rating.claim_id!r} by reviewer {rating.reviewer!r}"
            )
        known_type = claim_types.setdefault(rating.claim_id, rating.claim_type)
        if known_type != rating.claim_type:
            raise ValidationError(
                f"claim {rating.claim_id!r} must have one claim type; got {known_type!r} and "
                f"{rating.claim_type!r}"
            )
        by_reviewer[rating.reviewer] = rating.verdict

    is_claim = {
        claim: {r: str(v != "not_a_claim") for r, v in by_reviewer.items()}
        for claim, by_reviewer in verdicts.items()
    }
    by_type = {
        name: _stats({c: v for c, v in verdicts.items() if claim_types[c] == name})
        for name in CLAIM_TYPES
        if name in claim_types.values()
    }
    overall = _stats(verdicts)
    return AgreementReport(**vars(overall), is_claim=_stats(is_claim), by_type=by_type)


# ------------------------------------------------------------------------------- text


NOTHING_TO_COMPARE = "no claim has two reviews yet"
# Below this many claims with two or more reviews, agreement figures come with a caveat: one review
# more or less moves them a long way (kappa over a single claim is 1, 0 or undefined).
FEW_CLAIMS = 10


def few_claims_caveat(n_claims: int) -> str:
    """A caveat for agreement figures computed over ``n_claims`` claims; empty from ``FEW_CLAIMS`` up."""
    if n_claims >= FEW_CLAIMS or n_claims == 0:
        return ""
    return (f"computed over only {n_claims} claim{'' if n_claims == 1 else 's'}: with fewer than {FEW_CLAIMS}, one "
            "review more or less swings kappa and alpha widely, so read them as provisional")


def _fig(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _row(scope: str, stats: AgreementStats) -> str:
    if stats.n_claims == 0:
        return f"  {scope:<22} {NOTHING_TO_COMPARE}"
    unanimous = f"{_pct(stats.percent_agreement)} (n={stats.n_claims})"
    fleiss = f"{_fig(stats.fleiss_kappa)} (n={stats.fleiss_claims}, m={stats.fleiss_raters})"
    alpha = f"{_fig(stats.krippendorff_alpha)} (n={stats.n_claims})"
    return f"  {scope:<22} {unanimous:<15}  {fleiss:<22}  {alpha}"


def format_report(report: AgreementReport) -> str:
    """A plain-text table of the report, for the command line."""
    lines = [
        "Inter-reviewer agreement",
        f"  {report.n_ratings} ratings by {report.n_reviewers} reviewers; "
        f"{report.n_claims} claims with two or more reviews",
    ]
    if report.n_claims == 0:
        lines.append(f"  {NOTHING_TO_COMPARE}")
        return "\n".join(lines) + "\n"
    if few_claims_caveat(report.n_claims):
        lines += textwrap.wrap(f"caveat: {few_claims_caveat(report.n_claims)}", width=98, initial_indent="  ",
                               subsequent_indent="  ")
    lines += [
        "",
        f"  {'scope':<22} {'unanimous':<15}  {'Fleiss kappa':<22}  Krippendorff alpha",
        _row("all verdicts", report),
        _row("is a claim (yes/no)", report.is_claim),
    ]
    lines += [_row(f"type: {name}", stats) for name, stats in report.by_type.items()]
    is_claim_kappa = {(p.a, p.b): p.cohen_kappa for p in report.is_claim.pairs}
    lines += ["", "  Reviewer pairs (Cohen's kappa, on claims both reviewed)"]
    for pair in report.pairs:
        lines.append(
            f"  {pair.a} / {pair.b}: n={pair.n}, agree {_pct(pair.observed)}, "
            f"kappa {_fig(pair.cohen_kappa)}, is-a-claim kappa {_fig(is_claim_kappa[pair.a, pair.b])}"
            + (" (too few claims to go by)" if pair.n < FEW_CLAIMS else "")
        )
    lines += [
        "",
        "  unanimous: share of claims on which every reviewer agreed; m: reviews per claim used for",
        "  Fleiss; n/a: undefined, because every review gave the same single answer.",
    ]
    return "\n".join(lines) + "\n"
