"""Plain functions that turn records into what several pages draw: the claim in its paragraph,
badges, timestamps, citations and the rows of the citations editor. No Streamlit here, so tests
call them directly; each page's own logic lives in ``app/<page>_logic.py``.

Source text is untrusted: HTML built here escapes every piece of it (``html.escape``), and text
meant for Markdown goes through :func:`md_escape`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from annotations.errors import ValidationError
from annotations.records import Citation, Claim, Document, Quantity
from annotations.vocab import CITATION_KIND_LABELS, VERDICT_LABELS

MAX_CONTEXT = 1200


def paragraph_bounds(text: str, start: int, end: int, max_chars: int = MAX_CONTEXT) -> tuple[int, int]:
    """The paragraph (blank-line separated block) around ``start:end``, cut to about
    ``max_chars`` around the span when the block is longer."""
    left = text.rfind("\n\n", 0, start)
    left = 0 if left == -1 else left + 2
    right = text.find("\n\n", end)
    right = len(text) if right == -1 else right
    if right - left > max_chars:
        room = max(0, max_chars - (end - start)) // 2
        left = max(left, start - room)
        right = min(right, end + room)
    return left, right


def highlight_html(text: str, start: int, end: int, *, max_chars: int = MAX_CONTEXT) -> str:
    """The claim's paragraph as HTML with the claim in a ``<mark>``, every piece escaped."""
    left, right = paragraph_bounds(text, start, end, max_chars)

    def esc(piece: str) -> str:
        return html.escape(piece).replace("\n", "<br>")

    return (
        ("…" if left > 0 and text[left - 1] != "\n" else "")
        + esc(text[left:start])
        + '<mark class="claim">'
        + esc(text[start:end])
        + "</mark>"
        + esc(text[end:right])
        + ("…" if right < len(text) and text[right] != "\n" else "")
    )


def claim_html(document: Document, claim: Claim) -> str:
    return highlight_html(document.text, claim.start, claim.end)


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
    parts.append(f'<div class="cc-para">{claim_html(document, claim)}</div>')
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
    return f'<div class="cc-card"><div class="cc-para">{highlight_html(text, start, end)}</div></div>'


# ---------------------------------------------------------------------------- citation rows


def citations_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Citation]:
    """Citations from editor rows (kind, identifier, quote, note). Blank rows (no identifier, quote
    or note; a kind alone is just the editor's default) are skipped; a bad row raises
    ValidationError naming its row number."""
    citations = []
    for number, row in enumerate(rows, start=1):
        kind = (row.get("kind") or "").strip().lower()
        identifier = (row.get("identifier") or "").strip()
        quote = (row.get("quote") or "").strip()
        note = (row.get("note") or "").strip()
        if not (identifier or quote or note):
            continue
        if not identifier:
            raise ValidationError(f"citation {number}: an identifier (DOI, PMID or URL) is required; got none")
        try:
            citations.append(Citation(kind or "other", identifier, quote, note))
        except ValidationError as exc:
            raise ValidationError(f"citation {number}: {exc}") from None
    return citations


def citation_rows(citations: Iterable[Citation]) -> list[dict[str, str]]:
    """The editor rows of existing citations."""
    return [c.to_dict() for c in citations]
