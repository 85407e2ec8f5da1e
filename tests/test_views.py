"""app.views: escaped claim highlighting and citation rows."""

from __future__ import annotations

import re

import pytest

from annotations.errors import ValidationError
from annotations.records import Citation, Document, claim_from_span
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
