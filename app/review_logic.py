"""Plain functions behind the Review page: which claim to show, what a blind reviewer may see,
saving (and withdrawing) one's own review, the span editor, and the claim's history.

No Streamlit here, so tests call these directly. What several pages draw (badges, the claim card,
citations) lives in :mod:`app.views`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from annotations.auth import Actor
from annotations.errors import NotFoundError, StaleEditError, ValidationError
from annotations.records import Claim, Document, HistoryEntry, Review, claim_from_span, occurrences
from annotations.storage import ClaimFilter, FinalVerdict, Store
from annotations.vocab import VERDICT_LABELS, VERDICTS
from app.views import citations_from_rows, md_escape, verdict_badge, when
from app.workflow import span_analyser

# --------------------------------------------------------------------------- choosing a claim


def pick_claim(store: Store, reviewer: str, flt: ClaimFilter, current: str | None) -> str | None:
    """The id of the claim to show: the current one, else the highest-scoring claim waiting for
    ``reviewer``, else (queue done) the first claim matching the filters, for browsing; None when
    no claim matches."""
    if current:
        return current
    waiting = store.next_claim(reviewer, flt)
    if waiting is not None:
        return waiting.id
    first = store.list_claims(flt, limit=1)
    return first[0].id if first else None


def next_after_save(store: Store, reviewer: str, flt: ClaimFilter, saved: str) -> str:
    """Where to go once a review is saved: the next claim waiting (highest score first), or
    the saved claim itself when nothing is left."""
    waiting = store.next_claim(reviewer, flt)
    return waiting.id if waiting is not None else saved


# -------------------------------------------------------------------- what a reviewer sees


def own_review(reviews: Sequence[Review], reviewer: str) -> Review | None:
    """This reviewer's review among a claim's reviews (withdrawn ones included)."""
    return next((r for r in reviews if r.reviewer == reviewer), None)


def other_reviews(reviews: Sequence[Review], reviewer: str) -> list[Review]:
    """The active reviews of everyone else."""
    return [r for r in reviews if r.reviewer != reviewer and not r.withdrawn]


def final_text(final: FinalVerdict | None) -> str:
    """Markdown for a claim's final verdict: whose, from what."""
    if final is None:
        return "no final verdict yet"
    how = "adjudicated by" if final.source == "adjudication" else "agreed by"
    return f"{verdict_badge(final.verdict)} {how} {md_escape(', '.join(final.by))}"


# ------------------------------------------------------------------------ one's own review


def version_to_save_over(form_version: int | None, stale: StaleEditError | None, overwrite: bool) -> int | None:
    """The version of their own review that a reviewer's save replaces (a newer stored one makes
    the save stale): the version the form was filled from; once a stale save showed them the newer
    stored review and they chose "Save mine over it", that newer version."""
    if overwrite and stale is not None and stale.current is not None:
        return stale.current.version
    return form_version


def save_review_form(
    store: Store, actor: Actor, claim_id: str, verdict: str | None, rationale: str,
    rows: Iterable[Mapping[str, Any]], expected_version: int | None,
) -> Review:
    """Validate the form (a verdict chosen, every citation row valid) and save the review.

    Raises ValidationError naming the problem (nothing is saved), or StaleEditError when the
    reviewer's stored review is newer than ``expected_version``."""
    if verdict not in VERDICTS:
        labels = ", ".join(VERDICT_LABELS[v] for v in VERDICTS)
        raise ValidationError(f"choose a verdict ({labels}); got {'none' if verdict is None else repr(verdict)}")
    citations = citations_from_rows(rows)
    return store.save_review(actor, claim_id, verdict, rationale.strip(), citations,
                             expected_version=expected_version)


def can_withdraw(own: Review | None, form_version: int | None) -> bool:
    """Whether the page offers to withdraw the reviewer's own review: there is an active one, and
    the form was filled from it (not from nothing, while another tab saved one)."""
    return own is not None and not own.withdrawn and form_version is not None


def withdraw_own_review(store: Store, actor: Actor, claim_id: str, expected_version: int | None = None) -> Review:
    """Withdraw ``actor``'s own review of a claim: it is marked withdrawn, never deleted, the
    history records it, and saving a review of the claim again restores it. ``expected_version``
    is the version the reviewer saw (None: the stored one, for the command line); a newer stored
    review raises StaleEditError."""
    own = store.review_of(claim_id, actor.name)
    if own is None:
        raise NotFoundError(f"{actor.name} has no review of claim {claim_id} to withdraw")
    return store.withdraw_review(actor, own.id, own.version if expected_version is None else expected_version)


# ---------------------------------------------------------------------------- span editor

SPAN_SAVES = ("text", "offsets", "type")
"""The span editor's save buttons: the span found from typed text, the span given by offsets,
or the claim type alone."""


def span_from_text(text: str, near: int, needle: str) -> tuple[int, int]:
    """The span of ``needle`` in ``text``, taking the occurrence that starts nearest ``near``."""
    if not needle.strip():
        raise ValidationError("type the exact text of the claim; got nothing")
    starts = occurrences(text, needle)
    if not starts:
        raise ValidationError(
            f"the text {needle!r} does not occur in the document; copy it exactly from the source")
    start = min(starts, key=lambda s: (abs(s - near), s))
    return start, start + len(needle)


def span_from_offsets(document: Document, start: int, end: int) -> tuple[int, int]:
    """``start:end`` if the records accept it as a claim span of ``document`` (non-empty, inside
    its text); else ValidationError saying why."""
    claim = claim_from_span(document, start, end)
    return claim.start, claim.end


def span_changed(claim: Claim, span: tuple[int, int] | None) -> bool:
    """Whether ``span`` is a valid span other than the claim's own, so that saving it changes
    something."""
    return span is not None and span != (claim.start, claim.end)


def span_to_save(
    button: str, text_span: tuple[int, int] | None, offsets_span: tuple[int, int] | None,
) -> tuple[int, int] | None:
    """The span a save button of the span editor stores: the one found from the typed text, the
    one given by offsets, or None (the span stays) when only the type is saved."""
    if button not in SPAN_SAVES:
        raise ValidationError(f"the span editor saves one of {', '.join(SPAN_SAVES)}; got {button!r}")
    if button == "type":
        return None
    span = text_span if button == "text" else offsets_span
    if span is None:
        raise ValidationError(f"there is no valid span from the {button} to save; fix it first")
    return span


def save_claim_edit(
    store: Store, actor: Actor, claim_id: str, expected_version: int, button: str,
    text_span: tuple[int, int] | None, offsets_span: tuple[int, int] | None, claim_type: str, *, nlp=None,
) -> Claim:
    """Save what the span editor's ``button`` saves, with the claim type chosen; StaleEditError
    when the claim changed since ``expected_version``. Given the pipeline ``nlp``, the claim's
    cues, quantities and sentence are found again for its span (the history keeps the old ones)."""
    span = span_to_save(button, text_span, offsets_span)
    return store.update_claim(actor, claim_id, expected_version, start=span[0] if span else None,
                              end=span[1] if span else None, claim_type=claim_type,
                              reanalyse=span_analyser(nlp))


# --------------------------------------------------------------------------------- history


# The history table wraps its cells, so a value is shown whole unless it runs to a page.
_LONGEST = 500


def _short(key: str, value: Any) -> str:
    if key == "citations" and isinstance(value, list):
        return f"{len(value)} citation(s)"
    if key == "cues" and isinstance(value, dict):
        words = [f"{kind} {', '.join(map(str, found))}" for kind, found in value.items() if found]
        return "; ".join(words) if words else "none"
    if key == "quantities" and isinstance(value, list):
        return ", ".join(repr(q.get("text", "")) for q in value if isinstance(q, dict)) or "none"
    if isinstance(value, str):
        return repr(value if len(value) <= _LONGEST else value[: _LONGEST - 3] + "…")
    return str(value)


_SUMMARY_KEYS = ("verdict", "reviewer", "adjudicator", "text", "claim_type", "start", "end", "name", "role",
                 "value", "citations", "withdrawn")


def describe_change(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """``before -> after`` of a history entry, as the fields that changed."""
    if before is None and after is None:
        return ""
    if before is None or after is None:
        side = after if before is None else before
        assert side is not None
        shown = [f"{k}={_short(k, side[k])}" for k in _SUMMARY_KEYS if k in side]
        return ("created: " if before is None else "removed: ") + ", ".join(shown)
    changes = [
        f"{k}: {_short(k, before.get(k))} → {_short(k, after.get(k))}"
        for k in dict.fromkeys([*before, *after])
        if k != "version" and before.get(k) != after.get(k)
    ]
    return "; ".join(changes) or "no visible change"


def history_rows(entries: Iterable[HistoryEntry]) -> list[dict[str, str]]:
    """Rows for the history table: when, who, what, and before -> after."""
    return [
        {"when": when(e.at), "who": e.actor, "action": f"{e.entity} {e.action}",
         "change": describe_change(e.before, e.after)}
        for e in entries
    ]


def history_table(entries: Iterable[HistoryEntry]) -> list[dict[str, str]]:
    """The history rows as the page's table shows them, wrapped in full rather than cut off: its
    cells are Markdown, so each is escaped (a claim's text is the source's, untrusted)."""
    return [{key: md_escape(value) for key, value in row.items()} for row in history_rows(entries)]
