"""app.review_logic: the plain functions behind the Review and Sources pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from annotations.auth import Actor
from annotations.errors import IngestError, StaleEditError, ValidationError
from annotations.records import Citation, Cues, Document, HistoryEntry, Quantity, Review, claim_from_span
from annotations.storage import ClaimFilter, DocumentSummary
from app import review_logic as logic

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


# ------------------------------------------------------------------------------ formatting


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("plain words", "plain words"),
        ("**bold** _it_", r"\*\*bold\*\* \_it\_"),
        ("[link](javascript:x)", r"\[link\]\(javascript\:x\)"),
        ("line\nbreak  and\ttab", "line break and tab"),
        ("costs $5", r"costs \$5"),
    ],
)
def test_md_escape(raw, escaped):
    assert logic.md_escape(raw) == escaped


def test_when_formats_utc():
    assert logic.when(datetime(2026, 5, 1, 14, 3, 59, tzinfo=UTC)) == "2026-05-01 14:03 UTC"
    assert logic.when(None) == ""


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [
        (Quantity("7 days", "duration", 7, 7, "day"), "7 days → 7 day (duration)"),
        (Quantity("up to 30%", "percent", None, 30, "percent"), "up to 30% → ≤ 30 percent (percent)"),
        (Quantity("10-20%", "range", 10, 20, "percent"), "10-20% → 10–20 percent (range)"),
        (Quantity("at least 2.5", "number", 2.5, None), "at least 2.5 → ≥ 2.5 (number)"),
    ],
)
def test_quantity_text(quantity, shown):
    assert logic.quantity_text(quantity) == shown


def test_citation_lines_link_and_escape():
    lines = logic.citation_lines([
        Citation("doi", "10.1000/x_y", quote="*all* of it", note="n"),
        Citation("url", "https://example.org/a(b)"),
        Citation("other", "WHO report 2020"),
    ])
    assert lines[0] == r"- **DOI** [10\.1000/x\_y](https://doi.org/10.1000/x_y) — “\*all\* of it” — n"
    assert lines[1].endswith("(https://example.org/a%28b%29)")
    assert lines[2] == "- **Other** WHO report 2020"


def test_card_html_escapes_every_piece_of_source_text():
    doc = Document(name="d", text=TEXT)
    start = TEXT.index("Zinc <b>")
    claim = claim_from_span(
        doc, start, start + len("Zinc <b>never</b> irritates"), context="Lead <i>in</i>",
        cues=Cues(negations=("<b>never</b>",)), quantities=(Quantity("<30%", "percent", None, 30, "percent"),),
    )
    out = logic.card_html(doc, claim)
    assert "<b>" not in out and "<i>" not in out
    assert "Context: Lead &lt;i&gt;in&lt;/i&gt;" in out
    assert '<mark class="claim">Zinc &lt;b&gt;never&lt;/b&gt; irritates</mark>' in out
    assert "negation: &lt;b&gt;never&lt;/b&gt;" in out
    assert "&lt;30% → ≤ 30 percent (percent)" in out


def test_card_html_without_context_or_cues_has_no_chips():
    doc = Document(name="d", text=TEXT)
    claim = claim_from_span(doc, 13, 20)
    out = logic.card_html(doc, claim)
    assert "cc-context" not in out and "cc-chips" not in out


def test_claim_meta_names_document_type_score_status_rule():
    doc = Document(name="My *doc*", text=TEXT)
    claim = claim_from_span(doc, 13, 20, claim_type="safety", score=0.875, rule_id="safety.never")
    meta = logic.claim_meta_markdown(doc, claim, "disputed")
    assert r"My \*doc\*" in meta and ":blue-badge[safety]" in meta and "score **0.88**" in meta
    assert ":orange-badge[disputed]" in meta and "rule `safety.never`" in meta


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


@pytest.mark.parametrize(("start", "end"), [(5, 5), (-1, 3), (4, len(TEXT) + 1)])
def test_check_span_errors(start, end):
    with pytest.raises(ValidationError, match=rf"0 <= start < end <= {len(TEXT)}; got {start}:{end}"):
        logic.check_span(TEXT, start, end)


# --------------------------------------------------------------------------------- history


def test_describe_change():
    assert logic.describe_change(None, {"verdict": "supported", "citations": [{}], "version": 1}) == (
        "created: verdict='supported', citations=1 citation(s)")
    assert logic.describe_change(
        {"verdict": "supported", "rationale": "a", "version": 1},
        {"verdict": "risky", "rationale": "a", "version": 2},
    ) == "verdict: 'supported' → 'risky'"
    assert logic.describe_change({"version": 1}, {"version": 2}) == "no visible change"
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


def test_history_rows_when_column():
    entry = HistoryEntry(entity="claim", entity_id="c", action="update", actor="bo",
                         before={"start": 1}, after={"start": 2}, at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert logic.history_rows([entry]) == [
        {"when": "2026-01-02 03:04 UTC", "who": "bo", "action": "claim update", "change": "start: 1 → 2"}]


# ------------------------------------------------------------------------------ sources page


@pytest.mark.parametrize(
    ("size", "shown"), [(10, "10 bytes"), (1536, "1.5 KB"), (5 * 1024 * 1024, "5 MB"), (1024 * 1024 + 1, "1 MB")]
)
def test_human_bytes(size, shown):
    assert logic.human_bytes(size) == shown


def test_ingest_messages_one_per_file():
    from app.workflow import IngestOutcome

    added = Document(name="Good_one", text="t", encoding="utf-8")
    latin = Document(name="old page", text="café", encoding="cp1252")
    dup = Document(name="same", text="s", added_by="ann", added_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    outcome = IngestOutcome(
        added=[(added, 3), (latin, 0)], duplicates=[dup],
        refused=[IngestError("bad.pdf", "unsupported file type '.pdf'")],
    )
    assert logic.ingest_messages(outcome) == [
        ("success", r"Added **Good\_one** with 3 candidate claim(s)."),
        ("success", "Added **old page** with 0 candidate claim(s)."),
        ("warning", "**old page** is not UTF-8: decoded as cp1252. "
                    "Check that accented letters and quotes look right."),
        ("info", "**same** is already stored (added 2026-01-02 03:04 UTC by ann); no duplicate was created."),
        ("error", r"Refused **bad\.pdf**: unsupported file type '\.pdf'"),
    ]


def test_document_rows():
    summary = DocumentSummary(id="d1", name="n", origin="paste", url=None, encoding="utf-8",
                              added_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), added_by="ann", n_claims=4,
                              n_reviewed=1)
    assert logic.document_rows([summary]) == [
        {"name": "n", "origin": "paste", "added": "2026-01-02 03:04 UTC", "added by": "ann", "claims": 4,
         "reviewed": 1, "encoding": "utf-8", "url": ""}]



@pytest.mark.parametrize(
    ("role", "reviews_per_claim", "blind_review", "has_own", "blinded"),
    [
        ("reviewer", 2, True, False, True),
        ("reviewer", 2, True, True, False),  # seen once their own review is saved
        ("reviewer", 1, True, False, False),  # nobody else reviews the claim anyway
        ("reviewer", 2, False, False, False),  # the admin turned it off
        ("adjudicator", 2, True, False, False),  # they settle disagreements: they see them
        ("admin", 3, True, False, False),
    ],
)
def test_blind_review(role, reviews_per_claim, blind_review, has_own, blinded):
    reviews = [Review(claim_id="c", reviewer="bob", verdict="supported")]
    if has_own:
        reviews.append(Review(claim_id="c", reviewer="ann", verdict="risky", withdrawn=True))
    settings = {"reviews_per_claim": reviews_per_claim, "blind_review": blind_review}
    assert logic.blinded(Actor("ann", role), reviews, settings) is blinded


def test_visible_history_keeps_claim_changes_and_own_reviews():
    at = datetime(2026, 5, 1, tzinfo=UTC)
    entries = [HistoryEntry(entity=entity, entity_id="x", action="create", actor=actor, at=at)
               for entity, actor in (("claim", "bob"), ("review", "bob"), ("review", "ann"), ("verdict", "judy"))]
    assert [(e.entity, e.actor) for e in logic.visible_history(entries, "ann")] == [("claim", "bob"), ("review", "ann")]
