"""app.adjudicate_logic: the plain functions and decisions behind the Adjudicate page."""

from __future__ import annotations

import pytest
from team_seed import ADJ, ADMIN, RAJ, RITA, dispute, seed

from annotations.errors import PermissionDeniedError, StaleEditError, ValidationError
from annotations.records import Document, claim_from_span
from annotations.storage import Store
from app import adjudicate_logic as logic


@pytest.fixture
def seeded(memory_store: Store) -> tuple[Store, list[str]]:
    return memory_store, seed(memory_store)


def test_adjudication_refusal_explains_the_role():
    assert logic.adjudication_refusal(ADJ) is None
    assert logic.adjudication_refusal(ADMIN) is None
    message = logic.adjudication_refusal(RITA)
    assert "rita" in message and "role reviewer" in message and "adjudicator or admin" in message
    assert "sign in" in logic.adjudication_refusal(None)


def test_claim_label_shortens_long_claims():
    doc = Document(name="a.txt", text="x " * 200)
    claim = claim_from_span(doc, 0, 199, claim_type="risk")
    label = logic.claim_label(claim, {doc.id: "a.txt"}, width=20)
    assert label == "x x x x x x x x x x… — a.txt (risk)"


def test_record_verdict_settles_a_disputed_claim(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    assert [c.id for c in store.disputed_claims()] == [ids[0]]
    detail = store.claim_detail(ids[0])
    assert logic.final_summary(detail) is None

    rows = [{"kind": "doi", "identifier": "https://doi.org/10.1000/abc", "quote": "", "note": ""},
            {"kind": "", "identifier": "", "quote": "", "note": ""}]
    saved = logic.record_verdict(store, ADJ, ids[0], "risky", " overclaims ", rows, expected_version=None)
    assert (saved.verdict, saved.rationale, saved.adjudicator) == ("risky", "overclaims", "judy")
    assert [c.identifier for c in saved.citations] == ["10.1000/abc"]
    detail = store.claim_detail(ids[0])
    assert detail.status == "settled"
    assert logic.final_summary(detail).startswith("Settled: **Risky**, by judy (version 1")
    assert store.disputed_claims() == []
    assert [c.id for c in store.disputed_claims(include_settled=True)] == [ids[0]]


def test_record_verdict_on_an_older_version_is_stale(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    logic.record_verdict(store, ADJ, ids[0], "risky", "", [], expected_version=None)
    with pytest.raises(StaleEditError, match=r"recorded by judy since you opened it: 'risky' \(version 1\)") as exc:
        logic.record_verdict(store, ADMIN, ids[0], "supported", "", [], expected_version=None)
    assert exc.value.current.verdict == "risky"
    revised = logic.record_verdict(store, ADMIN, ids[0], "supported", "", [], expected_version=1)
    assert (revised.verdict, revised.version, revised.adjudicator) == ("supported", 2, "ada")


@pytest.mark.parametrize(
    ("actor", "verdict", "rows", "error", "message"),
    [
        (RITA, "risky", [], PermissionDeniedError, r"rita \(reviewer\) may not record final verdicts"),
        (ADJ, "maybe", [], ValidationError, "choose a final verdict among supported, .*; got 'maybe'"),
        (ADJ, "risky", [{"kind": "url", "identifier": "javascript:alert(1)"}], ValidationError,
         "citation 1: only http and https links are accepted"),
        (ADJ, "risky", [{"kind": "doi", "identifier": "11.2/x"}], ValidationError,
         "citation 1: a DOI looks like 10.1000/xyz123"),
    ],
)
def test_record_verdict_refusals_save_nothing(seeded, actor, verdict, rows, error, message):
    store, ids = seeded
    dispute(store, ids[0])
    with pytest.raises(error, match=message):
        logic.record_verdict(store, actor, ids[0], verdict, "", rows, expected_version=None)
    assert store.verdict_for(ids[0]) is None


def test_adjudication_queue_keeps_the_claim_on_screen_until_this_adjudicator_settles_it(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    dispute(store, ids[1])
    assert {c.id for c in logic.adjudication_queue(store)} == {ids[0], ids[1]}
    store.save_verdict(ADJ, ids[0], "risky")  # another adjudicator settles the claim on screen
    assert [c.id for c in logic.adjudication_queue(store)] == [ids[1]]
    assert [c.id for c in logic.adjudication_queue(store, on_screen=ids[0])] == [ids[0], ids[1]]
    assert [c.id for c in logic.adjudication_queue(store, on_screen=ids[1])] == [ids[1]]
    assert [c.id for c in logic.adjudication_queue(store, on_screen=ids[0], settled_here=ids[0])] == [ids[1]]
    assert [c.id for c in logic.adjudication_queue(store, on_screen=ids[0], settled_here=ids[1])] == [ids[0], ids[1]]
    assert {c.id for c in logic.adjudication_queue(store, include_settled=True)} == {ids[0], ids[1]}


def test_a_withdrawn_review_is_not_weighed(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    raj = store.review_of(ids[0], "raj")
    store.withdraw_review(RAJ, raj.id, raj.version)
    assert [r.reviewer for r in logic.reviews_side_by_side(store.claim_detail(ids[0]))] == ["rita"]


def test_the_verdict_form_starts_from_the_stored_final_verdict(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    assert logic.verdict_form(store.claim_detail(ids[0]).verdict) == logic.VerdictForm(None, None, "")
    store.save_verdict(ADJ, ids[0], "risky", "overclaims")
    assert logic.verdict_form(store.claim_detail(ids[0]).verdict) == logic.VerdictForm(1, "risky", "overclaims")


def test_after_a_stale_save_the_next_save_replaces_the_verdict_now_shown(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    seen = logic.verdict_form(store.claim_detail(ids[0]).verdict).version  # None: no verdict yet
    store.save_verdict(ADMIN, ids[0], "supported")  # meanwhile, another adjudicator
    with pytest.raises(StaleEditError) as stale:
        logic.record_verdict(store, ADJ, ids[0], "risky", "", [], expected_version=seen)
    seen = logic.version_seen_after(stale.value)
    assert seen == 1
    saved = logic.record_verdict(store, ADJ, ids[0], "risky", "", [], expected_version=seen)
    assert (saved.verdict, saved.version) == ("risky", 2)
    assert logic.version_seen_after(saved) == 2
