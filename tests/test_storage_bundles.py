"""Claim bundles out of one store and into another: complete, idempotent, all or nothing.

The source store runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL; the target is an
in-memory SQLite store.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import pytest

from annotations.auth import Actor
from annotations.errors import PermissionDeniedError, ValidationError
from annotations.records import Document, claim_from_span
from annotations.storage import ExportFilter, ImportCounts, Store

if TYPE_CHECKING:
    from conftest import StoredArticle

SAM = Actor("sam", "reviewer")


@pytest.fixture
def reviewed(article: StoredArticle, ann: Actor, reviewer_actor: Actor) -> StoredArticle:
    """The article with two reviews on each of two claims, one withdrawn review and a verdict."""
    store, claims = article.store, article.claims
    store.set_setting(ann, "reviews_per_claim", 2)
    store.save_review(reviewer_actor, claims[0].id, "supported", "looks fine")
    store.save_review(SAM, claims[0].id, "unsupported", "no trial")
    store.save_verdict(ann, claims[0].id, "unsupported", "the trial is missing")
    store.save_review(reviewer_actor, claims[2].id, "risky")
    withdrawn = store.save_review(SAM, claims[2].id, "risky")
    store.withdraw_review(SAM, withdrawn.id, 1)
    return article


def test_bundles_carry_everything_into_another_store(reviewed: StoredArticle, memory_store: Store,
                                                     ann: Actor) -> None:
    source = reviewed.store
    bundles = list(source.iter_bundles(ExportFilter(reviewed_only=False), batch_size=2))
    assert len(bundles) == 4
    counts = memory_store.import_bundles(ann, bundles, batch_size=3)
    assert counts == ImportCounts(documents=1, claims=4, reviews=4, verdicts=1, history=11, skipped=0)
    memory_store.set_setting(ann, "reviews_per_claim", 2)  # settings are not part of bundles
    for claim in reviewed.claims:
        mine, theirs = memory_store.claim_detail(claim.id), source.claim_detail(claim.id)
        assert (mine.claim, mine.reviews, mine.verdict, mine.status) == (
            theirs.claim, theirs.reviews, theirs.verdict, theirs.status)
        assert mine.history == theirs.history
    # The imported review counts drive the queue: sam's withdrawn review leaves a claim for him.
    assert memory_store.next_claim("sam").id == reviewed.claims[2].id
    assert memory_store.next_claim("rita").id == reviewed.claims[1].id
    [imported] = memory_store.history(entity_id=reviewed.document.id)[-1:]
    assert (imported.action, imported.actor) == ("import", "ann")


def test_importing_twice_adds_nothing(reviewed: StoredArticle, memory_store: Store, ann: Actor) -> None:
    bundles = list(reviewed.store.iter_bundles(ExportFilter(reviewed_only=False)))
    memory_store.import_bundles(ann, bundles)
    before = memory_store.counts()
    again = memory_store.import_bundles(ann, bundles)
    assert dataclasses.astuple(again)[:5] == (0, 0, 0, 0, 0)
    assert again.skipped == 4 + 4 + 1  # claims, reviews, verdict
    assert memory_store.counts() == before
    into_source = reviewed.store.import_bundles(ann, bundles)
    assert (into_source.claims, into_source.reviews, into_source.history) == (0, 0, 0)


def test_a_document_already_stored_under_another_id_is_matched_by_its_text(
        reviewed: StoredArticle, memory_store: Store, ann: Actor) -> None:
    local = Document(name="my copy.txt", text=reviewed.document.text)
    memory_store.add_document(ann, local)
    counts = memory_store.import_bundles(ann, reviewed.store.iter_bundles())
    assert (counts.documents, counts.claims) == (0, 2)
    assert {c.document_id for c in memory_store.list_claims()} == {local.id}


def test_importing_needs_the_admin_role(reviewed: StoredArticle, memory_store: Store, reviewer_actor: Actor) -> None:
    with pytest.raises(PermissionDeniedError, match="rita \\(reviewer\\) may not manage accounts and settings"):
        memory_store.import_bundles(reviewer_actor, reviewed.store.iter_bundles())
    assert memory_store.counts()["claims"] == 0


def test_an_import_is_all_or_nothing(reviewed: StoredArticle, memory_store: Store, ann: Actor) -> None:
    bundles = list(reviewed.store.iter_bundles(ExportFilter(reviewed_only=False)))
    doc = bundles[-1].document
    broken = claim_from_span(doc, 0, 5).replace(text="XXXXX")
    bundles.append(dataclasses.replace(bundles[-1], claim=broken, reviews=[], verdict=None, history=[]))
    with pytest.raises(ValidationError, match="claim text 'XXXXX' is not the document text at 0:5"):
        memory_store.import_bundles(ann, bundles, batch_size=2)
    assert memory_store.counts() == {"documents": 0, "claims": 0, "reviews": 0, "verdicts": 0, "history": 0,
                                     "users": 0}


def test_export_filters(reviewed: StoredArticle) -> None:
    store, claims = reviewed.store, reviewed.claims
    assert [b.claim.id for b in store.iter_bundles()] == [claims[0].id, claims[2].id]
    assert [b.claim.id for b in store.iter_bundles(ExportFilter(final_only=True))] == [claims[0].id]
    settled = next(store.iter_bundles(ExportFilter(final_only=True)))
    assert (settled.status, settled.final.verdict, settled.final.source) == ("settled", "unsupported", "adjudication")
    assert [b.claim.id for b in store.iter_bundles(ExportFilter(verdicts=("risky",)))] == [claims[2].id]
    assert [b.claim.id for b in store.iter_bundles(ExportFilter(reviewers=("sam",)))] == [claims[0].id]
