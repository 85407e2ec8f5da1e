"""The ``spacy`` export format: a spaCy ``DocBin`` with one ``Doc`` per document, its claims in
``doc.spans["claims"]``, ready for ``spacy train`` (a spancat with ``spans_key = "claims"``).

Tokens come from ``spacy.blank("en")`` (no model needed). A claim's character span is widened
to whole tokens (``alignment_mode="expand"``). The span label is the claim's final verdict
(``label_by="verdict"``; claims without one are left out) or its claim type
(``label_by="claim_type"``).

Everything else about a claim is kept in ``doc.user_data["claimcheck"]["claims"]``, a list in
the same order as ``doc.spans["claims"]`` (the DocBin is written with ``store_user_data=True``);
:func:`claim_spans` pairs them up again. ``doc.user_data["claimcheck"]["document"]`` holds the
document's id, name, origin, url and content hash.

The catalog (``annotations.export.catalog``) names :class:`DocBinWriter` by its dotted path and
imports this module when the format is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span

from annotations.errors import ValidationError
from annotations.export.catalog import AtomicFile, ExportContext

SPANS_KEY = "claims"
USER_DATA_KEY = "claimcheck"


# The claim fields a span's record keeps, besides the claim's id and its review outcome.
SPAN_CLAIM_KEYS: tuple[str, ...] = ("start", "end", "text", "claim_type", "score", "rule_id")


def _span_record(row: dict[str, Any]) -> dict[str, Any]:
    claim, final = row["claim"], row["final"]
    return {
        "id": row["id"], **{key: claim[key] for key in SPAN_CLAIM_KEYS}, "status": row["status"], "verdict": final["verdict"] if final else None,
        "final_source": final["source"] if final else None,
        "reviews": [{"reviewer": r["reviewer"], "verdict": r["verdict"]} for r in row["reviews"] if not r["withdrawn"]],
        "citations": [{"kind": c["kind"], "identifier": c["identifier"], "quote": c["quote"]}
                      for c in row["citations"]],
    }


class DocBinWriter:
    """Builds one Doc per document as its rows arrive (rows come in document order) and writes
    the DocBin on close."""

    def __init__(self, out: Path, context: ExportContext, *, label_by: str = "verdict") -> None:
        self._file = AtomicFile(out)
        self._nlp = spacy.blank("en")
        self._label_by = label_by
        self._docbin = DocBin(store_user_data=True)
        self._doc: Doc | None = None
        self._doc_id: str | None = None
        self._spans: list[Span] = []
        self._records: list[dict[str, Any]] = []
        self._n = 0

    def _finish_doc(self) -> None:
        if self._doc is not None:
            self._doc.spans[SPANS_KEY] = self._spans
            self._doc.user_data[USER_DATA_KEY]["claims"] = self._records
            self._docbin.add(self._doc)
            self._n += len(self._spans)
        self._doc, self._spans, self._records = None, [], []

    def write(self, row: dict[str, Any]) -> None:
        document = row["document"]
        if document["id"] != self._doc_id:
            self._finish_doc()
            if document["text"] is None:
                raise ValidationError(f"rows of document {document['id']} must start with its text")
            self._doc_id = document["id"]
            self._doc = self._nlp.make_doc(document["text"])
            self._doc.user_data[USER_DATA_KEY] = {
                "document": {k: document[k] for k in ("id", "name", "origin", "url", "content_hash")},
                "claims": [],
            }
        assert self._doc is not None
        if self._label_by == "verdict":
            if row["final"] is None:
                return
            label = row["final"]["verdict"]
        else:
            label = row["claim"]["claim_type"]
        span = self._doc.char_span(row["claim"]["start"], row["claim"]["end"], label=label,
                                   alignment_mode="expand")
        if span is None:  # only a span of whitespace alone has no token to expand to
            return
        self._spans.append(span)
        self._records.append(_span_record(row))

    def close(self) -> int:
        self._finish_doc()
        self._file.partial.write_bytes(self._docbin.to_bytes())
        self._file.commit()
        return self._n

    def abort(self) -> None:
        self._file.discard()


def read_docbin(path: str | Path, nlp: Language | None = None) -> list[Doc]:
    """The Docs of a DocBin written by the ``spacy`` export, with their user data."""
    nlp = nlp or spacy.blank("en")
    return list(DocBin().from_disk(path).get_docs(nlp.vocab))


def _plain(value: Any) -> Any:
    """msgpack hands lists back as tuples: turn them into lists again."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def claim_spans(doc: Doc) -> Iterator[tuple[Span, dict[str, Any]]]:
    """Each claim span of ``doc`` with the claim's fields (id, character offsets, type, score,
    verdict, reviews, citations...)."""
    records = doc.user_data.get(USER_DATA_KEY, {}).get("claims", ())
    spans = list(doc.spans.get(SPANS_KEY, []))
    if len(records) != len(spans):
        raise ValidationError(
            f"doc.spans[{SPANS_KEY!r}] has {len(spans)} spans but user data describes {len(records)} claims")
    for span, record in zip(spans, records, strict=True):
        yield span, _plain(record)


def document_fields(doc: Doc) -> dict[str, Any]:
    """The document's id, name, origin, url and content hash, as exported."""
    return _plain(doc.user_data.get(USER_DATA_KEY, {}).get("document", {}))
