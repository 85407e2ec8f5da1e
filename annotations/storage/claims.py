"""Documents and their claims: loading, adding and editing claims, the review queue and claim
lists, and everything the review page shows of one claim."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import Connection, and_, case, false, func, insert, select, tuple_, union_all, update
from sqlalchemy.exc import IntegrityError

from annotations import schema
from annotations.auth import Actor
from annotations.domain import final_and_status
from annotations.errors import AmbiguousIdError, NotFoundError, StaleEditError, ValidationError
from annotations.records import Claim, Document, HistoryEntry, reviewer_claim, utcnow
from annotations.storage import mapping
from annotations.storage.engine import StoreBase
from annotations.storage.queries import (
    QUEUE_ORDER,
    ClaimDetail,
    ClaimFilter,
    ClaimPages,
    DocumentSummary,
    Progress,
    check_span,
    claim_row,
    filter_clauses,
    needed_reviews,
    queue_clauses,
    refuse_same_span,
    settled,
)

MIN_ID_PREFIX = 6


class Claims(StoreBase):
    """The documents and claims part of ``Store``."""

    # ---- documents

    def add_document(self, actor: Actor, document: Document, claims: Iterable[Claim] = ()) -> tuple[Document, bool]:
        """Store a document with its extracted claims, in one transaction.

        Loading a text that is already stored (same content hash) stores nothing and returns the
        stored document with ``False``."""
        d = schema.documents
        try:
            with self._write() as conn:
                actor = self._authorise(conn, actor, "load")
                row = conn.execute(select(*mapping.DOCUMENT_COLUMNS).where(d.c.content_hash == document.content_hash)).first()
                if row is not None:
                    return mapping.document(row), False
                document = document.replace(added_by=actor.name)
                conn.execute(insert(d).values(**mapping.document_values(document)))
                self._log(conn, actor.name, "document", document.id, "create", None,
                          mapping.document_summary(document), at=document.added_at)
                rows, logs = [], []
                for claim in claims:
                    if claim.document_id != document.id:
                        raise ValidationError(
                            f"claim {claim.id} belongs to document {claim.document_id}, not {document.id}")
                    claim.check_against(document.text)
                    rows.append({**mapping.claim_values(claim), "review_count": 0})
                    logs.append(mapping.history_values(HistoryEntry(
                        entity="claim", entity_id=claim.id, action="create", actor=actor.name,
                        before=None, after=claim.state(), claim_id=claim.id, at=claim.created_at)))
                if rows:
                    conn.execute(insert(schema.claims), rows)
                    conn.execute(insert(schema.history), logs)
        except IntegrityError:
            # The same text was loaded elsewhere at the same moment: that copy stands.
            with self._read() as conn:
                row = conn.execute(select(*mapping.DOCUMENT_COLUMNS).where(d.c.content_hash == document.content_hash)).first()
            if row is None:
                raise
            return mapping.document(row), False
        return document, True

    def get_document(self, document_id: str) -> Document:
        with self._read() as conn:
            row = conn.execute(select(*mapping.DOCUMENT_COLUMNS).where(schema.documents.c.id == document_id)).first()
        if row is None:
            raise NotFoundError(f"no document with id {document_id!r}")
        return mapping.document(row)

    def list_documents(self) -> list[DocumentSummary]:
        d, c = schema.documents, schema.claims
        n_claims = (select(func.count()).where(c.c.document_id == d.c.id, c.c.withdrawn == false())
                    .correlate(d).scalar_subquery())
        n_reviewed = (select(func.count()).where(c.c.document_id == d.c.id, c.c.withdrawn == false(),
                                                 c.c.review_count > 0).correlate(d).scalar_subquery())
        query = select(d.c.id, d.c.name, d.c.origin, d.c.url, d.c.encoding, d.c.added_at, d.c.added_by,
                       n_claims.label("n_claims"), n_reviewed.label("n_reviewed")).order_by(d.c.added_at, d.c.name)
        with self._read() as conn:
            return [DocumentSummary(**row._mapping) for row in conn.execute(query)]

    # ---- claims

    def resolve_claim_id(self, ref: str) -> str:
        """A full claim id from an id or a unique prefix of at least six characters."""
        ref = (ref or "").strip()
        c = schema.claims
        with self._read() as conn:
            if conn.execute(select(c.c.id).where(c.c.id == ref)).first():
                return ref
            if len(ref) < MIN_ID_PREFIX:
                raise NotFoundError(f"no claim with id {ref!r} (a prefix needs {MIN_ID_PREFIX}+ characters)")
            found = conn.execute(select(c.c.id).where(c.c.id.startswith(ref, autoescape=True))
                                 .order_by(c.c.id).limit(3)).scalars().all()
        if not found:
            raise NotFoundError(f"no claim with id {ref!r}")
        if len(found) > 1:
            raise AmbiguousIdError(f"claim id prefix {ref!r} matches several claims: {', '.join(found)}")
        return found[0]

    def get_claim(self, claim_id: str) -> Claim:
        with self._read() as conn:
            return mapping.claim(claim_row(conn, claim_id))

    def add_claim(
        self, actor: Actor, document_id: str, start: int, end: int, *, claim_type: str = "other",
        score: float = 1.0, context: str = "",
    ) -> Claim:
        """A claim the pipeline missed, added by a reviewer: its span must lie in the document
        and must not be the span of another claim."""
        d = schema.documents
        with self._write() as conn:
            actor = self._authorise(conn, actor, "edit_claim")
            # Locking the document serialises claim edits per document (no duplicate spans).
            text_ = conn.execute(select(d.c.text).where(d.c.id == document_id).with_for_update()).scalar()
            if text_ is None:
                raise NotFoundError(f"no document with id {document_id!r}")
            check_span(start, end, len(text_))
            claim = reviewer_claim(document_id, text_, start, end, actor.name, claim_type=claim_type, score=score,
                                   context=context)
            refuse_same_span(conn, claim)
            conn.execute(insert(schema.claims).values(**mapping.claim_values(claim), review_count=0))
            self._log(conn, actor.name, "claim", claim.id, "create", None, claim.state(),
                      claim_id=claim.id, at=claim.created_at)
        return claim

    def update_claim(
        self, actor: Actor, claim_id: str, expected_version: int, *, start: int | None = None,
        end: int | None = None, claim_type: str | None = None,
    ) -> Claim:
        """Adjust a claim's span or type. ``expected_version`` is the version the edit started from."""
        c, d = schema.claims, schema.documents
        with self._write() as conn:
            actor = self._authorise(conn, actor, "edit_claim")
            document_id = conn.execute(select(c.c.document_id).where(c.c.id == claim_id)).scalar()
            if document_id is None:
                raise NotFoundError(f"no claim with id {claim_id!r}")
            text_ = conn.execute(select(d.c.text).where(d.c.id == document_id).with_for_update()).scalar_one()
            old = mapping.claim(conn.execute(select(*mapping.CLAIM_COLUMNS).where(c.c.id == claim_id).with_for_update()).one())
            _check_version(old, expected_version)
            if old.withdrawn:
                raise ValidationError(f"claim {claim_id} was withdrawn and cannot be edited")
            new_start = old.start if start is None else start
            new_end = old.end if end is None else end
            check_span(new_start, new_end, len(text_))
            new = old.moved(text_, new_start, new_end).replace(
                claim_type=claim_type or old.claim_type, updated_at=utcnow(), version=old.version + 1)
            refuse_same_span(conn, new)
            self._save_claim(conn, actor, "update", old, new)
        return new

    def withdraw_claim(self, actor: Actor, claim_id: str, expected_version: int) -> Claim:
        """Withdraw a claim that should not be there (a span added by mistake, a duplicate): it
        is marked withdrawn, never deleted, and leaves the queues, the claim lists and exports;
        its history records the withdrawal. Whoever added a claim may withdraw it; a claim the
        pipeline found, or another reviewer added, needs an admin. A claim with active reviews or
        a final verdict is refused, as they would leave the exports with it: withdraw the
        reviews first (a claim that is no claim gets the verdict not_a_claim instead)."""
        c, v = schema.claims, schema.verdicts
        with self._write() as conn:
            actor = self._authorise(conn, actor, "edit_claim")
            row = conn.execute(select(*mapping.CLAIM_COLUMNS, c.c.review_count).where(c.c.id == claim_id)
                               .with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no claim with id {claim_id!r}")
            old = mapping.claim(row[:-1])
            if old.origin != "reviewer" or old.created_by != actor.name:
                actor.require("withdraw_any_claim")
            _check_version(old, expected_version)
            if old.withdrawn:
                raise ValidationError(f"claim {claim_id} is already withdrawn")
            n_reviews = row.review_count
            adjudicated = conn.execute(select(v.c.id).where(v.c.claim_id == claim_id)).first() is not None
            if n_reviews or adjudicated:
                held = ", ".join([*([f"{n_reviews} active review(s)"] if n_reviews else []),
                                  *(["a final verdict"] if adjudicated else [])])
                raise ValidationError(f"claim {claim_id} has {held}; a claim is withdrawn without them, "
                                      "so withdraw its reviews first, or give it the verdict not_a_claim")
            new = old.replace(withdrawn=True, updated_at=utcnow(), version=old.version + 1)
            self._save_claim(conn, actor, "withdraw", old, new)
        return new

    def _save_claim(self, conn: Connection, actor: Actor, action: str, old: Claim, new: Claim) -> None:
        """Write the changed claim ``new`` over ``old`` and log the change as ``action``."""
        c = schema.claims
        conn.execute(update(c).where(c.c.id == old.id).values(**mapping.changes(old, new)))
        self._log(conn, actor.name, "claim", old.id, action, old.state(), new.state(), claim_id=old.id,
                  at=new.updated_at)


    def next_claim(self, reviewer: str, flt: ClaimFilter | None = None) -> Claim | None:
        """The highest-scoring claim that still needs this reviewer's review.

        One branch per number of reviews a claim may have while it still needs more (0 ..
        reviews_per_claim - 1), each walking the (withdrawn, review_count, score, id) index from
        the top and stopping at its first claim; the best of those few heads wins."""
        c = schema.claims
        with self._read() as conn:
            needed = needed_reviews(conn)
            where = [*filter_clauses(flt, needed), *queue_clauses(reviewer)]
            heads = [select(c.c.id, c.c.score).where(*where, c.c.review_count == n)
                     .order_by(*QUEUE_ORDER).limit(1).subquery() for n in range(needed)]
            best = union_all(*(select(h.c.id, h.c.score) for h in heads)).subquery()
            row = conn.execute(select(*mapping.CLAIM_COLUMNS).join(best, best.c.id == c.c.id)
                               .order_by(best.c.score.desc(), best.c.id.desc()).limit(1)).first()
        return mapping.claim(row) if row else None

    def neighbour_claim(self, claim_id: str, step: int, flt: ClaimFilter | None = None) -> Claim | None:
        """The claim before (step -1) or after (step +1) ``claim_id`` in queue order (score, then
        id, both descending), among the claims ``flt`` selects."""
        if step not in (-1, 1):
            raise ValidationError(f"step must be -1 (previous) or 1 (next); got {step!r}")
        c = schema.claims
        with self._read() as conn:
            current = claim_row(conn, claim_id)
            key, here = tuple_(c.c.score, c.c.id), tuple_(current.score, current.id)
            if step > 0:
                query = select(*mapping.CLAIM_COLUMNS).where(key < here).order_by(*QUEUE_ORDER)
            else:
                query = select(*mapping.CLAIM_COLUMNS).where(key > here).order_by(c.c.score, c.c.id)
            row = conn.execute(query.where(*filter_clauses(flt, needed_reviews(conn))).limit(1)).first()
        return mapping.claim(row) if row else None

    def list_claims(self, flt: ClaimFilter | None = None, *, limit: int | None = None, offset: int = 0) -> list[Claim]:
        """Claims in queue order (highest score first)."""
        with self._read() as conn:
            query = (select(*mapping.CLAIM_COLUMNS).where(*filter_clauses(flt, needed_reviews(conn)))
                     .order_by(*QUEUE_ORDER).offset(offset))
            if limit is not None:
                query = query.limit(limit)
            return [mapping.claim(r) for r in conn.execute(query)]

    def iter_claims(self, flt: ClaimFilter | None = None, *, batch_size: int = 1000) -> Iterator[Claim]:
        """Every claim in document order, fetched in batches (keyset pagination over the
        (document_id, start_offset, id) index), so memory stays flat and no claim is read twice."""
        pages = ClaimPages(filter_clauses(flt, self.reviews_per_claim(), document_order=True), batch_size)
        while True:
            with self._read() as conn:
                rows = pages.next(conn)
            yield from (mapping.claim(row) for row in rows)
            if pages.done:
                return

    def count_claims(self, flt: ClaimFilter | None = None) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(schema.claims).where(
                *filter_clauses(flt, needed_reviews(conn)))).scalar_one()

    def progress(self, flt: ClaimFilter | None = None, reviewer: str | None = None) -> Progress:
        """Reviewed out of total. With a reviewer: claims they reviewed, out of those they reviewed
        plus those still waiting for them; without: claims with enough reviews (or settled)."""
        c, r = schema.claims, schema.reviews
        with self._read() as conn:
            needed = needed_reviews(conn)
            base = filter_clauses(flt, needed)
            open_ = and_(c.c.review_count < needed, ~settled())
            if reviewer is None:
                total, done = conn.execute(
                    select(func.count(), func.count(case((~open_, 1)))).select_from(c).where(*base)).one()
                return Progress(done, total)
            # Waiting for this reviewer = open claims minus the open ones they already reviewed;
            # their reviews are read through the reviewer index, the open claims through the queue index.
            n_open = conn.execute(select(func.count()).select_from(c).where(*base, open_)).scalar_one()
            done, done_open = conn.execute(
                select(func.count(), func.count(case((open_, 1)))).select_from(r)
                .join(c, c.c.id == r.c.claim_id).where(r.c.reviewer == reviewer, r.c.withdrawn == false(), *base)
            ).one()
        return Progress(done, done + n_open - done_open)

    def claim_detail(self, claim_id: str) -> ClaimDetail:
        """A claim with its document, every review (withdrawn ones too), final verdict, status and
        history, read in one transaction."""
        r, v, h = schema.reviews, schema.verdicts, schema.history
        with self._read() as conn:
            claim = mapping.claim(claim_row(conn, claim_id))
            document = mapping.document(conn.execute(select(*mapping.DOCUMENT_COLUMNS).where(
                schema.documents.c.id == claim.document_id)).one())
            reviews = [mapping.review(x) for x in conn.execute(
                select(*mapping.REVIEW_COLUMNS).where(r.c.claim_id == claim_id).order_by(r.c.created_at, r.c.id))]
            vrow = conn.execute(select(*mapping.VERDICT_COLUMNS).where(v.c.claim_id == claim_id)).first()
            history = [mapping.history(x) for x in conn.execute(
                select(*mapping.HISTORY_COLUMNS).where(h.c.claim_id == claim_id).order_by(h.c.seq))]
            needed = needed_reviews(conn)
        verdict = mapping.verdict(vrow) if vrow else None
        final, status = final_and_status([x for x in reviews if not x.withdrawn], verdict, needed)
        return ClaimDetail(claim, document, reviews, verdict, history, status, final)


def _check_version(stored: Claim, expected_version: int) -> None:
    """Refuse an edit of a claim made from another version than the ``stored`` one."""
    if stored.version != expected_version:
        raise StaleEditError(
            f"claim {stored.id} changed since you opened it (you edited version {expected_version}, "
            f"the stored one is version {stored.version}: {stored.start}:{stored.end} {stored.text!r})",
            current=stored)
