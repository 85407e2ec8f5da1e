"""schema.org ClaimReview (JSON-LD): one record per claim with a final verdict, ready to embed in
the page that publishes the fact check (``<script type="application/ld+json">``).

The file is a JSON array; each record carries its own ``@context`` so it can be pasted alone.
Claims whose final verdict is ``not_a_claim`` (nothing was claimed, so there is nothing to rate)
and claims without a final verdict yet are left out.

Rating scale (``reviewRating``): how far a reader can rely on the claim.

=============  ===========  =================================================================
verdict        ratingValue  meaning
=============  ===========  =================================================================
unsupported    1            the evidence does not back the claim (worstRating)
risky          2            may hold in part, but misleads or endangers a reader who acts on it
supported      3            the evidence backs the claim as stated (bestRating)
=============  ===========  =================================================================
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from annotations.export.catalog import AtomicFile, ExportContext
from annotations.records import check_http_url
from annotations.vocab import VERDICT_LABELS

RATING_SCALE: dict[str, int] = {"unsupported": 1, "risky": 2, "supported": 3}
WORST_RATING, BEST_RATING = 1, 3
DEFAULT_ORGANISATION = "Unnamed fact-checking organisation (set it in Settings)"


def _date(timestamp: str) -> str:
    return timestamp[:10]


def _published(row: dict[str, Any]) -> str:
    """The date of the final verdict: the adjudication's, or the last agreeing review's."""
    final = row["final"]
    adjudication = final["adjudication"]
    if adjudication is not None:
        return _date(adjudication["updated_at"] or adjudication["created_at"])
    stamps = [r["updated_at"] or r["created_at"] for r in row["reviews"] if not r["withdrawn"]]
    return _date(max(stamps))


def _citations(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The evidence behind the final verdict: the adjudicator's citations, or the reviewers'."""
    role = "adjudication" if row["final"]["source"] == "adjudication" else "review"
    out, seen = [], set()
    for c in row["citations"]:
        key = (c["kind"], c["identifier"])
        if c["role"] != role or key in seen:
            continue
        seen.add(key)
        identifier = c["identifier"] if c["kind"] in ("url", "other") else f"{c['kind']}:{c['identifier']}"
        work: dict[str, Any] = {"@type": "CreativeWork", "identifier": identifier}
        if c["link"]:
            work["url"] = c["link"]
        if c["quote"]:
            work["text"] = c["quote"]
        out.append(work)
    return out


def _review_body(row: dict[str, Any]) -> str:
    adjudication = row["final"]["adjudication"]
    if adjudication is not None:
        return adjudication["rationale"]
    return " ".join(r["rationale"] for r in row["reviews"] if not r["withdrawn"] and r["rationale"])


def claim_review(row: dict[str, Any], organisation: str, organisation_url: str, base_url: str) -> dict[str, Any]:
    """The ClaimReview record of a row whose final verdict is on the rating scale."""
    doc, claim, verdict = row["document"], row["claim"], row["final"]["verdict"]
    appearance: dict[str, Any] = {"@type": "CreativeWork", "name": doc["name"]}
    if doc["url"]:
        appearance["url"] = doc["url"]
    author: dict[str, Any] = {"@type": "Organization", "name": organisation or DEFAULT_ORGANISATION}
    if organisation_url:
        author["url"] = organisation_url
    page = base_url or organisation_url or doc["url"]
    record: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{page}#claim-{row['id']}" if page else f"urn:claimcheck:claim:{row['id']}",
        "claimReviewed": claim["text"],
        "itemReviewed": {"@type": "Claim", "appearance": appearance},
        "author": author,
        "datePublished": _published(row),
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": RATING_SCALE[verdict],
            "bestRating": BEST_RATING,
            "worstRating": WORST_RATING,
            "alternateName": VERDICT_LABELS[verdict],
        },
    }
    body = _review_body(row)
    if body:
        record["reviewBody"] = body
    citations = _citations(row)
    if citations:
        record["citation"] = citations
    return record


def placeholder_warnings(n_records: int, n_urn: int, organisation: str) -> list[str]:
    """What a ClaimReview file holds that is not fit to publish, and what to set: the placeholder
    author when no organisation is set, and ``urn:`` urls where no page to publish on is known."""
    warnings = []
    if n_records and not organisation:
        warnings.append(
            f"ClaimReview: no organisation is set, so the {n_records} record(s) name the placeholder author "
            f"{DEFAULT_ORGANISATION!r}; set the organisation and its URL (Users & settings page, or "
            "python -m app settings set organisation \"Your desk\" and settings set organisation_url https://...)")
    if n_urn:
        warnings.append(
            f"ClaimReview: {n_urn} record(s) have a urn: url instead of a web page, as neither the base_url option, "
            "the organisation_url setting nor the article's URL was known; set organisation_url, or give base_url "
            "(the page that publishes the reviews: Export page option, or --base-url)")
    return warnings


class ClaimReviewWriter:
    """A JSON array of ClaimReview records. The organisation comes from the store's settings
    (``organisation``, ``organisation_url``); ``base_url`` is the page that publishes the reviews
    (default: the organisation URL), and each record's ``url`` is ``<base_url>#claim-<id>``."""

    def __init__(self, out: Path, context: ExportContext, *, base_url: str = "") -> None:
        self._base_url = check_http_url(base_url) if base_url else ""
        self._file = AtomicFile(out, encoding="utf-8")
        self._organisation = str(context.settings.get("organisation") or "")
        self._organisation_url = str(context.settings.get("organisation_url") or "")
        self._n = 0
        self._n_urn = 0
        self.warnings: list[str] = []
        self._file.handle.write("[")

    def write(self, row: dict[str, Any]) -> None:
        final = row["final"]
        if final is None or final["verdict"] not in RATING_SCALE:
            return
        record = claim_review(row, self._organisation, self._organisation_url, self._base_url)
        self._n_urn += record["url"].startswith("urn:")
        text = json.dumps(record, ensure_ascii=False, indent=2)
        self._file.handle.write(("," if self._n else "") + "\n" + text)
        self._n += 1

    def close(self) -> int:
        self._file.handle.write("\n]\n")
        self._file.commit()
        self.warnings = placeholder_warnings(self._n, self._n_urn, self._organisation)
        return self._n

    def abort(self) -> None:
        self._file.discard()
