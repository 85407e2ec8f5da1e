"""Plain functions behind the Agreement page: the headline figures, the reviewer pairs and the
figures per scope, as text the page draws. No Streamlit here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from annotations.agreement import AgreementReport, AgreementStats


def _fig(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


@dataclass(frozen=True)
class Metric:
    label: str
    value: str
    help: str


def agreement_metrics(stats: AgreementStats) -> list[Metric]:
    """The headline figures of one set of ratings."""
    return [
        Metric("Percent agreement", _pct(stats.percent_agreement),
               f"share of the {stats.n_claims} claims with two or more reviews on which every reviewer agreed"),
        Metric("Fleiss' kappa", _fig(stats.fleiss_kappa),
               f"over n={stats.fleiss_claims} claims with m={stats.fleiss_raters} reviews each"),
        Metric("Krippendorff's alpha", _fig(stats.krippendorff_alpha),
               f"nominal, over n={stats.n_claims} claims with two or more reviews"),
        Metric("Ratings", str(stats.n_ratings), f"active reviews by {stats.n_reviewers} reviewers"),
    ]


def pair_rows(stats: AgreementStats) -> list[dict[str, Any]]:
    """Cohen's kappa of each reviewer pair, on the claims both reviewed."""
    return [{"reviewer A": p.a, "reviewer B": p.b, "n": p.n, "agreement": _pct(p.observed),
             "Cohen's kappa": _fig(p.cohen_kappa)} for p in stats.pairs]


def _scope_row(scope: str, stats: AgreementStats) -> dict[str, Any]:
    return {
        "scope": scope, "claims (n)": stats.n_claims, "agreement": _pct(stats.percent_agreement),
        "Fleiss' kappa": _fig(stats.fleiss_kappa),
        "Fleiss m, n": "n/a" if stats.fleiss_raters is None else f"m={stats.fleiss_raters}, n={stats.fleiss_claims}",
        "Krippendorff's alpha": _fig(stats.krippendorff_alpha),
    }


def scope_rows(report: AgreementReport) -> list[dict[str, Any]]:
    """One row for all verdicts, one for "is it a claim at all", one per claim type present."""
    rows = [_scope_row("all verdicts", report), _scope_row("is a claim (yes/no)", report.is_claim)]
    rows += [_scope_row(f"type: {name}", stats) for name, stats in report.by_type.items()]
    return rows
