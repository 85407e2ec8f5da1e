"""Rules of the review process that are not about storing: a claim's final verdict and status,
and what the project settings may hold. Storage applies them (its SQL filters restate the status
rule for the database; a test holds the two together); pages and exports read their results.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotations.auth import Actor
from annotations.errors import ValidationError
from annotations.records import HistoryEntry, Review, Verdict, check_http_url
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


# ------------------------------------------------------------------------- who sees what


@dataclass(frozen=True, slots=True)
class Viewer:
    """What of other people's work one person may see, wherever they look: the review page, a
    filter, a claim list, an export or a command.

    * ``blind``: blind review is in effect for them, so on each claim they have not reviewed yet
      (a withdrawn review of theirs counts as reviewed) the others' reviews, the claim's status,
      its final verdict and the history of those are hidden;
    * ``own_reviews``: their exports hold only their own reviews (a plain reviewer's do).

    ``viewer_of`` makes one from an actor and the project settings; storage applies it in SQL
    (``ClaimFilter.viewer``) and a test holds the two together."""

    name: str
    blind: bool = False
    own_reviews: bool = False

    def hides(self, reviews: Iterable[Review]) -> bool:
        """Whether blind review hides the others' work on a claim with these ``reviews`` (all of
        them, withdrawn ones included) from this viewer."""
        return self.blind and not any(r.reviewer == self.name for r in reviews)

    def reviews(self, reviews: Sequence[Review]) -> list[Review]:
        """The reviews of a claim this viewer may export."""
        return [r for r in reviews if r.reviewer == self.name] if self.own_reviews else list(reviews)

    def history(self, entries: Iterable[HistoryEntry], *, hidden: bool) -> list[HistoryEntry]:
        """A claim's history as this viewer may see it: when the claim is ``hidden`` from them,
        without the others' reviews and final verdicts; in an export of their own reviews,
        without the others' reviews."""
        if hidden:
            others_work = ("review", "verdict")
        elif self.own_reviews:
            others_work = ("review",)
        else:
            return list(entries)
        return [e for e in entries if e.entity not in others_work or e.actor == self.name]


def viewer_of(actor: Actor, settings: Mapping[str, Any]) -> Viewer:
    """The viewer ``actor`` is under the project ``settings``: blind review is in effect for a
    plain reviewer when it is on and claims need more than one review (first reviews made without
    seeing each other keep the agreement figures honest); only adjudicators and admins export
    other people's reviews."""
    reviewer = actor.role == "reviewer"
    blind = (reviewer and bool(settings.get("blind_review"))
             and int(settings.get("reviews_per_claim", 1)) > 1)
    return Viewer(actor.name, blind=blind, own_reviews=reviewer)


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
    # Folders on the server that admins may load files from on the Sources page (absolute paths;
    # the bundled demo corpus is always allowed). Reviewers upload or paste instead.
    "server_folders": [],
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
    if key == "server_folders":
        return _check_folders(value)
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be text; got {value!r}")
    if key == "organisation_url" and value.strip():
        return check_http_url(value)
    return value.strip()


def _check_folders(value: Any) -> list[str]:
    """Absolute folder paths, from a list or from text with one per line (or separated by
    ``os.pathsep``, as in ``PATH``)."""
    if isinstance(value, str):
        value = [part for line in value.splitlines() for part in line.split(os.pathsep)]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValidationError(f"server_folders must be a list of folder paths; got {value!r}")
    folders = list(dict.fromkeys(v.strip() for v in value if v.strip()))
    relative = [f for f in folders if not os.path.isabs(f)]
    if relative:
        raise ValidationError(f"server_folders must be absolute paths (starting with {os.sep}); got "
                              f"{', '.join(map(repr, relative))}")
    return folders
