"""What the store is asked and what it answers: the filters of queues, lists and exports, the
result types, and the SQL that applies the filters and pages through claims."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, exists, false, func, or_, select, tuple_

from annotations import schema
from annotations.domain import DEFAULT_SETTINGS, FinalVerdict, Viewer
from annotations.errors import NotFoundError, PermissionDeniedError, ValidationError
from annotations.records import Claim, Document, HistoryEntry, Review, Verdict
from annotations.storage.mapping import CLAIM_COLUMNS
from annotations.vocab import CLAIM_STATUSES, CLAIM_TYPES, VERDICTS

# ------------------------------------------------------------------------------ query types


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims a queue, a list or an export covers. Empty tuples mean "all".

    ``viewer`` is whom the answer is for (None: someone who sees everything). While blind review
    hides a claim's status from them, a status filter leaves that claim out, whatever its status."""

    document_ids: tuple[str, ...] = ()
    claim_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    viewer: Viewer | None = None

    def __post_init__(self) -> None:
        for name, allowed in (("claim_types", CLAIM_TYPES), ("statuses", CLAIM_STATUSES)):
            bad = [v for v in getattr(self, name) if v not in allowed]
            if bad:
                raise ValidationError(
                    f"{name} must be among {', '.join(allowed)}; got {', '.join(map(repr, bad))}"
                )

    @property
    def narrows(self) -> bool:
        """Whether any filter value is set (the viewer is not a filter)."""
        return bool(self.document_ids or self.claim_types or self.statuses)


@dataclass(frozen=True)
class ExportFilter(ClaimFilter):
    """Filters of an export: those of a queue, plus verdicts, reviewers and a date range. The store
    applies them all in SQL (see ``export_clauses``).

    They look at a claim's active reviews, narrowed to those by ``reviewers`` when given, and at
    its adjudicated verdict:

    * ``reviewers``: one of them reviewed the claim (actively) or adjudicated it;
    * ``since``/``until``: one of those reviews, or the adjudication, was last saved in the range
      (both ends included; a time without a zone is taken as UTC);
    * ``verdicts``: with ``final_only``, the claim's final verdict (adjudicated, or agreed by
      enough reviews) is among them; without, one of those reviews' verdicts or the adjudicated
      verdict is;
    * ``final_only``: the claim has a final verdict;
    * ``reviewed_only``: one of those reviews, or an adjudication, exists.

    For a ``viewer`` who exports only their own reviews, "the claim's active reviews" are theirs
    alone, and ``reviewers`` may name no one else. While blind review is in effect for the viewer,
    only claims they have reviewed are exported (the others' work on the rest is hidden from them).
    """

    verdicts: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    final_only: bool = False
    reviewed_only: bool = True

    def __post_init__(self) -> None:
        ClaimFilter.__post_init__(self)
        bad = [v for v in self.verdicts if v not in VERDICTS]
        if bad:
            raise ValidationError(f"verdicts must be among {', '.join(VERDICTS)}; got {', '.join(map(repr, bad))}")
        for name in ("since", "until"):  # a time without a zone is taken as UTC, as storage does
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))
        if self.since and self.until and self.since > self.until:
            raise ValidationError(f"the date range is empty: since {self.since} is after until {self.until}")
        viewer = self.viewer
        if viewer is not None and viewer.own_reviews:
            others = [name for name in self.reviewers if name != viewer.name]
            if others:
                raise PermissionDeniedError(
                    f"{viewer.name} exports only their own reviews; the reviewer filter names "
                    f"{', '.join(others)}. An adjudicator or admin exports other people's reviews")

    @property
    def looked_at(self) -> tuple[str, ...]:
        """The reviewers whose reviews the review filters look at (empty: everyone's)."""
        if self.reviewers:
            return self.reviewers
        return (self.viewer.name,) if self.viewer is not None and self.viewer.own_reviews else ()


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    name: str
    origin: str
    url: str | None
    encoding: str
    added_at: datetime
    added_by: str
    n_claims: int
    n_reviewed: int


@dataclass(frozen=True)
class ClaimDetail:
    """Everything the review page shows for one claim."""

    claim: Claim
    document: Document
    reviews: list[Review]
    verdict: Verdict | None
    history: list[HistoryEntry]
    status: str
    final: FinalVerdict | None


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(slots=True)
class ClaimBundle:
    """A claim with its document, reviews, final verdict and history: one export record."""

    document: Document
    claim: Claim
    reviews: list[Review]
    verdict: Verdict | None
    history: list[HistoryEntry]
    document_history: list[HistoryEntry] = field(default_factory=list)
    final: FinalVerdict | None = None
    status: str = "unreviewed"


@dataclass
class ImportCounts:
    """What an import added and skipped, and the settings it adopted (key -> value)."""

    documents: int = 0
    claims: int = 0
    reviews: int = 0
    verdicts: int = 0
    history: int = 0
    skipped: int = 0
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeletedDocument:
    """What ``Store.delete_document`` removed: the document and how many of its records went."""

    document: Document
    claims: int
    reviews: int
    verdicts: int


# ---------------------------------------------------------------------------------- the SQL


def chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def check_span(start: object, end: object, length: int) -> None:
    if (isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int)
            or not isinstance(end, int) or not 0 <= start < end <= length):
        raise ValidationError(f"a claim span must satisfy 0 <= start < end <= {length}; got {start!r}:{end!r}")


def filter_clauses(flt: ClaimFilter | None, needed: int, *, document_order: bool = False) -> list[Any]:
    """SQL: the claim is not withdrawn and passes ``flt``'s queue filters.

    With ``document_order`` the withdrawn test takes a form no index serves
    (``withdrawn IS NOT true``), so that SQLite walks the (document_id, start_offset, id)
    index in the order asked for instead of searching the queue index on ``withdrawn`` and
    sorting every batch (see ``ClaimPages``)."""
    c = schema.claims
    clauses: list[Any] = [c.c.withdrawn.is_not(True) if document_order else c.c.withdrawn == false()]
    if flt is None:
        return clauses
    if flt.document_ids:
        clauses.append(c.c.document_id.in_(flt.document_ids))
    if flt.claim_types:
        clauses.append(c.c.claim_type.in_(flt.claim_types))
    if flt.statuses:
        status = status_sql(needed).in_(flt.statuses)
        if flt.viewer is not None and flt.viewer.blind:
            status = and_(reviewed_by(flt.viewer.name), status)
        clauses.append(status)
    return clauses


def reviewed_by(reviewer: str) -> Any:
    """SQL: ``reviewer`` has reviewed the claim (a withdrawn review counts): where blind review is
    in effect, the claims whose status and others' reviews they see (``Viewer.hides``)."""
    r = schema.reviews
    return exists().where(r.c.claim_id == schema.claims.c.id, r.c.reviewer == reviewer).correlate(schema.claims)


def queue_clauses(reviewer: str) -> list[Any]:
    """SQL: the claim has no active review by ``reviewer`` and no final verdict. With
    ``review_count < reviews_per_claim`` these make a reviewer's queue."""
    c, r = schema.claims, schema.reviews
    return [
        ~exists().where(r.c.claim_id == c.c.id, r.c.reviewer == reviewer, r.c.withdrawn == false()),
        ~settled(),
    ]


QUEUE_ORDER = (schema.claims.c.score.desc(), schema.claims.c.id.desc())
DOCUMENT_ORDER = (schema.claims.c.document_id, schema.claims.c.start, schema.claims.c.id)


class ClaimPages:
    """Claim rows in document order, a page of up to ``size`` at a time (keyset pagination).

    The (document_id, start_offset, id) index serves both the order and the seek past the last
    row of the page before, so each page costs the same however deep into the table it is.
    ``where`` must test withdrawn in its unindexable form (``filter_clauses(...,
    document_order=True)``): else SQLite takes the queue index for ``withdrawn = false`` and
    sorts the whole table for every page. The two queries are built once, for every page."""

    def __init__(self, where: list[Any], size: int) -> None:
        self._first = select(*CLAIM_COLUMNS).where(*where).order_by(*DOCUMENT_ORDER).limit(size)
        self._next = self._first.where(tuple_(*DOCUMENT_ORDER) > tuple_(
            bindparam("after_document"), bindparam("after_start"), bindparam("after_id")))
        self._size = size
        self._after: dict[str, Any] | None = None
        self.done = False

    def next(self, conn: Connection) -> list[Any]:
        """The next page; ``done`` turns true once a page comes back short (the last one)."""
        if self._after is None:
            rows = conn.execute(self._first).all()
        else:
            rows = conn.execute(self._next, self._after).all()
        if len(rows) < self._size:
            self.done = True
        else:
            last = rows[-1]
            self._after = {"after_document": last.document_id, "after_start": last.start,
                           "after_id": last.id}
        return rows


def export_clauses(flt: ExportFilter, needed: int) -> list[Any]:
    """SQL: the claim passes the review filters of ``flt``, by the rules ``ExportFilter`` states."""
    c, r, v = schema.claims, schema.reviews, schema.verdicts
    looked_at = flt.looked_at

    def reviewed(*conditions: Any) -> Any:
        """An active review of the claim, by one of ``flt.looked_at`` when given, that meets ``conditions``."""
        if looked_at:
            conditions = (*conditions, r.c.reviewer.in_(looked_at))
        elif not conditions:  # kept in step with the active reviews by every write
            return c.c.review_count > 0
        return exists().where(r.c.claim_id == c.c.id, r.c.withdrawn == false(), *conditions).correlate(c)

    def adjudicated(*conditions: Any) -> Any:
        return exists().where(v.c.claim_id == c.c.id, *conditions).correlate(c)

    def in_range(stamp: Any) -> list[Any]:
        return [*([stamp >= flt.since] if flt.since else []), *([stamp <= flt.until] if flt.until else [])]

    clauses: list[Any] = []
    if flt.viewer is not None and flt.viewer.blind:
        clauses.append(reviewed_by(flt.viewer.name))
    if flt.reviewers:
        clauses.append(or_(reviewed(), adjudicated(v.c.adjudicator.in_(flt.reviewers))))
    if flt.since or flt.until:
        clauses.append(or_(reviewed(*in_range(func.coalesce(r.c.updated_at, r.c.created_at))),
                           adjudicated(*in_range(func.coalesce(v.c.updated_at, v.c.created_at)))))
    if flt.final_only:
        # resolve_final: adjudicated, or enough active reviews that all agree.
        clauses.append(or_(settled(), and_(c.c.review_count >= needed, distinct_verdicts() == 1)))
        if flt.verdicts:
            # The final verdict is the adjudicated one, else the one verdict of all active reviews.
            agreed = exists().where(r.c.claim_id == c.c.id, r.c.withdrawn == false(),
                                    r.c.verdict.in_(flt.verdicts)).correlate(c)
            clauses.append(or_(adjudicated(v.c.verdict.in_(flt.verdicts)), and_(~settled(), agreed)))
    elif flt.verdicts:
        clauses.append(or_(reviewed(r.c.verdict.in_(flt.verdicts)), adjudicated(v.c.verdict.in_(flt.verdicts))))
    if flt.reviewed_only:
        clauses.append(or_(reviewed(), adjudicated()))
    return clauses


def needed_reviews(conn: Connection) -> int:
    """The ``reviews_per_claim`` setting, read in the caller's transaction."""
    s = schema.settings
    value = conn.execute(select(s.c.value).where(s.c.key == "reviews_per_claim")).scalar()
    return int(value) if value is not None else DEFAULT_SETTINGS["reviews_per_claim"]


def claim_row(conn: Connection, claim_id: str, *, lock: str | None = None) -> Any:
    """The row of a claim, read in the caller's transaction; with ``lock="share"``, locked
    against changes until the transaction ends (on PostgreSQL; SQLite's writers take turns)."""
    query = select(*CLAIM_COLUMNS).where(schema.claims.c.id == claim_id)
    if lock == "share":
        query = query.with_for_update(read=True)
    row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"no claim with id {claim_id!r}")
    return row


def settled() -> Any:
    """SQL: the claim has a final verdict."""
    v = schema.verdicts
    return exists().where(v.c.claim_id == schema.claims.c.id).correlate(schema.claims)


def status_sql(needed: int) -> Any:
    """SQL: the claim's status, by the rule of ``claim_status``. Disagreement needs two active
    reviews, so the verdict subquery runs only for claims that have them."""
    c = schema.claims
    return case(
        (settled(), "settled"),
        (and_(c.c.review_count > 1, distinct_verdicts() > 1), "disputed"),
        (c.c.review_count == 0, "unreviewed"),
        (c.c.review_count < needed, "in_review"),
        else_="reviewed",
    )


def distinct_verdicts() -> Any:
    """SQL: how many different verdicts the claim's active reviews give."""
    r = schema.reviews
    return (select(func.count(r.c.verdict.distinct()))
            .where(r.c.claim_id == schema.claims.c.id, r.c.withdrawn == false())
            .correlate(schema.claims).scalar_subquery())


def refuse_same_span(conn: Connection, claim: Claim) -> None:
    c = schema.claims
    same = conn.execute(select(c.c.id).where(
        c.c.document_id == claim.document_id, c.c.start == claim.start, c.c.end == claim.end,
        c.c.withdrawn == false(), c.c.id != claim.id)).first()
    if same is not None:
        raise ValidationError(f"the span {claim.start}:{claim.end} is already claim {same.id}")

