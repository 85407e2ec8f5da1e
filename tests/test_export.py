"""Export formats: each one read back by its own reader (json, csv and pandas, pyarrow, JSON-LD
fields, the gold TSV, Hugging Face datasets), CSV formula neutralising, options, filters and the
catalog. The data is the samples source (annotations/export/examples/source.json): 8 claims in
2 documents, reviewed by ann and bob, two of them adjudicated by carla."""

from __future__ import annotations

import csv
import gc
import itertools
import json
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from jsonl_export import claim_rows

from annotations.auth import Actor
from annotations.errors import ValidationError
from annotations.export import FORMATS, ExportContext, export, export_bundles, read_jsonl, services
from annotations.export.claimreview import DEFAULT_ORGANISATION
from annotations.export.dataset import HF_FEATURES
from annotations.export.formatter import ROW_KEYS
from annotations.export.tabular import CSV_COLUMNS, neutralise
from annotations.records import Claim, Document
from annotations.storage import ClaimBundle, ExportFilter, Store
from scripts.make_samples import fill_store, load_source, reviewed

ROOT = Path(__file__).resolve().parents[1]
D1, D2 = "d1000000-0000-4000-8000-000000000001", "d2000000-0000-4000-8000-000000000002"


def cid(n: int) -> str:
    """The id of claim n of the samples source (claims 1-4 are in document 1, 5-8 in document 2)."""
    return f"c{1 if n <= 4 else 2}000000-0000-4000-8000-00000000000{n}"


REVIEWED = {cid(n) for n in (1, 2, 3, 4, 5, 6, 8)}  # claim 7 has no review


@pytest.fixture
def sample(memory_store: Store, ann: Actor) -> Store:
    fill_store(memory_store, ann)
    return memory_store




# ---------------------------------------------------------------------------------- catalog


def test_catalog_lists_every_format_with_extension_and_description() -> None:
    assert list(FORMATS) == ["jsonl", "csv", "parquet", "claimreview", "gold", "dataset", "spacy"]
    assert {name: f.extension for name, f in FORMATS.items()} == {
        "jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet", "claimreview": ".json", "gold": ".tsv",
        "dataset": "", "spacy": ".spacy"}
    assert all(f.description for f in FORMATS.values())


def test_the_catalog_is_complete_before_any_writer_is_imported() -> None:
    """Importing the export package has no side effects: every format, spacy included, is in the
    catalog without a writer's module (or spaCy) being imported; a writer is imported when its
    format is written."""
    code = ("import sys; from annotations.export import FORMATS; print(','.join(FORMATS)); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'models', 'spacy', 'pyarrow'}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["jsonl,csv,parquet,claimreview,gold,dataset,spacy", "[]"]


def test_every_format_and_option_is_documented() -> None:
    docs = (ROOT / "docs" / "formats.md").read_text(encoding="utf-8")
    for name, fmt in FORMATS.items():
        assert f"## `{name}`" in docs, f"docs/formats.md has no section for format {name}"
        for option in fmt.options:
            assert f"`{option.name}`" in docs, f"docs/formats.md does not describe option {option.name}"


def test_unknown_format_lists_the_known_ones(sample: Store, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match=r"unknown export format 'xml'; known formats: jsonl, csv, parquet, "
                                              r"claimreview, gold, dataset, spacy"):
        export(sample, "xml", tmp_path / "out.xml")


@pytest.mark.parametrize(
    ("fmt", "options", "message"),
    [
        ("csv", {"label_by": "verdict"}, r"format 'csv' takes the options bom; got 'label_by'"),
        ("jsonl", {"bom": True}, r"format 'jsonl' takes the options \(none\); got 'bom'"),
        ("csv", {"bom": "maybe"}, r"option 'bom' of format 'csv' must be on or off \(true/false, yes/no, 1/0\); got 'maybe'"),
        ("spacy", {"label_by": "colour"},
         r"option 'label_by' of format 'spacy' must be one of verdict, claim_type; got 'colour'"),
        ("parquet", {"row_group_size": 0}, r"option 'row_group_size' of format 'parquet' must be at least 1; got 0"),
        ("claimreview", {"base_url": "ftp://example.org/x"}, r"only http and https links are accepted"),
        ("dataset", {"date": "5 March"}, r"date must be an ISO date like 2026-11-25; got '5 March'"),
    ],
)
def test_bad_options_are_refused(sample: Store, tmp_path: Path, fmt: str, options: dict[str, Any],
                                 message: str) -> None:
    out = tmp_path / f"out{FORMATS[fmt].extension}"
    with pytest.raises(ValidationError, match=message):
        export(sample, fmt, out, **options)
    assert list(tmp_path.iterdir()) == []


def test_options_typed_on_a_command_line_are_converted(sample: Store, tmp_path: Path) -> None:
    summary = export(sample, "csv", tmp_path / "c.csv", bom="yes")
    assert (tmp_path / "c.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert summary.n_claims == 7


@pytest.mark.parametrize(("fmt", "make", "message"), [
    ("jsonl", lambda p: p.mkdir(), r"format 'jsonl' writes a .jsonl file; got the folder"),
    ("dataset", lambda p: p.write_text("x"), r"format 'dataset' writes a folder; got the file"),
])
def test_output_path_must_fit_the_format(sample: Store, tmp_path: Path, fmt: str, make: Any, message: str) -> None:
    out = tmp_path / "out"
    make(out)
    with pytest.raises(ValidationError, match=message):
        export(sample, fmt, out)


def test_a_failed_export_leaves_no_file(tmp_path: Path) -> None:
    _, bundles = load_source()

    def failing() -> Any:
        yield bundles[0]
        raise ValidationError("the store went away")

    for fmt in FORMATS:
        out = tmp_path / f"out{FORMATS[fmt].extension}"
        with pytest.raises(ValidationError, match="the store went away"):
            export_bundles(failing(), fmt, out, ExportContext())
        assert not out.exists() or list(out.iterdir()) == []
        assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def test_summary_counts_claims_reviews_documents_and_records(sample: Store, tmp_path: Path) -> None:
    summary = export(sample, "claimreview", tmp_path / "cr.json")
    assert (summary.n_documents, summary.n_claims, summary.n_reviews, summary.n_records) == (2, 7, 12, 4)
    assert summary.n_left_out == 3
    assert summary.describe() == (f"claimreview: 7 claims (12 reviews, 2 documents) -> {tmp_path / 'cr.json'} "
                                  "(4 written, 3 left out by this format)")


# ------------------------------------------------------------------------------------ JSONL


def test_jsonl_holds_reviews_final_verdict_citations_and_provenance(sample: Store, tmp_path: Path) -> None:
    export(sample, "jsonl", tmp_path / "claims.jsonl")
    rows = {row["id"]: row for row in claim_rows(tmp_path / "claims.jsonl")}
    assert set(rows) == REVIEWED
    assert {row["schema_version"] for row in rows.values()} == {"1.1"}

    settled = rows[cid(3)]
    assert settled["status"] == "settled"
    assert settled["final"]["verdict"] == "risky" and settled["final"]["source"] == "adjudication"
    assert settled["final"]["by"] == ["carla"]
    adjudication = settled["final"]["adjudication"]
    assert adjudication["rationale"].startswith("False as stated")
    assert [c["identifier"] for c in adjudication["citations"]] == [
        "https://evidence.example.org/magnesium-upper-limit", "10.5555/sample.0002"]
    assert [(c["by"], c["role"], c["link"]) for c in settled["citations"]] == [
        ("ann", "review", "https://pubmed.ncbi.nlm.nih.gov/99999999/"),
        ("carla", "adjudication", "https://evidence.example.org/magnesium-upper-limit"),
        ("carla", "adjudication", "https://doi.org/10.5555/sample.0002"),
    ]
    assert [(r["reviewer"], r["verdict"], r["version"]) for r in settled["reviews"]] == [
        ("ann", "risky", 2), ("bob", "unsupported", 1)]
    assert [(e["entity"], e["action"]) for e in settled["history"]] == [
        ("claim", "create"), ("review", "create"), ("review", "update"), ("review", "create"), ("verdict", "create")]

    claim = settled["claim"]
    assert (claim["claim_type"], claim["score"], claim["rule_id"]) == ("safety", 0.97, "safety-safe")
    assert claim["cues"]["absolutes"] == ["completely", "any"]
    doc = rows[cid(1)]["document"]
    assert doc["text"][claim["start"]:claim["end"]] == claim["text"] == "Magnesium is completely safe at any dose"
    assert doc["text"][claim["sentence_start"]:claim["sentence_end"]] == claim["sentence"]
    assert (doc["name"], doc["origin"], doc["url"]) == (
        "001_magnesium-sleep.txt", "file", "https://wellness-blog.example.com/magnesium-sleep")
    assert len(doc["content_hash"]) == 64

    withdrawn = rows[cid(5)]
    assert withdrawn["status"] == "in_review" and withdrawn["final"] is None
    assert [(r["reviewer"], r["withdrawn"]) for r in withdrawn["reviews"]] == [("ann", False), ("bob", True)]
    assert withdrawn["reviewers"] == ["ann"]

    consensus = rows[cid(4)]["final"]
    assert (consensus["verdict"], consensus["source"], consensus["by"], consensus["adjudication"]) == (
        "supported", "consensus", ["ann", "bob"], None)


def test_jsonl_carries_each_document_text_once(sample: Store, tmp_path: Path) -> None:
    export(sample, "jsonl", tmp_path / "claims.jsonl")
    rows = claim_rows(tmp_path / "claims.jsonl")
    with_text = [(row["document"]["id"], row["id"]) for row in rows if row["document"]["text"] is not None]
    assert with_text == [(D1, cid(1)), (D2, cid(5))]
    assert all(row["document"]["history"] is None for row in rows if row["document"]["text"] is None)


def test_jsonl_claim_fields_cover_every_claim_record_field(sample: Store, tmp_path: Path) -> None:
    """A field added to the Claim record must be added to the export schema too."""
    import dataclasses

    export(sample, "jsonl", tmp_path / "claims.jsonl")
    row = claim_rows(tmp_path / "claims.jsonl")[0]
    fields = {f.name for f in dataclasses.fields(Claim)} - {"id", "document_id"}
    assert fields <= set(row["claim"])
    assert {f.name for f in dataclasses.fields(Document)} <= set(row["document"])


# -------------------------------------------------------------------------------------- CSV


def test_csv_reads_back_with_csv_and_pandas(sample: Store, tmp_path: Path) -> None:
    export(sample, "csv", tmp_path / "claims.csv")
    with open(tmp_path / "claims.csv", encoding="utf-8", newline="") as handle:
        rows = {row["claim_id"]: row for row in csv.DictReader(handle)}
    assert set(rows) == REVIEWED
    row = rows[cid(3)]
    assert (row["final_verdict"], row["final_source"], row["adjudicator"]) == ("risky", "adjudication", "carla")
    assert row["review_verdicts"] == "ann: risky; bob: unsupported"
    assert row["citations"] == ("https://pubmed.ncbi.nlm.nih.gov/99999999/ | "
                                "https://evidence.example.org/magnesium-upper-limit | https://doi.org/10.5555/sample.0002")
    assert rows[cid(5)]["withdrawn_reviews"] == "bob: supported"
    assert rows[cid(8)]["sentence"] == "'- Skip irritated or broken skin."

    frame = pd.read_csv(tmp_path / "claims.csv")
    assert list(frame.columns) == list(CSV_COLUMNS)
    assert len(frame) == 7
    assert frame.set_index("claim_id").loc[cid(1), "score"] == pytest.approx(0.91)


@pytest.mark.parametrize("bom", [False, True])
def test_csv_bom_option(sample: Store, tmp_path: Path, bom: bool) -> None:
    export(sample, "csv", tmp_path / "claims.csv", bom=bom)
    data = (tmp_path / "claims.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfclaim_id,") is bom
    assert data.startswith(b"claim_id,") is not bom
    frame = pd.read_csv(tmp_path / "claims.csv", encoding="utf-8-sig")
    assert frame.columns[0] == "claim_id"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_neutralises_a_formula_cell(memory_store: Store, ann: Actor, tmp_path: Path, start: str) -> None:
    payload = f"{start}HYPERLINK(\"http://evil.example\",\"click\")"
    doc = Document(name="note.txt", text="Sauna sessions flush toxins from the liver.")
    claim = Claim(document_id=doc.id, start=0, end=42, text=doc.text[:42], claim_type="mechanism")
    memory_store.add_document(ann, doc, [claim])
    memory_store.save_verdict(ann, claim.id, "unsupported", rationale=payload)
    export(memory_store, "csv", tmp_path / "c.csv")
    with open(tmp_path / "c.csv", encoding="utf-8", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["adjudication_rationale"] == "'" + payload
    assert row["text"] == "Sauna sessions flush toxins from the liver"


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+1", "'=1+1"), ("+31 6", "'+31 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("safe = yes", "safe = yes"), ("", ""), (0.5, 0.5), (None, None),
])
def test_neutralise(value: Any, expected: Any) -> None:
    assert neutralise(value) == expected


# ---------------------------------------------------------------------------------- Parquet


def test_parquet_has_typed_columns_and_nested_reviews(sample: Store, tmp_path: Path) -> None:
    export(sample, "parquet", tmp_path / "claims.parquet", row_group_size=3)
    parquet = pq.ParquetFile(tmp_path / "claims.parquet")
    assert parquet.metadata.num_row_groups == 3  # 7 rows in groups of 3
    table = parquet.read()
    schema = table.schema
    assert schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert schema.field("score").type == pa.float64()
    assert schema.field("start").type == pa.int32() and schema.field("end").type == pa.int32()
    assert pa.types.is_list(schema.field("reviews").type)
    assert pa.types.is_struct(schema.field("reviews").type.value_type)
    assert pa.types.is_struct(schema.field("citations").type.value_type)

    rows = {row["claim_id"]: row for row in table.to_pylist()}
    assert set(rows) == REVIEWED
    row = rows[cid(3)]
    assert row["adjudication"]["adjudicator"] == "carla"
    assert row["reviews"][0]["updated_at"] == datetime(2026, 3, 3, 8, 20, 30, 500000, tzinfo=UTC)
    assert [c["identifier"] for c in row["adjudication"]["citations"]] == [
        "https://evidence.example.org/magnesium-upper-limit", "10.5555/sample.0002"]
    assert rows[cid(1)]["quantities"][0]["minimum"] == 300.0
    assert rows[cid(5)]["adjudication"] is None and rows[cid(5)]["final_verdict"] is None


# ------------------------------------------------------------------------------ ClaimReview

RATINGS = {"supported": 3, "risky": 2, "unsupported": 1}


def test_claimreview_has_the_fields_google_requires(sample: Store, tmp_path: Path) -> None:
    export(sample, "claimreview", tmp_path / "cr.json")
    records = json.loads((tmp_path / "cr.json").read_text(encoding="utf-8"))
    by_id = {r["url"].rsplit("#claim-", 1)[1]: r for r in records}
    # Final verdicts: 1 unsupported, 3 risky, 4 supported, 6 unsupported; 2 is not_a_claim; 5 and 8 open.
    assert set(by_id) == {cid(1), cid(3), cid(4), cid(6)}
    for claim_id, record in by_id.items():
        assert record["@context"] == "https://schema.org"
        assert record["@type"] == "ClaimReview"
        assert record["claimReviewed"]
        assert record["url"] == f"https://factcheck.example.org/health#claim-{claim_id}"
        rating = record["reviewRating"]
        assert rating["@type"] == "Rating"
        assert rating["ratingValue"] == RATINGS[rating["alternateName"].lower()]
        assert (rating["worstRating"], rating["bestRating"]) == (1, 3)
        assert record["author"] == {"@type": "Organization", "name": "Example Health Desk",
                                    "url": "https://factcheck.example.org/health"}
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", record["datePublished"])
        assert record["itemReviewed"]["@type"] == "Claim"
    risky = by_id[cid(3)]
    assert risky["claimReviewed"] == "Magnesium is completely safe at any dose"
    assert risky["datePublished"] == "2026-03-04"
    assert risky["itemReviewed"]["appearance"] == {
        "@type": "CreativeWork", "name": "001_magnesium-sleep.txt",
        "url": "https://wellness-blog.example.com/magnesium-sleep"}
    assert [c["url"] for c in risky["citation"]] == [
        "https://evidence.example.org/magnesium-upper-limit", "https://doi.org/10.5555/sample.0002"]
    assert by_id[cid(6)]["itemReviewed"]["appearance"] == {"@type": "CreativeWork", "name": "002_dry-brushing.md"}


def test_claimreview_without_organisation_settings(tmp_path: Path) -> None:
    """No organisation set: a clear default author, and urls from base_url, else the document url."""
    settings, bundles = load_source()
    context = ExportContext(settings={})
    summary = export_bundles(reviewed(bundles), "claimreview", tmp_path / "a.json", context)
    records = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    assert {r["author"]["name"] for r in records} == {DEFAULT_ORGANISATION}
    assert [r["url"] for r in records] == [
        f"https://wellness-blog.example.com/magnesium-sleep#claim-{cid(n)}" for n in (1, 3, 4)
    ] + [f"urn:claimcheck:claim:{cid(6)}"]
    author, urn = summary.warnings  # said, with what to set
    assert "the 4 record(s) name the placeholder author" in author and "settings set organisation" in author
    assert "1 record(s) have a urn: url" in urn and "organisation_url" in urn and "base_url" in urn

    summary = export_bundles(reviewed(bundles), "claimreview", tmp_path / "b.json", context,
                             base_url="https://desk.example/r")
    records = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))
    assert records[-1]["url"] == f"https://desk.example/r#claim-{cid(6)}"
    assert [w.split(":")[1].split(",")[0] for w in summary.warnings] == [" no organisation is set"]
    configured = ExportContext(settings={"organisation": "Desk", "organisation_url": "https://desk.example"})
    assert export_bundles(reviewed(bundles), "claimreview", tmp_path / "c.json", configured).warnings == ()


# ------------------------------------------------------------------------------------- gold


def test_gold_tsv_holds_accepted_and_reviewer_added_claims(sample: Store, tmp_path: Path) -> None:
    summary = export(sample, "gold", tmp_path / "gold.tsv")
    with open(tmp_path / "gold.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    assert list(rows[0]) == ["doc", "must", "kind", "quote"]
    assert [(r["doc"], r["must"], r["kind"], r["quote"]) for r in rows] == [
        ("001_magnesium-sleep", "1", "efficacy", "Taking 300 mg of magnesium glycinate an hour before bed cures insomnia in most adults"),
        ("001_magnesium-sleep", "1", "safety", "Magnesium is completely safe at any dose"),
        ("001_magnesium-sleep", "1", "contraindication",
         "People with kidney disease should not take magnesium supplements without medical advice"),
        ("002_dry-brushing", "1", "mechanism", "It also detoxifies the lymphatic system"),
        ("002_dry-brushing", "1", "advice", "Skip irritated or broken skin"),  # added by a reviewer, not settled yet
    ]
    assert summary.n_records == 5


def test_gold_tsv_has_the_header_of_the_evaluation_file(sample: Store, tmp_path: Path) -> None:
    export(sample, "gold", tmp_path / "gold.tsv")
    assert (tmp_path / "gold.tsv").read_text(encoding="utf-8").splitlines()[0] == "doc\tmust\tkind\tquote"


def test_gold_leaves_out_a_claim_across_a_line_break(memory_store: Store, ann: Actor, tmp_path: Path) -> None:
    doc = Document(name="vitamin-c-serum.md", text="Vitamin C serum\nfades dark spots in a week.")
    across = Claim(document_id=doc.id, start=0, end=26, text=doc.text[:26], claim_type="efficacy")
    inside = Claim(document_id=doc.id, start=16, end=42, text=doc.text[16:42], claim_type="efficacy")
    memory_store.add_document(ann, doc, [across, inside])
    for claim in (across, inside):
        memory_store.save_verdict(ann, claim.id, "unsupported")
    summary = export(memory_store, "gold", tmp_path / "gold.tsv")
    assert (tmp_path / "gold.tsv").read_text(encoding="utf-8") == (
        "doc\tmust\tkind\tquote\nvitamin-c-serum\t1\tefficacy\tfades dark spots in a week\n")
    assert (summary.n_claims, summary.n_records) == (2, 1)


# ---------------------------------------------------------------------------------- dataset


def test_dataset_folder_and_card(sample: Store, tmp_path: Path) -> None:
    out = tmp_path / "health-claims"
    summary = export(sample, "dataset", out, guidelines="Desk rules v2: https://desk.example/rules",
                     date="2026-03-05", title="Desk sample")
    assert [p.name for p in summary.files] == ["README.md", "claims.csv", "claims.jsonl", "claims.parquet"]
    card = (out / "README.md").read_text(encoding="utf-8")
    version = re.search(r'^version = "(.+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert f"Exported on 2026-03-05 with claimcheck {version}" in card
    assert "7 claims from 2 documents, with 12 reviews by 2 reviewers (3 people including adjudicators)" in card
    assert "| Unsupported | 2 | 28.6% |" in card  # final verdicts
    assert "| Unsupported | 7 | 58.3% |" in card  # reviewers' verdicts
    assert "| no final verdict yet | 2 | 28.6% |" in card
    assert "unanimous on 60.0%" in card and "Krippendorff's alpha 0.379" in card
    assert "ann / bob: n=5, agree 60.0%, kappa 0.375" in card
    assert "Desk rules v2: https://desk.example/rules" in card
    assert 'load_dataset("json", data_files="health-claims/claims.jsonl", features=features, split="train")' in card
    assert card.startswith('---\nclaimcheck: {"tool": "claimcheck", "tool_version": "' + version
                           + '", "settings": {"reviews_per_claim": 2}}\npretty_name: "Desk sample"\n')
    assert len(claim_rows(out / "claims.jsonl")) == pq.read_table(out / "claims.parquet").num_rows == 7


def test_dataset_card_code_loads_it_with_hugging_face_datasets(sample: Store, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline, with every cache in tmp_path: the card's own loading code, in chunks small enough
    that Arrow infers each chunk's types apart, and the Parquet file the card's header names."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf" / "datasets")
    monkeypatch.chdir(tmp_path)
    export(sample, "dataset", tmp_path / "ds")
    card = (tmp_path / "ds" / "README.md").read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", card, re.S).group(1)
    namespace: dict[str, Any] = {}
    exec(code, namespace)  # noqa: S102 - the code we wrote into the card
    claims = namespace["claims"]
    assert claims.num_rows == 7 and set(claims["id"]) == REVIEWED
    assert claims[0]["final"]["verdict"] == "unsupported" and claims[0]["document"]["text"].startswith("Magnesium")

    chunked = datasets.load_dataset("json", data_files="ds/claims.jsonl", features=namespace["features"],
                                    chunksize=2048, split="train")
    assert chunked["final"] == claims["final"]
    typed = datasets.load_dataset("ds", split="train")
    assert typed.num_rows == 7 and "reviews" in typed.features


def test_hugging_face_features_name_every_row_field() -> None:
    assert tuple(HF_FEATURES) == ROW_KEYS


# ---------------------------------------------------------------------------------- filters

SINCE_9 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
UNTIL_830 = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize(("flt", "claims"), [
    (ExportFilter(), (1, 2, 3, 4, 5, 6, 8)),
    (ExportFilter(reviewed_only=False), (1, 2, 3, 4, 5, 6, 7, 8)),
    (ExportFilter(document_ids=(D2,)), (5, 6, 8)),
    (ExportFilter(claim_types=("efficacy",)), (1, 5)),
    (ExportFilter(statuses=("settled",)), (2, 3)),
    (ExportFilter(verdicts=("risky",)), (3,)),
    (ExportFilter(verdicts=("not_a_claim",)), (2,)),
    (ExportFilter(verdicts=("unsupported",), final_only=True), (1, 6)),
    (ExportFilter(final_only=True), (1, 2, 3, 4, 6)),
    (ExportFilter(reviewers=("bob",)), (1, 2, 3, 4, 6)),  # bob's review of 5 is withdrawn
    (ExportFilter(reviewers=("carla",)), (2, 3)),  # the adjudicator
    (ExportFilter(since=SINCE_9), (2, 3, 5, 6, 8)),
    (ExportFilter(until=UNTIL_830), (1, 2, 3, 4)),
    (ExportFilter(since=UNTIL_830, until=SINCE_9, reviewers=("ann",)), (5,)),  # bounds are inclusive
], ids=["default", "all-claims", "document", "type", "status", "verdict-any", "not-a-claim", "final-verdict",
        "final-only", "reviewer", "adjudicator", "since", "until", "reviewer-in-range"])
def test_filters(sample: Store, tmp_path: Path, flt: ExportFilter, claims: tuple[int, ...]) -> None:
    summary = export(sample, "jsonl", tmp_path / "f.jsonl", flt)
    assert [b.claim.id for b in read_jsonl(tmp_path / "f.jsonl")] == [cid(n) for n in claims]
    assert summary.n_claims == len(claims)


def test_a_time_without_a_zone_is_taken_as_utc(sample: Store) -> None:
    naive = ExportFilter(since=SINCE_9.replace(tzinfo=None), until=datetime(2026, 3, 4, 12, 0))
    assert naive.since == SINCE_9 and naive.until == datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    aware = ExportFilter(since=SINCE_9, until=datetime(2026, 3, 4, 12, 0, tzinfo=UTC))
    assert [b.claim.id for b in sample.iter_bundles(naive)] == [b.claim.id for b in sample.iter_bundles(aware)]


def documented_rule(bundle: ClaimBundle, flt: ExportFilter) -> bool:
    """Whether ``bundle`` passes the review filters of ``flt``, as ``ExportFilter`` states them,
    worked out in Python from the bundle (the store applies them in SQL)."""
    reviews = [r for r in bundle.reviews if not r.withdrawn]
    if flt.reviewers:
        reviews = [r for r in reviews if r.reviewer in flt.reviewers]
    adjudication = bundle.verdict
    checks = []
    if flt.reviewers:
        checks.append(bool(reviews) or (adjudication is not None and adjudication.adjudicator in flt.reviewers))
    if flt.since or flt.until:
        stamps = [r.updated_at or r.created_at for r in reviews]
        if adjudication is not None:
            stamps.append(adjudication.updated_at or adjudication.created_at)
        checks.append(any((flt.since is None or s >= flt.since) and (flt.until is None or s <= flt.until)
                          for s in stamps))
    if flt.final_only:
        checks.append(bundle.final is not None and (not flt.verdicts or bundle.final.verdict in flt.verdicts))
    elif flt.verdicts:
        checks.append(any(r.verdict in flt.verdicts for r in reviews)
                      or (adjudication is not None and adjudication.verdict in flt.verdicts))
    if flt.reviewed_only:
        checks.append(bool(reviews) or adjudication is not None)
    return all(checks)


def test_the_store_filters_by_the_documented_rule(sample: Store) -> None:
    """Every combination of the review filters selects, in SQL, the claims the rule selects."""
    everything = list(sample.iter_bundles(ExportFilter(reviewed_only=False)))
    between_edits = datetime(2026, 3, 3, 8, 17, tzinfo=UTC)  # ann saved claim 3 at 8:15 and again at 8:20
    ranges = [(None, None), (SINCE_9, None), (None, UNTIL_830), (UNTIL_830, SINCE_9), (None, between_edits),
              (between_edits, UNTIL_830)]
    wrong = []
    for verdicts, reviewers, (since, until), final_only, reviewed_only in itertools.product(
            [(), ("risky",), ("unsupported", "supported"), ("not_a_claim",)],
            [(), ("bob",), ("carla",), ("ann", "carla")], ranges, [False, True], [True, False]):
        flt = ExportFilter(verdicts=verdicts, reviewers=reviewers, since=since, until=until,
                           final_only=final_only, reviewed_only=reviewed_only)
        expected = [b.claim.id for b in everything if documented_rule(b, flt)]
        if [b.claim.id for b in sample.iter_bundles(flt)] != expected:
            wrong.append(flt)
    assert wrong == []


# ------------------------------------------------------------------------- what an export reads


@pytest.mark.perf
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_only_the_formats_that_write_history_read_it(sample: Store, tmp_path: Path, fmt: str, sent_statements) -> None:
    out = tmp_path / f"out{FORMATS[fmt].extension}"
    sent = [statement for statement, _ in sent_statements(sample, lambda: export(sample, fmt, out))]
    reads_history = any("FROM history" in statement for statement in sent)
    assert reads_history is (fmt in ("jsonl", "dataset"))
    assert FORMATS[fmt].uses_history is reads_history


@pytest.mark.perf
def test_automatic_garbage_collection_is_paused_during_an_export_only(tmp_path: Path) -> None:
    _, bundles = load_source()
    seen = []

    def watched() -> Any:
        for bundle in reviewed(bundles):
            seen.append(gc.isenabled())
            yield bundle

    assert gc.isenabled()
    export_bundles(watched(), "jsonl", tmp_path / "a.jsonl", ExportContext())
    assert seen and not any(seen) and gc.isenabled()

    def failing() -> Any:
        yield bundles[0]
        raise ValidationError("the store went away")

    with pytest.raises(ValidationError, match="the store went away"):
        export_bundles(failing(), "csv", tmp_path / "b.csv", ExportContext())
    assert gc.isenabled()


def cyclic_garbage(run: Any) -> int:
    """How many objects only the cycle collector could free, of those ``run()`` left behind."""
    gc.collect()
    gc.disable()
    try:
        run()
        return gc.collect()
    finally:
        gc.enable()


@pytest.mark.perf
@pytest.mark.parametrize("fmt", ["jsonl", "parquet", "csv"])
def test_the_main_formats_make_no_reference_cycles_per_claim(sample: Store, tmp_path: Path, fmt: str) -> None:
    """Everything an export reads and formats for a claim is freed by reference counting as it
    goes, so the collector has nothing to find (setting an export up, its queries, leaves a few
    objects in cycles, once)."""
    out = tmp_path / f"out{FORMATS[fmt].extension}"
    export(sample, fmt, out)  # compiles and caches the queries first
    one_document = cyclic_garbage(lambda: export(sample, fmt, out, ExportFilter(document_ids=(D2,))))
    everything = cyclic_garbage(lambda: export(sample, fmt, out, ExportFilter(reviewed_only=False)))
    assert everything == one_document


@pytest.mark.perf
def test_an_export_collects_reference_cycles_as_it_goes(sample: Store, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """ClaimReview's indented JSON leaves reference cycles for each record; with automatic
    collection paused, the export clears them every ``COLLECT_EVERY`` rows, so they never pile up."""
    out = tmp_path / "cr.json"
    export(sample, "claimreview", out)
    piled_up = cyclic_garbage(lambda: export(sample, "claimreview", out))
    monkeypatch.setattr(services, "COLLECT_EVERY", 1)
    assert cyclic_garbage(lambda: export(sample, "claimreview", out)) < piled_up / 10


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({}, "Each claim needed one review."),
        ({"reviews_per_claim": 2, "blind_review": True}, "The project asked for 2 reviews per claim, given blind"),
        ({"reviews_per_claim": 2, "blind_review": False}, "reviewers could see each other's reviews"),
    ],
)
def test_dataset_card_says_how_reviews_were_collected(settings, says):
    from annotations.export.dataset import review_setup

    assert says in review_setup(settings)


def test_dataset_card_does_not_call_single_reviews_double_or_blind():
    from annotations.export.dataset import review_setup

    settings = {"reviews_per_claim": 2, "blind_review": True}
    mostly_one = review_setup(settings, {1: 26, 2: 4})
    assert mostly_one.endswith("Of the 30 claims, 26 have one review, 4 have two or more reviews. Most claims have a "
                               "single review or none, so most labels here rest on one reviewer: this is not a "
                               "double-reviewed dataset.")
    assert review_setup(settings, {2: 9, 1: 1}).endswith("Of the 10 claims, 1 has one review, 9 have two or more "
                                                         "reviews.")
