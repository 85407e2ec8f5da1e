"""The committed sample of every export format (annotations/export/examples/) is what the
current code makes from the committed source. Text files are compared byte for byte; Parquet and
DocBin files by content. After a deliberate format change, run scripts/make_samples.py."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from annotations.export import FORMATS
from models.docbin import claim_spans, document_fields, read_docbin
from scripts.make_samples import EXAMPLES, make_samples, sample_name

REGENERATE = "the sample is out of date: run .venv/bin/python scripts/make_samples.py"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    make_samples(out)
    return out


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_every_format_has_a_committed_sample() -> None:
    for fmt in FORMATS:
        assert (EXAMPLES / sample_name(fmt)).exists(), f"no sample for format {fmt}: {REGENERATE}"


def test_no_stray_files_in_the_examples(fresh: Path) -> None:
    assert files(EXAMPLES) == sorted([*files(fresh), "source.json"])


@pytest.mark.parametrize("name", ["claims.jsonl", "claims.csv", "claimreview.json", "gold.tsv",
                                  "dataset/README.md", "dataset/claims.jsonl", "dataset/claims.csv"])
def test_text_sample_is_current(fresh: Path, name: str) -> None:
    assert (fresh / name).read_bytes() == (EXAMPLES / name).read_bytes(), REGENERATE


@pytest.mark.parametrize("name", ["claims.parquet", "dataset/claims.parquet"])
def test_parquet_sample_is_current(fresh: Path, name: str) -> None:
    made, committed = pq.read_table(fresh / name), pq.read_table(EXAMPLES / name)
    assert made.schema.equals(committed.schema), REGENERATE
    assert made.to_pylist() == committed.to_pylist(), REGENERATE


def test_spacy_sample_is_current(fresh: Path) -> None:
    def content(path: Path) -> list[tuple[object, ...]]:
        return [(document_fields(doc), [t.text for t in doc],
                 [(s.start, s.end, s.label_, fields) for s, fields in claim_spans(doc)])
                for doc in read_docbin(path)]

    assert content(fresh / "claims.spacy") == content(EXAMPLES / "claims.spacy"), REGENERATE
