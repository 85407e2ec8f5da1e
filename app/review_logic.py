"""Plain functions behind the Review and Sources pages: which claim to show, building a save from the
form, finding a span from typed text, and turning records into the short texts the pages draw.

No Streamlit here, so tests call these directly. Source text is untrusted: HTML built here escapes
every piece of it (``html.escape``), and text meant for Markdown goes through :func:`md_escape`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from annotations.auth import Actor
from annotations.errors import ValidationError
from annotations.records import Citation, Claim, Document, HistoryEntry, Quantity, Review, occurrences
from annotations.storage import ClaimFilter, DocumentSummary, FinalVerdict, Store
from annotations.vocab import CITATION_KIND_LABELS, VERDICT_LABELS, VERDICTS
from app import views

if TYPE_CHECKING:  # app.workflow loads the spaCy side; these helpers do not need it
    from app.workflow import IngestOutcome

# ------------------------------------------------------------------------------ formatting

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>$:])")


def md_escape(text: str) -> str:
    """``text`` with Markdown syntax characters backslash-escaped, newlines as spaces, so
    Streamlit shows it literally."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def when(moment: datetime | None) -> str:
    """A timestamp as ``2026-05-01 14:03 UTC``."""
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


_VERDICT_COLOURS = {"supported": "green", "unsupported": "red", "risky": "orange", "not_a_claim": "gray"}
_STATUS_COLOURS = {"unreviewed": "gray", "in_review": "blue", "reviewed": "green", "disputed": "orange",
                   "settled": "violet"}


def verdict_badge(verdict: str) -> str:
    """A coloured Markdown badge naming the verdict."""
    return f":{_VERDICT_COLOURS.get(verdict, 'gray')}-badge[{VERDICT_LABELS.get(verdict, verdict)}]"


def status_badge(status: str) -> str:
    return f":{_STATUS_COLOURS.get(status, 'gray')}-badge[{status.replace('_', ' ')}]"


def type_badge(claim_type: str) -> str:
    return f":blue-badge[{claim_type}]"


def _link(url: str) -> str:
    """A URL safe inside a Markdown link target."""
    return url.replace("(", "%28").replace(")", "%29").replace(" ", "%20")


def citation_lines(citations: Iterable[Citation]) -> list[str]:
    """One Markdown line per citation: kind, linked identifier, quoted passage, note."""
    lines = []
    for c in citations:
        label = md_escape(c.identifier)
        ident = f"[{label}]({_link(c.link)})" if c.link else label
        line = f"- **{CITATION_KIND_LABELS.get(c.kind, c.kind)}** {ident}"
        if c.quote:
            line += f" — “{md_escape(c.quote)}”"
        if c.note:
            line += f" — {md_escape(c.note)}"
        lines.append(line)
    return lines


def _number(value: float) -> str:
    return f"{value:g}"


def quantity_text(q: Quantity) -> str:
    """A parsed quantity as ``"up to 30% → ≤ 30 percent (percent)"``."""
    if q.minimum is not None and q.maximum is not None:
        bounds = _number(q.minimum) if q.minimum == q.maximum else f"{_number(q.minimum)}–{_number(q.maximum)}"
    elif q.maximum is not None:
        bounds = f"≤ {_number(q.maximum)}"
    else:
        bounds = f"≥ {_number(q.minimum or 0)}"
    unit = f" {q.unit}" if q.unit else ""
    return f"{q.text} → {bounds}{unit} ({q.kind})"


def final_text(final: FinalVerdict | None) -> str:
    """Markdown for a claim's final verdict: whose, from what."""
    if final is None:
        return "no final verdict yet"
    how = "adjudicated by" if final.source == "adjudication" else "agreed by"
    return f"{verdict_badge(final.verdict)} {how} {md_escape(', '.join(final.by))}"


def claim_meta_markdown(document: Document, claim: Claim, status: str | None = None) -> str:
    """The line above a claim card: document, type, score, status, rule id, origin."""
    parts = [
        f":material/description: **{md_escape(document.name)}**",
        type_badge(claim.claim_type),
        f"score **{claim.score:.2f}**",
    ]
    if status:
        parts.append(status_badge(status))
    rule = claim.rule_id or "no rule id"
    parts.append(f"rule `{rule.replace('`', '')}`")
    if claim.origin != "pipeline":
        parts.append(f"added by {md_escape(claim.created_by)}")
    return " · ".join(parts)


CARD_CSS = """<style>
.cc-card{font-size:1.02rem;line-height:1.65;padding:.9rem 1.1rem;border-radius:.6rem;
  border:1px solid rgba(128,128,128,.28);background:rgba(128,128,128,.05)}
.cc-context{font-size:.86rem;opacity:.75;margin-bottom:.45rem}
.cc-card mark.claim{background:rgba(255,200,0,.42);color:inherit;padding:.08rem .18rem;border-radius:.25rem;
  box-shadow:inset 0 -2px 0 rgba(230,150,0,.85)}
.cc-chips{margin-top:.7rem;display:flex;flex-wrap:wrap;gap:.35rem}
.cc-chip{font-size:.78rem;padding:.1rem .5rem;border-radius:1rem;border:1px solid rgba(128,128,128,.35)}
.cc-hedge{background:rgba(0,120,255,.10)}.cc-absolute{background:rgba(255,60,60,.12)}
.cc-negation{background:rgba(160,80,255,.12)}.cc-quantity{background:rgba(0,170,110,.12)}
</style>"""


def card_html(document: Document, claim: Claim) -> str:
    """The claim card body: context lead-in, the paragraph with the claim in ``<mark>``, and chips
    for cue words and parsed quantities. Every piece of source text is escaped."""
    parts = ['<div class="cc-card">']
    if claim.context:
        parts.append(f'<div class="cc-context">Context: {html.escape(claim.context)}</div>')
    parts.append(f'<div class="cc-para">{views.claim_html(document, claim)}</div>')
    chips = []
    cues = (("hedge", claim.cues.hedges), ("absolute", claim.cues.absolutes), ("negation", claim.cues.negations))
    for kind, words in cues:
        chips += [f'<span class="cc-chip cc-{kind}">{kind}: {html.escape(w)}</span>' for w in words]
    chips += [f'<span class="cc-chip cc-quantity">{html.escape(quantity_text(q))}</span>'
              for q in claim.quantities]
    if chips:
        parts.append(f'<div class="cc-chips">{"".join(chips)}</div>')
    parts.append("</div>")
    return "".join(parts)


def preview_html(text: str, start: int, end: int) -> str:
    """A span preview: the paragraph around ``start:end`` with the span marked, escaped."""
    return f'<div class="cc-card"><div class="cc-para">{views.highlight_html(text, start, end)}</div></div>'


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


def own_review(reviews: Sequence[Review], reviewer: str) -> Review | None:
    """This reviewer's review among a claim's reviews (withdrawn ones included)."""
    return next((r for r in reviews if r.reviewer == reviewer), None)


def blinded(actor: Actor, reviews: Sequence[Review], settings: Mapping[str, Any]) -> bool:
    """Whether blind review hides the others' work on a claim from ``actor``: it is on, claims
    need more than one review, the actor is a plain reviewer and has not reviewed this claim
    yet. First reviews made without seeing each other keep the agreement figures honest."""
    return (bool(settings.get("blind_review")) and int(settings.get("reviews_per_claim", 1)) > 1
            and actor.role == "reviewer" and own_review(reviews, actor.name) is None)


def visible_history(entries: Iterable[HistoryEntry], reviewer: str) -> list[HistoryEntry]:
    """A claim's history as a blinded reviewer may see it: without the others' reviews and the
    final verdict."""
    return [e for e in entries if e.entity not in ("review", "verdict") or e.actor == reviewer]


def other_reviews(reviews: Sequence[Review], reviewer: str) -> list[Review]:
    """The active reviews of everyone else."""
    return [r for r in reviews if r.reviewer != reviewer and not r.withdrawn]


# ---------------------------------------------------------------------------------- saving


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
    citations = views.citations_from_rows(rows)
    return store.save_review(actor, claim_id, verdict, rationale.strip(), citations,
                             expected_version=expected_version)


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


def check_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` if it is a non-empty span inside ``text``."""
    if not 0 <= start < end <= len(text):
        raise ValidationError(f"a span needs 0 <= start < end <= {len(text)}; got {start}:{end}")
    return start, end


# --------------------------------------------------------------------------------- history


def _short(key: str, value: Any) -> str:
    if key == "citations" and isinstance(value, list):
        return f"{len(value)} citation(s)"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "…")
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


# ------------------------------------------------------------------------------ sources page


def human_bytes(size: int) -> str:
    """``5242880`` -> ``"5 MB"``; ``1536`` -> ``"1.5 KB"``."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def ingest_messages(outcome: IngestOutcome) -> list[tuple[str, str]]:
    """(kind, Markdown) messages of one load: each document added with its claim count, each
    one already stored, each refused file with its reason, each file not decoded as UTF-8."""
    messages: list[tuple[str, str]] = []
    for doc, n_claims in outcome.added:
        messages.append(("success", f"Added **{md_escape(doc.name)}** with {n_claims} candidate claim(s)."))
        if doc.encoding != "utf-8":
            messages.append(("warning", f"**{md_escape(doc.name)}** is not UTF-8: decoded as {doc.encoding}. "
                                        "Check that accented letters and quotes look right."))
    for doc in outcome.duplicates:
        messages.append(("info", f"**{md_escape(doc.name)}** is already stored (added {when(doc.added_at)} by "
                                 f"{md_escape(doc.added_by)}); no duplicate was created."))
    for err in outcome.refused:
        messages.append(("error", f"Refused **{md_escape(err.name)}**: {md_escape(err.reason)}"))
    return messages


def document_rows(documents: Iterable[DocumentSummary]) -> list[dict[str, Any]]:
    """Rows of the stored-documents table."""
    return [
        {"name": d.name, "origin": d.origin, "added": when(d.added_at), "added by": d.added_by,
         "claims": d.n_claims, "reviewed": d.n_reviewed, "encoding": d.encoding, "url": d.url or ""}
        for d in documents
    ]
