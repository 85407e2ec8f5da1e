"""The app's plain functions: load sources and extract their claims, seed the demo corpus, add a
claim a reviewer found. The CLI and the pages call these; tests call them without Streamlit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from annotations.agreement import AgreementReport, Rating, compute_agreement
from annotations.auth import Actor
from annotations.domain import Viewer
from annotations.errors import IngestError, ValidationError
from annotations.records import Claim, Document, occurrences
from annotations.sources import LoadResult, load_paths
from annotations.storage import Store
from annotations.storage.claims import SpanAnalyser
from models.extract import extract_document, span_facts


@dataclass
class IngestOutcome:
    """What a load did: documents added (with their claim counts), already stored, refused."""

    added: list[tuple[Document, int]] = field(default_factory=list)
    duplicates: list[Document] = field(default_factory=list)
    refused: list[IngestError] = field(default_factory=list)

    @property
    def n_claims(self) -> int:
        return sum(n for _, n in self.added)

    def summary(self) -> str:
        parts = [f"{len(self.added)} document(s) added with {self.n_claims} candidate claim(s)"]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} already stored")
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        return ", ".join(parts)


def ingest(store: Store, actor: Actor, nlp, loaded: LoadResult | Iterable[Document]) -> IngestOutcome:
    """Store each loaded document with the claims the pipeline extracts from it.

    Each document is its own transaction: a failure on one leaves the others stored."""
    if isinstance(loaded, LoadResult):
        documents, refused = loaded.documents, list(loaded.refused)
    else:
        documents, refused = list(loaded), []
    outcome = IngestOutcome(refused=refused)
    for document in documents:
        document = document.replace(added_by=actor.name)
        claims = extract_document(nlp, document)
        stored, created = store.add_document(actor, document, claims)
        if created:
            outcome.added.append((stored, len(claims)))
        else:
            outcome.duplicates.append(stored)
    return outcome


def seed_demo_corpus(store: Store, actor: Actor, nlp, folder: Path) -> IngestOutcome | None:
    """Load the bundled demo articles into an empty store, so a first start has work to do."""
    if store.list_documents():
        return None
    return ingest(store, actor, nlp, load_paths([folder]))


def span_analyser(nlp) -> SpanAnalyser | None:
    """What the store calls to find the cues, quantities and sentence of a span a reviewer set
    (``models.extract.span_facts`` with the pipeline ``nlp``); None without a pipeline."""
    return None if nlp is None else partial(span_facts, nlp)


def add_claim_by_text(
    store: Store, actor: Actor, document_id: str, text: str, *, occurrence: int = 0,
    claim_type: str = "other", nlp=None,
) -> Claim:
    """Add a claim the pipeline missed. ``text`` must occur verbatim in the document; with
    several occurrences, ``occurrence`` (0-based) says which one. Given the pipeline ``nlp``, the
    claim gets the cues, quantities and sentence it finds there."""
    document = store.get_document(document_id)
    starts = occurrences(document.text, text)
    if not starts:
        raise ValidationError(f"the text {text!r} does not occur in {document.name!r}; copy it exactly from the source")
    if not 0 <= occurrence < len(starts):
        raise ValidationError(
            f"{text!r} occurs {len(starts)} time(s) in {document.name!r}; occurrence must be 0 to "
            f"{len(starts) - 1}; got {occurrence}"
        )
    start = starts[occurrence]
    return store.add_claim(actor, document.id, start, start + len(text), claim_type=claim_type,
                           reanalyse=span_analyser(nlp))


def occurrence_contexts(document: Document, text: str, width: int = 40) -> list[str]:
    """A short snippet around each occurrence of ``text``, so a reviewer can tell them apart."""
    snippets = []
    for start in occurrences(document.text, text):
        left = document.text[max(0, start - width) : start].replace("\n", " ")
        right = document.text[start + len(text) : start + len(text) + width].replace("\n", " ")
        snippets.append(f"…{left}[{text}]{right}…")
    return snippets


def agreement(store: Store, viewer: Viewer | None = None) -> AgreementReport:
    """Agreement figures over every active review in the store; for a ``viewer`` kept blind, over
    the claims they have reviewed (where they see the others' reviews too)."""
    return compute_agreement(Rating(*row) for row in store.ratings(viewer))
