"""Reviews per reviewer, withdrawal, double review, disputes, final verdicts and the history log.

Every test runs on SQLite (a file in tmp_path) and, with TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, text

from annotations import schema
from annotations.auth import Actor
from annotations.errors import NotFoundError, PermissionDeniedError, StaleEditError, ValidationError
from annotations.records import Citation, Document, claim_from_span
from annotations.storage import ClaimFilter, Store

if TYPE_CHECKING:
    from conftest import StoredArticle

SAM = Actor("sam", "reviewer")
JUDGE = Actor("judy", "adjudicator")


def review_count(store: Store, claim_id: str) -> int:
    """The stored count of active reviews that the queue relies on."""
    with store.engine.connect() as conn:
        return conn.execute(select(schema.claims.c.review_count).where(schema.claims.c.id == claim_id)).scalar_one()


def assert_review_count_right(store: Store, claim_id: str) -> None:
    assert review_count(store, claim_id) == len(store.reviews_for_claim(claim_id))


# --------------------------------------------------------------------------------- reviews


def test_save_then_revise_a_review(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[0]
    cite = Citation.parse("https://doi.org/10.1000/clay42", quote="no change in skin toxins")
    first = store.save_review(reviewer_actor, claim.id, "unsupported", "no trial", [cite])
    assert (first.reviewer, first.verdict, first.version, first.citations[0].identifier) == (
        "rita", "unsupported", 1, "10.1000/clay42")
    assert store.review_of(claim.id, "rita") == first
    second = store.save_review(reviewer_actor, claim.id, "risky", "could irritate", expected_version=1)
    assert (second.id, second.version, second.verdict, second.citations) == (first.id, 2, "risky", ())
    assert second.created_at == first.created_at and second.updated_at is not None
    assert store.review_of(claim.id, "rita") == second
    assert_review_count_right(store, claim.id)
    assert review_count(store, claim.id) == 1


def test_a_stale_review_is_refused_with_the_newer_one(article: StoredArticle, reviewer_actor: Actor) -> None:
    """Two tabs of one reviewer open version 1; the first saves, the second is refused."""
    store, claim = article.store, article.claims[0]
    store.save_review(reviewer_actor, claim.id, "unsupported")
    tab_a = store.save_review(reviewer_actor, claim.id, "risky", expected_version=1)
    with pytest.raises(StaleEditError, match="changed elsewhere .* you edited version 1, stored version 2 says 'risky'") as err:
        store.save_review(reviewer_actor, claim.id, "supported", expected_version=1)
    assert err.value.current == tab_a
    assert store.review_of(claim.id, "rita") == tab_a


def test_saving_as_new_over_an_existing_review_is_stale(article: StoredArticle, reviewer_actor: Actor) -> None:
    """A second tab that saw no review (expected_version None) cannot overwrite the first's."""
    store, claim = article.store, article.claims[0]
    other_tab = Store.open(store.url)
    try:
        saved = other_tab.save_review(reviewer_actor, claim.id, "unsupported")
        with pytest.raises(StaleEditError, match="stored version 1 says 'unsupported'") as err:
            store.save_review(reviewer_actor, claim.id, "supported")
        assert err.value.current == saved
    finally:
        other_tab.close()


def test_a_review_version_that_never_existed(article: StoredArticle, reviewer_actor: Actor) -> None:
    with pytest.raises(ValidationError, match="there is no review of claim .* by rita at version 3"):
        article.store.save_review(reviewer_actor, article.claims[0].id, "supported", expected_version=3)


def test_review_input_is_checked_before_anything_is_written(article: StoredArticle, reviewer_actor: Actor) -> None:
    store = article.store
    with pytest.raises(ValidationError, match="verdict must be one of supported, unsupported, risky, not_a_claim; got 'maybe'"):
        store.save_review(reviewer_actor, article.claims[0].id, "maybe")
    with pytest.raises(NotFoundError, match="no claim with id 'nope'"):
        store.save_review(reviewer_actor, "nope", "supported")
    assert store.counts()["reviews"] == 0


def test_each_reviewer_has_their_own_review(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[0]
    rita = store.save_review(reviewer_actor, claim.id, "unsupported", "rita's reasons")
    sam = store.save_review(SAM, claim.id, "risky", "sam's reasons")
    store.save_review(reviewer_actor, claim.id, "not_a_claim", "changed my mind", expected_version=1)
    assert store.review_of(claim.id, "sam") == sam
    assert store.review_of(claim.id, "rita").verdict == "not_a_claim"
    assert {r.reviewer: r.version for r in store.reviews_for_claim(claim.id)} == {"rita": 2, "sam": 1}
    assert rita.id != sam.id
    assert review_count(store, claim.id) == 2


def test_withdraw_marks_the_review_and_restore_brings_it_back(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[0]
    review = store.save_review(reviewer_actor, claim.id, "unsupported")
    assert store.next_claim("rita").id != claim.id
    withdrawn = store.withdraw_review(reviewer_actor, review.id, 1)
    assert (withdrawn.withdrawn, withdrawn.version) == (True, 2)
    assert store.reviews_for_claim(claim.id) == []
    assert store.reviews_for_claim(claim.id, include_withdrawn=True) == [withdrawn]
    assert store.counts()["reviews"] == 1  # marked, not deleted
    assert review_count(store, claim.id) == 0
    assert store.next_claim("rita").id == claim.id  # back in the queue
    with pytest.raises(ValidationError, match=f"review {review.id} is already withdrawn"):
        store.withdraw_review(reviewer_actor, review.id, 2)

    restored = store.save_review(reviewer_actor, claim.id, "risky", expected_version=2)
    assert (restored.withdrawn, restored.version, restored.verdict) == (False, 3, "risky")
    assert review_count(store, claim.id) == 1
    actions = [e.action for e in store.history(entity_id=review.id)]
    assert actions == ["create", "withdraw", "restore"]


def test_withdraw_checks_the_version(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[0]
    review = store.save_review(reviewer_actor, claim.id, "unsupported")
    store.save_review(reviewer_actor, claim.id, "risky", expected_version=1)
    with pytest.raises(StaleEditError, match="you saw version 1, stored version 2 says 'risky'") as err:
        store.withdraw_review(reviewer_actor, review.id, 1)
    assert err.value.current.version == 2
    with pytest.raises(NotFoundError, match="no review with id 'nope'"):
        store.withdraw_review(reviewer_actor, "nope", 1)


def test_a_reviewer_cannot_withdraw_another_reviewers_review(article: StoredArticle, reviewer_actor: Actor,
                                                             ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    sams = store.save_review(SAM, claim.id, "supported")
    with pytest.raises(PermissionDeniedError, match="rita \\(reviewer\\) may not withdraw another reviewer's review; that needs the role admin"):
        store.withdraw_review(reviewer_actor, sams.id, 1)
    with pytest.raises(PermissionDeniedError, match="judy \\(adjudicator\\) may not withdraw another reviewer's review"):
        store.withdraw_review(JUDGE, sams.id, 1)
    assert store.review_of(claim.id, "sam") == sams
    by_admin = store.withdraw_review(ann, sams.id, 1)
    assert by_admin.withdrawn
    assert store.history(entity_id=sams.id)[-1].actor == "ann"


def test_review_count_stays_right_through_every_change(article: StoredArticle, reviewer_actor: Actor,
                                                       ann: Actor) -> None:
    store, claim = article.store, article.claims[1]
    a = store.save_review(reviewer_actor, claim.id, "supported")
    b = store.save_review(SAM, claim.id, "supported")
    store.save_review(ann, claim.id, "risky")
    store.withdraw_review(SAM, b.id, 1)
    store.save_review(reviewer_actor, claim.id, "risky", expected_version=1)
    store.withdraw_review(ann, a.id, 2)
    store.save_review(SAM, claim.id, "unsupported", expected_version=2)
    assert_review_count_right(store, claim.id)
    assert review_count(store, claim.id) == 2  # ann and sam


def test_a_withdrawn_claim_takes_no_reviews(article: StoredArticle, reviewer_actor: Actor, ann: Actor) -> None:
    store = article.store
    claim = article.claims[0]
    store.withdraw_claim(ann, claim.id, 1)
    with pytest.raises(ValidationError, match=f"claim {claim.id} was withdrawn and takes no reviews"):
        store.save_review(reviewer_actor, claim.id, "supported")
    with pytest.raises(ValidationError, match=f"claim {claim.id} was withdrawn and cannot be edited"):
        store.update_claim(reviewer_actor, claim.id, 2, end=claim.end - 1)
    assert claim.id not in [c.id for c in store.list_claims()]


@pytest.mark.postgres
def test_a_review_saved_while_its_claim_is_withdrawn_is_refused(pg_url: str, ann: Actor,
                                                                 reviewer_actor: Actor) -> None:
    """The review's save read the claim before the withdrawal committed; counting the review
    waits for the claim's row and finds it withdrawn, so nothing of the review stays."""
    document = Document(name="a.txt", text="Zinc shortens colds. Garlic cures everything.")
    c = schema.claims
    with Store.open(pg_url) as store:
        store.add_document(ann, document, [claim_from_span(document, 0, 19)])
        [claim] = store.list_claims()
        outcome: list[BaseException] = []

        def save() -> None:
            try:
                store.save_review(reviewer_actor, claim.id, "supported")
            except ValidationError as exc:
                outcome.append(exc)

        with store.engine.connect() as withdrawing:
            with withdrawing.begin():  # holds the claim's row as withdraw_claim does
                withdrawing.execute(select(c.c.id).where(c.c.id == claim.id).with_for_update())
                saving = threading.Thread(target=save)
                saving.start()
                deadline = time.monotonic() + 30
                while not withdrawing.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar():
                    assert time.monotonic() < deadline, "the review's save never waited for the claim"
                    time.sleep(0.05)
                withdrawing.execute(c.update().where(c.c.id == claim.id).values(withdrawn=True))
            saving.join(timeout=30)
        assert [str(e) for e in outcome] == [f"claim {claim.id} was withdrawn and takes no reviews"]
        assert store.reviews_for_claim(claim.id, include_withdrawn=True) == []
        assert review_count(store, claim.id) == 0


# ------------------------------------------------------------------------ double review


def test_double_review_queue(article: StoredArticle, reviewer_actor: Actor, ann: Actor) -> None:
    store, claims = article.store, article.claims
    top = claims[0]
    store.set_setting(ann, "reviews_per_claim", 2)
    store.save_review(reviewer_actor, top.id, "unsupported")
    assert store.next_claim("rita").id != top.id  # rita has done her part
    assert store.next_claim("sam").id == top.id  # still needs a second reviewer
    assert store.claim_detail(top.id).status == "in_review"
    store.save_review(SAM, top.id, "unsupported")
    assert store.next_claim("ann").id != top.id  # two reviews: out of every queue
    detail = store.claim_detail(top.id)
    assert detail.status == "reviewed"
    assert (detail.final.verdict, detail.final.source, detail.final.by) == ("unsupported", "consensus", ("rita", "sam"))
    assert (store.progress().done, store.progress().total) == (1, 4)


def test_single_review_settles_by_default(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, top = article.store, article.claims[0]
    store.save_review(reviewer_actor, top.id, "risky")
    assert store.next_claim("sam").id != top.id
    assert store.claim_detail(top.id).final.verdict == "risky"


def test_disagreeing_reviews_make_a_disputed_claim(article: StoredArticle, reviewer_actor: Actor, ann: Actor) -> None:
    store, claims = article.store, article.claims
    store.set_setting(ann, "reviews_per_claim", 2)
    store.save_review(reviewer_actor, claims[0].id, "supported")
    store.save_review(SAM, claims[0].id, "unsupported")
    store.save_review(reviewer_actor, claims[1].id, "risky")
    store.save_review(SAM, claims[1].id, "risky")
    detail = store.claim_detail(claims[0].id)
    assert (detail.status, detail.final) == ("disputed", None)
    assert [c.id for c in store.disputed_claims()] == [claims[0].id]
    assert [c.id for c in store.list_claims(ClaimFilter(statuses=("disputed",)))] == [claims[0].id]
    assert [c.id for c in store.list_claims(ClaimFilter(statuses=("reviewed",)))] == [claims[1].id]
    assert store.disputed_claims(ClaimFilter(claim_types=("risk",))) == []


# ------------------------------------------------------------------------------ verdicts


def test_a_final_verdict_needs_the_adjudicator_role(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[0]
    with pytest.raises(PermissionDeniedError, match="rita \\(reviewer\\) may not record final verdicts; that needs the role adjudicator or admin"):
        store.save_verdict(reviewer_actor, claim.id, "unsupported")
    assert store.verdict_for(claim.id) is None
    verdict = store.save_verdict(JUDGE, claim.id, "unsupported", "no study", [Citation.parse("PMID:123456")])
    assert (verdict.adjudicator, verdict.version, verdict.citations[0].identifier) == ("judy", 1, "123456")
    assert store.verdict_for(claim.id) == verdict


def test_a_verdict_settles_a_dispute(article: StoredArticle, reviewer_actor: Actor, ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    store.set_setting(ann, "reviews_per_claim", 2)
    store.save_review(reviewer_actor, claim.id, "supported")
    store.save_verdict(JUDGE, claim.id, "risky")
    assert store.next_claim("sam").id != claim.id  # a settled claim leaves the queue
    store.save_review(SAM, claim.id, "unsupported")
    assert store.disputed_claims() == []
    assert [c.id for c in store.disputed_claims(include_settled=True)] == [claim.id]
    detail = store.claim_detail(claim.id)
    assert (detail.status, detail.final.verdict, detail.final.source, detail.final.by) == (
        "settled", "risky", "adjudication", ("judy",))


def test_a_stale_verdict_is_refused(article: StoredArticle, ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    first = store.save_verdict(JUDGE, claim.id, "unsupported")
    with pytest.raises(StaleEditError, match="recorded by judy since you opened it: 'unsupported' \\(version 1\\)") as err:
        store.save_verdict(ann, claim.id, "supported")  # ann saw no verdict
    assert err.value.current == first
    revised = store.save_verdict(ann, claim.id, "supported", expected_version=1)
    assert (revised.adjudicator, revised.version, revised.id) == ("ann", 2, first.id)
    with pytest.raises(StaleEditError, match="recorded by ann .* \\(version 2\\)"):
        store.save_verdict(JUDGE, claim.id, "risky", expected_version=1)
    with pytest.raises(ValidationError, match="has no final verdict at version 1"):
        store.save_verdict(JUDGE, article.claims[1].id, "risky", expected_version=1)


# ------------------------------------------------------------------------------- history


def test_claim_history_records_who_when_before_and_after(article: StoredArticle, reviewer_actor: Actor,
                                                         ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    review = store.save_review(reviewer_actor, claim.id, "unsupported", "first look")
    store.save_review(reviewer_actor, claim.id, "risky", "second look", expected_version=1)
    store.withdraw_review(ann, review.id, 2)
    store.update_claim(reviewer_actor, claim.id, 1, end=claim.end - 1)
    store.save_verdict(JUDGE, claim.id, "risky")
    history = store.claim_detail(claim.id).history
    assert [(e.entity, e.action, e.actor) for e in history] == [
        ("claim", "create", "ann"),
        ("review", "create", "rita"),
        ("review", "update", "rita"),
        ("review", "withdraw", "ann"),
        ("claim", "update", "rita"),
        ("verdict", "create", "judy"),
    ]
    update = history[2]
    assert (update.before["verdict"], update.before["rationale"]) == ("unsupported", "first look")
    assert (update.after["verdict"], update.after["rationale"], update.after["version"]) == ("risky", "second look", 2)
    assert (history[3].before["withdrawn"], history[3].after["withdrawn"]) == (False, True)
    assert history[0].before is None and history[-1].before is None
    assert all(e.claim_id == claim.id for e in history)
    assert [e.at for e in history] == sorted(e.at for e in history)
    assert store.history(claim_id=claim.id, limit=2) == history[:2]


def test_claim_detail_gathers_the_claim(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[2]
    store.save_review(reviewer_actor, claim.id, "supported")
    detail = store.claim_detail(claim.id)
    assert detail.claim == claim
    assert detail.document == article.document
    assert [r.reviewer for r in detail.reviews] == ["rita"]
    assert (detail.verdict, detail.status) == (None, "reviewed")
    with pytest.raises(NotFoundError, match="no claim with id 'nope'"):
        store.claim_detail("nope")
