"""The export formats the app offers: those of the catalog, ``spacy`` included (the catalog names
each writer by its dotted path and imports it when the format is written)."""

from __future__ import annotations

from annotations.export import FORMATS, export, import_jsonl

__all__ = ["FORMATS", "export", "format_names", "import_jsonl"]


def format_names() -> list[str]:
    return list(FORMATS)
