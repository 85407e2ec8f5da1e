"""Documents, claims, the review queue, progress, settings and persistence.

Every test runs on SQLite (a file in tmp_path) and, with TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from annotations.auth import Actor
from annotations.errors import (
    AmbiguousIdError,
    NotFoundError,
    PermissionDeniedError,
    StaleEditError,
    ValidationError,
)
from annotations.records import Citation, Cues, Document, HistoryEntry, Quantity, claim_from_span
from annotations.storage import ClaimFilter, ExportFilter, Store

if TYPE_CHECKING:
    from conftest import StoredArticle

SECOND_TEXT = "Cold showers double your metabolism. Saunas are safe for everyone."


def add_second_document(store: Store, actor: Actor) -> tuple[Document, list]:
    doc = Document(name="cold.txt", text=SECOND_TEXT)
    claims = [claim_from_span(doc, 0, 36, claim_type="efficacy", score=0.8),
              claim_from_span(doc, 37, 66, claim_type="safety", score=0.5)]
    store.add_document(actor, doc, claims)
    return doc, claims


# ------------------------------------------------------------------------------- documents


def test_loading_the_same_text_again_creates_no_duplicate(article: StoredArticle, ann: Actor) -> None:
    store, first = article.store, article.document
    again = Document(name="copy-of-clay.txt", text=first.text)
    stored, created = store.add_document(ann, again, [claim_from_span(again, c.start, c.end) for c in article.claims])
    assert created is False
    assert (stored.id, stored.name) == (first.id, "clay.txt")
    assert store.counts()["documents"] == 1
    assert store.counts()["claims"] == 4


def test_a_document_records_who_loaded_it(article: StoredArticle) -> None:
    doc = article.store.get_document(article.document.id)
    assert doc == article.document
    assert doc.added_by == "ann"
    [entry] = article.store.history(entity_id=doc.id)
    assert (entry.entity, entry.action, entry.actor, entry.before) == ("document", "create", "ann", None)
    assert entry.after["content_hash"] == doc.content_hash


def test_a_load_is_one_transaction(store: Store, ann: Actor) -> None:
    doc = Document(name="a.txt", text=SECOND_TEXT)
    good = claim_from_span(doc, 0, 10)
    bad = good.replace(id="bad-claim", start=1, end=11)  # its text is not the document's text at 1:11
    with pytest.raises(ValidationError, match="is not the document text at 1:11"):
        store.add_document(ann, doc, [good, bad])
    assert store.counts() == {"documents": 0, "claims": 0, "reviews": 0, "verdicts": 0, "history": 0, "users": 0}


def test_claims_of_another_document_are_refused(store: Store, ann: Actor) -> None:
    doc = Document(name="a.txt", text=SECOND_TEXT)
    other = Document(name="b.txt", text="Another text entirely.")
    with pytest.raises(ValidationError, match=f"belongs to document {other.id}, not {doc.id}"):
        store.add_document(ann, doc, [claim_from_span(other, 0, 5)])


def test_unknown_document(store: Store) -> None:
    with pytest.raises(NotFoundError, match="no document with id 'nope'"):
        store.get_document("nope")


def test_deleting_a_document_removes_its_claims_reviews_and_verdicts_and_the_history_keeps_them(
        article: StoredArticle, ann: Actor, tmp_path) -> None:
    from annotations.export import export, read_jsonl
    from annotations.storage import ExportFilter

    store, document = article.store, article.document
    other, other_claims = add_second_document(store, ann)
    first, second = article.claims[:2]
    store.save_review(ann, first.id, "supported", "a trial", [Citation("pmid", "123")])
    store.save_review(Actor("rita", "reviewer"), first.id, "risky")
    store.save_verdict(ann, second.id, "unsupported", "no evidence")
    store.save_review(ann, other_claims[0].id, "risky")

    deleted = store.delete_document(ann, document.id)
    assert (deleted.document, deleted.claims, deleted.reviews, deleted.verdicts) == (document, len(article.claims), 2, 1)
    assert [d.id for d in store.list_documents()] == [other.id]
    with pytest.raises(NotFoundError):
        store.get_document(document.id)
    with pytest.raises(NotFoundError):
        store.get_claim(first.id)
    assert {c.id for c in store.list_claims()} == {c.id for c in other_claims}
    assert store.reviews_for_claim(first.id) == [] and store.review_of(other_claims[0].id, "ann") is not None

    entry = store.history(entity_id=document.id)[-1]
    assert (entry.entity, entry.action, entry.actor, entry.after) == ("document", "delete", "ann", None)
    assert entry.before["document"] == document.to_dict()
    assert [c["text"] for c in entry.before["claims"]] == [c.text for c in article.claims]
    assert sorted(r["reviewer"] for r in entry.before["reviews"]) == ["ann", "rita"]
    assert [(v["claim_id"], v["verdict"]) for v in entry.before["verdicts"]] == [(second.id, "unsupported")]
    assert [e.action for e in store.history(claim_id=first.id)][:2] == ["create", "create"]  # earlier entries stay

    export(store, "jsonl", tmp_path / "all.jsonl", ExportFilter(reviewed_only=False))
    assert {b.document.id for b in read_jsonl(tmp_path / "all.jsonl")} == {other.id}
    assert document.text not in (tmp_path / "all.jsonl").read_text(encoding="utf-8")
    _, created = store.add_document(ann, Document(name="clay again", text=document.text))
    assert created  # the same text loads again


def test_only_an_admin_deletes_a_document(article: StoredArticle, reviewer_actor: Actor) -> None:
    with pytest.raises(PermissionDeniedError, match="rita \\(reviewer\\) may not delete a document; that needs the role admin"):
        article.store.delete_document(reviewer_actor, article.document.id)
    assert article.store.count_claims() == len(article.claims)
    with pytest.raises(NotFoundError, match="no document with id 'nope'"):
        article.store.delete_document(Actor("ann", "admin", local=True), "nope")


def test_list_documents_counts_claims_and_reviewed_claims(article: StoredArticle, ann: Actor) -> None:
    store = article.store
    add_second_document(store, ann)
    store.save_review(ann, article.claims[0].id, "unsupported")
    summaries = {s.name: s for s in store.list_documents()}
    assert (summaries["clay.txt"].n_claims, summaries["clay.txt"].n_reviewed) == (4, 1)
    assert (summaries["cold.txt"].n_claims, summaries["cold.txt"].n_reviewed) == (2, 0)


# ---------------------------------------------------------------------------------- claims


def test_a_reviewer_adds_a_missed_claim(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, doc = article.store, article.document
    start = doc.text.index("Turmeric")
    claim = store.add_claim(reviewer_actor, doc.id, start, start + 8, claim_type="other", context="heading")
    assert (claim.text, claim.origin, claim.created_by, claim.rule_id, claim.score) == (
        "Turmeric", "reviewer", "rita", "reviewer", 1.0)
    assert store.get_claim(claim.id) == claim
    [entry] = store.history(claim_id=claim.id)
    assert (entry.action, entry.actor, entry.after["text"]) == ("create", "rita", "Turmeric")


@pytest.mark.parametrize(("start", "end"), [(5, 5), (10, 3), (-1, 4), (0, "past the end"), ("0", 4)])
def test_add_claim_checks_the_span(article: StoredArticle, reviewer_actor: Actor, start: object, end: object) -> None:
    length = len(article.document.text)
    end = length + 1 if end == "past the end" else end
    with pytest.raises(ValidationError, match=rf"a claim span must satisfy 0 <= start < end <= {length}; got"):
        article.store.add_claim(reviewer_actor, article.document.id, start, end)  # type: ignore[arg-type]


def test_add_claim_refuses_the_span_of_an_existing_claim(article: StoredArticle, reviewer_actor: Actor) -> None:
    first = article.claims[0]
    with pytest.raises(ValidationError, match=f"the span {first.start}:{first.end} is already claim {first.id}"):
        article.store.add_claim(reviewer_actor, article.document.id, first.start, first.end)


def test_add_claim_to_an_unknown_document(store: Store, reviewer_actor: Actor) -> None:
    with pytest.raises(NotFoundError, match="no document with id 'nope'"):
        store.add_claim(reviewer_actor, "nope", 0, 4)


def test_update_claim_moves_the_span_and_logs_before_and_after(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, claim = article.store, article.claims[0]  # "Green clay masks remove all toxins from the skin."
    new = store.update_claim(reviewer_actor, claim.id, 1, start=claim.start, end=claim.start + 34,
                             claim_type="safety")
    assert (new.text, new.claim_type, new.version) == ("Green clay masks remove all toxins", "safety", 2)
    assert store.get_claim(claim.id) == new
    entry = store.history(claim_id=claim.id)[-1]
    assert (entry.action, entry.actor) == ("update", "rita")
    assert entry.before["text"] == claim.text and entry.before["version"] == 1
    assert entry.after["text"] == new.text and entry.after["version"] == 2


def test_a_stale_span_edit_is_refused_with_the_newer_claim(article: StoredArticle, reviewer_actor: Actor,
                                                           ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    newer = store.update_claim(ann, claim.id, 1, end=claim.end - 1)
    with pytest.raises(StaleEditError, match="changed since you opened it \\(you edited version 1, the stored one is version 2") as err:
        store.update_claim(reviewer_actor, claim.id, 1, start=claim.start + 6)
    assert err.value.current == newer
    assert store.get_claim(claim.id) == newer


def test_update_claim_refuses_a_bad_or_taken_span(article: StoredArticle, reviewer_actor: Actor) -> None:
    store, first, second = article.store, article.claims[0], article.claims[1]
    with pytest.raises(ValidationError, match="a claim span must satisfy 0 <= start < end"):
        store.update_claim(reviewer_actor, first.id, 1, end=len(article.document.text) + 5)
    with pytest.raises(ValidationError, match=f"is already claim {second.id}"):
        store.update_claim(reviewer_actor, first.id, 1, start=second.start, end=second.end)
    with pytest.raises(ValidationError, match="claim_type must be one of"):
        store.update_claim(reviewer_actor, first.id, 1, claim_type="miracle")
    with pytest.raises(NotFoundError, match="no claim with id 'nope'"):
        store.update_claim(reviewer_actor, "nope", 1, end=3)
    assert store.get_claim(first.id).version == 1


def test_a_reviewer_withdraws_a_claim_they_added(article: StoredArticle, reviewer_actor: Actor) -> None:
    """It leaves the queue, the lists and exports, its history records it, and its span is free."""
    store, doc = article.store, article.document
    start = doc.text.index("Turmeric")
    added = store.add_claim(reviewer_actor, doc.id, start, start + 8)
    withdrawn = store.withdraw_claim(reviewer_actor, added.id, 1)
    assert (withdrawn.withdrawn, withdrawn.version) == (True, 2)
    assert store.get_claim(added.id) == withdrawn
    listed = {c.id for c in [*store.list_claims(), *store.iter_claims()]}
    exported = {b.claim.id for b in store.iter_bundles(ExportFilter(reviewed_only=False))}
    assert added.id not in listed | exported and listed == exported == {c.id for c in article.claims}
    assert store.count_claims() == len(article.claims)
    [create, withdraw] = store.history(claim_id=added.id)
    assert (create.action, withdraw.action, withdraw.actor) == ("create", "withdraw", "rita")
    assert (withdraw.before["withdrawn"], withdraw.after["withdrawn"], withdraw.after["version"]) == (False, True, 2)
    again = store.add_claim(reviewer_actor, doc.id, start, start + 8)
    assert again.id != added.id
    with pytest.raises(ValidationError, match=f"claim {added.id} is already withdrawn"):
        store.withdraw_claim(reviewer_actor, added.id, 2)
    with pytest.raises(StaleEditError, match=f"claim {again.id} changed since you opened it") as stale:
        store.withdraw_claim(reviewer_actor, again.id, 7)
    assert stale.value.current == again
    with pytest.raises(NotFoundError, match="no claim with id 'nope'"):
        store.withdraw_claim(reviewer_actor, "nope", 1)


def test_only_an_admin_withdraws_a_claim_someone_else_added(article: StoredArticle, reviewer_actor: Actor,
                                                             ann: Actor) -> None:
    store, found = article.store, article.claims[0]  # found by the pipeline
    with pytest.raises(PermissionDeniedError,
                       match=r"rita \(reviewer\) may not withdraw a claim they did not add; that needs the role admin"):
        store.withdraw_claim(reviewer_actor, found.id, 1)
    start = article.document.text.index("Turmeric")
    added = store.add_claim(Actor("sam", "reviewer"), article.document.id, start, start + 8)
    with pytest.raises(PermissionDeniedError, match="rita \\(reviewer\\) may not withdraw a claim they did not add"):
        store.withdraw_claim(reviewer_actor, added.id, 1)
    assert store.withdraw_claim(ann, found.id, 1).withdrawn and store.withdraw_claim(ann, added.id, 1).withdrawn


def test_a_claim_with_active_reviews_or_a_verdict_stays(article: StoredArticle, reviewer_actor: Actor,
                                                        ann: Actor) -> None:
    """Its reviews would leave the exports with it: they are withdrawn first."""
    store, reviewed, settled = article.store, article.claims[0], article.claims[1]
    review = store.save_review(reviewer_actor, reviewed.id, "unsupported")
    with pytest.raises(ValidationError, match=f"claim {reviewed.id} has 1 active review\\(s\\); .* withdraw its reviews first"):
        store.withdraw_claim(ann, reviewed.id, 1)
    store.save_verdict(ann, settled.id, "risky")
    with pytest.raises(ValidationError, match=f"claim {settled.id} has a final verdict;"):
        store.withdraw_claim(ann, settled.id, 1)
    store.withdraw_review(reviewer_actor, review.id, 1)
    assert store.withdraw_claim(ann, reviewed.id, 1).withdrawn
    with pytest.raises(ValidationError, match=f"claim {reviewed.id} was withdrawn and takes no verdict"):
        store.save_verdict(ann, reviewed.id, "risky")
    with pytest.raises(ValidationError, match=f"claim {reviewed.id} was withdrawn and takes no reviews"):
        store.save_review(reviewer_actor, reviewed.id, "risky", expected_version=2)


def test_resolve_claim_id_accepts_a_unique_prefix(store: Store, ann: Actor) -> None:
    doc = Document(name="a.txt", text=SECOND_TEXT)
    claims = [claim_from_span(doc, 0, 5, id="abcdef01-aaaa"), claim_from_span(doc, 6, 10, id="abcdef02-bbbb"),
              claim_from_span(doc, 11, 16, id="fedcba99-cccc")]
    store.add_document(ann, doc, claims)
    assert store.resolve_claim_id("abcdef01-aaaa") == "abcdef01-aaaa"
    assert store.resolve_claim_id(" fedcba ") == "fedcba99-cccc"
    assert store.resolve_claim_id("abcdef02") == "abcdef02-bbbb"
    with pytest.raises(AmbiguousIdError, match="claim id prefix 'abcdef' matches several claims: abcdef01-aaaa, abcdef02-bbbb"):
        store.resolve_claim_id("abcdef")
    with pytest.raises(NotFoundError, match=r"no claim with id 'abc' \(a prefix needs 6\+ characters\)"):
        store.resolve_claim_id("abc")
    with pytest.raises(NotFoundError, match="no claim with id '123456'"):
        store.resolve_claim_id("123456")
    with pytest.raises(NotFoundError, match="no claim with id 'abcde_'"):
        store.resolve_claim_id("abcde_")  # a LIKE wildcard is taken literally


# ----------------------------------------------------------------------------------- queue


def by_text(claims: list) -> list[str]:
    return [c.text.split()[0] for c in claims]


def test_the_queue_is_ordered_by_score(article: StoredArticle, ann: Actor) -> None:
    store = article.store
    seen = []
    while (claim := store.next_claim("ann")) is not None:
        seen.append(claim.text.split()[0])
        store.save_review(ann, claim.id, "supported")
    assert seen == ["Green", "Daily", "Drinking", "Turmeric"]
    assert by_text(store.list_claims()) == ["Green", "Daily", "Drinking", "Turmeric"]


def test_queue_filters_by_document_and_claim_type(article: StoredArticle, ann: Actor) -> None:
    store = article.store
    doc2, _ = add_second_document(store, ann)
    assert store.next_claim("ann").text.startswith("Green")
    assert store.next_claim("ann", ClaimFilter(document_ids=(doc2.id,))).text.startswith("Cold")
    assert store.next_claim("ann", ClaimFilter(claim_types=("risk", "safety"))).text.startswith("Daily")
    assert store.next_claim("ann", ClaimFilter(document_ids=(doc2.id,), claim_types=("risk",))) is None
    assert store.count_claims(ClaimFilter(claim_types=("efficacy",))) == 3


def test_queue_filters_by_status(article: StoredArticle, ann: Actor, reviewer_actor: Actor) -> None:
    store, claims = article.store, article.claims
    store.set_setting(ann, "reviews_per_claim", 2)
    store.save_review(reviewer_actor, claims[0].id, "supported")  # Green: in review
    assert store.next_claim("ann", ClaimFilter(statuses=("in_review",))).id == claims[0].id
    assert store.next_claim("ann", ClaimFilter(statuses=("unreviewed",))).id == claims[2].id
    assert store.next_claim("rita", ClaimFilter(statuses=("in_review",))) is None  # rita's own
    assert store.next_claim("ann", ClaimFilter(statuses=("settled", "reviewed"))) is None
    assert by_text(store.list_claims(ClaimFilter(statuses=("unreviewed",)))) == ["Daily", "Drinking", "Turmeric"]


def test_status_filter_unknown_status() -> None:
    with pytest.raises(ValidationError, match="statuses must be among unreviewed, in_review, reviewed, disputed, settled; got 'done'"):
        ClaimFilter(statuses=("done",))
    with pytest.raises(ValidationError, match="claim_types must be among efficacy, .*; got 'miracle'"):
        ClaimFilter(claim_types=("miracle",))


def test_progress_overall_and_per_reviewer(article: StoredArticle, ann: Actor, reviewer_actor: Actor) -> None:
    store, claims = article.store, article.claims
    assert (store.progress().done, store.progress().total) == (0, 4)
    store.save_review(reviewer_actor, claims[0].id, "supported")
    store.save_review(reviewer_actor, claims[1].id, "risky")
    assert store.progress() == store.progress(reviewer="rita")
    assert (store.progress().done, store.progress().total) == (2, 4)
    # ann: the two claims rita settled need no more review, so two are left for her.
    assert (store.progress(reviewer="ann").done, store.progress(reviewer="ann").total) == (0, 2)
    store.set_setting(ann, "reviews_per_claim", 2)
    assert (store.progress().done, store.progress(reviewer="ann").total) == (0, 4)
    assert (store.progress(reviewer="rita").done, store.progress(reviewer="rita").total) == (2, 4)
    efficacy = ClaimFilter(claim_types=("efficacy",))
    assert (store.progress(efficacy, reviewer="rita").done, store.progress(efficacy, reviewer="rita").total) == (1, 2)
    assert store.progress(ClaimFilter(claim_types=("advice",))).fraction == 1.0
    in_review = ClaimFilter(statuses=("in_review",))  # Green and Drinking, one review each
    assert (store.progress(in_review).done, store.progress(in_review).total) == (0, 2)
    assert (store.progress(in_review, reviewer="rita").done, store.progress(in_review, reviewer="rita").total) == (2, 2)
    assert (store.progress(in_review, reviewer="ann").done, store.progress(in_review, reviewer="ann").total) == (0, 2)


def test_neighbours_follow_queue_order(article: StoredArticle) -> None:
    store = article.store
    green, drinking, daily, turmeric = article.claims
    assert store.neighbour_claim(green.id, 1).id == daily.id
    assert store.neighbour_claim(daily.id, 1).id == drinking.id
    assert store.neighbour_claim(daily.id, -1).id == green.id
    assert store.neighbour_claim(turmeric.id, 1) is None
    assert store.neighbour_claim(green.id, -1) is None
    efficacy = ClaimFilter(claim_types=("efficacy",))
    assert store.neighbour_claim(green.id, 1, efficacy).id == turmeric.id
    with pytest.raises(ValidationError, match="step must be -1 \\(previous\\) or 1 \\(next\\); got 2"):
        store.neighbour_claim(green.id, 2)
    with pytest.raises(NotFoundError, match="no claim with id 'nope'"):
        store.neighbour_claim("nope", 1)


def test_neighbours_break_score_ties_by_id(store: Store, ann: Actor) -> None:
    doc = Document(name="tie.txt", text="One two three four.")
    ids = ["c-1", "c-2", "c-3"]
    store.add_document(ann, doc, [claim_from_span(doc, i * 4, i * 4 + 3, id=cid, score=0.5)
                                  for i, cid in enumerate(ids)])
    order = [c.id for c in store.list_claims()]
    assert order == ["c-3", "c-2", "c-1"]
    assert [store.neighbour_claim(cid, 1) and store.neighbour_claim(cid, 1).id for cid in order] == ["c-2", "c-1", None]
    assert [store.neighbour_claim(cid, -1) and store.neighbour_claim(cid, -1).id for cid in order] == [None, "c-3", "c-2"]


def test_list_claims_pages(article: StoredArticle) -> None:
    store = article.store
    assert by_text(store.list_claims(limit=2)) == ["Green", "Daily"]
    assert by_text(store.list_claims(limit=2, offset=2)) == ["Drinking", "Turmeric"]


def test_iter_claims_reads_every_claim_once_in_document_order(article: StoredArticle, ann: Actor) -> None:
    store = article.store
    doc2, claims2 = add_second_document(store, ann)
    for batch_size in (1, 2, 5, 1000):
        got = list(store.iter_claims(batch_size=batch_size))
        assert len(got) == 6 and len({c.id for c in got}) == 6
        assert [(c.document_id, c.start) for c in got] == sorted((c.document_id, c.start) for c in got)
    assert [c.id for c in store.iter_claims(ClaimFilter(document_ids=(doc2.id,)), batch_size=1)] == [c.id for c in claims2]


def test_ratings_lists_active_reviews(article: StoredArticle, ann: Actor, reviewer_actor: Actor) -> None:
    store, claims = article.store, article.claims
    store.save_review(ann, claims[0].id, "supported")
    store.save_review(reviewer_actor, claims[0].id, "risky")
    withdrawn = store.save_review(reviewer_actor, claims[1].id, "unsupported")
    store.withdraw_review(reviewer_actor, withdrawn.id, 1)
    assert sorted(store.ratings()) == [(claims[0].id, "ann", "supported", "efficacy"),
                                       (claims[0].id, "rita", "risky", "efficacy")]
    assert store.reviewers() == ["ann", "rita"]


# ------------------------------------------------------------------------------ reading back


def test_records_read_back_equal_to_what_was_saved(store: Store, ann: Actor) -> None:
    """Storage rebuilds records from its rows without checking them again: every field, nested
    ones too, comes back as it was saved."""
    doc = Document(name="zinc.txt", text="Zinc may shorten colds by up to 3 days. It never fails.",
                   origin="url", url="https://example.org/zinc")
    claim = claim_from_span(doc, 0, 38, claim_type="duration", score=0.75, rule_id="duration-up-to",
                            sentence_start=0, sentence_end=39, context="Colds",
                            cues=Cues(hedges=("may", "up to"), negations=()),
                            quantities=(Quantity("up to 3 days", "duration", None, 3.0, "day", 25, 37),))
    stored, _ = store.add_document(ann, doc, [claim])
    citations = (Citation.parse("10.1000/zinc.1", quote="a 2-day reduction"), Citation.parse("PMID:123456"),
                 Citation("url", "https://example.org/trial", note="open access"))
    review = store.save_review(ann, claim.id, "risky", "overstated", citations)
    verdict = store.save_verdict(ann, claim.id, "unsupported", "no trial shows 3 days", citations[:1])
    assert store.get_document(doc.id) == stored
    assert store.get_claim(claim.id) == claim
    detail = store.claim_detail(claim.id)
    assert (detail.document, detail.claim, detail.reviews, detail.verdict) == (stored, claim, [review], verdict)
    assert all(isinstance(e, HistoryEntry) and e.at.tzinfo is not None for e in detail.history)
    assert detail.history[0].after["claim_type"] == "duration"


def test_a_record_rebuilt_from_a_row_needs_every_field() -> None:
    with pytest.raises(ValueError, match="not enough values to unpack"):
        Citation._from_row(["doi", "10.1000/x"])
    with pytest.raises(ValueError, match="too many values to unpack"):
        Citation._from_row(["doi", "10.1000/x", "", "", "extra"])


# -------------------------------------------------------------------------------- settings


def test_settings_have_defaults_and_log_changes(store: Store, ann: Actor) -> None:
    assert store.settings() == {"reviews_per_claim": 1, "blind_review": True, "organisation": "",
                                "organisation_url": "", "server_folders": []}
    store.set_setting(ann, "reviews_per_claim", "2")
    store.set_setting(ann, "organisation", "  Health Desk ")
    store.set_setting(ann, "organisation_url", "https://desk.example.org")
    store.set_setting(ann, "reviews_per_claim", 3)
    store.set_setting(ann, "blind_review", "off")  # as the command line passes it
    store.set_setting(ann, "server_folders", f"/data/articles{os.pathsep}/srv/feeds")  # likewise, as in PATH
    assert store.settings() == {"reviews_per_claim": 3, "blind_review": False, "organisation": "Health Desk",
                                "organisation_url": "https://desk.example.org",
                                "server_folders": ["/data/articles", "/srv/feeds"]}
    assert store.reviews_per_claim() == 3
    log = store.history(entity_id="reviews_per_claim")
    assert [(e.actor, e.before, e.after) for e in log] == [
        ("ann", {"value": 1}, {"value": 2}), ("ann", {"value": 2}, {"value": 3})]


@pytest.mark.parametrize("value", ["maybe", "", None, 2, "offf"])
def test_blind_review_is_on_or_off(store: Store, ann: Actor, value: object) -> None:
    with pytest.raises(ValidationError, match=r"blind_review must be on or off \(true/false, yes/no, 1/0\); got"):
        store.set_setting(ann, "blind_review", value)
    assert store.setting("blind_review") is True


@pytest.mark.parametrize("value", [0, 11, "two", 1.5, "2.0", True, None, -1])
def test_reviews_per_claim_must_be_a_whole_number(store: Store, ann: Actor, value: object) -> None:
    with pytest.raises(ValidationError, match="reviews_per_claim must be a whole number from 1 to 10; got"):
        store.set_setting(ann, "reviews_per_claim", value)
    assert store.reviews_per_claim() == 1


def test_other_settings_are_checked(store: Store, ann: Actor) -> None:
    with pytest.raises(ValidationError, match="unknown setting 'colour'; known: reviews_per_claim, blind_review, organisation, organisation_url"):
        store.set_setting(ann, "colour", "red")
    with pytest.raises(ValidationError, match="unknown setting 'colour'"):
        store.setting("colour")
    with pytest.raises(ValidationError, match="only http and https links are accepted"):
        store.set_setting(ann, "organisation_url", "javascript:alert(1)")
    with pytest.raises(ValidationError, match="organisation must be text; got 42"):
        store.set_setting(ann, "organisation", 42)
    store.set_setting(ann, "organisation_url", "")
    assert store.setting("organisation_url") == ""


def test_only_an_admin_changes_settings(store: Store, reviewer_actor: Actor) -> None:
    with pytest.raises(PermissionDeniedError, match="rita \\(reviewer\\) may not manage accounts and settings"):
        store.set_setting(reviewer_actor, "reviews_per_claim", 2)
    assert store.history() == []


# ----------------------------------------------------------------------------- persistence


def test_saved_work_survives_a_restart(article: StoredArticle, ann: Actor) -> None:
    store, claim = article.store, article.claims[0]
    review = store.save_review(ann, claim.id, "unsupported", "no evidence")
    store.set_setting(ann, "reviews_per_claim", 2)
    store.close()
    with Store.open(store.url) as reopened:
        assert reopened.review_of(claim.id, "ann") == review
        assert reopened.get_document(article.document.id) == article.document
        assert reopened.reviews_per_claim() == 2
        assert [e.action for e in reopened.claim_detail(claim.id).history] == ["create", "create"]


def test_a_bad_database_url_is_refused() -> None:
    with pytest.raises(ValidationError, match="a database URL looks like sqlite:///path/to/file.db or .*; got 'not a url'"):
        Store.open("not a url")
    with pytest.raises(ValidationError, match="got 'nosuchdb://x'"):
        Store.open("nosuchdb://x")


def test_location_hides_the_password(tmp_path) -> None:
    with Store.open(f"sqlite:///{tmp_path / 'a.db'}") as store:
        assert store.location == str(tmp_path / "a.db")
    with Store.open("postgresql+psycopg://u:secret@h/db", migrate=False) as remote:  # does not connect
        assert remote.location == "postgresql+psycopg://u:***@h/db"
