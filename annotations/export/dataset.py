"""A dataset folder: ``claims.jsonl``, ``claims.parquet`` and ``claims.csv`` written side by side in
one pass, and a ``README.md`` dataset card (label distribution, agreement, reviewers, guidelines,
date, tool version and the code that loads it with Hugging Face ``datasets``)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from annotations.agreement import Rating, compute_agreement, format_report
from annotations.errors import ValidationError
from annotations.export.catalog import DEFAULT_GUIDELINES, DEFAULT_TITLE, AtomicFile, ExportContext
from annotations.export.jsonl import JsonlWriter
from annotations.export.tabular import CsvWriter, ParquetWriter
from annotations.vocab import CLAIM_TYPES, SCHEMA_VERSION, VERDICT_LABELS, VERDICTS

DATA_FILES: dict[str, str] = {
    "claims.jsonl": "one claim per line, complete: document, claim, reviews, final verdict, citations and "
                    "history (the format `python -m app import` reads back)",
    "claims.parquet": "one row per claim, typed columns; reviews, citations and quantities nested",
    "claims.csv": "one row per claim, flattened for spreadsheets",
}
# Hugging Face ``datasets`` features of a JSONL row. Nested fields are read as JSON objects
# (``Json``): their inner fields vary from line to line (history states, null or filled verdicts),
# which Arrow's per-block type inference cannot reconcile in a large file.
HF_FEATURES: dict[str, str] = {
    "schema_version": 'Value("string")', "id": 'Value("string")', "document": "Json()", "claim": "Json()",
    "status": 'Value("string")', "reviewers": 'List(Value("string"))', "reviews": "Json()", "final": "Json()",
    "citations": "Json()", "history": "Json()",
}


class _Stats:
    """What the dataset card reports, gathered while the rows stream past."""

    def __init__(self) -> None:
        self.documents: set[str] = set()
        self.claims = 0
        self.finals: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.reviews: Counter[str] = Counter()
        self.types: Counter[str] = Counter()
        self.reviewers: set[str] = set()
        self.adjudicators: set[str] = set()
        self.ratings: list[Rating] = []

    def add(self, row: dict[str, Any]) -> None:
        self.claims += 1
        self.documents.add(row["document"]["id"])
        claim_type = row["claim"]["claim_type"]
        self.types[claim_type] += 1
        final = row["final"]
        self.finals[final["verdict"] if final else ""] += 1
        if final:
            self.sources[final["source"]] += 1
            if final["adjudication"]:
                self.adjudicators.add(final["adjudication"]["adjudicator"])
        for review in row["reviews"]:
            if not review["withdrawn"]:
                self.reviews[review["verdict"]] += 1
                self.reviewers.add(review["reviewer"])
                self.ratings.append(Rating(row["id"], review["reviewer"], review["verdict"], claim_type))


def _table(header: tuple[str, str], counts: list[tuple[str, int]], total: int) -> str:
    lines = [f"| {header[0]} | {header[1]} | share |", "| --- | ---: | ---: |"]
    lines += [f"| {name} | {n} | {100 * n / total:.1f}% |" for name, n in counts if n] if total else []
    return "\n".join(lines)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def review_setup(settings: Mapping[str, Any]) -> str:
    """How the reviews were collected, from the project settings: how many reviews each claim
    needed and whether reviewers saw each other's work before giving their own."""
    needed = int(settings.get("reviews_per_claim", 1))
    if needed < 2:
        return "Each claim needed one review."
    if settings.get("blind_review", True):
        return (f"Each claim needed {needed} reviews, given blind: a reviewer saw the other reviews of a "
                "claim only after saving their own.")
    return f"Each claim needed {needed} reviews; reviewers could see each other's reviews before giving theirs."


def dataset_card(stats: _Stats, *, name: str, title: str, guidelines: str, day: dt.date, version: str,
                 setup: str = "") -> str:
    """The README.md of a dataset folder."""
    finals = [(VERDICT_LABELS[v], stats.finals[v]) for v in VERDICTS] + [
        ("no final verdict yet", stats.finals[""])]
    reviews = [(VERDICT_LABELS[v], stats.reviews[v]) for v in VERDICTS]
    types = [(t, stats.types[t]) for t in CLAIM_TYPES]
    report = compute_agreement(stats.ratings)
    n_people = len(stats.reviewers | stats.adjudicators)
    files = "\n".join(f"| `{file}` | {what} |" for file, what in DATA_FILES.items())
    features = "\n".join(f'    "{key}": {feature},' for key, feature in HF_FEATURES.items())
    return f"""---
pretty_name: {json.dumps(title)}
language:
- en
task_categories:
- text-classification
- token-classification
configs:
- config_name: default
  data_files: claims.parquet
---

# {title}

{stats.claims} claims from {len(stats.documents)} documents, with {sum(stats.reviews.values())} reviews by \
{len(stats.reviewers)} reviewers ({n_people} people including adjudicators). Exported on {day.isoformat()} \
with claimcheck {version}; JSONL schema version {SCHEMA_VERSION}.

## Files

| file | contents |
| --- | --- |
{files}

The fields are documented in claimcheck's `docs/formats.md`. Offsets are character offsets into the
document text, which `claims.jsonl` carries once, on the first line of each document.

## Labels

Final verdicts ({stats.sources['adjudication']} adjudicated, {stats.sources['consensus']} by reviewer consensus):

{_table(("final verdict", "claims"), finals, stats.claims)}

Reviewers' verdicts (active reviews; withdrawn reviews are in the data, marked, but not counted):

{_table(("verdict", "reviews"), reviews, sum(stats.reviews.values()))}

Claim types:

{_table(("claim type", "claims"), types, stats.claims)}

## Agreement

{setup + chr(10) + chr(10) if setup else ""}On the {report.n_claims} claims with two or more reviews: unanimous on \
{"n/a" if report.percent_agreement is None else f"{100 * report.percent_agreement:.1f}%"}, Fleiss' kappa \
{_figure(report.fleiss_kappa)}, Krippendorff's alpha {_figure(report.krippendorff_alpha)}.

```text
{format_report(report).rstrip()}
```

## Guidelines

{guidelines}

## Loading

With Hugging Face `datasets` (5.x), the complete records:

```python
from datasets import Features, Json, List, Value, load_dataset

features = Features({{
{features}
}})
claims = load_dataset("json", data_files="{name}/claims.jsonl", features=features, split="train")
```

Typed columns (UTC timestamps, reviews and citations as lists of structs), no document text or
history: `load_dataset("parquet", data_files="{name}/claims.parquet", split="train")`, or
`load_dataset("{name}")` (the header above names the Parquet file), or
`pandas.read_parquet("{name}/claims.parquet")`.
"""


class DatasetWriter:
    """Writes the folder ``out``: the three data files, then the card once every row is in."""

    def __init__(self, out: Path, context: ExportContext, *, title: str = DEFAULT_TITLE,
                 guidelines: str = DEFAULT_GUIDELINES, date: str = "") -> None:
        if out.exists() and not out.is_dir():
            raise ValidationError(f"the dataset format writes a folder; {out} is a file")
        try:
            self._day = dt.date.fromisoformat(date) if date else context.today
        except ValueError:
            raise ValidationError(f"date must be an ISO date like 2026-11-25; got {date!r}") from None
        self._out, self._title, self._guidelines = out, title, guidelines
        self._version = context.tool_version
        self._setup = review_setup(context.settings)
        self._parts = [JsonlWriter(out / "claims.jsonl", context), ParquetWriter(out / "claims.parquet", context),
                       CsvWriter(out / "claims.csv", context)]
        self._stats = _Stats()

    def write(self, row: dict[str, Any]) -> None:
        for part in self._parts:
            part.write(row)
        self._stats.add(row)

    def close(self) -> int:
        card = AtomicFile(self._out / "README.md")
        card.partial.write_text(dataset_card(
            self._stats, name=self._out.name, title=self._title, guidelines=self._guidelines, day=self._day,
            version=self._version, setup=self._setup), encoding="utf-8")
        n = [part.close() for part in self._parts][0]
        card.commit()
        return n

    def abort(self) -> None:
        for part in self._parts:
            part.abort()

