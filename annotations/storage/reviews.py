"""Reviews, final verdicts and the history log; the ratings agreement is computed from."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, false, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from annotations import schema
from annotations.auth import Actor
from annotations.domain import Viewer
from annotations.errors import NotFoundError, StaleEditError, ValidationError
from annotations.records import Citation, Claim, HistoryEntry, Review, Verdict, utcnow
from annotations.storage import mapping
from annotations.storage.engine import StoreBase
from annotations.storage.queries import (
    QUEUE_ORDER,
    ClaimFilter,
    claim_row,
    filter_clauses,
    needed_reviews,
    reviewed_by,
    settled,
)


class Reviews(StoreBase):
    """The reviews, verdicts and history part of ``Store``."""

    # ---- reviews

    def review_of(self, claim_id: str, reviewer: str) -> Review | None:
        """This reviewer's review of the claim (withdrawn or not), or None."""
        r = schema.reviews
        with self._read() as conn:
            row = conn.execute(select(*mapping.REVIEW_COLUMNS).where(r.c.claim_id == claim_id, r.c.reviewer == reviewer)).first()
        return mapping.review(row) if row else None

    def reviews_for_claim(self, claim_id: str, *, include_withdrawn: bool = False) -> list[Review]:
        r = schema.reviews
        query = select(*mapping.REVIEW_COLUMNS).where(r.c.claim_id == claim_id)
        if not include_withdrawn:
            query = query.where(r.c.withdrawn == false())
        with self._read() as conn:
            return [mapping.review(x) for x in conn.execute(query.order_by(r.c.created_at, r.c.id))]

    def save_review(
        self, actor: Actor, claim_id: str, verdict: str, rationale: str = "",
        citations: Sequence[Citation] = (), expected_version: int | None = None,
    ) -> Review:
        """Save the acting reviewer's own review of a claim, in one transaction.

        ``expected_version`` is the version of this reviewer's review that the edit started from,
        None when they saw no review of theirs. If the stored review is newer (another tab saved
        it), the save is refused with ``StaleEditError`` carrying the stored review. Saving over
        one's own withdrawn review restores it."""
        now = utcnow()
        draft = Review(claim_id=claim_id, reviewer=actor.name, verdict=verdict, rationale=rationale,
                       citations=tuple(citations), created_at=now)
        r = schema.reviews
        try:
            with self._write() as conn:
                self._authorise(conn, actor, "review")
                if claim_row(conn, claim_id).withdrawn:
                    raise ValidationError(f"claim {claim_id} was withdrawn and takes no reviews")
                row = conn.execute(select(*mapping.REVIEW_COLUMNS).where(
                    r.c.claim_id == claim_id, r.c.reviewer == actor.name).with_for_update()).first()
                if row is None:
                    if expected_version is not None:
                        raise ValidationError(
                            f"there is no review of claim {claim_id} by {actor.name} at version {expected_version}")
                    conn.execute(insert(r).values(**mapping.review_values(draft)))
                    _count_review(conn, claim_id)
                    self._log(conn, actor.name, "review", draft.id, "create", None, draft.state(),
                              claim_id=claim_id, at=now)
                    return draft
                old = mapping.review(row)
                if expected_version != old.version:
                    what = ("you started a new review, and another tab or session saved one" if expected_version is None
                            else f"your review of this claim was changed elsewhere (another tab or session): you "
                                 f"edited version {expected_version}")
                    raise StaleEditError(
                        f"{what} since you opened the claim; the stored version {old.version} says "
                        f"{old.verdict!r}{' (withdrawn)' if old.withdrawn else ''}. Reload to see it, then save again.",
                        current=old)
                new = old.replace(verdict=verdict, rationale=draft.rationale, citations=draft.citations,
                                  updated_at=now, version=old.version + 1, withdrawn=False)
                conn.execute(update(r).where(r.c.id == old.id).values(**mapping.changes(old, new)))
                if old.withdrawn:
                    _count_review(conn, claim_id)
                self._log(conn, actor.name, "review", old.id, "restore" if old.withdrawn else "update",
                          old.state(), new.state(), claim_id=claim_id, at=now)
                return new
        except IntegrityError:
            # Another tab of the same reviewer inserted the review between our read and write.
            raise StaleEditError(
                "this claim was just reviewed by you in another tab or session; reload to see that review",
                current=self.review_of(claim_id, actor.name)) from None

    def withdraw_review(self, actor: Actor, review_id: str, expected_version: int) -> Review:
        """Mark a review withdrawn (never deleted). Only its author or an admin may."""
        r, c = schema.reviews, schema.claims
        with self._write() as conn:
            actor = self._authorise(conn, actor, "review")
            row = conn.execute(select(*mapping.REVIEW_COLUMNS).where(r.c.id == review_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no review with id {review_id!r}")
            old = mapping.review(row)
            if old.reviewer != actor.name:
                actor.require("withdraw_any")
            if old.version != expected_version:
                raise StaleEditError(
                    f"review {review_id} changed since you opened it (you saw version {expected_version}, "
                    f"stored version {old.version} says {old.verdict!r})", current=old)
            if old.withdrawn:
                raise ValidationError(f"review {review_id} is already withdrawn")
            now = utcnow()
            new = old.replace(withdrawn=True, updated_at=now, version=old.version + 1)
            conn.execute(update(r).where(r.c.id == review_id).values(**mapping.changes(old, new)))
            conn.execute(update(c).where(c.c.id == old.claim_id).values(review_count=c.c.review_count - 1))
            self._log(conn, actor.name, "review", review_id, "withdraw", old.state(), new.state(),
                      claim_id=old.claim_id, at=now)
        return new

    # ---- adjudication

    def verdict_for(self, claim_id: str) -> Verdict | None:
        with self._read() as conn:
            row = conn.execute(select(*mapping.VERDICT_COLUMNS).where(schema.verdicts.c.claim_id == claim_id)).first()
        return mapping.verdict(row) if row else None

    def disputed_claims(self, flt: ClaimFilter | None = None, *, include_settled: bool = False) -> list[Claim]:
        """Claims whose active reviews disagree, highest score first; with ``include_settled``
        also those an adjudicator has since settled. ``flt.statuses`` is not used here; a claim
        whose status blind review hides from ``flt.viewer`` is left out, as a status filter would."""
        flt = dataclasses.replace(flt or ClaimFilter(), statuses=())
        r = schema.reviews
        disagree = schema.claims.c.id.in_(
            select(r.c.claim_id).where(r.c.withdrawn == false()).group_by(r.c.claim_id)
            .having(func.count(r.c.verdict.distinct()) > 1))
        with self._read() as conn:
            clauses = [*filter_clauses(flt, needed_reviews(conn)), disagree]
            if flt.viewer is not None and flt.viewer.blind:
                clauses.append(reviewed_by(flt.viewer.name))
            if not include_settled:
                clauses.append(~settled())
            return [mapping.claim(row) for row in conn.execute(
                select(*mapping.CLAIM_COLUMNS).where(*clauses).order_by(*QUEUE_ORDER))]

    def save_verdict(
        self, actor: Actor, claim_id: str, verdict: str, rationale: str = "",
        citations: Sequence[Citation] = (), expected_version: int | None = None,
    ) -> Verdict:
        """Record (or revise) the final verdict on a claim. Needs the adjudicator role.

        ``expected_version`` is the version of the final verdict the adjudicator saw (None: none)."""
        now = utcnow()
        draft = Verdict(claim_id=claim_id, adjudicator=actor.name, verdict=verdict, rationale=rationale,
                        citations=tuple(citations), created_at=now)
        v = schema.verdicts
        try:
            with self._write() as conn:
                self._authorise(conn, actor, "adjudicate")
                # A shared lock: the claim is not withdrawn (withdraw_claim) until this commits.
                if claim_row(conn, claim_id, lock="share").withdrawn:
                    raise ValidationError(f"claim {claim_id} was withdrawn and takes no verdict")
                row = conn.execute(select(*mapping.VERDICT_COLUMNS).where(v.c.claim_id == claim_id).with_for_update()).first()
                if row is None:
                    if expected_version is not None:
                        raise ValidationError(f"claim {claim_id} has no final verdict at version {expected_version}")
                    conn.execute(insert(v).values(**mapping.verdict_values(draft)))
                    self._log(conn, actor.name, "verdict", draft.id, "create", None, draft.state(),
                              claim_id=claim_id, at=now)
                    return draft
                old = mapping.verdict(row)
                if expected_version != old.version:
                    raise StaleEditError(
                        f"the final verdict on this claim was recorded by {old.adjudicator} since you opened "
                        f"it: {old.verdict!r} (version {old.version}). Reload to see it.", current=old)
                new = old.replace(adjudicator=actor.name, verdict=verdict, rationale=draft.rationale,
                                  citations=draft.citations, updated_at=now, version=old.version + 1)
                conn.execute(update(v).where(v.c.id == old.id).values(**mapping.changes(old, new)))
                self._log(conn, actor.name, "verdict", old.id, "update", old.state(), new.state(),
                          claim_id=claim_id, at=now)
                return new
        except IntegrityError:
            raise StaleEditError("another adjudicator recorded a final verdict at the same moment; reload",
                                 current=self.verdict_for(claim_id)) from None

    # ---- history and analysis

    def history(self, *, claim_id: str | None = None, entity_id: str | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        """Logged changes, oldest first."""
        h = schema.history
        query = select(*mapping.HISTORY_COLUMNS).order_by(h.c.seq)
        if claim_id is not None:
            query = query.where(h.c.claim_id == claim_id)
        if entity_id is not None:
            query = query.where(h.c.entity_id == entity_id)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [mapping.history(r) for r in conn.execute(query)]

    def ratings(self, viewer: Viewer | None = None) -> Iterator[tuple[str, str, str, str]]:
        """(claim_id, reviewer, verdict, claim_type) of every active review of an active claim;
        for a ``viewer`` kept blind, only of the claims they have reviewed."""
        r, c = schema.reviews, schema.claims
        query = (select(r.c.claim_id, r.c.reviewer, r.c.verdict, c.c.claim_type)
                 .join(c, c.c.id == r.c.claim_id)
                 .where(r.c.withdrawn == false(), c.c.withdrawn == false())
                 .order_by(r.c.claim_id, r.c.reviewer))
        if viewer is not None and viewer.blind:
            query = query.where(reviewed_by(viewer.name))
        with self._read() as conn:
            yield from (tuple(row) for row in conn.execute(query))

    def counts(self) -> dict[str, int]:
        with self._read() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("documents", schema.documents), ("claims", schema.claims),
                                    ("reviews", schema.reviews), ("verdicts", schema.verdicts),
                                    ("history", schema.history), ("users", schema.users))
            }

    def reviewers(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(schema.reviews.c.reviewer).distinct()
                                     .order_by(schema.reviews.c.reviewer)).scalars())


def _count_review(conn: Connection, claim_id: str) -> None:
    """One more active review of the claim; refused if the claim was withdrawn meanwhile (a
    withdrawal committed while this review was being saved, which the claim's row lock orders)."""
    c = schema.claims
    counted = conn.execute(update(c).where(c.c.id == claim_id, c.c.withdrawn == false())
                           .values(review_count=c.c.review_count + 1))
    if counted.rowcount != 1:
        raise ValidationError(f"claim {claim_id} was withdrawn and takes no reviews")
