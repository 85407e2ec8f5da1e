"""Dataset export and import.

A small pipeline: ``Store.iter_bundles`` streams the records (claim bundles), the formatter
(:mod:`annotations.export.formatter`) turns each into a row of the documented schema, and one
writer per format writes the rows. ``FORMATS`` is the catalog of formats, with each one's file
extension, description and options; the CLI and the Export page build their choices from it.

``models/docbin.py`` registers the ``spacy`` format when it is imported (this package may not
import spaCy). The sample output of every format is in ``annotations/export/examples/``.
"""

from __future__ import annotations

from annotations.export.catalog import FORMATS, Catalog, ExportContext, Format, Option, Writer
from annotations.export.claimreview import ClaimReviewWriter
from annotations.export.dataset import DEFAULT_GUIDELINES, DEFAULT_TITLE, DatasetWriter
from annotations.export.goldtsv import GoldWriter
from annotations.export.jsonl import ExportHeader, JsonlWriter, import_jsonl, read_header, read_jsonl
from annotations.export.services import ExportSummary, export, export_bundles, tool_version
from annotations.export.tabular import CsvWriter, ParquetWriter

__all__ = [
    "FORMATS", "Catalog", "ExportContext", "ExportHeader", "ExportSummary", "Format", "Option", "Writer", "export",
    "export_bundles", "import_jsonl", "read_header", "read_jsonl", "tool_version",
]

FORMATS.register(Format(
    "jsonl", ".jsonl",
    "JSON Lines, one claim per line with its reviews, final verdict, citations and history; "
    "complete, versioned, and the format import reads back.",
    JsonlWriter,
))
FORMATS.register(Format(
    "csv", ".csv",
    "One row per claim for spreadsheets: final verdict, reviewers' verdicts and citations flattened; "
    "cells that a spreadsheet would run as formulas are made inert.",
    CsvWriter,
    (Option("bom", bool, False, "start with a UTF-8 byte-order mark, so Excel reads UTF-8"),),
    uses_history=False,
))
FORMATS.register(Format(
    "parquet", ".parquet",
    "One row per claim with typed columns (UTC timestamps, int32 offsets, float64 scores) and nested "
    "reviews, citations and quantities; written in row groups.",
    ParquetWriter,
    (Option("row_group_size", int, 10_000, "rows per Parquet row group"),),
    uses_history=False,
))
FORMATS.register(Format(
    "claimreview", ".json",
    "schema.org ClaimReview JSON-LD, one record per claim with a final verdict (not_a_claim left out), "
    "for publishing fact checks.",
    ClaimReviewWriter,
    (Option("base_url", str, "", "the page that publishes the reviews (default: the organisation URL); "
                                 "each record's url is <base_url>#claim-<id>"),),
    uses_history=False,
))
FORMATS.register(Format(
    "gold", ".tsv",
    "Gold claims as a TSV (doc, must, kind, quote) for evaluating the extractor: accepted claims and "
    "reviewer-added claims; not_a_claim left out.",
    GoldWriter,
    uses_history=False,
))
FORMATS.register(Format(
    "dataset", "",
    "A dataset folder: claims.jsonl, claims.parquet and claims.csv with a README.md dataset card "
    "(label distribution, agreement, guidelines, loading code).",
    DatasetWriter,
    (
        Option("title", str, DEFAULT_TITLE, "the dataset's name on its card"),
        Option("guidelines", str, DEFAULT_GUIDELINES, "the guidelines used: a name, a URL or a short text"),
        Option("date", str, "", "the export date on the card, as YYYY-MM-DD (default: today)"),
    ),
))
