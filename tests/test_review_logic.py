"""app.review_logic: the plain functions behind the Review page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from annotations.errors import NotFoundError, StaleEditError, ValidationError
from annotations.records import Citation, Cues, Document, HistoryEntry, Quantity, Review, claim_from_span
from annotations.storage import ClaimFilter
from app import review_logic as logic
from app.views import md_escape

TEXT = (
    "Serum guide\n\n"
    "Vitamin C fades spots in 7 days. It may cut wrinkles by up to 30%.\n\n"
    "Zinc <b>never</b> irritates & heals acne. Zinc heals acne fast."
)


@pytest.fixture
def seeded(memory_store, ann):
    """A document with three claims scored 0.9, 0.6 and 0.3."""
    doc = Document(name="Serum guide", text=TEXT)
    spans = [("Vitamin C fades spots in 7 days", "efficacy", 0.9), ("It may cut wrinkles", "efficacy", 0.6),
             ("Zinc <b>never</b> irritates", "safety", 0.3)]
    claims = []
    for needle, claim_type, score in spans:
        start = TEXT.index(needle)
        claims.append(claim_from_span(doc, start, start + len(needle), claim_type=claim_type, score=score))
    memory_store.add_document(ann, doc, claims)
    return memory_store, doc, claims


# -------------------------------------------------------------------------- choosing a claim


def test_pick_claim_takes_highest_score_waiting(seeded):
    store, _, claims = seeded
    assert logic.pick_claim(store, "ann", ClaimFilter(), None) == claims[0].id


def test_pick_claim_keeps_the_current_claim(seeded):
    store, _, claims = seeded
    assert logic.pick_claim(store, "ann", ClaimFilter(), claims[2].id) == claims[2].id


def test_pick_claim_skips_claims_the_reviewer_did(seeded, ann):
    store, _, claims = seeded
    store.set_setting(ann, "reviews_per_claim", 2)
    store.save_review(ann, claims[0].id, "supported")
    assert logic.pick_claim(store, "ann", ClaimFilter(), None) == claims[1].id
    # in double review the top claim still waits for a second reviewer
    assert logic.pick_claim(store, "bob", ClaimFilter(), None) == claims[0].id


def test_pick_claim_when_queue_done_browses_first_match(seeded, ann):
    store, _, claims = seeded
    for claim in claims:
        store.save_review(ann, claim.id, "risky")
    assert logic.pick_claim(store, "ann", ClaimFilter(), None) == claims[0].id
    assert logic.pick_claim(store, "ann", ClaimFilter(claim_types=("safety",)), None) == claims[2].id


def test_pick_claim_with_no_match(seeded):
    store, _, _ = seeded
    assert logic.pick_claim(store, "ann", ClaimFilter(claim_types=("dosage",)), None) is None


def test_next_after_save_goes_down_by_score_then_stays(seeded, ann):
    store, _, claims = seeded
    flt = ClaimFilter()
    store.save_review(ann, claims[0].id, "supported")
    assert logic.next_after_save(store, "ann", flt, claims[0].id) == claims[1].id
    store.save_review(ann, claims[1].id, "supported")
    store.save_review(ann, claims[2].id, "supported")
    assert logic.next_after_save(store, "ann", flt, claims[2].id) == claims[2].id


def test_own_and_other_reviews():
    mine = Review(claim_id="c", reviewer="ann", verdict="risky")
    theirs = Review(claim_id="c", reviewer="bob", verdict="supported")
    gone = Review(claim_id="c", reviewer="cy", verdict="supported", withdrawn=True)
    assert logic.own_review([theirs, mine], "ann") is mine
    assert logic.own_review([theirs], "ann") is None
    assert logic.other_reviews([mine, theirs, gone], "ann") == [theirs]


# ---------------------------------------------------------------------------------- saving


def test_save_review_form_stores_citations(seeded, ann):
    store, _, claims = seeded
    rows = [{"kind": "url", "identifier": "https://example.org/trial", "quote": "q", "note": ""},
            {"kind": "doi", "identifier": "", "quote": "", "note": ""}]
    review = logic.save_review_form(store, ann, claims[0].id, "unsupported", "  no trial  ", rows, None)
    assert review.rationale == "no trial"
    assert store.review_of(claims[0].id, "ann").citations == (Citation("url", "https://example.org/trial", "q"),)


@pytest.mark.parametrize(
    ("verdict", "rows", "message"),
    [
        (None, [], r"choose a verdict \(Supported, Unsupported, Risky, Not a claim\); got none"),
        ("maybe", [], r"choose a verdict .*; got 'maybe'"),
        ("supported", [{"kind": "doi", "identifier": "doi:11.2/x"}], r"citation 1: a DOI looks like"),
        ("supported", [{"kind": "url", "identifier": "javascript:alert(1)"}], r"citation 1: only http and https"),
    ],
)
def test_save_review_form_refuses_bad_input_and_saves_nothing(seeded, ann, verdict, rows, message):
    store, _, claims = seeded
    with pytest.raises(ValidationError, match=message):
        logic.save_review_form(store, ann, claims[0].id, verdict, "", rows, None)
    assert store.review_of(claims[0].id, "ann") is None


def test_save_review_form_stale_edit(seeded, ann):
    store, _, claims = seeded
    first = logic.save_review_form(store, ann, claims[0].id, "supported", "", [], None)
    store.save_review(ann, claims[0].id, "risky", "other tab", expected_version=first.version)
    with pytest.raises(StaleEditError, match="changed elsewhere") as caught:
        logic.save_review_form(store, ann, claims[0].id, "unsupported", "", [], first.version)
    assert caught.value.current.rationale == "other tab"


def test_a_save_replaces_the_version_the_form_was_filled_from(seeded, ann):
    store, _, claims = seeded
    first = store.save_review(ann, claims[0].id, "supported")
    newer = store.save_review(ann, claims[0].id, "risky", expected_version=first.version)
    stale = StaleEditError("changed elsewhere", current=newer)
    assert logic.version_to_save_over(None, None, overwrite=False) is None  # no review yet: a new one
    assert logic.version_to_save_over(1, None, overwrite=False) == 1
    assert logic.version_to_save_over(1, stale, overwrite=False) == 1  # saving again is still stale
    assert logic.version_to_save_over(1, stale, overwrite=True) == 2  # "Save mine over it"
    assert logic.version_to_save_over(1, StaleEditError("gone", current=None), overwrite=True) == 1


# ----------------------------------------------------------------------------- withdrawing


@pytest.mark.parametrize(
    ("own", "form_version", "offered"),
    [
        (None, None, False),  # nothing to withdraw
        (Review(claim_id="c", reviewer="ann", verdict="risky"), 1, True),
        (Review(claim_id="c", reviewer="ann", verdict="risky", withdrawn=True, version=2), 2, False),
        (Review(claim_id="c", reviewer="ann", verdict="risky"), None, False),  # saved in another tab meanwhile
    ],
)
def test_withdrawing_is_offered_for_an_active_review_the_form_shows(own, form_version, offered):
    assert logic.can_withdraw(own, form_version) is offered


def test_withdraw_own_review_marks_it_and_the_history_says_so(seeded, ann):
    store, _, claims = seeded
    saved = store.save_review(ann, claims[0].id, "risky", "overstated")
    withdrawn = logic.withdraw_own_review(store, ann, claims[0].id, saved.version)
    assert (withdrawn.id, withdrawn.withdrawn, withdrawn.version) == (saved.id, True, 2)
    assert store.review_of(claims[0].id, "ann").withdrawn
    assert store.next_claim("ann").id == claims[0].id  # back in the queue
    rows = logic.history_rows(store.history(claim_id=claims[0].id))
    assert (rows[-1]["who"], rows[-1]["action"], rows[-1]["change"]) == ("ann", "review withdraw",
                                                                        "withdrawn: False → True")
    restored = logic.save_review_form(store, ann, claims[0].id, "supported", "", [], withdrawn.version)
    assert (restored.withdrawn, restored.version) == (False, 3)


def test_withdraw_own_review_refuses_a_stale_version_and_a_missing_review(seeded, ann):
    store, _, claims = seeded
    first = store.save_review(ann, claims[0].id, "risky")
    store.save_review(ann, claims[0].id, "supported", "other tab", expected_version=first.version)
    with pytest.raises(StaleEditError, match="you saw version 1, stored version 2 says 'supported'"):
        logic.withdraw_own_review(store, ann, claims[0].id, first.version)
    assert not store.review_of(claims[0].id, "ann").withdrawn
    assert logic.withdraw_own_review(store, ann, claims[0].id).version == 3  # None: the stored version
    with pytest.raises(NotFoundError, match=f"ann has no review of claim {claims[1].id} to withdraw"):
        logic.withdraw_own_review(store, ann, claims[1].id)
    with pytest.raises(ValidationError, match="is already withdrawn"):
        logic.withdraw_own_review(store, ann, claims[0].id)


# ---------------------------------------------------------------------------- span editor


@pytest.mark.parametrize(
    ("needle", "near", "expected_start"),
    [
        ("Zinc heals acne", 0, TEXT.index("Zinc heals acne")),
        ("heals acne", TEXT.index("irritates"), TEXT.index("heals acne")),
        ("heals acne", len(TEXT), TEXT.rindex("heals acne")),
    ],
)
def test_span_from_text_takes_nearest_occurrence(needle, near, expected_start):
    assert logic.span_from_text(TEXT, near, needle) == (expected_start, expected_start + len(needle))


@pytest.mark.parametrize(
    ("needle", "message"),
    [("   ", "type the exact text of the claim; got nothing"), ("zinc HEALS", "does not occur in the document")],
)
def test_span_from_text_errors(needle, message):
    with pytest.raises(ValidationError, match=message):
        logic.span_from_text(TEXT, 0, needle)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (5, 5, "claim span must have 0 <= start < end; got start=5, end=5"),
        (-1, 3, "claim span must have 0 <= start < end; got start=-1, end=3"),
        (4, len(TEXT) + 1, f"claim span end {len(TEXT) + 1} is past the end of the text \\({len(TEXT)} characters\\)"),
    ],
)
def test_span_from_offsets_errors(start, end, message):
    with pytest.raises(ValidationError, match=message):
        logic.span_from_offsets(Document(name="d", text=TEXT), start, end)


def test_span_from_offsets_accepts_a_span_inside_the_text():
    assert logic.span_from_offsets(Document(name="d", text=TEXT), 0, len(TEXT)) == (0, len(TEXT))


def test_only_a_valid_span_other_than_the_claims_own_can_be_saved():
    claim = claim_from_span(Document(name="d", text=TEXT), 13, 20)
    assert logic.span_changed(claim, (13, 21))
    assert not logic.span_changed(claim, (13, 20))  # the span as it is: nothing to save
    assert not logic.span_changed(claim, None)  # no valid span


@pytest.mark.parametrize(
    ("button", "saved"), [("text", (1, 5)), ("offsets", (2, 9)), ("type", None)],
)
def test_each_span_editor_button_saves_its_own_span(button, saved):
    assert logic.span_to_save(button, (1, 5), (2, 9)) == saved


@pytest.mark.parametrize(
    ("button", "text_span", "offsets_span", "message"),
    [
        ("text", None, (2, 9), "there is no valid span from the text to save"),
        ("offsets", (1, 5), None, "there is no valid span from the offsets to save"),
        ("span", (1, 5), (2, 9), "the span editor saves one of text, offsets, type; got 'span'"),
    ],
)
def test_span_to_save_refuses_a_missing_span(button, text_span, offsets_span, message):
    with pytest.raises(ValidationError, match=message):
        logic.span_to_save(button, text_span, offsets_span)


def test_save_claim_edit_saves_the_chosen_span_and_type(seeded, ann):
    store, _, claims = seeded
    claim = claims[0]
    typed = logic.span_from_text(TEXT, claim.start, "Vitamin C fades spots")
    offsets = (claim.start, claim.end + 1)
    updated = logic.save_claim_edit(store, ann, claim.id, 1, "text", typed, offsets, "duration")
    assert (updated.text, updated.claim_type, updated.version) == ("Vitamin C fades spots", "duration", 2)
    updated = logic.save_claim_edit(store, ann, claim.id, 2, "type", typed, offsets, "advice")
    assert ((updated.start, updated.end), updated.claim_type) == (typed, "advice")  # the span stays
    updated = logic.save_claim_edit(store, ann, claim.id, 3, "offsets", typed, offsets, "advice")
    assert (updated.start, updated.end) == offsets
    with pytest.raises(StaleEditError):
        logic.save_claim_edit(store, ann, claim.id, 3, "type", typed, offsets, "risk")
    assert store.get_claim(claim.id).claim_type == "advice"


def test_a_trimmed_span_loses_the_cues_and_quantities_it_no_longer_holds(memory_store, ann, nlp):
    """A reviewer trims "It may cut wrinkles by up to 30%" that the pipeline found: the hedge
    "may" goes from the claim, its card and its export, and the history keeps the old values."""
    from annotations.export.formatter import rows
    from annotations.storage import ExportFilter
    from models.extract import extract_document

    doc = Document(name="Serum guide", text=TEXT)
    [found] = [c for c in extract_document(nlp, doc) if c.text.startswith("It may")]
    assert (found.cues.hedges, [q.text for q in found.quantities]) == (("may", "up to"), ["up to 30%"])
    memory_store.add_document(ann, doc, [found])
    typed = logic.span_from_text(TEXT, found.start, "cut wrinkles by up to 30%")
    updated = logic.save_claim_edit(memory_store, ann, found.id, 1, "text", typed, None, "efficacy", nlp=nlp)
    assert (updated.text, updated.cues.hedges, [q.text for q in updated.quantities]) == (
        "cut wrinkles by up to 30%", ("up to",), ["up to 30%"])
    assert TEXT[updated.sentence_start:updated.sentence_end] == "It may cut wrinkles by up to 30%"
    [row] = [r for r in rows(memory_store.iter_bundles(ExportFilter(reviewed_only=False)))]
    assert row["claim"]["cues"]["hedges"] == ["up to"]
    entry = memory_store.history(entity_id=found.id)[-1]
    assert (entry.action, entry.before["cues"]["hedges"], entry.after["cues"]["hedges"]) == (
        "update", ["may", "up to"], ["up to"])

    # trimmed to the verb phrase: no quantity left; widened again: the pipeline finds them anew
    typed = logic.span_from_text(TEXT, found.start, "It may cut wrinkles")
    updated = logic.save_claim_edit(memory_store, ann, found.id, 2, "text", typed, None, "efficacy", nlp=nlp)
    assert (updated.cues.hedges, updated.quantities) == (("may",), ())
    widened = (found.start, found.end + 1)
    updated = logic.save_claim_edit(memory_store, ann, found.id, 3, "offsets", None, widened, "efficacy", nlp=nlp)
    assert (updated.cues.hedges, [q.text for q in updated.quantities]) == (("may", "up to"), ["up to 30%"])
    assert [e.before["quantities"] for e in memory_store.history(entity_id=found.id)[1:]] == [
        [found.quantities[0].to_dict()], [found.quantities[0].to_dict()], []]


def test_a_claim_moved_without_the_pipeline_keeps_no_cue_or_quantity_outside_its_span():
    doc = Document(name="Serum guide", text=TEXT)
    start, q_start = TEXT.index("It may cut"), TEXT.index("up to 30%")
    claim = claim_from_span(doc, start, start + len("It may cut wrinkles by up to 30%"),
                            cues=Cues(hedges=("may", "up to")),
                            quantities=(Quantity("up to 30%", "percent", None, 30.0, "%", q_start, q_start + 9),))
    moved = claim.moved(TEXT, start, start + len("It may cut wrinkles"))
    assert (moved.text, moved.cues.hedges, moved.quantities) == ("It may cut wrinkles", ("may",), ())


# --------------------------------------------------------------------------------- history


def test_describe_change():
    assert logic.describe_change(None, {"verdict": "supported", "citations": [{}], "version": 1}) == (
        "created: verdict='supported', citations=1 citation(s)")
    assert logic.describe_change(
        {"verdict": "supported", "rationale": "a", "version": 1},
        {"verdict": "risky", "rationale": "a", "version": 2},
    ) == "verdict: 'supported' → 'risky'"
    assert logic.describe_change({"version": 1}, {"version": 2}) == "no visible change"
    assert logic.describe_change(
        {"cues": {"hedges": ["may", "up to"], "negations": []}, "quantities": [{"text": "up to 30%"}]},
        {"cues": {"hedges": [], "negations": []}, "quantities": []},
    ) == "cues: hedges may, up to → none; quantities: 'up to 30%' → none"
    assert logic.describe_change(None, None) == ""


def test_history_rows_of_a_saved_review(seeded, ann):
    store, _, claims = seeded
    first = store.save_review(ann, claims[0].id, "supported")
    store.save_review(ann, claims[0].id, "unsupported", "r", [Citation("pmid", "123")],
                      expected_version=first.version)
    rows = logic.history_rows(store.history(claim_id=claims[0].id))
    assert [r["action"] for r in rows] == ["claim create", "review create", "review update"]
    assert rows[-1]["who"] == "ann"
    assert "verdict: 'supported' → 'unsupported'" in rows[-1]["change"]
    assert "citations: 0 citation(s) → 1 citation(s)" in rows[-1]["change"]


def test_history_table_shows_every_change_in_full_and_escaped():
    long_text = "Zinc <b>heals</b> *all* acne " + "and more " * 20
    entry = HistoryEntry(entity="claim", entity_id="c", action="update", actor="bo",
                         before={"text": "Zinc heals acne"}, after={"text": long_text})
    [row] = logic.history_table([entry])
    assert row["change"] == md_escape(f"text: 'Zinc heals acne' → {long_text!r}")  # whole
    assert "*all*" not in row["change"] and "<b>" not in row["change"]


def test_history_rows_when_column():
    entry = HistoryEntry(entity="claim", entity_id="c", action="update", actor="bo",
                         before={"start": 1}, after={"start": 2}, at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert logic.history_rows([entry]) == [
        {"when": "2026-01-02 03:04 UTC", "who": "bo", "action": "claim update", "change": "start: 1 → 2"}]
