"""Claim extraction: documents in, candidate claims out.

:func:`extract_texts` streams ``(key, text)`` pairs: each text is cut into chunks (paragraphs,
a list kept with its lead-in, see :func:`models.layout.chunks`), the chunks go through
``nlp.pipe`` and the candidates come back with offsets into the whole text. Only a batch of
Docs is alive at a time. With ``n_process > 1`` a pool of worker processes parses batches
of chunks and sends back only the candidates, so the work is balanced even when the texts
differ much in length.
"""

from __future__ import annotations

import gc
import multiprocessing
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from typing import Any

from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from annotations.gold import doc_id
from annotations.records import Claim, Cues, Document, Quantity, claim_from_span
from models.claims import collect_cues, layout_rows, sentence_bounds
from models.components import (
    CLAIM_INFO_KEY,
    CLAIM_KEY,
    CUE_KEY,
    LAYOUT_KEY,
    QUANTITY_INFO_KEY,
    QUANTITY_KEY,
    TEXT_KEY,
    doc_text,
)
from models.layout import analyse, chunks, shifted

DEFAULT_BATCH_SIZE = 128


@dataclass(frozen=True, slots=True)
class Candidate:
    """A candidate claim with character offsets into its whole text."""

    start: int
    end: int
    text: str
    claim_type: str
    score: float
    rule_id: str
    sentence_start: int
    sentence_end: int
    sentence: str
    context: str
    cues: Cues
    quantities: tuple[Quantity, ...]


def candidates_from_doc(doc: Doc, offset: int = 0, text: str | None = None) -> list[Candidate]:
    """The candidates the pipeline left in ``doc.spans["claims"]``, shifted by ``offset``.
    ``text`` is the Doc's text when the caller has it (``Doc.text`` rebuilds it from tokens)."""
    if text is None:
        text = doc_text(doc)
    info = doc.user_data.get(CLAIM_INFO_KEY, {})
    out = []
    for span in doc.spans.get(CLAIM_KEY, []):
        start, end = span.start_char, span.end_char
        score, rule_id, cues, quantities, context, sentence = info[f"{start}:{end}"]
        s_start, s_end = sentence
        out.append(
            Candidate(
                start=start + offset,
                end=end + offset,
                text=text[start:end],
                claim_type=span.label_,
                score=float(score),
                rule_id=rule_id,
                sentence_start=s_start + offset,
                sentence_end=s_end + offset,
                sentence=text[s_start:s_end],
                context=context,
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
) -> Iterator[tuple[str, list[Candidate]]]:
    """Yield ``(key, candidates)`` for each ``(key, text)``, in input order, streaming."""
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
        self.pending: deque[list[Any]] = deque()  # [key, chunks left, candidates]

    def add_text(self, key: str, n_chunks: int) -> None:
        self.pending.append([key, n_chunks, []])

    def ready(self) -> Iterator[tuple[str, list[Candidate]]]:
        while self.pending and self.pending[0][1] == 0:
            key, _, found = self.pending.popleft()
            yield key, found

    def add_result(self, candidates: list[Candidate]) -> Iterator[tuple[str, list[Candidate]]]:
        yield from self.ready()
        entry = self.pending[0]
        entry[2].extend(candidates)
        entry[1] -= 1
        yield from self.ready()


Piece = tuple[str, int, list[list[Any]]]  # chunk text, its offset, its layout rows


def _chunk_stream(items: Iterable[tuple[str, str]], assembler: _Assembler) -> Iterator[Piece]:
    for key, text in items:
        lines = analyse(text)
        ranges = chunks(lines)
        assembler.add_text(key, len(ranges))
        line_starts = [line.start for line in lines]
        for start, end in ranges:
            inside = lines[bisect_left(line_starts, start) : bisect_right(line_starts, end)]
            yield text[start:end], start, layout_rows(shifted(inside, start, end))


def _docs(nlp: Language, pieces: Iterable[Piece]) -> Iterator[tuple[Doc, int]]:
    """Tokenised chunks that carry their text and layout, so no component rebuilds them."""
    for text, offset, rows in pieces:
        doc = nlp.make_doc(text)
        doc.user_data[TEXT_KEY] = text
        doc.user_data[LAYOUT_KEY] = rows
        yield doc, offset


def _extract_serial(nlp: Language, items: Iterable[tuple[str, str]], batch_size: int) -> Iterator[tuple[str, list[Candidate]]]:
    assembler = _Assembler()
    stream = _docs(nlp, _chunk_stream(items, assembler))
    for doc, offset in nlp.pipe(stream, as_tuples=True, batch_size=batch_size):
        yield from assembler.add_result(candidates_from_doc(doc, offset))
    yield from assembler.ready()


_WORKER_NLP: Language | None = None


def _init_worker(nlp: Language) -> None:
    global _WORKER_NLP
    _WORKER_NLP = nlp


def _work(batch: list[Piece]) -> list[list[Candidate]]:
    assert _WORKER_NLP is not None, "the worker was started without a pipeline"
    docs = _docs(_WORKER_NLP, batch)
    return [candidates_from_doc(doc, offset) for doc, offset in _WORKER_NLP.pipe(docs, as_tuples=True, batch_size=len(batch))]


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
) -> Iterator[tuple[str, list[Candidate]]]:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    assembler = _Assembler()
    batches = _batches(_chunk_stream(items, assembler), batch_size)
    in_flight: deque[AsyncResult[list[list[Candidate]]]] = deque()
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


def extract_document(nlp: Language, document: Document) -> list[Claim]:
    """The candidate claims of ``document`` as Claim records (origin and author "pipeline")."""
    claims: list[Claim] = []
    for _, found in extract_texts(nlp, [(document.name, document.text)]):
        for c in found:
            claims.append(
                claim_from_span(
                    document, c.start, c.end,
                    claim_type=c.claim_type, score=c.score, rule_id=c.rule_id,
                    sentence_start=c.sentence_start, sentence_end=c.sentence_end, context=c.context,
                    cues=c.cues, quantities=c.quantities, origin="pipeline", created_by="pipeline",
                )
            )
    return claims


def span_facts(nlp: Language, text: str, start: int, end: int) -> dict[str, Any]:
    """What the pipeline finds in ``text[start:end]`` of a document ``text``, for a span a reviewer
    set: the cue words and quantities inside it and the sentence holding it, as the Claim fields
    ``cues``, ``quantities``, ``sentence_start`` and ``sentence_end``. The paragraph (with its list
    lead-in) around the span is parsed again, as extraction parses it."""
    lines = analyse(text)
    lo = max((line.start for line in lines if line.start <= start), default=0)
    hi = min((line.end for line in lines if line.end >= end), default=len(text))
    for c_start, c_end in chunks(lines):
        if c_start < hi and c_end > lo:
            lo, hi = min(lo, c_start), max(hi, c_end)
    doc, _ = next(nlp.pipe(_docs(nlp, [(text[lo:hi], lo, layout_rows(shifted(lines, lo, hi)))]), as_tuples=True))
    inside = [span for span in doc.spans.get(CUE_KEY, []) if start <= span.start_char + lo and span.end_char + lo <= end]
    cues = collect_cues((span.label_, span.text) for span in inside)
    q_info = doc.user_data.get(QUANTITY_INFO_KEY, {})
    quantities = []
    for q in doc.spans.get(QUANTITY_KEY, []):
        low, high, unit = q_info.get(f"{q.start_char}:{q.end_char}", [None, None, ""])
        if start <= q.start_char + lo and q.end_char + lo <= end and (low is not None or high is not None):
            quantities.append(Quantity(q.text, q.label_, low, high, unit or "", q.start_char + lo, q.end_char + lo))
    sentence_start, sentence_end = start, end
    for s, e in sentence_bounds(doc, doc.to_array([SENT_START]).ravel().tolist()):
        words = [t for t in doc[s:e] if not t.is_space]
        while len(words) > 1 and words[-1].is_punct:  # as extraction trims a sentence
            words.pop()
        if words and words[0].idx + lo < end and words[-1].idx + len(words[-1]) + lo > start:
            sentence_start = min(sentence_start, words[0].idx + lo)
            sentence_end = max(sentence_end, words[-1].idx + len(words[-1]) + lo)
    return {"cues": Cues(tuple(cues["hedges"]), tuple(cues["absolutes"]), tuple(cues["negations"])),
            "quantities": tuple(quantities), "sentence_start": sentence_start, "sentence_end": sentence_end}


def candidate_json(doc_name: str, cand: Candidate) -> dict[str, Any]:
    """The JSON object the ``extract`` command prints for one candidate; ``doc`` is the gold id
    of the document (:func:`annotations.gold.doc_id`), as ``evaluate`` and the gold export name it."""
    return {
        "doc": doc_id(doc_name),
        "start": cand.start,
        "end": cand.end,
        "text": cand.text,
        "claim_type": cand.claim_type,
        "score": cand.score,
        "rule_id": cand.rule_id,
        "sentence": cand.sentence,
        "sentence_start": cand.sentence_start,
        "sentence_end": cand.sentence_end,
        "context": cand.context,
        "cues": cand.cues.to_dict(),
        "quantities": [q.to_dict() for q in cand.quantities],
    }
