"""Records check themselves when built; each refusal names what was expected and what arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from annotations.errors import ValidationError
from annotations.records import (
    Citation,
    Claim,
    Cues,
    Document,
    HistoryEntry,
    Quantity,
    Review,
    SourceMap,
    User,
    Verdict,
    check_http_url,
    claim_from_span,
    content_hash,
    occurrences,
)

TEXT = "Collagen drinks erase wrinkles within two weeks. Sleep matters too."
SENTENCE = "Collagen drinks erase wrinkles within two weeks."


@pytest.fixture
def document() -> Document:
    return Document(name="collagen.txt", text=TEXT)


# ------------------------------------------------------------------------------- documents


def test_document_gets_the_hash_of_its_text(document: Document) -> None:
    assert document.content_hash == content_hash(TEXT)
    assert content_hash(TEXT) != content_hash(TEXT + " ")


def test_document_refuses_a_hash_of_another_text() -> None:
    with pytest.raises(ValidationError, match="content_hash does not match the text: expected [0-9a-f]{64}, got abc"):
        Document(name="a.txt", text=TEXT, content_hash="abc")


@pytest.mark.parametrize("text", ["", "   \n"])
def test_document_refuses_empty_text(text: str) -> None:
    with pytest.raises(ValidationError, match="document text must be non-empty"):
        Document(name="a.txt", text=text)


def test_document_refuses_a_non_http_source_url() -> None:
    with pytest.raises(ValidationError, match="only http and https links are accepted; got 'file:///etc/passwd'"):
        Document(name="a.txt", text=TEXT, url="file:///etc/passwd")


def test_naive_timestamps_are_read_as_utc() -> None:
    doc = Document(name="a.txt", text=TEXT, added_at=datetime(2026, 1, 2, 3, 4, 5))
    assert doc.added_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    shifted = Document(name="a.txt", text=TEXT, added_at="2026-01-02T05:04:05+02:00")
    assert shifted.added_at == doc.added_at
    assert shifted.added_at.tzinfo == UTC
    assert datetime(2026, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))) == doc.added_at


# ---------------------------------------------------------------------------------- claims


def test_claim_from_span_cuts_the_text(document: Document) -> None:
    claim = claim_from_span(document, 0, len(SENTENCE), claim_type="efficacy", score=0.8)
    assert claim.text == SENTENCE
    assert claim.document_id == document.id
    claim.check_against(TEXT)


@pytest.mark.parametrize(("start", "end"), [(5, 5), (9, 3), (-1, 4)])
def test_claim_span_needs_start_before_end(start: int, end: int) -> None:
    with pytest.raises(ValidationError, match=rf"claim span must have 0 <= start < end; got start={start}, end={end}"):
        Claim(document_id="d1", start=start, end=end, text="x" * max(end - start, 0))


@pytest.mark.parametrize(("start", "end"), [("0", 4), (0, 4.0), (True, 4)])
def test_claim_offsets_must_be_integers(start: object, end: object) -> None:
    with pytest.raises(ValidationError, match="claim span offsets must be integers"):
        Claim(document_id="d1", start=start, end=end, text="abcd")  # type: ignore[arg-type]


def test_claim_text_must_have_the_span_length() -> None:
    with pytest.raises(ValidationError, match="claim text must be the 8 characters at 0:8; got 5 characters"):
        Claim(document_id="d1", start=0, end=8, text="short")


def test_claim_text_must_match_the_document(document: Document) -> None:
    claim = Claim(document_id=document.id, start=0, end=8, text="Coll4gen")
    with pytest.raises(ValidationError, match=r"claim text 'Coll4gen' is not the document text at 0:8 \('Collagen'\)"):
        claim.check_against(TEXT)


def test_claim_past_the_end_of_the_document(document: Document) -> None:
    with pytest.raises(ValidationError, match=rf"claim span end 999 is past the end of the text \({len(TEXT)} characters\)"):
        claim_from_span(document, 0, 999)
    claim = Claim(document_id=document.id, start=60, end=80, text="x" * 20)
    with pytest.raises(ValidationError, match=rf"claim end 80 is past the end of the document \({len(TEXT)} characters\)"):
        claim.check_against(TEXT)


def test_claim_type_outside_the_set_lists_the_allowed_types(document: Document) -> None:
    with pytest.raises(ValidationError, match=r"claim_type must be one of efficacy, safety, .*, other; got 'miracle'"):
        claim_from_span(document, 0, 8, claim_type="miracle")


@pytest.mark.parametrize("score", [-0.1, 1.5, "high", True])
def test_claim_score_is_a_number_from_0_to_1(document: Document, score: object) -> None:
    with pytest.raises(ValidationError, match="score must be a number from 0 to 1; got"):
        claim_from_span(document, 0, 8, score=score)


def test_claim_sentence_must_hold_the_claim(document: Document) -> None:
    with pytest.raises(ValidationError, match="the sentence 10:20 must contain the claim 0:8"):
        claim_from_span(document, 0, 8, sentence_start=10, sentence_end=20)
    with pytest.raises(ValidationError, match="sentence_start and sentence_end must both be set or both be empty"):
        claim_from_span(document, 0, 8, sentence_start=0)


def test_claim_sentence_is_cut_from_the_text(document: Document) -> None:
    claim = claim_from_span(document, 0, 8, sentence_start=0, sentence_end=len(SENTENCE))
    assert claim.sentence(TEXT) == SENTENCE
    assert claim_from_span(document, 0, 8).sentence(TEXT) == "Collagen"


def test_claim_round_trips_through_a_dict(document: Document) -> None:
    claim = claim_from_span(
        document, 0, len(SENTENCE), claim_type="duration", score=0.7, rule_id="duration-1",
        cues=Cues(absolutes=("erase",)),
        quantities=(Quantity(text="two weeks", kind="duration", minimum=2, maximum=2, unit="week",
                             start=38, end=47),),
    )
    data = claim.to_dict()
    assert data["cues"] == {"hedges": [], "absolutes": ["erase"], "negations": []}
    assert data["quantities"][0]["unit"] == "week"
    assert Claim.from_dict(data) == claim


def test_from_dict_refuses_unknown_keys_and_names_the_allowed_ones(document: Document) -> None:
    data = claim_from_span(document, 0, 8).to_dict() | {"colour": "red", "bogus": 1}
    with pytest.raises(ValidationError, match=r"unknown Claim field\(s\) bogus, colour; allowed: document_id, start, end, text"):
        Claim.from_dict(data)
    with pytest.raises(ValidationError, match=r"unknown Citation field\(s\) page; allowed: kind, identifier, quote, note"):
        Citation.from_dict({"kind": "doi", "identifier": "10.1000/xyz", "page": 3})


def test_from_dict_names_a_missing_field() -> None:
    with pytest.raises(ValidationError, match="Review: .*missing 1 required positional argument: 'verdict'"):
        Review.from_dict({"claim_id": "c1", "reviewer": "ann"})
    with pytest.raises(ValidationError, match="Review must be an object; got list"):
        Review.from_dict([])  # type: ignore[arg-type]


def test_quantity_checks_its_bounds_and_kind() -> None:
    with pytest.raises(ValidationError, match="quantity minimum must not exceed maximum; got 5 > 2"):
        Quantity(text="5-2 days", kind="range", minimum=5, maximum=2)
    with pytest.raises(ValidationError, match="quantity kind must be one of number, range, .*; got 'lots'"):
        Quantity(text="lots", kind="lots", minimum=1)
    with pytest.raises(ValidationError, match="quantity 'some' needs a minimum or a maximum; got neither"):
        Quantity(text="some", kind="number")


def test_occurrences_finds_overlapping_matches() -> None:
    assert occurrences("aaaa", "aa") == [0, 1, 2]
    with pytest.raises(ValidationError, match="the claim text to find must be non-empty"):
        occurrences("aaaa", "")


# --------------------------------------------------------------------------- reviews, verdicts


@pytest.mark.parametrize("record", [Review, Verdict])
def test_verdict_outside_the_set_lists_the_allowed_values(record: type) -> None:
    person = {"reviewer": "ann"} if record is Review else {"adjudicator": "ann"}
    with pytest.raises(ValidationError,
                       match="verdict must be one of supported, unsupported, risky, not_a_claim; got 'true'"):
        record(claim_id="c1", verdict="true", **person)


def test_review_needs_a_reviewer_and_citation_records() -> None:
    with pytest.raises(ValidationError, match="reviewer name must be a non-empty string; got ''"):
        Review(claim_id="c1", reviewer="", verdict="supported")
    with pytest.raises(ValidationError, match="citations must be Citation records; got '10.1000/x'"):
        Review(claim_id="c1", reviewer="ann", verdict="supported", citations=("10.1000/x",))  # type: ignore[arg-type]


def test_review_round_trips_with_its_citations() -> None:
    review = Review(claim_id="c1", reviewer="ann", verdict="unsupported", rationale="no trial",
                    citations=(Citation("pmid", "PMID:31452104", quote="no effect"),))
    again = Review.from_dict(review.to_dict())
    assert again == review
    assert again.citations[0].identifier == "31452104"


# ------------------------------------------------------------------------------- citations


@pytest.mark.parametrize("ref", [
    "10.1000/xyz123", "doi:10.1000/xyz123", "DOI:10.1000/xyz123", " https://doi.org/10.1000/xyz123 ",
    "http://dx.doi.org/10.1000/xyz123",
])
def test_doi_is_normalised(ref: str) -> None:
    citation = Citation("doi", ref)
    assert citation.identifier == "10.1000/xyz123"
    assert citation.link == "https://doi.org/10.1000/xyz123"


@pytest.mark.parametrize("ref", ["10.12/short-registrant", "xyz123", "doi:", "10.1000/"])
def test_malformed_doi_is_refused(ref: str) -> None:
    with pytest.raises(ValidationError, match="a DOI looks like 10.1000/xyz123|doi citation identifier must be"):
        Citation("doi", ref)


@pytest.mark.parametrize("ref", ["31452104", "PMID:31452104", "pmid 31452104",
                                 "https://pubmed.ncbi.nlm.nih.gov/31452104/"])
def test_pmid_is_normalised(ref: str) -> None:
    citation = Citation("pmid", ref)
    assert citation.identifier == "31452104"
    assert citation.link == "https://pubmed.ncbi.nlm.nih.gov/31452104/"


@pytest.mark.parametrize("ref", ["0", "PMID:abc", "1234567890", "-5"])
def test_malformed_pmid_is_refused(ref: str) -> None:
    with pytest.raises(ValidationError, match="a PMID is a positive number of up to 9 digits"):
        Citation("pmid", ref)


@pytest.mark.parametrize("url", ["https://example.org/study?id=3", "http://example.org", "HTTPS://Example.org/a"])
def test_http_urls_are_accepted(url: str) -> None:
    assert Citation("url", f"  {url} ").identifier == url
    assert Citation("url", url).link == url


@pytest.mark.parametrize(("url", "scheme"), [
    ("javascript:alert(1)", "javascript"),
    ("data:text/html,<script>alert(1)</script>", "data"),
    ("file:///etc/passwd", "file"),
    ("ftp://example.org/paper.pdf", "ftp"),
    ("JavaScript:alert(1)", "javascript"),
])
def test_only_http_and_https_links_are_accepted(url: str, scheme: str) -> None:
    with pytest.raises(ValidationError, match=rf"only http and https links are accepted; got .* \(scheme '{scheme}'\)"):
        Citation("url", url)
    with pytest.raises(ValidationError, match="only http and https links are accepted"):
        Citation.parse(url)


@pytest.mark.parametrize(("url", "message"), [
    ("example.org/page", r"only http and https links are accepted; got 'example.org/page' \(no scheme\)"),
    ("https://", "a link needs a host and no spaces; got 'https://'"),
    ("https://exa mple.org/x", "a link needs a host and no spaces"),
    ("http://[::1", "a link must be an http\\(s\\) URL; got 'http://\\[::1' \\(Invalid IPv6 URL\\)"),
])
def test_a_link_needs_a_scheme_a_host_and_no_spaces(url: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_http_url(url)


@pytest.mark.parametrize(("ref", "kind", "identifier"), [
    ("doi:10.1000/abc", "doi", "10.1000/abc"),
    ("https://doi.org/10.1000/abc", "doi", "10.1000/abc"),
    ("PMID:123456", "pmid", "123456"),
    ("https://pubmed.ncbi.nlm.nih.gov/123456/", "pmid", "123456"),
    ("https://www.who.int/news", "url", "https://www.who.int/news"),
])
def test_parse_reads_the_kind_of_a_reference(ref: str, kind: str, identifier: str) -> None:
    citation = Citation.parse(ref, quote="q")
    assert (citation.kind, citation.identifier, citation.quote) == (kind, identifier, "q")


def test_parse_refuses_an_unknown_reference() -> None:
    with pytest.raises(ValidationError, match="a reference must be a DOI .*, PMID:123456 or an http\\(s\\) URL; got 'my notes'"):
        Citation.parse("my notes")


def test_citation_kind_outside_the_set() -> None:
    with pytest.raises(ValidationError, match="citation kind must be one of doi, pmid, url, other; got 'isbn'"):
        Citation("isbn", "978-3-16-148410-0")
    other = Citation("other", "  WHO fact sheet 2024 ")
    assert (other.identifier, other.link) == ("WHO fact sheet 2024", None)


# --------------------------------------------------------------------------- people, history


@pytest.mark.parametrize("name", ["", "a/b", "x" * 65, "<script>"])
def test_user_name_is_checked(name: str) -> None:
    with pytest.raises(ValidationError, match="a reviewer name is 1-64 letters, digits, spaces or"):
        User(name=name)


def test_user_role_outside_the_set() -> None:
    with pytest.raises(ValidationError, match="role must be one of reviewer, adjudicator, admin; got 'owner'"):
        User(name="ann", role="owner")
    assert User(name="  ann ").name == "ann"


def test_history_entity_outside_the_set() -> None:
    with pytest.raises(ValidationError, match="history entity must be one of document, claim, .*; got 'comment'"):
        HistoryEntry(entity="comment", entity_id="x", action="create", actor="ann")
    with pytest.raises(ValidationError, match="history action must be a non-empty string"):
        HistoryEntry(entity="claim", entity_id="x", action="", actor="ann")


# ------------------------------------------------------------------------------- source maps


def test_a_source_map_merges_pieces_that_go_on_and_maps_spans_back() -> None:
    # text "Zinc heals acne" from source "**Zinc** heals [acne](u)": three pieces, two of them adjoining
    source = "**Zinc** heals [acne](u)"
    sm = SourceMap.from_pieces("markdown", [(0, 2, 4), (4, 8, 7), (11, 16, 4)])
    assert (sm.text_starts, sm.source_starts, sm.lengths) == ((0, 4, 11), (2, 8, 16), (4, 7, 4))
    assert [source[slice(*sm.source_span(a, b))] for a, b in ((0, 4), (5, 10), (0, 15), (11, 15))] == [
        "Zinc", "heals", "Zinc** heals [acne", "acne"]
    assert SourceMap.from_pieces("markdown", [(0, 0, 3), (3, 3, 2)]).lengths == (5,)
    assert SourceMap().source_span(3, 9) == (3, 9)  # plain text maps to itself


def test_an_unmapped_character_maps_to_the_next_segment_at_a_spans_start() -> None:
    sm = SourceMap.from_pieces("html", [(4, 100, 5), (10, 200, 3)])  # text 0:4 and 9:10 came from nowhere
    assert sm.source_span(2, 9) == (100, 105)
    assert sm.source_span(9, 13) == (200, 203)


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "pdf"}, "source map kind must be one of text, markdown, html; got 'pdf'"),
    ({"kind": "text", "text_starts": (0,), "source_starts": (0,), "lengths": (1,)}, "maps to itself"),
    ({"kind": "html", "text_starts": (0,), "source_starts": (), "lengths": (1,)}, "as many text starts"),
    ({"kind": "html", "text_starts": (0, 2), "source_starts": (0, 5), "lengths": (3, 1)}, "without overlaps"),
])
def test_a_source_map_checks_itself(fields: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SourceMap(**fields)
