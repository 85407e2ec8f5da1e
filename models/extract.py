"""Claim extraction: documents in, candidate claims out.

:func:`extract_texts` streams ``(key, text)`` pairs: each text is cut into chunks (paragraphs,
a list kept with its lead-in, see :func:`models.layout.chunks`), the chunks go through
``nlp.pipe`` and the candidates come back as ``Claim`` records (``annotations.records``) with
offsets into the whole text, built straight from the spans the pipeline left in
``doc.spans["claims"]`` (:func:`claims_from_doc`). Only a batch of Docs is alive at a time. With
``n_process > 1`` a pool of worker processes parses batches of chunks and sends back only the
claims, so the work is balanced even when the texts differ much in length.
"""

from __future__ import annotations

import gc
import multiprocessing
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult
from pathlib import PurePath
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from annotations.records import Claim, Cues, Document, Quantity
from models.claims import layout_rows
from models.components import CLAIM_INFO_KEY, CLAIM_KEY, LAYOUT_KEY, TEXT_KEY, doc_text
from models.layout import analyse, chunks, shifted

DEFAULT_BATCH_SIZE = 128
_SOURCE_SUFFIXES = (".txt", ".md", ".markdown", ".text", ".html", ".htm")


def claims_from_doc(doc: Doc, document_id: str, offset: int = 0, text: str | None = None) -> list[Claim]:
    """The candidate claims the pipeline left in ``doc.spans["claims"]``, as claims of the document
    ``document_id``, of which ``doc`` is the chunk at ``offset``. ``text`` is the Doc's text when
    the caller has it (``Doc.text`` rebuilds it from tokens)."""
    if text is None:
        text = doc_text(doc)
    info = doc.user_data.get(CLAIM_INFO_KEY, {})
    out = []
    for span in doc.spans.get(CLAIM_KEY, []):
        start, end = span.start_char, span.end_char
        score, rule_id, cues, quantities, context, sentence = info[f"{start}:{end}"]
        s_start, s_end = sentence
        out.append(
            Claim(
                document_id=document_id,
                start=start + offset,
                end=end + offset,
                text=text[start:end],
                sentence_start=s_start + offset,
                sentence_end=s_end + offset,
                context=context,
                claim_type=span.label_,
                score=float(score),
                rule_id=rule_id,
                cues=Cues(tuple(cues["hedges"]), tuple(cues["absolutes"]), tuple(cues["negations"])),
                quantities=tuple(
                    Quantity(q["text"], q["kind"], q["minimum"], q["maximum"], q["unit"], q["start"] + offset, q["end"] + offset)
                    for q in quantities
                ),
            )
        )
    return out


# ----------------------------------------------------------------------------- streaming


def extract_texts(
    nlp: Language,
    items: Iterable[tuple[str, str]],
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[tuple[str, list[Claim]]]:
    """Yield ``(key, claims)`` for each ``(key, text)``, in input order, streaming. Each claim's
    ``document_id`` is the key of its text."""
    if n_process < 1:
        raise ValueError(f"n_process must be at least 1; got {n_process}")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}")
    if n_process == 1:
        yield from _extract_serial(nlp, items, batch_size)
    else:
        yield from _extract_parallel(nlp, items, n_process, batch_size)


class _Assembler:
    """Collects chunk results per text and releases each text once all its chunks are in."""

    def __init__(self) -> None:
        self.pending: deque[list[Any]] = deque()  # [key, chunks left, claims]

    def add_text(self, key: str, n_chunks: int) -> None:
        self.pending.append([key, n_chunks, []])

    def ready(self) -> Iterator[tuple[str, list[Claim]]]:
        while self.pending and self.pending[0][1] == 0:
            key, _, found = self.pending.popleft()
            yield key, found

    def add_result(self, claims: list[Claim]) -> Iterator[tuple[str, list[Claim]]]:
        yield from self.ready()
        entry = self.pending[0]
        entry[2].extend(claims)
        entry[1] -= 1
        yield from self.ready()


Piece = tuple[str, str, int, list[list[Any]]]  # key of the text, chunk text, its offset, its layout rows


def _chunk_stream(items: Iterable[tuple[str, str]], assembler: _Assembler) -> Iterator[Piece]:
    for key, text in items:
        lines = analyse(text)
        ranges = chunks(lines)
        assembler.add_text(key, len(ranges))
        line_starts = [line.start for line in lines]
        for start, end in ranges:
            inside = lines[bisect_left(line_starts, start) : bisect_right(line_starts, end)]
            yield key, text[start:end], start, layout_rows(shifted(inside, start, end))


def _docs(nlp: Language, pieces: Iterable[Piece]) -> Iterator[tuple[Doc, tuple[str, int]]]:
    """Tokenised chunks that carry their text and layout, so no component rebuilds them, each
    with the key of its text and its offset in it."""
    for key, text, offset, rows in pieces:
        doc = nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        doc.user_data[LAYOUT_KEY] = rows
        yield doc, (key, offset)


def _extract_serial(nlp: Language, items: Iterable[tuple[str, str]], batch_size: int) -> Iterator[tuple[str, list[Claim]]]:
    assembler = _Assembler()
    stream = _docs(nlp, _chunk_stream(items, assembler))
    for doc, (key, offset) in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield from assembler.add_result(claims_from_doc(doc, key, offset))
    yield from assembler.ready()


_WORKER_NLP: Language | None = None


def _init_worker(nlp: Language) -> None:
    global _WORKER_NLP
    _WORKER_NLP = nlp


def _work(batch: list[Piece]) -> list[list[Claim]]:
    assert _WORKER_NLP is not None, "the worker was started without a pipeline"
    docs = _docs(_WORKER_NLP, batch)
    return [claims_from_doc(doc, key, offset)
            for doc, (key, offset) in _WORKER_NLP.pipe(docs, as_tuples=True, batch_size=len(batch))]


def _batches(stream: Iterator[Piece], size: int) -> Iterator[list[Piece]]:
    batch: list[Piece] = []
    for item in stream:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _extract_parallel(
    nlp: Language, items: Iterable[tuple[str, str]], n_process: int, batch_size: int
) -> Iterator[tuple[str, list[Claim]]]:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    assembler = _Assembler()
    batches = _batches(_chunk_stream(items, assembler), batch_size)
    in_flight: deque[AsyncResult[list[list[Claim]]]] = deque()
    # Forked workers share the parent's memory until they write to it; a garbage collection
    # in a worker writes to every object it visits. Freezing moves the pipeline's objects out
    # of the collector's sight, so the workers keep sharing them.
    gc.freeze()
    try:
        with context.Pool(n_process, initializer=_init_worker, initargs=(nlp,)) as pool:
            for batch in batches:
                in_flight.append(pool.apply_async(_work, (batch,)))
                while len(in_flight) > 2 * n_process:
                    for found in in_flight.popleft().get():
                        yield from assembler.add_result(found)
            while in_flight:
                for found in in_flight.popleft().get():
                    yield from assembler.add_result(found)
    finally:
        gc.unfreeze()
    yield from assembler.ready()


# ------------------------------------------------------------------------------ documents


def extract_documents(
    nlp: Language, documents: Iterable[Document], n_process: int = 1, batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[tuple[Document, list[Claim]]]:
    """Each document with its candidate claims (origin and author "pipeline"), in input order,
    streaming (see :func:`extract_texts`)."""
    pending: dict[str, Document] = {}

    def items() -> Iterator[tuple[str, str]]:
        for document in documents:
            pending[document.id] = document
            yield document.id, document.text

    for document_id, claims in extract_texts(nlp, items(), n_process, batch_size):
        yield pending.pop(document_id), claims


def extract_document(nlp: Language, document: Document) -> list[Claim]:
    """The candidate claims of ``document`` (origin and author "pipeline")."""
    ((_, claims),) = extract_documents(nlp, [document])
    return claims


# The keys of a line of the ``extract`` command after "doc", in the order it prints them: the
# claim fields the pipeline sets, and the sentence.
LINE_KEYS: tuple[str, ...] = (
    "start", "end", "text", "claim_type", "score", "rule_id", "sentence", "sentence_start", "sentence_end",
    "context", "cues", "quantities",
)


def extract_line(document: Document, claim: Claim) -> dict[str, Any]:
    """The JSON object the ``extract`` command prints for a claim of ``document``."""
    path = PurePath(document.name)
    doc = path.stem if path.suffix.lower() in _SOURCE_SUFFIXES else path.name
    row = claim.to_row(document.text)
    return {"doc": doc, **{key: row[key] for key in LINE_KEYS}}
