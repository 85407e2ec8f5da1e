"""Plain functions that turn records into what the pages draw. No Streamlit here, so tests call
them directly. Source text is untrusted: everything cut from it is HTML-escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from annotations.errors import ValidationError
from annotations.records import Citation, Claim, Document

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
