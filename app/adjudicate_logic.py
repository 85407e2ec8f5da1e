"""Plain functions behind the Adjudicate page: who may adjudicate, which claims are listed, what
the final-verdict form starts from, saving it, and which version the next save is checked against.
No Streamlit here: the page reads its widgets, calls one of these and draws the result."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annotations.auth import Actor
from annotations.errors import StaleEditError, ValidationError
from annotations.records import Claim, Review, Verdict
from annotations.storage import ClaimDetail, Store
from annotations.vocab import VERDICT_LABELS
from app.views import citations_from_rows, md_escape, when


def adjudication_refusal(who: Actor | None) -> str | None:
    """Why ``who`` may not record final verdicts, or None when they may."""
    if who is None:
        return "Enter your name (local mode) or sign in to adjudicate."
    if who.can("adjudicate"):
        return None
    return (f"You are signed in as {who.name} with the role {who.role}. Recording final verdicts needs "
            "the role adjudicator or admin; an admin can change your role on the Users & settings page.")


def adjudication_queue(
    store: Store, *, include_settled: bool = False, on_screen: str | None = None, settled_here: str | None = None,
) -> list[Claim]:
    """The claims whose reviews disagree, highest score first (with ``include_settled``, also those
    already settled). ``on_screen``, the claim the adjudicator is looking at, stays listed first even
    when it left the list meanwhile (another adjudicator settled it), so that they see what changed;
    once they settled it themselves (``settled_here``), it leaves the list like any settled claim."""
    claims = store.disputed_claims(include_settled=include_settled)
    keep = on_screen if on_screen != settled_here else None
    if keep and keep not in {c.id for c in claims}:
        claims.insert(0, store.get_claim(keep))
    return claims


def claim_label(claim: Claim, document_names: Mapping[str, str], width: int = 90) -> str:
    """How a claim reads in the adjudication list."""
    text = " ".join(claim.text.split())
    if len(text) > width:
        text = text[: width - 1] + "…"
    return f"{text} — {document_names.get(claim.document_id, '?')} ({claim.claim_type})"


def final_summary(detail: ClaimDetail) -> str | None:
    """The claim's final verdict in words, or None while it has none."""
    if detail.verdict is not None:
        v = detail.verdict
        return (f"Settled: **{VERDICT_LABELS[v.verdict]}**, by {md_escape(v.adjudicator)} "
                f"(version {v.version}, {when(v.updated_at or v.created_at)})")
    if detail.final is not None:
        return f"Agreed by the reviewers: **{VERDICT_LABELS[detail.final.verdict]}**"
    return None


def reviews_side_by_side(detail: ClaimDetail) -> list[Review]:
    """The reviews the adjudicator weighs: the active ones (a withdrawn review no longer counts)."""
    return [r for r in detail.reviews if not r.withdrawn]


@dataclass(frozen=True)
class VerdictForm:
    """What the final-verdict form starts from: the stored final verdict, or nothing chosen (there
    is no default verdict: the adjudicator chooses). ``version`` is the version of the final verdict
    the adjudicator sees; a save is checked against it."""

    version: int | None
    verdict: str | None
    rationale: str


def verdict_form(current: Verdict | None) -> VerdictForm:
    """The form of a claim whose stored final verdict is ``current`` (None: it has none)."""
    if current is None:
        return VerdictForm(None, None, "")
    return VerdictForm(current.version, current.verdict, current.rationale)


def version_seen_after(outcome: Verdict | StaleEditError) -> int | None:
    """The version of the final verdict the adjudicator has seen once a save is done: the one they
    saved, or, when the save was stale, the newer one the page now shows them. The next save is
    checked against it, so saving again after reading the newer verdict replaces it."""
    if isinstance(outcome, StaleEditError):
        return outcome.current.version if outcome.current is not None else None
    return outcome.version


def record_verdict(
    store: Store, actor: Actor, claim_id: str, verdict: str | None, rationale: str,
    citation_rows: Iterable[Mapping[str, Any]], expected_version: int | None,
) -> Verdict:
    """Save the final verdict from the page's fields. ``expected_version`` is the version of the
    final verdict the adjudicator saw (None when there was none)."""
    if verdict not in VERDICT_LABELS:
        raise ValidationError(f"choose a final verdict among {', '.join(VERDICT_LABELS)}; got {verdict!r}")
    citations = citations_from_rows(citation_rows)
    return store.save_verdict(actor, claim_id, verdict, rationale.strip(), citations,
                              expected_version=expected_version)
