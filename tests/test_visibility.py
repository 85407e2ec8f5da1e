"""Who sees what of other people's work (issue 15, item 1): the review page's blind-review rule
(``annotations.domain.Viewer``), and the same rule in the store's status filters, the adjudication
list, the agreement ratings and exports, where a plain reviewer also exports only their own
reviews. The CLI and page tests are in test_cli.py and test_app_team.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from conftest import StoredArticle
from jsonl_export import claim_rows

from annotations.auth import Actor
from annotations.domain import Viewer, viewer_of
from annotations.errors import PermissionDeniedError
from annotations.export import export
from annotations.records import HistoryEntry, Review
from annotations.storage import ClaimFilter, ExportFilter, Store
from annotations.vocab import CLAIM_STATUSES

RITA, RAJ, REX = Actor("rita", "reviewer"), Actor("raj", "reviewer"), Actor("rex", "reviewer")
JUDY = Actor("judy", "adjudicator")
ADMIN = Actor("ann", "admin", local=True)

# ------------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    ("role", "reviews_per_claim", "blind_review", "has_own", "hidden"),
    [
        ("reviewer", 2, True, False, True),
        ("reviewer", 2, True, True, False),  # seen once their own review is saved (withdrawn or not)
        ("reviewer", 1, True, False, False),  # nobody else reviews the claim anyway
        ("reviewer", 2, False, False, False),  # the admin turned it off
        ("adjudicator", 2, True, False, False),  # they settle disagreements: they see them
        ("admin", 3, True, False, False),
    ],
)
def test_blind_review_hides_a_claim_until_the_reviewer_reviewed_it(role, reviews_per_claim, blind_review, has_own,
                                                                   hidden):
    reviews = [Review(claim_id="c", reviewer="bob", verdict="supported")]
    if has_own:
        reviews.append(Review(claim_id="c", reviewer="ann", verdict="risky", withdrawn=True))
    settings = {"reviews_per_claim": reviews_per_claim, "blind_review": blind_review}
    assert viewer_of(Actor("ann", role), settings).hides(reviews) is hidden


@pytest.mark.parametrize(("role", "own_reviews"), [("reviewer", True), ("adjudicator", False), ("admin", False)])
def test_only_adjudicators_and_admins_export_other_peoples_reviews(role, own_reviews):
    viewer = viewer_of(Actor("ann", role), {"reviews_per_claim": 1, "blind_review": False})
    assert viewer.own_reviews is own_reviews
    reviews = [Review(claim_id="c", reviewer=name, verdict="risky") for name in ("bob", "ann")]
    assert [r.reviewer for r in viewer.reviews(reviews)] == (["ann"] if own_reviews else ["bob", "ann"])


def test_history_without_the_others_work():
    at = datetime(2026, 5, 1, tzinfo=UTC)
    entries = [HistoryEntry(entity=entity, entity_id="x", action="create", actor=actor, at=at)
               for entity, actor in (("claim", "bob"), ("review", "bob"), ("review", "ann"), ("verdict", "judy"))]
    hidden = Viewer("ann", blind=True).history(entries, hidden=True)
    assert [(e.entity, e.actor) for e in hidden] == [("claim", "bob"), ("review", "ann")]
    # An export of ann's own reviews keeps the final verdict, which her review page shows.
    own = Viewer("ann", own_reviews=True).history(entries, hidden=False)
    assert [(e.entity, e.actor) for e in own] == [("claim", "bob"), ("review", "ann"), ("verdict", "judy")]
    assert Viewer("judy").history(entries, hidden=False) == entries


# --------------------------------------------------------------------------------- storage


@pytest.fixture
def team(article: StoredArticle) -> tuple[Store, list[str]]:
    """Double review, blind, on the four claims of ``article``:

    0. rita and raj disagree (disputed), rex has not reviewed it;
    1. rita and rex agree (reviewed);
    2. raj reviewed it, rex's review is withdrawn (in review);
    3. rita and raj agree, judy adjudicated it anyway (settled), rex has not reviewed it."""
    store, ids = article.store, [c.id for c in article.claims]
    store.set_setting(ADMIN, "reviews_per_claim", 2)
    store.save_review(RITA, ids[0], "supported", "rita on 0")
    store.save_review(RAJ, ids[0], "risky", "raj on 0")
    store.save_review(RITA, ids[1], "supported", "rita on 1")
    store.save_review(REX, ids[1], "supported", "rex on 1")
    store.save_review(RAJ, ids[2], "risky", "raj on 2")
    mine = store.save_review(REX, ids[2], "unsupported", "rex on 2")
    store.withdraw_review(REX, mine.id, mine.version)
    store.save_review(RITA, ids[3], "supported", "rita on 3")
    store.save_review(RAJ, ids[3], "supported", "raj on 3")
    store.save_verdict(JUDY, ids[3], "unsupported", "judy on 3")
    return store, ids


def _viewers(store: Store) -> dict[str, Viewer]:
    settings = store.settings()
    return {"rex": viewer_of(REX, settings), "judy": viewer_of(JUDY, settings)}


def test_status_filters_follow_the_review_pages_rule(team):
    """The SQL of the status filters and the Python rule of the review page agree on every claim,
    for every status, for a blind reviewer and for an adjudicator."""
    store, ids = team
    details = {claim_id: store.claim_detail(claim_id) for claim_id in ids}
    assert [details[i].status for i in ids] == ["disputed", "reviewed", "in_review", "settled"]
    for name, viewer in _viewers(store).items():
        for status in CLAIM_STATUSES:
            listed = {c.id for c in store.list_claims(ClaimFilter(statuses=(status,), viewer=viewer))}
            expected = {i for i, d in details.items() if d.status == status and not viewer.hides(d.reviews)}
            assert listed == expected, (name, status)
            assert store.count_claims(ClaimFilter(statuses=(status,), viewer=viewer)) == len(expected)
    rex = _viewers(store)["rex"]
    assert {c.id for c in store.list_claims(ClaimFilter(statuses=CLAIM_STATUSES, viewer=rex))} == {ids[1], ids[2]}


def test_a_blind_reviewer_cannot_find_the_disputed_claims(team):
    store, ids = team
    rex, judy = _viewers(store)["rex"], _viewers(store)["judy"]
    disputed = ClaimFilter(statuses=("disputed",), viewer=rex)
    assert store.next_claim("rex", disputed) is None
    assert store.list_claims(disputed) == []
    assert store.neighbour_claim(ids[1], 1, disputed) is None and store.neighbour_claim(ids[1], -1, disputed) is None
    assert store.disputed_claims(ClaimFilter(viewer=rex), include_settled=True) == []
    assert [c.id for c in store.disputed_claims(ClaimFilter(viewer=judy))] == [ids[0]]
    assert [c.id for c in store.list_claims(ClaimFilter(statuses=("disputed",), viewer=judy))] == [ids[0]]


def test_agreement_ratings_of_a_blind_reviewer_cover_the_claims_they_reviewed(team):
    store, ids = team
    rex = _viewers(store)["rex"]
    assert {row[0] for row in store.ratings(rex)} == {ids[1], ids[2]}
    assert {row[0] for row in store.ratings(_viewers(store)["judy"])} == set(ids)


# ---------------------------------------------------------------------------------- export


def _jsonl(store: Store, tmp_path, flt: ExportFilter) -> list[dict]:
    out = tmp_path / "export.jsonl"
    export(store, "jsonl", out, flt)
    return claim_rows(out)


def _others_work(rows: list[dict], name: str) -> list[str]:
    """Everything of people other than ``name`` and the document's loader that ``rows`` hold:
    reviews, reviewers, citations and history entries, and verdicts of claims ``name`` has not
    reviewed."""
    found = []
    for row in rows:
        found += [f"review by {r['reviewer']}" for r in row["reviews"] if r["reviewer"] != name]
        found += [f"reviewer {r}" for r in row["reviewers"] if r != name]
        found += [f"history {e['entity']} by {e['actor']}" for e in row["history"]
                  if e["entity"] == "review" and e["actor"] != name]
        if not any(r["reviewer"] == name for r in row["reviews"]) and row["final"] and row["status"] != "settled":
            found.append(f"final verdict of {row['id']}")
    return found


@pytest.mark.parametrize(
    "choices",
    [{}, {"reviewed_only": False}, {"verdicts": ("risky",)}, {"final_only": True}, {"statuses": ("disputed",)},
     {"reviewers": ("rex",)}, {"since": datetime(2000, 1, 1, tzinfo=UTC)}],
    ids=["default", "all claims", "verdict risky", "final only", "disputed", "own name", "since"],
)
def test_a_blind_reviewers_export_holds_nothing_of_the_others(team, tmp_path, choices):
    store, ids = team
    rex = _viewers(store)["rex"]
    rows = _jsonl(store, tmp_path, ExportFilter(viewer=rex, **choices))
    assert {row["id"] for row in rows} <= {ids[1], ids[2]}  # the claims rex has reviewed
    assert _others_work(rows, "rex") == []
    rationales = {r["rationale"] for row in rows for r in row["reviews"]}
    assert rationales <= {"rex on 1", "rex on 2"}


def test_a_blind_reviewers_default_export_is_their_reviewed_claims(team, tmp_path):
    store, ids = team
    rows = _jsonl(store, tmp_path, ExportFilter(viewer=_viewers(store)["rex"]))
    assert [(row["id"], row["status"], [r["reviewer"] for r in row["reviews"]]) for row in rows] == [
        (ids[1], "reviewed", ["rex"])]  # rex's review of claim 2 is withdrawn: not an active one
    rows = _jsonl(store, tmp_path, ExportFilter(viewer=_viewers(store)["rex"], reviewed_only=False))
    assert {row["id"] for row in rows} == {ids[1], ids[2]}


def test_a_reviewer_exports_their_own_reviews_without_blind_review(team, tmp_path):
    store, ids = team
    store.set_setting(ADMIN, "blind_review", False)
    rex = _viewers(store)["rex"]
    assert not rex.blind and rex.own_reviews
    rows = {row["id"]: row for row in _jsonl(store, tmp_path, ExportFilter(viewer=rex, reviewed_only=False))}
    assert set(rows) == set(ids)
    assert {i: [r["reviewer"] for r in row["reviews"]] for i, row in rows.items()} == {
        ids[0]: [], ids[1]: ["rex"], ids[2]: ["rex"], ids[3]: []}
    # What the review page shows without blind review stays: statuses and final verdicts.
    assert rows[ids[0]]["status"] == "disputed"
    assert rows[ids[3]]["final"]["verdict"] == "unsupported"
    assert [e["actor"] for e in rows[ids[3]]["history"] if e["entity"] != "claim"] == ["judy"]
    # Review filters look at rex's reviews only: nobody's verdict but his picks a claim.
    assert _jsonl(store, tmp_path, ExportFilter(viewer=rex, verdicts=("risky",))) == []


def test_a_reviewer_may_not_filter_an_export_by_another_reviewer(team):
    store, _ = team
    with pytest.raises(PermissionDeniedError, match="rex exports only their own reviews; the reviewer filter "
                                                    "names rita. An adjudicator or admin exports"):
        ExportFilter(viewer=_viewers(store)["rex"], reviewers=("rex", "rita"))


def test_an_adjudicator_exports_everyones_reviews(team, tmp_path):
    store, ids = team
    rows = {row["id"]: row for row in _jsonl(store, tmp_path, ExportFilter(viewer=_viewers(store)["judy"]))}
    assert sorted(r["rationale"] for r in rows[ids[0]]["reviews"]) == ["raj on 0", "rita on 0"]
    assert set(rows) == set(ids)
