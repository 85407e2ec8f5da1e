"""The export formats the app offers: those of ``annotations.export``, plus the spaCy DocBin
format, which lives in ``models`` because only ``models`` imports spaCy."""

from __future__ import annotations

import models.docbin  # noqa: F401  (registers the "spacy" format in the catalog)
from annotations.export import FORMATS, export, import_jsonl

__all__ = ["FORMATS", "export", "format_names", "import_jsonl"]


def format_names() -> list[str]:
    return list(FORMATS)
