"""Gold files, the document-id rule and the GUIDELINES matching rule, on toy data (pure Python, no
spaCy)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from annotations.auth import Actor
from annotations.errors import AmbiguousIdError, ImportFormatError, NotFoundError, ValidationError
from annotations.export import export
from annotations.gold import (
    GoldClaim,
    Prediction,
    correct,
    doc_id,
    find_source,
    finds,
    locate,
    read_gold,
    read_sources,
    score_predictions,
    to_tsv,
    write_gold,
)
from annotations.records import claim_from_span
from annotations.sources import load_path
from annotations.storage import Store

TEXT = "Tea is warm. The cream removes wrinkles in a week. It is painless. Prices vary a lot."
G_REMOVES = GoldClaim("900", 1, "efficacy", "The cream removes wrinkles in a week")
G_PAINLESS = GoldClaim("900", 1, "safety", "It is painless")
G_PRICES = GoldClaim("900", 0, "other", "Prices vary a lot")


def span(quote: str) -> tuple[int, int]:
    start = TEXT.index(quote)
    return start, start + len(quote)


def pred(quote: str, claim_type: str = "other", score: float = 0.5) -> Prediction:
    start, end = span(quote)
    return Prediction("900", start, end, claim_type, score, quote)


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "gold.tsv"
    path.write_text(content, encoding="utf-8")
    return path


def test_read_write_round_trip(tmp_path: Path) -> None:
    rows = [G_REMOVES, G_PAINLESS, G_PRICES]
    path = tmp_path / "out.tsv"
    write_gold(rows, path)
    assert read_gold(path) == rows
    assert to_tsv(rows).splitlines()[0] == "doc\tmust\tkind\tquote"
    buffer = io.StringIO()
    write_gold(rows[:1], buffer)
    assert buffer.getvalue() == "doc\tmust\tkind\tquote\n900\t1\tefficacy\tThe cream removes wrinkles in a week\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", r"line 1: expected the header"),
        ("doc\tmust\tquote\n", r"line 1: expected the header doc<TAB>must<TAB>kind<TAB>quote; got doc<TAB>must<TAB>quote"),
        ("doc\tmust\tkind\tquote\n900\t1\tefficacy\n", r"line 2: expected 4 tab-separated fields .*; got 3"),
        ("doc\tmust\tkind\tquote\n900\t1\tsafety\tok\n900\tyes\tsafety\tok\n", r"line 3: must is 0 or 1; got 'yes'"),
        ("doc\tmust\tkind\tquote\n900\t1\thealth\tok\n", r"line 2: gold kind must be one of efficacy, .*; got 'health'"),
        ("doc\tmust\tkind\tquote\n900\t0\tother\t \n", r"line 2: gold quote must be non-empty"),
        ("doc\tmust\tkind\tquote\n \t0\tother\tok\n", r"line 2: gold doc must name a source file"),
    ],
)
def test_read_gold_errors_name_the_line(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read_gold(write(tmp_path, content))


def test_write_gold_refuses_a_quote_with_a_tab() -> None:
    with pytest.raises(ValidationError, match="cannot hold tabs or line breaks"):
        to_tsv([GoldClaim("900", 0, "other", "a\tb")])


def test_locate_and_its_error() -> None:
    assert locate(G_PAINLESS, TEXT) == span("It is painless")
    with pytest.raises(ValidationError, match="gold quote of doc 900 is not in its source text"):
        locate(GoldClaim("900", 1, "other", "not there"), TEXT)


@pytest.mark.parametrize(("name", "doc"), [
    ("000_29883c8ad.txt", "000_29883c8ad"), ("green_tea.md", "green_tea"), ("green_coffee.HTML", "green_coffee"),
    ("777.txt", "777"), ("green_tea", "green_tea"), ("notes v1.2", "notes v1.2"), ("a\tpasted  name", "a pasted name"),
])
def test_doc_id_is_the_whole_name_without_a_source_extension(name: str, doc: str) -> None:
    assert doc_id(name) == doc


# -------------------------------------------------------------------- finding the sources


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    folder = tmp_path / "sources"
    folder.mkdir()
    (folder / "green_tea.txt").write_text("Green tea calms the mind. It protects teeth.\n", encoding="utf-8")
    (folder / "green_coffee.txt").write_bytes("Green coffee burns fat \u2013 caf\u00e9 lovers say so.\n".encode("cp1252"))
    (folder / "000_29883c8ad7740660.txt").write_text("Toy article. The mask is painless.\n", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    return folder


@pytest.mark.parametrize(("doc", "file"), [
    ("green_tea", "green_tea.txt"), ("green_coffee", "green_coffee.txt"),
    ("000", "000_29883c8ad7740660.txt"), ("000_29883c8ad7740660", "000_29883c8ad7740660.txt"),
])
def test_a_gold_doc_finds_its_source_by_the_whole_stem_or_a_prefix_up_to_an_underscore(
        sources: Path, doc: str, file: str) -> None:
    assert find_source(sources, doc).name == file


def test_a_gold_doc_that_fits_two_sources_is_an_error_naming_them(sources: Path) -> None:
    with pytest.raises(AmbiguousIdError, match="gold doc 'green' fits several sources .*: green_coffee.txt, green_tea.txt"):
        find_source(sources, "green")
    with pytest.raises(NotFoundError, match="no source for gold doc 'notes'"):
        find_source(sources, "notes")


def test_sources_are_read_as_ingest_reads_them(sources: Path) -> None:
    (sources / "page.html").write_text(
        "<html><head><title>Page</title></head><body><article><p>Aloe heals burns overnight &amp; for good."
        "</p></article></body></html>", encoding="utf-8")
    gold = [GoldClaim("green_coffee", 1, "efficacy", "Green coffee burns fat"), GoldClaim("page", 1, "efficacy", "Aloe")]
    texts = read_sources(gold, sources)
    assert texts == {doc: load_path(find_source(sources, doc)).text for doc in ("green_coffee", "page")}
    assert "caf\u00e9" in texts["green_coffee"] and "&amp;" not in texts["page"] and "<p>" not in texts["page"]


def test_gold_export_and_evaluation_keep_two_documents_apart(sources: Path, tmp_path: Path) -> None:
    """green_tea and green_coffee were once both doc "green": every claim of one was looked up in
    the text of the other."""
    store = Store.open("sqlite://")
    admin = Actor("ann", "admin")
    wanted = {"green_tea": "It protects teeth", "green_coffee": "Green coffee burns fat"}
    for name, quote in wanted.items():
        document = load_path(sources / f"{name}.txt")
        start = document.text.index(quote)
        claim = claim_from_span(document, start, start + len(quote), claim_type="efficacy")
        store.add_document(admin, document, [claim])
        store.save_verdict(admin, claim.id, "supported")
    export(store, "gold", tmp_path / "gold.tsv")
    gold = read_gold(tmp_path / "gold.tsv")
    assert sorted((g.doc, g.quote) for g in gold) == sorted(wanted.items())
    texts = read_sources(gold, sources)
    predictions = [Prediction(g.doc, *locate(g, texts[g.doc]), "efficacy") for g in gold]
    report = score_predictions(gold, predictions, texts)
    assert (report.recall, report.precision) == (1.0, 1.0)


def test_finding_needs_half_of_the_quote() -> None:
    gold = (0, 10)
    assert finds((0, 5), gold)
    assert not finds((0, 4), gold)
    assert finds((0, 300), gold)
    assert not finds((0, 401), gold)  # a paragraph is not a claim


def test_a_prediction_is_correct_when_half_of_either_overlaps() -> None:
    gold = (10, 20)
    assert correct((14, 20), gold)  # all of its own characters
    assert correct((5, 40), gold)  # half of the claim's
    assert not correct((18, 30), gold)  # 2 of 12 and 2 of 10
    assert not correct((10, 500), gold)


def test_score_predictions_on_toy_data() -> None:
    predictions = [
        pred("The cream removes wrinkles", "efficacy", 0.9),  # finds the first claim, right type
        pred("It is painless", "efficacy", 0.8),  # finds the second, wrong type
        pred("Tea is warm", "other", 0.1),  # matches no gold claim
    ]
    report = score_predictions([G_REMOVES, G_PAINLESS, G_PRICES], predictions, {"900": TEXT})
    assert (report.n_gold, report.n_must, report.n_predictions) == (3, 2, 3)
    assert report.must_recall == 1.0
    assert report.recall == pytest.approx(2 / 3)
    assert report.precision == pytest.approx(2 / 3)
    assert report.f1 == pytest.approx(2 / 3)
    assert report.type_accuracy == 0.5
    assert report.average_precision == 1.0
    assert report.misses == [G_PRICES]
    assert [p.text for p in report.false_positives] == ["Tea is warm"]
    assert report.wrong_types == [(G_PAINLESS, "efficacy")]
    text = report.format(show_misses=True)
    assert "must_recall        1.000 (2/2)" in text and "[900 safety <- efficacy] It is painless" in text


def test_average_precision_drops_when_must_claims_rank_low() -> None:
    predictions = [pred("Tea is warm", score=0.9), pred("The cream removes wrinkles", score=0.5), pred("It is painless", score=0.4)]
    report = score_predictions([G_REMOVES, G_PAINLESS], predictions, {"900": TEXT})
    assert report.average_precision == pytest.approx((1 / 2 + 2 / 3) / 2)


def test_type_accuracy_uses_the_prediction_that_covers_the_claim_best() -> None:
    whole = Prediction("900", 0, len(TEXT), "other", 0.5)
    exact = pred("It is painless", "safety", 0.5)
    report = score_predictions([G_PAINLESS], [whole, exact], {"900": TEXT})
    assert report.type_accuracy == 1.0


def test_score_predictions_needs_every_source_text() -> None:
    with pytest.raises(ValidationError, match="no source text for gold doc"):
        score_predictions([G_REMOVES], [], {})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"must": 2}, "gold must is 0 or 1; got 2"),
        ({"kind": "tasty"}, "gold kind must be one of"),
        ({"quote": ""}, "gold quote must be non-empty"),
    ],
)
def test_gold_claim_checks_itself(kwargs: dict[str, object], message: str) -> None:
    values = {"doc": "900", "must": 1, "kind": "other", "quote": "x", **kwargs}
    with pytest.raises(ValidationError, match=message):
        GoldClaim(**values)  # type: ignore[arg-type]
