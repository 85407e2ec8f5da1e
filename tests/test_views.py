"""app.views: escaped claim highlighting, the claim card, badges, timestamps and citations."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from annotations.errors import ValidationError
from annotations.records import Citation, Cues, Document, Quantity, claim_from_span
from app import views
from app.views import citation_rows, citations_from_rows, claim_html, highlight_html, paragraph_bounds

TEXT = (
    "Heading about serums\n\n"
    "Our <script>alert('x')</script> serum & cream heals acne in 3 days. It is cheap.\n\n"
    "Last paragraph stays out."
)


def _marked(html_text: str) -> str:
    found = re.findall(r'<mark class="claim">(.*?)</mark>', html_text, flags=re.S)
    assert len(found) == 1, html_text
    return found[0]


def test_highlight_escapes_script_and_ampersand_in_source_text():
    start = TEXT.index("Our")
    end = TEXT.index(" It is")
    out = highlight_html(TEXT, start, end)
    assert "<script>" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "serum &amp; cream" in out


def test_highlight_marks_exactly_the_span():
    start = TEXT.index("heals acne")
    end = start + len("heals acne in 3 days")
    out = highlight_html(TEXT, start, end)
    assert _marked(out) == "heals acne in 3 days"
    before, after = out.split('<mark class="claim">')[0], out.split("</mark>")[1]
    assert before.endswith("serum &amp; cream ")
    assert after.startswith(". It is cheap.")


@pytest.mark.parametrize(
    ("needle", "inside", "outside"),
    [
        ("heals acne", "It is cheap.", ["Heading about serums", "Last paragraph"]),
        ("Heading about", "serums", ["serum &amp; cream", "Last paragraph"]),
        ("stays out", "Last paragraph", ["Heading", "It is cheap"]),
    ],
)
def test_highlight_shows_only_the_claims_paragraph(needle, inside, outside):
    start = TEXT.index(needle)
    out = highlight_html(TEXT, start, start + len(needle))
    assert inside in out
    for text in outside:
        assert text not in out


def test_paragraph_bounds_cut_long_paragraph_around_span():
    text = "word " * 1000 + "THE CLAIM" + " word" * 1000
    start = text.index("THE CLAIM")
    left, right = paragraph_bounds(text, start, start + 9, max_chars=200)
    assert left < start and start + 9 < right
    assert right - left <= 200
    out = highlight_html(text, start, start + 9, max_chars=200)
    assert out.startswith("…") and out.endswith("…")
    assert _marked(out) == "THE CLAIM"


def test_newlines_inside_paragraph_become_line_breaks():
    text = "Intro line\n• item one cures\n• item two"
    start = text.index("item one")
    assert "<br>" in highlight_html(text, start, start + len("item one cures"))


def test_claim_html_marks_the_claim_of_the_document():
    doc = Document(name="d", text=TEXT)
    start = TEXT.index("serum & cream")
    claim = claim_from_span(doc, start, start + len("serum & cream"))
    assert _marked(claim_html(doc, claim)) == "serum &amp; cream"


# ------------------------------------------------------------------------------- citations


def test_citations_from_rows_skips_blank_rows_and_normalises():
    rows = [
        {"kind": "doi", "identifier": " https://doi.org/10.1000/ABC.1 ", "quote": "q", "note": ""},
        {"kind": "", "identifier": "", "quote": "", "note": ""},
        {"kind": "doi", "identifier": "  ", "quote": "", "note": ""},
        {"kind": "PMID", "identifier": "PMID: 31452104", "quote": "", "note": "n"},
        {"kind": "url", "identifier": "https://example.org/study", "quote": "", "note": ""},
    ]
    citations = citations_from_rows(rows)
    assert [c.identifier for c in citations] == ["10.1000/ABC.1", "31452104", "https://example.org/study"]
    assert citations[0].link == "https://doi.org/10.1000/ABC.1"
    assert citations[1].kind == "pmid" and citations[1].note == "n"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([{"kind": "doi", "identifier": "10.1/x"}], r"citation 1: a DOI looks like 10\.1000/xyz123"),
        ([{"kind": "url", "identifier": "https://ok.example"}, {"kind": "pmid", "identifier": "abc"}],
         r"citation 2: a PMID is a positive number"),
        ([{}, {}, {"kind": "url", "identifier": "", "quote": "a passage"}],
         r"citation 3: an identifier \(DOI, PMID or URL\) is required; got none"),
        ([{"kind": "url", "identifier": "ftp://example.org/file"}], r"citation 1: only http and https links"),
        ([{"kind": "journal", "identifier": "x"}],
         r"citation 1: citation kind must be one of doi, pmid, url, other"),
    ],
)
def test_citation_errors_name_the_row(rows, message):
    with pytest.raises(ValidationError, match=message):
        citations_from_rows(rows)


@pytest.mark.parametrize("link", ["javascript:alert(1)", "JavaScript:alert(document.cookie)", "data:text/html,x"])
def test_script_urls_are_refused(link):
    with pytest.raises(ValidationError, match=r"citation 1: only http and https links are accepted"):
        citations_from_rows([{"kind": "url", "identifier": link}])


def test_citation_rows_round_trip():
    citations = [Citation("doi", "10.1000/xyz", "quoted", "note"), Citation("url", "https://example.org")]
    assert citations_from_rows(citation_rows(citations)) == citations


# ------------------------------------------------------------------------------ formatting

SERUM = "Serum guide\n\nZinc <b>never</b> irritates & heals acne. Zinc heals acne fast."


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
    assert views.md_escape(raw) == escaped


def test_when_formats_utc():
    assert views.when(datetime(2026, 5, 1, 14, 3, 59, tzinfo=UTC)) == "2026-05-01 14:03 UTC"
    assert views.when(None) == ""


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
    assert views.quantity_text(quantity) == shown


def test_citation_lines_link_and_escape():
    lines = views.citation_lines([
        Citation("doi", "10.1000/x_y", quote="*all* of it", note="n"),
        Citation("url", "https://example.org/a(b)"),
        Citation("other", "WHO report 2020"),
    ])
    assert lines[0] == r"- **DOI** [10\.1000/x\_y](https://doi.org/10.1000/x_y) — “\*all\* of it” — n"
    assert lines[1].endswith("(https://example.org/a%28b%29)")
    assert lines[2] == "- **Other** WHO report 2020"


def test_card_html_escapes_every_piece_of_source_text():
    doc = Document(name="d", text=SERUM)
    start = SERUM.index("Zinc <b>")
    claim = claim_from_span(
        doc, start, start + len("Zinc <b>never</b> irritates"), context="Lead <i>in</i>",
        cues=Cues(negations=("<b>never</b>",)), quantities=(Quantity("<30%", "percent", None, 30, "percent"),),
    )
    out = views.card_html(doc, claim)
    assert "<b>" not in out and "<i>" not in out
    assert "Context: Lead &lt;i&gt;in&lt;/i&gt;" in out
    assert '<mark class="claim">Zinc &lt;b&gt;never&lt;/b&gt; irritates</mark>' in out
    assert "negation: &lt;b&gt;never&lt;/b&gt;" in out
    assert "&lt;30% → ≤ 30 percent (percent)" in out


def test_card_html_without_context_or_cues_has_no_chips():
    doc = Document(name="d", text=SERUM)
    claim = claim_from_span(doc, 13, 20)
    out = views.card_html(doc, claim)
    assert "cc-context" not in out and "cc-chips" not in out


def test_claim_meta_names_document_type_score_status_rule():
    doc = Document(name="My *doc*", text=SERUM)
    claim = claim_from_span(doc, 13, 20, claim_type="safety", score=0.875, rule_id="safety.never")
    meta = views.claim_meta_markdown(doc, claim, "disputed")
    assert r"My \*doc\*" in meta and ":blue-badge[safety]" in meta and "score **0.88**" in meta
    assert ":orange-badge[disputed]" in meta and "rule `safety.never`" in meta
