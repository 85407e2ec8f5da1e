"""Rules of the review process that are not about storing: a claim's final verdict and status,
and what the project settings may hold. Storage applies them (its SQL filters restate the status
rule for the database; a test holds the two together); pages and exports read their results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotations.errors import ValidationError
from annotations.records import Review, Verdict, check_http_url
from annotations.vocab import parse_switch

# ------------------------------------------------------------------------------ final verdicts


@dataclass(frozen=True, slots=True)
class FinalVerdict:
    verdict: str
    source: str  # "adjudication" or "consensus"
    by: tuple[str, ...]


def resolve_final(active_reviews: Sequence[Review], verdict: Verdict | None, needed: int) -> FinalVerdict | None:
    """A claim's final verdict: the adjudicator's, else the verdict all of at least ``needed``
    active reviews agree on, else none yet."""
    return final_and_status(active_reviews, verdict, needed)[0]


def claim_status(active_reviews: Sequence[Review], verdict: Verdict | None, needed: int) -> str:
    """One of ``vocab.CLAIM_STATUSES``, the same rule as the SQL filters of storage."""
    return final_and_status(active_reviews, verdict, needed)[1]


def final_and_status(
    active_reviews: Sequence[Review], verdict: Verdict | None, needed: int,
) -> tuple[FinalVerdict | None, str]:
    """A claim's final verdict (``resolve_final``) and status (``claim_status``), worked out
    together: settled by an adjudicator; else disputed when the active reviews disagree,
    unreviewed without any, in review with fewer than ``needed``, and reviewed (with their
    agreed verdict as the final one) with at least ``needed``."""
    if verdict is not None:
        return FinalVerdict(verdict.verdict, "adjudication", (verdict.adjudicator,)), "settled"
    if not active_reviews:
        return None, "unreviewed"
    verdicts = {r.verdict for r in active_reviews}
    if len(verdicts) > 1:
        return None, "disputed"
    if len(active_reviews) < needed:
        return None, "in_review"
    return FinalVerdict(verdicts.pop(), "consensus", tuple(sorted([r.reviewer for r in active_reviews]))), "reviewed"


# ------------------------------------------------------------------------------------ settings

DEFAULT_SETTINGS: dict[str, Any] = {
    # How many reviews each claim needs: 1, or 2 for double review.
    "reviews_per_claim": 1,
    # With more than one review per claim, a reviewer sees the others' reviews of a claim, its
    # final verdict and their history only once they saved their own: independent reviews.
    "blind_review": True,
    # The reviewing organisation, named as the author of ClaimReview exports.
    "organisation": "",
    "organisation_url": "",
}
MAX_REVIEWS_PER_CLAIM = 10
# The settings that decide a claim's status and final verdict: an export records them, and an
# import into a store that holds other values is refused unless it adopts them.
STATUS_SETTINGS: tuple[str, ...] = ("reviews_per_claim",)


def status_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The ``STATUS_SETTINGS`` of ``settings`` (a default where one is missing)."""
    return {key: settings.get(key, DEFAULT_SETTINGS[key]) for key in STATUS_SETTINGS}


def check_status_settings(where: str, value: Any) -> dict[str, Any]:
    """``value``, an object of status settings read from a file, checked: exactly the keys of
    ``STATUS_SETTINGS``, each value one that setting may hold."""
    if not isinstance(value, dict):
        raise ValidationError(f"{where} must be an object of settings; got {type(value).__name__}")
    if sorted(value) != sorted(STATUS_SETTINGS):
        raise ValidationError(f"{where} must hold the settings {', '.join(STATUS_SETTINGS)}; got "
                              f"{', '.join(sorted(value)) or 'none'}")
    return {key: check_setting(key, value[key]) for key in STATUS_SETTINGS}


def settings_differences(recorded: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The status settings whose ``recorded`` value (an export's) differs from the ``current``
    one (a store's): key -> (recorded, current)."""
    now = status_settings(current)
    return {key: (value, now[key]) for key, value in recorded.items() if now.get(key) != value}


def check_setting(key: str, value: Any) -> Any:
    """``value`` as setting ``key`` stores it; refused, naming what is allowed, if it does not fit."""
    if key not in DEFAULT_SETTINGS:
        raise ValidationError(f"unknown setting {key!r}; known: {', '.join(DEFAULT_SETTINGS)}")
    if key == "reviews_per_claim":
        text_ = str(value).strip()
        if isinstance(value, bool) or not text_.isdigit() or not 1 <= int(text_) <= MAX_REVIEWS_PER_CLAIM:
            raise ValidationError(
                f"reviews_per_claim must be a whole number from 1 to {MAX_REVIEWS_PER_CLAIM}; got {value!r}")
        return int(text_)
    if key == "blind_review":
        return parse_switch(key, value)
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be text; got {value!r}")
    if key == "organisation_url" and value.strip():
        return check_http_url(value)
    return value.strip()
