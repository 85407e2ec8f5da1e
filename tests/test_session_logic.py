"""app.session_logic: the signed session cookie and the review page's link (issue 15, item 4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from annotations.auth import Actor, local_actor
from annotations.storage import ClaimFilter
from app import session_logic as logic

DAY = timedelta(days=1)


@pytest.fixture
def team(memory_store, ann):
    memory_store.add_user(ann, "boss", "admin", "long enough secret")
    memory_store.add_user(Actor("boss", "admin"), "rita", "reviewer", "long enough secret")
    return memory_store


def test_a_cookie_signs_its_session_back_in_until_it_ends(team):
    cookie = logic.open_session(team, Actor("rita", "reviewer"), DAY)
    assert logic.resume_session(team, cookie, DAY) == Actor("rita", "reviewer")
    logic.end_session(team, cookie)
    assert logic.resume_session(team, cookie, DAY) is None


@pytest.mark.parametrize("cookie", [None, "", "not a cookie", "rita", "a.b.c"])
def test_no_cookie_or_a_made_up_one_signs_nobody_in(team, cookie):
    assert logic.resume_session(team, cookie, DAY) is None
    logic.end_session(team, cookie)  # nothing to end, and no error


def test_a_changed_cookie_is_refused(team):
    cookie = logic.open_session(team, Actor("rita", "reviewer"), DAY)
    token, rest = cookie.split(".", 1)
    forged = ("A" if token[0] != "A" else "B") + token[1:] + "." + rest
    assert logic.resume_session(team, forged, DAY) is None
    assert logic.resume_session(team, cookie, DAY) is not None


def test_an_old_cookie_is_refused_even_if_its_session_were_kept(team, monkeypatch):
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_000_000_000)  # signed in 2001
    cookie = logic.open_session(team, Actor("rita", "reviewer"), timedelta(days=10_000))
    monkeypatch.undo()
    assert logic.resume_session(team, cookie, DAY) is None


def test_local_mode_keeps_the_name(memory_store):
    cookie = logic.open_session(memory_store, local_actor("Ann Smith"), DAY)
    assert logic.resume_session(memory_store, cookie, DAY) == local_actor("Ann Smith")


# ------------------------------------------------------------------------------- the link


def test_the_review_link_holds_the_claim_and_the_filters():
    flt = ClaimFilter(document_ids=("d1", "d2"), claim_types=("safety",), statuses=("in_review",))
    query = logic.review_query("c9", flt)
    assert query == {"claim": ["c9"], "doc": ["d1", "d2"], "type": ["safety"], "status": ["in_review"]}
    assert logic.review_state_from_query(query, {"d1", "d2"}) == {
        "review_claim_id": "c9", "review_filter_docs": ["d1", "d2"], "review_filter_types": ["safety"],
        "review_filter_statuses": ["in_review"]}
    assert logic.review_query(None, ClaimFilter()) == {}


def test_a_link_sets_only_what_it_holds_and_drops_unknown_values():
    assert logic.review_state_from_query({}, {"d1"}) == {}
    assert logic.review_state_from_query({"doc": ["d1", "gone"], "type": ["gossip", "risk"], "utm": ["x"]},
                                         {"d1"}) == {"review_filter_docs": ["d1"], "review_filter_types": ["risk"]}
