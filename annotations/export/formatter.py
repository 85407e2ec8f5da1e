"""The formatter: a stored claim bundle becomes one row of the documented export schema, and a
row read back becomes a bundle again.

A row is a plain JSON-ready dict; every writer (JSONL, CSV, Parquet, ClaimReview, gold TSV, the
dataset folder, spaCy DocBin) consumes the same rows. ``docs/formats.md`` documents each field;
``annotations/export/examples/claims.jsonl`` shows them. The claim, review and adjudication
objects of a row are their records' fields (``annotations.records``), in field order, so a field
added to a record is in every row, and read back, without a change here.

The document's full text and its history are large and the same for every claim of a document, so
they are written once: on the first row of each document in a file. Later rows of that document
carry ``null`` for ``document.text`` and ``document.history`` (the reader carries them forward).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from annotations.errors import ValidationError
from annotations.fields import dict_maker
from annotations.records import CLAIM_ROW_KEYS, Citation, Claim, Document, HistoryEntry, Review, Verdict
from annotations.storage import ClaimBundle, FinalVerdict
from annotations.vocab import CLAIM_STATUSES, FINAL_SOURCES, SCHEMA_VERSION, VERDICT_LABELS, VERDICTS

ROW_KEYS: tuple[str, ...] = (
    "schema_version", "id", "document", "claim", "status", "reviewers", "reviews", "final", "citations",
    "history",
)
DOCUMENT_KEYS: tuple[str, ...] = (
    "id", "name", "origin", "url", "encoding", "content_hash", "added_by", "added_at", "version", "text",
    "history",
)
# A claim's fields, as ``Claim.to_row`` writes them: the row carries the ids.
CLAIM_KEYS: tuple[str, ...] = CLAIM_ROW_KEYS
FINAL_KEYS: tuple[str, ...] = ("verdict", "label", "source", "by", "adjudication")
# A review and an adjudication have their own id first; the claim id is the row's.
REVIEW_KEYS: tuple[str, ...] = ("id", *(name for name in Review.field_names() if name not in ("id", "claim_id")))
ADJUDICATION_KEYS: tuple[str, ...] = (
    "id", *(name for name in Verdict.field_names() if name not in ("id", "claim_id")))

review_dict = dict_maker(Review, REVIEW_KEYS)
adjudication_dict = dict_maker(Verdict, ADJUDICATION_KEYS)
citation_dict = dict_maker(Citation)


def history_dict(entry: HistoryEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor, "entity": entry.entity,
            "entity_id": entry.entity_id, "claim_id": entry.claim_id, "action": entry.action,
            "before": entry.before, "after": entry.after}


def document_dict(document: Document, history: list[HistoryEntry] | None) -> dict[str, Any]:
    """The ``document`` field of a row. Given the document's ``history`` (on the first row of
    the document), it carries the text and the history; given None, both are null."""
    return {
        "id": document.id, "name": document.name, "origin": document.origin, "url": document.url,
        "encoding": document.encoding, "content_hash": document.content_hash, "added_by": document.added_by,
        "added_at": document.added_at.isoformat(), "version": document.version,
        "text": None if history is None else document.text,
        "history": None if history is None else [history_dict(e) for e in history],
    }


def _flat_citations(active: list[Review], verdict: Verdict | None) -> list[dict[str, Any]]:
    out = [{**citation_dict(c), "link": c.link, "by": review.reviewer, "role": "review"}
           for review in active for c in review.citations]
    if verdict is not None:
        out += [{**citation_dict(c), "link": c.link, "by": verdict.adjudicator, "role": "adjudication"}
                for c in verdict.citations]
    return out


def _row(bundle: ClaimBundle, document: dict[str, Any]) -> dict[str, Any]:
    """The row of ``bundle`` with ``document`` (a :func:`document_dict`) as its document field."""
    claim, verdict, final = bundle.claim, bundle.verdict, bundle.final
    reviews = bundle.reviews
    active = [r for r in reviews if not r.withdrawn]
    return {
        "schema_version": SCHEMA_VERSION,
        "id": claim.id,
        "document": document,
        "claim": claim.to_row(bundle.document.text),
        "status": bundle.status,
        "reviewers": sorted([r.reviewer for r in active]),
        "reviews": [review_dict(r) for r in reviews],
        "final": None if final is None else {
            "verdict": final.verdict, "label": VERDICT_LABELS[final.verdict], "source": final.source,
            "by": list(final.by), "adjudication": None if verdict is None else adjudication_dict(verdict),
        },
        "citations": _flat_citations(active, verdict),
        "history": [history_dict(e) for e in bundle.history],
    }


def rows(bundles: Iterable[ClaimBundle]) -> Iterator[dict[str, Any]]:
    """The rows of a stream of bundles (in document order), with each document's text and
    history on the first row of that document.

    The later rows of a document share one ``document`` dict (rows are read, never changed)."""
    seen: set[str] = set()
    current: str | None = None
    later: dict[str, Any] = {}
    for bundle in bundles:
        doc = bundle.document
        if doc.id != current:
            current = doc.id
            later = document_dict(doc, None)
            if doc.id not in seen:
                seen.add(doc.id)
                yield _row(bundle, document_dict(doc, bundle.document_history))
                continue
        yield _row(bundle, later)


# ----------------------------------------------------------------------------- reading back


def _object(where: str, value: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """``value`` if it is an object with exactly ``keys``; a message naming the difference if not."""
    if not isinstance(value, dict):
        raise ValidationError(f"{where} must be an object; got {type(value).__name__}")
    missing = [k for k in keys if k not in value]
    unknown = sorted(set(value) - set(keys))
    if missing or unknown:
        parts = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"unknown {', '.join(unknown)}"] if unknown else [])
        raise ValidationError(f"{where} must have the fields {', '.join(keys)}; {'; '.join(parts)}")
    return value


def _list(where: str, value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValidationError(f"{where} must be a list; got {type(value).__name__}")
    return value


def _drop(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in keys}


class RowReader:
    """Turns rows back into bundles, carrying the current document's text forward from the first
    row of that document.

    Every check that storage would make is made here first, so a bad row is reported with its
    line number before anything is written. Only the current document is held in memory, so a
    document's rows must follow each other (as every export writes them); a document met again
    later must carry its text again."""

    def __init__(self) -> None:
        self._current: Document | None = None
        self._hashes: dict[str, str] = {}  # content hash of every document seen, by id

    def bundle(self, row: Any) -> ClaimBundle:
        row = _object("a line", row, ROW_KEYS)
        if row["schema_version"] != SCHEMA_VERSION:
            raise ValidationError(
                f"schema_version must be {SCHEMA_VERSION!r}; got {row['schema_version']!r}")
        claim_id = row["id"]
        if not isinstance(claim_id, str) or not claim_id:
            raise ValidationError(f"id must be the claim id (non-empty text); got {claim_id!r}")
        document, document_history = self._document(_object("document", row["document"], DOCUMENT_KEYS))

        claim_data = _object("claim", row["claim"], CLAIM_KEYS)
        claim = Claim.from_dict({**_drop(claim_data, "sentence"), "id": claim_id, "document_id": document.id})
        claim.check_against(document.text)

        reviews = [Review.from_dict({**_object("a review", r, REVIEW_KEYS), "claim_id": claim_id})
                   for r in _list("reviews", row["reviews"])]
        verdict, final = self._final(row["final"], claim_id)
        history = [HistoryEntry.from_dict(e) for e in _list("history", row["history"])]
        for entry in history:
            if entry.claim_id != claim_id:
                raise ValidationError(
                    f"history entry {entry.id} must concern claim {claim_id}; got claim_id {entry.claim_id!r}")
        status = row["status"]
        if status not in CLAIM_STATUSES:
            raise ValidationError(f"status must be one of {', '.join(CLAIM_STATUSES)}; got {status!r}")
        return ClaimBundle(document=document, claim=claim, reviews=reviews, verdict=verdict, history=history,
                           document_history=document_history, final=final, status=status)

    def _document(self, data: dict[str, Any]) -> tuple[Document, list[HistoryEntry]]:
        doc_id = data["id"]
        current = self._current
        if data["text"] is None:
            if current is None or current.id != doc_id:
                where = "on an earlier line, but not on the line before" if doc_id in self._hashes else "here first"
                raise ValidationError(
                    f"document {doc_id!r} appears {where}, so this line must carry its text "
                    "(document.text); got null")
            if data["content_hash"] != current.content_hash:
                raise ValidationError(
                    f"document {doc_id} has content_hash {current.content_hash} on an earlier line; "
                    f"got {data['content_hash']!r}")
            if data["history"] is not None:
                raise ValidationError("document.history must be null when document.text is null")
            return current, []
        document = Document.from_dict(_drop(data, "history"))
        if self._hashes.get(document.id, document.content_hash) != document.content_hash:
            raise ValidationError(
                f"document {document.id} has content_hash {self._hashes[document.id]} on an earlier line; "
                f"got {document.content_hash!r}")
        history = [HistoryEntry.from_dict(e) for e in _list("document.history", data["history"])]
        for entry in history:
            if entry.entity != "document" or entry.entity_id != document.id:
                raise ValidationError(
                    f"document.history entries must concern document {document.id}; got "
                    f"{entry.entity} {entry.entity_id}")
        self._current = document
        self._hashes[document.id] = document.content_hash
        return document, history

    @staticmethod
    def _final(value: Any, claim_id: str) -> tuple[Verdict | None, FinalVerdict | None]:
        if value is None:
            return None, None
        data = _object("final", value, FINAL_KEYS)
        if data["source"] not in FINAL_SOURCES:
            raise ValidationError(f"final.source must be one of {', '.join(FINAL_SOURCES)}; got {data['source']!r}")
        by = _list("final.by", data["by"])
        if data["verdict"] not in VERDICTS:
            raise ValidationError(f"final.verdict must be one of {', '.join(VERDICTS)}; got {data['verdict']!r}")
        final = FinalVerdict(data["verdict"], data["source"], tuple(by))
        adjudication = data["adjudication"]
        if adjudication is None:
            if final.source == "adjudication":
                raise ValidationError("final.adjudication must be given when final.source is 'adjudication'")
            return None, final
        adj = _object("final.adjudication", adjudication, ADJUDICATION_KEYS)
        verdict = Verdict.from_dict({**adj, "claim_id": claim_id})
        if verdict.verdict != final.verdict:
            raise ValidationError(
                f"final.verdict must be the adjudicated verdict {verdict.verdict!r}; got {final.verdict!r}")
        return verdict, final

