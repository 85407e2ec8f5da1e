"""Dataset export and import.

A small pipeline: ``Store.iter_bundles`` streams the records (claim bundles), the formatter
(:mod:`annotations.export.formatter`) turns each into a row of the documented schema, and one
writer per format writes the rows. ``FORMATS`` (:mod:`annotations.export.catalog`) is the catalog
of formats, with each one's file extension, description, options and writer; the CLI and the
Export page build their choices from it. The sample output of every format is in
``annotations/export/examples/``.
"""

from __future__ import annotations

from annotations.export.catalog import FORMATS, Catalog, ExportContext, Format, Option, Writer
from annotations.export.jsonl import import_jsonl, read_jsonl
from annotations.export.services import ExportSummary, export, export_bundles, tool_version

__all__ = [
    "FORMATS", "Catalog", "ExportContext", "ExportSummary", "Format", "Option", "Writer", "export",
    "export_bundles", "import_jsonl", "read_jsonl", "tool_version",
]
