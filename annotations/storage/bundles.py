"""Claim bundles, the unit of export and import: a claim with its document, reviews, final
verdict and history, streamed out of one snapshot of the store, and loaded back in one
transaction."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, Connection, any_, bindparam, insert, or_, select, text, update

from annotations import schema
from annotations.auth import Actor
from annotations.domain import final_and_status
from annotations.errors import ValidationError
from annotations.records import Claim, Document, HistoryEntry, Review, new_id
from annotations.storage import mapping
from annotations.storage.engine import StoreBase
from annotations.storage.queries import (
    ClaimBundle,
    ClaimPages,
    ExportFilter,
    ImportCounts,
    chunks,
    export_clauses,
    filter_clauses,
    needed_reviews,
)


class Bundles(StoreBase):
    """The export and import part of ``Store``."""

    # ---- export and import

    def iter_bundles(
        self, flt: ExportFilter | None = None, *, batch_size: int = 200, include_history: bool = True,
    ) -> Iterator[ClaimBundle]:
        """Claims with their document, reviews, verdict and history, in document order, streamed
        in batches so memory stays flat however large the store is.

        The whole iteration reads one snapshot of the store (``_snapshot``): saves made while it
        runs are not in it, so an export is consistent. Each batch is a page of claims (keyset
        pagination over the (document_id, start_offset, id) index, ``flt`` applied in SQL), then
        the reviews, verdicts, history and documents of that page, one query each. A batch holds
        at most ``batch_size`` claims and the documents they belong to; small batches keep few
        objects alive at once, which keeps the garbage collector's full passes rare.

        Without ``include_history`` the history (the largest table) is not read, and the bundles'
        ``history`` and ``document_history`` are empty: for formats that do not write it. Close
        the iterator (or run it to its end) to end the read transaction.

        For ``flt.viewer``, the SQL leaves out the claims blind review hides from them, and each
        bundle holds only what they may export (``Viewer.reviews``, ``Viewer.history``)."""
        flt = flt or ExportFilter()
        viewer = flt.viewer
        with self._snapshot() as conn:
            needed = needed_reviews(conn)
            pages = ClaimPages([*filter_clauses(flt, needed, document_order=True),
                                 *export_clauses(flt, needed)], batch_size)
            queries = _bundle_queries(self.backend)
            # The last document of the previous batch, whose claims may go on in this one.
            carried: dict[str, tuple[Document, list[HistoryEntry]]] = {}
            while True:
                batch = _bundle_batch(conn, queries, pages.next(conn), carried, needed, include_history)
                if viewer is not None and viewer.own_reviews:
                    yield from (dataclasses.replace(b, reviews=viewer.reviews(b.reviews),
                                                    history=viewer.history(b.history, hidden=False))
                                for b in batch)
                else:
                    yield from batch
                if pages.done:
                    return
                last = batch[-1]
                carried = {last.document.id: (last.document, last.document_history)}

    def import_bundles(
        self, actor: Actor, bundles: Iterable[ClaimBundle], *, batch_size: int = 500,
        import_id: str | None = None, source: str = "", settings: Mapping[str, Any] | None = None,
    ) -> ImportCounts:
        """Load exported claim bundles in one transaction: all or nothing. Needs the admin role,
        as it brings in other people's reviews and verdicts.

        Records already present (same id) are skipped, so importing twice adds nothing, and so is
        a second review of a claim by the same reviewer. A document whose text is already stored
        under another id is matched by its content hash. Rows are written in batches, so large
        imports stay fast.

        An import that adds anything is logged once, as a ``dataset`` ``import`` entry by
        ``actor``: its entity id is ``import_id`` (the file's SHA-256 when ``import_jsonl`` runs
        it; a new id by default), and ``after`` holds ``source`` (what was imported, such as the
        file name) and the counts. That entry concerns no document or claim, so no export
        carries it: an export imported into an empty store exports byte for byte the same.

        ``settings`` (key -> value) are stored in the same transaction, each change logged, and
        listed in the counts: the settings an import adopts from its file."""
        counts = ImportCounts()
        doc_ids: dict[str, str] = {}
        seen_history: set[str] = set()
        with self._write() as conn:
            actor = self._authorise(conn, actor, "manage")
            for key, value in (settings or {}).items():
                self._put_setting(conn, actor, key, value)
                counts.settings[key] = value
            for chunk in chunks(bundles, batch_size):
                _import_chunk(conn, chunk, doc_ids, seen_history, counts)
            changed = bool(counts.documents or counts.claims or counts.reviews or counts.verdicts or counts.history
                           or counts.settings)
            if changed:
                self._log(conn, actor.name, "dataset", import_id or new_id(), "import", None,
                          {"source": source, **dataclasses.asdict(counts)})
        if changed and self.backend == "postgresql":
            # PostgreSQL plans the export's lookups by claim id from table statistics; after a
            # bulk import they are stale until autovacuum gets round to it (if it runs at all),
            # and stale ones make it scan whole tables.
            with self.engine.connect() as conn:
                conn.execute(text(f"ANALYZE {', '.join(t.name for t in _IMPORTED_TABLES)}"))
                conn.commit()
        return counts


_IMPORTED_TABLES = (schema.documents, schema.claims, schema.reviews, schema.verdicts, schema.history)


def _bundle_batch(
    conn: Connection, queries: _BundleQueries, rows: list[Any], carried: dict[str, tuple[Document, list[HistoryEntry]]], needed: int,
    include_history: bool,
) -> list[ClaimBundle]:
    """The bundles of a page of claim rows: their reviews, verdicts, history and the documents not
    ``carried`` over from the page before, read with one query each."""
    claims = [mapping.claim(row) for row in rows]
    if not claims:
        return []
    ids = {"ids": [claim.id for claim in claims]}
    # Results are read with .all(): one fetch for the lot, where iterating fetches row by row.
    reviews_by: dict[str, list[Review]] = {}
    for row in conn.execute(queries.reviews, ids).all():
        review = mapping.review(row)
        reviews_by.setdefault(review.claim_id, []).append(review)
    verdict_by = {v.claim_id: v for v in map(mapping.verdict, conn.execute(queries.verdicts, ids).all())}
    documents = dict(carried)
    missing = {"ids": list(dict.fromkeys(c.document_id for c in claims if c.document_id not in documents))}
    if missing["ids"]:
        doc_history: dict[str, list[HistoryEntry]] = {doc_id: [] for doc_id in missing["ids"]}
        if include_history:
            for row in conn.execute(queries.document_history, missing).all():
                entry = mapping.history(row)
                doc_history[entry.entity_id].append(entry)
        for row in conn.execute(queries.documents, missing).all():
            document = mapping.document(row)
            documents[document.id] = (document, doc_history[document.id])
    history_by: dict[str, list[HistoryEntry]] = {}
    if include_history:
        for row in conn.execute(queries.history, ids).all():
            entry = mapping.history(row)
            history_by.setdefault(entry.claim_id, []).append(entry)  # type: ignore[arg-type]
    bundles = []
    for claim in claims:
        document, document_history = documents[claim.document_id]
        reviews = reviews_by.get(claim.id, [])
        verdict = verdict_by.get(claim.id)
        final, status = final_and_status([x for x in reviews if not x.withdrawn], verdict, needed)
        bundles.append(ClaimBundle(document, claim, reviews, verdict, history_by.get(claim.id, []),
                                   document_history, final, status))
    return bundles



def _import_chunk(
    conn: Connection, chunk: list[ClaimBundle], doc_ids: dict[str, str], seen_history: set[str],
    counts: ImportCounts,
) -> None:
    """Write one batch of bundles: a few lookups for what is already stored, then bulk inserts."""
    d, c, r, v, h = schema.documents, schema.claims, schema.reviews, schema.verdicts, schema.history

    new_docs = {b.document.id: b.document for b in chunk if b.document.id not in doc_ids}
    inserted: list[Document] = []
    if new_docs:
        stored = conn.execute(select(d.c.id, d.c.content_hash).where(or_(
            d.c.id.in_(new_docs), d.c.content_hash.in_([x.content_hash for x in new_docs.values()])))).all()
        by_id = {row.id for row in stored}
        by_hash = {row.content_hash: row.id for row in stored}
        for doc in new_docs.values():
            if doc.id in by_id:
                doc_ids[doc.id] = doc.id
            elif doc.content_hash in by_hash:
                doc_ids[doc.id] = by_hash[doc.content_hash]
            else:
                doc_ids[doc.id] = by_hash[doc.content_hash] = doc.id
                inserted.append(doc)
        if inserted:
            conn.execute(insert(d), [mapping.document_values(x) for x in inserted])
            counts.documents += len(inserted)

    claims: list[Claim] = []
    for bundle in chunk:
        claim = bundle.claim
        if claim.document_id != bundle.document.id:
            raise ValidationError(f"claim {claim.id} names document {claim.document_id}, not {bundle.document.id}")
        claim.check_against(bundle.document.text)
        for review in bundle.reviews:
            if review.claim_id != claim.id:
                raise ValidationError(f"review {review.id} names claim {review.claim_id}, not {claim.id}")
        claims.append(claim.replace(document_id=doc_ids[bundle.document.id]))
    stored_claims = set(conn.execute(select(c.c.id).where(c.c.id.in_([x.id for x in claims]))).scalars())
    new_claims = list({x.id: x for x in claims if x.id not in stored_claims}.values())
    counts.skipped += len(claims) - len(new_claims)

    reviews = [x for b in chunk for x in b.reviews]
    stored_reviews = conn.execute(select(r.c.id, r.c.claim_id, r.c.reviewer).where(
        or_(r.c.id.in_([x.id for x in reviews]), r.c.claim_id.in_([x.id for x in claims])))).all()
    taken_ids = {row.id for row in stored_reviews}
    taken_pairs = {(row.claim_id, row.reviewer) for row in stored_reviews}
    new_reviews: list[Review] = []
    added: dict[str, int] = {}  # active reviews added per claim
    for review in reviews:
        if review.id in taken_ids or (review.claim_id, review.reviewer) in taken_pairs:
            counts.skipped += 1
            continue
        taken_ids.add(review.id)
        taken_pairs.add((review.claim_id, review.reviewer))
        new_reviews.append(review)
        if not review.withdrawn:
            added[review.claim_id] = added.get(review.claim_id, 0) + 1

    if new_claims:
        conn.execute(insert(c), [{**mapping.claim_values(x), "review_count": added.pop(x.id, 0)} for x in new_claims])
        counts.claims += len(new_claims)
    if new_reviews:
        conn.execute(insert(r), [mapping.review_values(x) for x in new_reviews])
        counts.reviews += len(new_reviews)
    if added:  # reviews added to claims stored before
        conn.execute(update(c).where(c.c.id == bindparam("claim")).values(
            review_count=c.c.review_count + bindparam("added")),
            [{"claim": claim_id, "added": n} for claim_id, n in added.items()])

    verdicts = {b.claim.id: b.verdict for b in chunk if b.verdict is not None}
    if verdicts:
        settled = set(conn.execute(select(v.c.claim_id).where(v.c.claim_id.in_(verdicts))).scalars())
        counts.skipped += len(settled)
        fresh = [x for claim_id, x in verdicts.items() if claim_id not in settled]
        if fresh:
            conn.execute(insert(v), [mapping.verdict_values(x) for x in fresh])
            counts.verdicts += len(fresh)

    entries: dict[str, HistoryEntry] = {}
    for bundle in chunk:
        for entry in [*bundle.document_history, *bundle.history]:
            if entry.id not in seen_history:
                seen_history.add(entry.id)
                entries[entry.id] = entry
    if entries:
        logged = set(conn.execute(select(h.c.id).where(h.c.id.in_(entries))).scalars())
        rows = []
        for entry in entries.values():
            if entry.id in logged:
                continue
            values = mapping.history_values(entry)
            if entry.entity == "document":
                values["entity_id"] = doc_ids.get(entry.entity_id, entry.entity_id)
            rows.append(values)
        if rows:
            conn.execute(insert(h), rows)
            counts.history += len(rows)



@dataclass(frozen=True)
class _BundleQueries:
    """The queries of ``Store.iter_bundles`` for one batch, built once per backend. Each takes
    the list of claim (or document) ids of the batch as its ``ids`` parameter."""

    reviews: Any
    verdicts: Any
    history: Any
    documents: Any
    document_history: Any


@functools.cache
def _bundle_queries(backend: str) -> _BundleQueries:
    def by_ids(query: Any, column: Any) -> Any:
        if backend == "postgresql":
            # One array parameter, taken whole; an IN list is rendered, cast and parsed value by value.
            return query.where(column == any_(bindparam("ids", type_=ARRAY(column.type))))
        return query.where(column.in_(bindparam("ids", expanding=True)))

    r, v, h, d = schema.reviews, schema.verdicts, schema.history, schema.documents
    return _BundleQueries(
        reviews=by_ids(select(*mapping.REVIEW_COLUMNS), r.c.claim_id).order_by(r.c.claim_id, r.c.created_at, r.c.id),
        verdicts=by_ids(select(*mapping.VERDICT_COLUMNS), v.c.claim_id),
        # SQLite reads (claim_id, seq) off the claim_id index, without sorting.
        history=by_ids(select(*mapping.HISTORY_COLUMNS), h.c.claim_id).order_by(h.c.claim_id, h.c.seq),
        documents=by_ids(select(*mapping.DOCUMENT_COLUMNS), d.c.id),
        document_history=by_ids(select(*mapping.HISTORY_COLUMNS).where(h.c.entity == "document"),
                                h.c.entity_id).order_by(h.c.seq),
    )
