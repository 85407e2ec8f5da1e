"""The Review page, driven through Streamlit's AppTest; widgets are found by key."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from annotations.auth import Actor, local_actor
from annotations.records import Citation, Document, claim_from_span
from annotations.storage import Store
from app.views import md_escape

APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")

TEXT = (
    "Serum guide\n\n"
    "Vitamin C fades dark spots in 7 days. It may cut wrinkles by up to 30%.\n\n"
    "Zinc <script>alert(1)</script> never irritates & heals acne. Zinc heals acne fast.\n"
)
OTHER = "Cold plunges\n\nIce baths burn fat all day long.\n"


@pytest.fixture
def store(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("CLAIMCHECK_DB", url)
    monkeypatch.setenv("CLAIMCHECK_DEMO", "0")
    s = Store.open(url)
    yield s
    s.close()


def _claim(doc: Document, needle: str, claim_type: str, score: float):
    start = doc.text.index(needle)
    return claim_from_span(doc, start, start + len(needle), claim_type=claim_type, score=score,
                           rule_id="test.rule")


@pytest.fixture
def seeded(store):
    """Two documents; claims scored 0.9 (efficacy), 0.8 (other doc), 0.6 (efficacy), 0.3 (safety)."""
    loader = local_actor("loader")
    doc = Document(name="Serum guide", text=TEXT)
    other = Document(name="Cold plunges", text=OTHER)
    claims = {
        "spots": _claim(doc, "Vitamin C fades dark spots in 7 days", "efficacy", 0.9),
        "wrinkles": _claim(doc, "It may cut wrinkles by up to 30%", "efficacy", 0.6),
        "zinc": _claim(doc, "Zinc <script>alert(1)</script> never irritates", "safety", 0.3),
    }
    ice = _claim(other, "Ice baths burn fat all day long", "efficacy", 0.8)
    store.add_document(loader, doc, list(claims.values()))
    store.add_document(loader, other, [ice])
    claims["ice"] = ice
    return store, doc, claims


def _open(name: str | None = "ann") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if name is not None:
        at.text_input(key="review_name").input(name)
        at.button(key="review_name_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _shown(at: AppTest) -> str:
    return at.session_state["review_claim_id"]


def _fill(at: AppTest, verdict: str, rationale: str = "", identifier: str | None = None, kind: str = "doi"):
    at.radio(key="review_verdict").set_value(verdict)
    at.text_area(key="review_rationale").input(rationale)
    if identifier is not None:
        at.button(key="review_cite_add").click().run()
        row = at.session_state["review_cite_rows"][-1]
        at.radio(key=f"review_cite_kind_{row}").set_value(kind)
        at.text_input(key=f"review_cite_identifier_{row}").input(identifier)
        at.text_area(key=f"review_cite_quote_{row}").input("the trial found no effect")
    return at


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


# --------------------------------------------------------------------------------- smoke tests


def _keys(at: AppTest) -> set[str]:
    """Keys of the widgets drawn in the last run."""
    kinds = ("button", "text_input", "text_area", "radio", "selectbox", "multiselect", "number_input")
    return {w.key for kind in kinds for w in at.get(kind) if w.key}


def test_smoke_empty_store_points_to_sources(store):
    at = _open()
    assert any("No documents yet" in text for text in _texts(at.info))
    assert [link.proto.label for link in at.get("page_link")] == ["Go to Sources"]
    assert "review_save" not in _keys(at)


def test_smoke_page_shows_highest_scoring_claim_escaped(seeded):
    _, _, claims = seeded
    at = _open()
    assert _shown(at) == claims["spots"].id
    card = " ".join(h.value for h in at.get("html"))
    assert '<mark class="claim">Vitamin C fades dark spots in 7 days</mark>' in card
    meta = " ".join(_texts(at.markdown))
    assert "Serum guide" in meta and ":blue-badge[efficacy]" in meta and "score **0.90**" in meta
    assert "rule `test.rule`" in meta
    assert at.get("progress")[0].proto.text.startswith("You reviewed **0** of **4** claims")


def test_source_html_is_escaped(seeded):
    store, _, claims = seeded
    at = _open()
    at.multiselect(key="review_filter_types").set_value(["safety"]).run()
    assert _shown(at) == claims["zinc"].id
    card = " ".join(h.value for h in at.get("html"))
    assert "<script>" not in card
    assert "Zinc &lt;script&gt;alert(1)&lt;/script&gt; never irritates" in card


# ---------------------------------------------------------------------------------- name gate


def test_name_gate_asks_once_and_refuses_bad_names(seeded):
    store, _, claims = seeded
    at = _open(name=None)
    assert "review_save" not in _keys(at)
    at.text_input(key="review_name").input("<ann>")
    at.button(key="review_name_submit").click().run()
    assert any("a reviewer name is 1-64 letters" in text for text in _texts(at.error))
    assert at.session_state["actor"] is None
    at.text_input(key="review_name").input("Ann Smith")
    at.button(key="review_name_submit").click().run()
    assert at.session_state["actor"] == local_actor("Ann Smith")
    assert "review_name" not in _keys(at)
    assert any("Reviewing as **Ann Smith**" in c for c in _texts(at.sidebar.caption))


def test_accounts_mode_uses_signed_in_actor(seeded):
    store, _, claims = seeded
    store.add_user(local_actor("root"), "root", "admin", "a-long-password")
    store.add_user(Actor("root", "admin"), "rita", "reviewer", "another-password")
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state["actor"] = Actor("rita", "reviewer")
    at.run()
    assert "review_name" not in _keys(at)
    _fill(at, "supported").button(key="review_save").click().run()
    assert store.review_of(claims["spots"].id, "rita").verdict == "supported"


# ------------------------------------------------------------------------------------- saving


def test_save_with_citation_stores_and_moves_to_next_by_score(seeded):
    store, _, claims = seeded
    at = _open()
    _fill(at, "unsupported", "No trial shows this.", "https://doi.org/10.1000/trial.42")
    at.button(key="review_save").click().run()
    review = store.review_of(claims["spots"].id, "ann")
    assert review.verdict == "unsupported" and review.rationale == "No trial shows this."
    assert review.citations == (Citation("doi", "10.1000/trial.42", "the trial found no effect"),)
    assert _shown(at) == claims["ice"].id  # 0.8, the next score, in the other document
    assert any("Saved your review" in text for text in _texts(at.success))
    assert at.radio(key="review_verdict").value is None
    assert at.text_area(key="review_rationale").value == ""
    assert at.session_state["review_cite_rows"] == []
    assert at.get("progress")[0].proto.text.startswith("You reviewed **1** of **4**")


def test_bad_doi_shows_error_and_keeps_the_form(seeded):
    store, _, claims = seeded
    at = _open()
    _fill(at, "supported", "Looks right.", "doi:11.1/nope")
    at.button(key="review_save").click().run()
    assert any("citation 1: a DOI looks like 10.1000/xyz123" in text for text in _texts(at.error))
    assert store.review_of(claims["spots"].id, "ann") is None
    assert _shown(at) == claims["spots"].id
    row = at.session_state["review_cite_rows"][-1]
    assert at.text_input(key=f"review_cite_identifier_{row}").value == "doi:11.1/nope"
    assert at.text_area(key="review_rationale").value == "Looks right."
    assert at.radio(key="review_verdict").value == "supported"


def test_javascript_link_is_refused(seeded):
    store, _, claims = seeded
    at = _open()
    _fill(at, "risky", "", "javascript:alert(1)", kind="url")
    at.button(key="review_save").click().run()
    assert any("only http and https links are accepted" in text for text in _texts(at.error))
    assert store.review_of(claims["spots"].id, "ann") is None


def test_save_without_verdict_is_refused(seeded):
    store, _, claims = seeded
    at = _open()
    at.button(key="review_save").click().run()
    assert any("choose a verdict" in text for text in _texts(at.error))
    assert store.review_of(claims["spots"].id, "ann") is None


def test_own_review_prefills_form_and_updates(seeded):
    store, _, claims = seeded
    at = _open()
    _fill(at, "risky", "Overstated.", "PMID:31452104", kind="pmid").button(key="review_save").click().run()
    at.button(key="review_prev").click().run()
    assert _shown(at) == claims["spots"].id
    assert at.radio(key="review_verdict").value == "risky"
    assert at.text_area(key="review_rationale").value == "Overstated."
    row = at.session_state["review_cite_rows"][0]
    assert at.text_input(key=f"review_cite_identifier_{row}").value == "31452104"
    at.radio(key="review_verdict").set_value("unsupported")
    at.button(key="review_save").click().run()
    review = store.review_of(claims["spots"].id, "ann")
    assert (review.verdict, review.version, len(review.citations)) == ("unsupported", 2, 1)


def test_stale_edit_shows_newer_version_and_keeps_input(seeded):
    store, _, claims = seeded
    at = _open()
    _fill(at, "supported", "my unsaved words")
    # another tab of the same reviewer saves first
    store.save_review(local_actor("ann"), claims["spots"].id, "unsupported", "saved elsewhere",
                      [Citation("url", "https://example.org/other-tab")])
    at.button(key="review_save").click().run()
    [warning] = [text for text in _texts(at.warning) if "since you opened" in text]
    assert "you started a new review, and another tab or session saved one" in warning
    assert "version None" not in warning
    shown = " ".join(_texts(at.markdown)) + " ".join(_texts(at.text))
    assert "Stored version 1" in shown and ":red-badge[Unsupported]" in shown and "saved elsewhere" in shown
    assert "https://example.org/other-tab" in shown
    assert at.text_area(key="review_rationale").value == "my unsaved words"
    assert at.radio(key="review_verdict").value == "supported"
    assert store.review_of(claims["spots"].id, "ann").verdict == "unsupported"
    at.button(key="review_stale_overwrite").click().run()
    review = store.review_of(claims["spots"].id, "ann")
    assert (review.verdict, review.rationale, review.version) == ("supported", "my unsaved words", 2)


def test_stale_edit_load_theirs(seeded):
    store, _, claims = seeded
    at = _open()
    _fill(at, "supported", "mine")
    store.save_review(local_actor("ann"), claims["spots"].id, "risky", "theirs")
    at.button(key="review_save").click().run()
    at.button(key="review_stale_load").click().run()
    assert at.text_area(key="review_rationale").value == "theirs"
    assert at.radio(key="review_verdict").value == "risky"
    assert "review_stale_overwrite" not in _keys(at)


# ------------------------------------------------------------------------- moving around


def test_previous_and_next_follow_score_order(seeded):
    _, _, claims = seeded
    at = _open()
    order = [claims[k].id for k in ("spots", "ice", "wrinkles", "zinc")]
    for expected in order[1:]:
        at.button(key="review_next").click().run()
        assert _shown(at) == expected
    at.button(key="review_next").click().run()
    assert _shown(at) == order[-1]
    assert any("No later claim" in text for text in _texts(at.info))
    at.button(key="review_prev").click().run()
    assert _shown(at) == order[2]


def test_filters_by_document_type_and_status(seeded):
    store, doc, claims = seeded
    at = _open()
    at.multiselect(key="review_filter_docs").set_value([claims["ice"].document_id]).run()
    assert _shown(at) == claims["ice"].id
    at.button(key="review_next").click().run()
    assert _shown(at) == claims["ice"].id  # nothing else in that document
    at.multiselect(key="review_filter_docs").set_value([doc.id]).run()
    at.multiselect(key="review_filter_types").set_value(["safety"]).run()
    assert _shown(at) == claims["zinc"].id
    store.save_review(local_actor("bob"), claims["wrinkles"].id, "supported")
    at.multiselect(key="review_filter_types").set_value([]).run()
    at.multiselect(key="review_filter_statuses").set_value(["reviewed"]).run()
    assert _shown(at) == claims["wrinkles"].id
    assert at.get("progress")[0].proto.text.startswith("You reviewed **0** of **0** claims matching the filters")


def test_queue_done_still_allows_browsing(seeded):
    store, _, claims = seeded
    for claim in claims.values():
        store.save_review(local_actor("ann"), claim.id, "supported")
    at = _open()
    assert any("All claims reviewed" in text for text in _texts(at.success))
    assert _shown(at) == claims["spots"].id
    assert at.radio(key="review_verdict").value == "supported"
    at.button(key="review_next").click().run()
    assert _shown(at) == claims["ice"].id
    at.multiselect(key="review_filter_types").set_value(["safety"]).run()
    assert _shown(at) == claims["zinc"].id


def test_other_reviews_status_and_history_are_shown(seeded):
    store, _, claims = seeded
    store.set_setting(local_actor("root"), "reviews_per_claim", 2)
    store.save_review(local_actor("bob"), claims["spots"].id, "risky", "bob's reasons",
                      [Citation("pmid", "123456")])
    at = _open()
    assert _shown(at) == claims["spots"].id
    labels = [e.label for e in at.expander]
    assert "Other reviews (1)" in labels and "History (2)" in labels
    text = " ".join(_texts(at.markdown)) + " ".join(_texts(at.text))
    assert "by **bob**" in text and "bob's reasons" in text and ":blue-badge[in review]" in text
    assert "no final verdict yet" in text
    history = at.table[0].value
    assert list(history["action"]) == ["claim create", "review create"]
    assert list(history["who"]) == ["loader", "bob"]
    assert "'Vitamin C fades dark spots in 7 days'" in history["change"][0]  # whole, not cut off
    _fill(at, "risky").button(key="review_save").click().run()
    at.button(key="review_prev").click().run()  # back to the claim, now agreed by both
    text = " ".join(_texts(at.markdown))
    assert ":orange-badge[Risky] agreed by ann, bob" in text


# ------------------------------------------------------------------------ claims by reviewers


def test_add_missed_claim_choosing_the_occurrence(seeded, load_nlp_once):
    store, doc, claims = seeded
    at = _open()
    at.text_area(key="review_add_text").input("heals acne").run()
    radio = at.radio(key="review_add_occurrence")
    assert len(radio.options) == 2 and "\\[heals acne\\] fast" in radio.options[1]
    radio.set_value(1)
    at.selectbox(key="review_add_type").set_value("efficacy")
    at.button(key="review_add_submit").click().run()
    start = TEXT.rindex("heals acne")
    added = [c for c in store.list_claims() if c.origin == "reviewer"]
    assert [(c.start, c.end, c.claim_type, c.created_by) for c in added] == [
        (start, start + len("heals acne"), "efficacy", "ann")]
    assert TEXT[added[0].sentence_start:added[0].sentence_end] == "Zinc heals acne fast"  # the pipeline's
    assert _shown(at) == added[0].id
    assert at.text_area(key="review_add_text").value == ""
    assert any("Added the claim" in text for text in _texts(at.success))


def test_add_missed_claim_text_not_in_document(seeded):
    store, _, _ = seeded
    at = _open()
    at.text_area(key="review_add_text").input("not in there").run()
    assert at.button(key="review_add_submit").disabled
    assert any("does not occur" in text for text in _texts(at.caption))
    assert store.count_claims() == 4


def test_adjust_span_by_text_and_by_offsets(seeded, load_nlp_once):
    store, doc, claims = seeded
    at = _open()
    assert at.button(key="review_span_save_text").disabled  # the span as it is: nothing to save
    at.text_area(key="review_span_text").input("Vitamin C fades dark spots").run()
    assert '<mark class="claim">Vitamin C fades dark spots</mark>' in " ".join(h.value for h in at.get("html"))
    at.button(key="review_span_save_text").click().run()
    claim = store.get_claim(claims["spots"].id)
    assert (claim.text, claim.version) == ("Vitamin C fades dark spots", 2)
    start = TEXT.index("Vitamin C")
    at.number_input(key="review_span_end").set_value(start + len("Vitamin C fades dark spots in 7 days.")).run()
    assert '<mark class="claim">Vitamin C fades dark spots in 7 days.</mark>' in " ".join(
        h.value for h in at.get("html"))
    at.selectbox(key="review_span_type").set_value("duration")
    at.button(key="review_span_save_offsets").click().run()
    claim = store.get_claim(claims["spots"].id)
    assert (claim.text, claim.claim_type, claim.version) == (
        "Vitamin C fades dark spots in 7 days.", "duration", 3)
    assert [(q.text, q.kind) for q in claim.quantities] == [("7 days", "duration")]  # the pipeline found it
    assert any("Claim updated" in text for text in _texts(at.success))


def test_adjust_span_stale(seeded):
    store, doc, claims = seeded
    at = _open()
    store.update_claim(local_actor("bob"), claims["spots"].id, 1, claim_type="duration")
    at.selectbox(key="review_span_type").set_value("advice").run()
    at.button(key="review_span_save_type").click().run()
    assert any("changed since you opened it" in text for text in _texts(at.warning))
    assert store.get_claim(claims["spots"].id).claim_type == "duration"
    at.button(key="review_span_stale_load").click().run()
    assert at.selectbox(key="review_span_type").value == "duration"
    at.selectbox(key="review_span_type").set_value("advice").run()
    at.button(key="review_span_save_type").click().run()
    assert store.get_claim(claims["spots"].id).claim_type == "advice"


# ------------------------------------------------------------------------------ withdrawing


def test_withdraw_own_review_after_confirming(seeded):
    store, _, claims = seeded
    at = _open()
    assert "review_withdraw" not in _keys(at)  # nothing to withdraw yet
    _fill(at, "risky", "Overstated.").button(key="review_save").click().run()
    at.button(key="review_prev").click().run()
    assert _shown(at) == claims["spots"].id
    at.button(key="review_withdraw").click().run()
    assert any("Withdraw your review of this claim?" in text for text in _texts(at.warning))
    assert store.review_of(claims["spots"].id, "ann").withdrawn is False  # not before confirming
    at.button(key="review_withdraw_confirm").click().run()
    review = store.review_of(claims["spots"].id, "ann")
    assert (review.withdrawn, review.version, review.verdict) == (True, 2, "risky")
    assert _shown(at) == claims["spots"].id
    assert any("Withdrew your review" in text for text in _texts(at.success))
    assert "review_withdraw" not in _keys(at)  # a withdrawn review cannot be withdrawn again
    history = at.table[0].value
    assert list(history["action"])[-1] == "review withdraw"
    assert list(history["change"])[-1] == md_escape("withdrawn: False → True")
    assert at.get("progress")[0].proto.text.startswith("You reviewed **0** of **4**")
    # saving again restores it
    at.button(key="review_save").click().run()
    assert store.review_of(claims["spots"].id, "ann").withdrawn is False


def test_withdraw_can_be_cancelled(seeded):
    store, _, claims = seeded
    store.save_review(local_actor("ann"), claims["wrinkles"].id, "supported")
    at = _open()
    at.button(key="review_next").click().run()
    at.button(key="review_next").click().run()
    assert _shown(at) == claims["wrinkles"].id
    at.button(key="review_withdraw").click().run()
    at.button(key="review_withdraw_cancel").click().run()
    assert "review_withdraw_confirm" not in _keys(at)
    assert "review_withdraw" in _keys(at)
    assert not store.review_of(claims["wrinkles"].id, "ann").withdrawn


def test_withdrawing_a_review_changed_in_another_tab_is_stale(seeded):
    store, _, claims = seeded
    first = store.save_review(local_actor("ann"), claims["wrinkles"].id, "supported", "first")
    at = _open()
    at.button(key="review_next").click().run()
    at.button(key="review_next").click().run()
    assert _shown(at) == claims["wrinkles"].id
    store.save_review(local_actor("ann"), claims["wrinkles"].id, "risky", "other tab",
                      expected_version=first.version)
    at.button(key="review_withdraw").click().run()
    at.button(key="review_withdraw_confirm").click().run()
    assert any("changed since you opened it" in text for text in _texts(at.warning))
    assert not store.review_of(claims["wrinkles"].id, "ann").withdrawn
    at.button(key="review_stale_load").click().run()
    assert at.text_area(key="review_rationale").value == "other tab"
    at.button(key="review_withdraw").click().run()
    at.button(key="review_withdraw_confirm").click().run()
    assert store.review_of(claims["wrinkles"].id, "ann").withdrawn


# ----------------------------------------------------------- staying put across reloads (issue 15, item 4)


def _reload(cookie: str | None, query: dict | None = None) -> AppTest:
    """A new browser session, as after a reload: the browser sends its cookie (the shell reads it
    into session state on the first run; here it is put there) and its URL parameters."""
    at = AppTest.from_file(APP, default_timeout=30)
    if cookie is not None:
        at.session_state["session_cookie"] = cookie
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_local_mode_keeps_the_name_across_reloads_until_it_is_changed(seeded):
    at = _open("Ann Smith")
    cookie = at.session_state["cookie_write"]
    assert cookie and at.session_state["session_cookie"] == cookie  # the browser is told to keep it
    again = _reload(cookie)
    assert again.session_state["actor"] == local_actor("Ann Smith")
    assert "review_name" not in _keys(again)
    again.button(key="shell_change_name").click().run()
    assert again.session_state["actor"] is None and again.session_state["cookie_write"] == ""
    assert "review_name" in _keys(again)
    assert _reload(cookie).session_state["actor"] is None  # the session ended on the server


def test_the_url_holds_the_claim_and_filters_and_a_link_opens_them(seeded):
    store, _, claims = seeded
    at = _open()
    at.multiselect(key="review_filter_types").set_value(["efficacy"]).run()
    at.button(key="review_next").click().run()
    assert _shown(at) == claims["ice"].id
    assert at.query_params == {"claim": claims["ice"].id, "type": "efficacy"}
    # A reload (the same cookie and URL) or a colleague's link opens the same claim and filters.
    again = _reload(at.session_state["session_cookie"], dict(at.query_params))
    assert _shown(again) == claims["ice"].id
    assert again.multiselect(key="review_filter_types").value == ["efficacy"]
    colleague = _reload(None, {"claim": claims["zinc"].id, "status": ["unreviewed", "bogus"]})
    colleague.text_input(key="review_name").input("Bo")
    colleague.button(key="review_name_submit").click().run()
    assert _shown(colleague) == claims["zinc"].id
    assert colleague.multiselect(key="review_filter_statuses").value == ["unreviewed"]
