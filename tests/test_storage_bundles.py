"""Claim bundles out of one store and into another: complete, idempotent, all or nothing, logged
once; and how they are read: in batches, from one snapshot, in document order off an index.

The source store runs on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL; the target is an
in-memory SQLite store.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text

from annotations.auth import Actor
from annotations.errors import PermissionDeniedError, ValidationError
from annotations.records import Document, claim_from_span
from annotations.storage import ExportFilter, ImportCounts, Store

if TYPE_CHECKING:
    from conftest import StoredArticle

SAM = Actor("sam", "reviewer")
SECOND_TEXT = "Cold showers double your metabolism. Saunas are safe for everyone."


def add_second_document(store: Store, actor: Actor) -> Document:
    doc = Document(name="cold.txt", text=SECOND_TEXT)
    store.add_document(actor, doc, [claim_from_span(doc, 0, 35), claim_from_span(doc, 37, 65)])
    return doc


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
    assert memory_store.history(entity_id=reviewed.document.id) == source.history(entity_id=reviewed.document.id)
    # The imported review counts drive the queue: sam's withdrawn review leaves a claim for him.
    assert memory_store.next_claim("sam").id == reviewed.claims[2].id
    assert memory_store.next_claim("rita").id == reviewed.claims[1].id


def test_an_import_is_logged_once_for_the_whole_dataset(reviewed: StoredArticle, memory_store: Store,
                                                        ann: Actor) -> None:
    bundles = list(reviewed.store.iter_bundles(ExportFilter(reviewed_only=False)))
    memory_store.import_bundles(ann, bundles, batch_size=3, import_id="batch-7", source="desk export")
    [entry] = [e for e in memory_store.history() if e.entity == "dataset"]
    assert (entry.entity_id, entry.action, entry.actor, entry.claim_id, entry.before) == (
        "batch-7", "import", "ann", None, None)
    assert entry.after == {"source": "desk export", "documents": 1, "claims": 4, "reviews": 4, "verdicts": 1,
                           "history": 11, "skipped": 0}
    # Every other entry came with the bundles: the import adds none to a document or a claim.
    assert len(memory_store.history()) == 11 + 1
    memory_store.import_bundles(ann, bundles)  # adds nothing, so logs nothing
    assert len(memory_store.history()) == 12


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


# ------------------------------------------------------------------------------ reading them


def test_bundles_are_the_same_whatever_the_batch_size(reviewed: StoredArticle, ann: Actor) -> None:
    store = reviewed.store
    add_second_document(store, ann)
    everything = ExportFilter(reviewed_only=False)
    whole = list(store.iter_bundles(everything, batch_size=100))
    keys = [(b.document.id, b.claim.start) for b in whole]
    assert len(keys) == 6 and keys == sorted(keys)  # document order
    for size in (1, 2, 3, 5):
        assert list(store.iter_bundles(everything, batch_size=size)) == whole
    # A document's history travels with each of its claims, across batch boundaries too.
    assert {len(b.document_history) for b in whole} == {1}


def test_bundles_without_history(reviewed: StoredArticle) -> None:
    store = reviewed.store
    everything = ExportFilter(reviewed_only=False)
    full = list(store.iter_bundles(everything))
    lean = list(store.iter_bundles(everything, include_history=False))
    assert all(b.history and b.document_history for b in full)
    assert all(b.history == [] and b.document_history == [] for b in lean)
    assert lean == [dataclasses.replace(b, history=[], document_history=[]) for b in full]


def test_an_export_reads_one_snapshot(reviewed: StoredArticle, ann: Actor, reviewer_actor: Actor) -> None:
    """Saves made while the bundles stream are not in them, so an export is consistent."""
    store, claims = reviewed.store, reviewed.claims
    bundles = store.iter_bundles(ExportFilter(reviewed_only=False), batch_size=1)
    first = next(bundles)
    store.save_review(reviewer_actor, claims[3].id, "unsupported")
    store.save_verdict(ann, claims[2].id, "supported")
    rest = list(bundles)
    assert [b.claim.id for b in [first, *rest]] == [c.id for c in claims]
    assert (rest[1].verdict, rest[1].status) == (None, "in_review")
    assert (rest[2].reviews, rest[2].status) == ([], "unreviewed")
    after = list(store.iter_bundles(ExportFilter(reviewed_only=False)))
    assert (after[2].status, after[3].status) == ("settled", "in_review")


def page_queries(statements: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """The statements (and parameters) that read a page of claims."""
    return [(statement, parameters) for statement, parameters in statements
            if statement.lstrip().startswith("SELECT") and "FROM claims" in statement and "LIMIT" in statement]


@pytest.mark.perf
@pytest.mark.parametrize("flt", [ExportFilter(), ExportFilter(reviewed_only=False, claim_types=("risk",)),
                                 ExportFilter(verdicts=("risky",), reviewers=("rita",))],
                         ids=["default", "type", "verdict-reviewer"])
def test_claims_are_paged_along_the_document_order_index(reviewed: StoredArticle, flt: ExportFilter,
                                                         sent_statements) -> None:
    """Each page seeks into the (document_id, start_offset, id) index and reads it in order: no
    sort, so a page costs the same at the end of a large table as at its start."""
    store = reviewed.store
    queries = page_queries(sent_statements(store, lambda: list(store.iter_bundles(flt, batch_size=1))))
    assert len(queries) >= 2  # the first page, and pages after a key
    with store.engine.connect() as conn:
        if store.backend == "postgresql":
            # The tables are tiny, so the planner would rather scan them; forbidding that shows
            # whether the index can serve the query.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_sort = off"))
        for number, (statement, parameters) in enumerate(queries):
            if store.backend == "sqlite":
                plan = " / ".join(row[3] for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, parameters))
                # The first page reads the index from its start; later ones seek past a key.
                expected = ("SCAN claims USING INDEX ix_claims_document_id_start_offset_id" if number == 0 else
                            "SEARCH claims USING INDEX ix_claims_document_id_start_offset_id "
                            "((document_id,start_offset,id)>(?,?,?))")
                assert plan.startswith(expected), plan
                assert "TEMP B-TREE" not in plan, plan
            else:
                plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
                assert "Index Scan using ix_claims_document_id_start_offset_id on claims" in plan, plan
                assert "Sort" not in plan.split("SubPlan")[0], plan


@pytest.mark.perf
@pytest.mark.postgres
def test_an_import_into_postgresql_refreshes_its_planner_statistics(pg_url: str, ann: Actor) -> None:
    """Else PostgreSQL, which plans an export's lookups from them, scans whole tables until
    autovacuum catches up. (SQLite's planner needs none for these queries.)"""
    doc = Document(name="a.txt", text="Zinc shortens colds. Vitamin D prevents flu. Garlic cures everything.")
    with Store.open("sqlite://") as source, Store.open(pg_url) as store:
        source.add_document(ann, doc, [claim_from_span(doc, 0, 19), claim_from_span(doc, 21, 43),
                                       claim_from_span(doc, 45, 68)])
        store.import_bundles(ann, source.iter_bundles(ExportFilter(reviewed_only=False)))
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT relname, reltuples FROM pg_class WHERE relnamespace = "
                                     "current_schema()::regnamespace AND relname IN ('claims', 'history')")).all()
    assert dict(rows) == {"claims": 3, "history": 1 + 3 + 1}  # document and claims created, the import
