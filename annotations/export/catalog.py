"""The catalog of export formats: name, file extension, description and options of each, and the
writer that produces it. The CLI and the Export page build their choices from ``FORMATS``.

A writer is opened on an output path, receives the formatter's rows one at a time
(:meth:`Writer.write`), and either finishes (:meth:`Writer.close`, which returns how many records
it wrote) or is aborted (:meth:`Writer.abort`, which leaves no partial output behind).

Each format names its writer by dotted path (``"annotations.export.jsonl:JsonlWriter"``), imported
only when that format is written: the catalog is complete without importing any writer, and the
``spacy`` format, whose writer lives in ``models/docbin.py`` because only ``models`` imports spaCy,
is listed like the others without ``annotations`` importing ``models``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from annotations.errors import ValidationError
from annotations.vocab import parse_switch


@dataclass(frozen=True)
class Option:
    """One option of a format. ``kind`` is ``bool``, ``int`` or ``str``; a ``str`` option with
    ``choices`` takes only those values. Values typed on a command line (strings) are converted."""

    name: str
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    def coerce(self, fmt: str, value: Any) -> Any:
        """``value`` converted to this option's kind; refused with a message naming both."""
        what = f"option {self.name!r} of format {fmt!r}"
        if self.kind is bool:
            return parse_switch(what, value)
        if self.kind is int:
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, str) and value.strip().isdigit():
                number = int(value)
            else:
                raise ValidationError(f"{what} must be a whole number; got {value!r}")
            if number < 1:
                raise ValidationError(f"{what} must be at least 1; got {number}")
            return number
        if not isinstance(value, str):
            raise ValidationError(f"{what} must be text; got {value!r}")
        if self.choices and value not in self.choices:
            raise ValidationError(f"{what} must be one of {', '.join(self.choices)}; got {value!r}")
        return value


@dataclass(frozen=True)
class ExportContext:
    """What a writer may need besides the rows: the store's settings (organisation name and URL,
    reviews per claim), the export date and the tool version."""

    settings: Mapping[str, Any] = field(default_factory=dict)
    today: date = field(default_factory=lambda: datetime.now(UTC).date())
    tool_version: str = "unknown"


class Writer(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...

    def close(self) -> int: ...

    def abort(self) -> None: ...


WriterFactory = Callable[..., Writer]
"""``factory(out: Path, context: ExportContext, **options) -> Writer``."""


@dataclass(frozen=True)
class Format:
    """An export format. ``extension`` is ``""`` for a format that writes a folder. ``writer`` is
    the dotted path (``"package.module:Name"``) of its :data:`WriterFactory`.

    ``uses_history`` says whether the writer reads the rows' ``history`` and
    ``document.history``; a format that does not (a flat table, ClaimReview...) is exported
    without reading the history log, its largest table, and its rows carry empty lists there."""

    name: str
    extension: str
    description: str
    writer: str
    options: tuple[Option, ...] = ()
    uses_history: bool = True

    def open(self, out: Path, context: ExportContext, **options: Any) -> Writer:
        """A writer of this format on ``out``; its module is imported now, on first use."""
        module, _, name = self.writer.partition(":")
        factory: WriterFactory = getattr(importlib.import_module(module), name)
        return factory(out, context, **options)

    @property
    def folder(self) -> bool:
        return self.extension == ""

    def check_options(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Every option of this format, with the given values converted and the rest defaulted."""
        known = {option.name: option for option in self.options}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValidationError(
                f"format {self.name!r} takes the options {', '.join(known) or '(none)'}; "
                f"got {', '.join(map(repr, unknown))}"
            )
        return {
            name: option.coerce(self.name, given[name]) if name in given else option.default
            for name, option in known.items()
        }


class Catalog(Mapping[str, Format]):
    """The registered formats, by name, in registration order."""

    def __init__(self) -> None:
        self._formats: dict[str, Format] = {}

    def register(self, fmt: Format) -> Format:
        """Add ``fmt``; registering the same name again replaces it."""
        self._formats[fmt.name] = fmt
        return fmt

    def __getitem__(self, name: str) -> Format:
        try:
            return self._formats[name]
        except KeyError:
            raise ValidationError(
                f"unknown export format {name!r}; known formats: {', '.join(self._formats)}"
            ) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._formats)

    def __len__(self) -> int:
        return len(self._formats)


# The dataset format's defaults (``annotations.export.dataset``).
DEFAULT_TITLE = "Health claims with fact-check verdicts"
DEFAULT_GUIDELINES = (
    "Each candidate claim (a span of a health or cosmetics article) was given one verdict per reviewer: "
    "**Supported**: the cited evidence backs the claim as stated; "
    "**Unsupported**: the evidence does not back it (it contradicts the claim, or none could be found); "
    "**Risky**: the claim may hold in part but misleads, or a reader acting on it could come to harm; "
    "**Not a claim**: the span asserts nothing checkable. "
    "Where two reviewers disagreed, an adjudicator recorded the final verdict with a rationale."
)
# The span labels of the spacy format (``models.docbin``).
LABEL_BY: tuple[str, ...] = ("verdict", "claim_type")

FORMATS = Catalog()
for _format in (
    Format(
        "jsonl", ".jsonl",
        "JSON Lines, one claim per line with its reviews, final verdict, citations and history; "
        "complete, versioned, and the format import reads back.",
        "annotations.export.jsonl:JsonlWriter",
    ),
    Format(
        "csv", ".csv",
        "One row per claim for spreadsheets: final verdict, reviewers' verdicts and citations flattened; "
        "cells that a spreadsheet would run as formulas are made inert.",
        "annotations.export.tabular:CsvWriter",
        (Option("bom", bool, False, "start with a UTF-8 byte-order mark, so Excel reads UTF-8"),),
        uses_history=False,
    ),
    Format(
        "parquet", ".parquet",
        "One row per claim with typed columns (UTC timestamps, int32 offsets, float64 scores) and nested "
        "reviews, citations and quantities; written in row groups.",
        "annotations.export.tabular:ParquetWriter",
        (Option("row_group_size", int, 10_000, "rows per Parquet row group"),),
        uses_history=False,
    ),
    Format(
        "claimreview", ".json",
        "schema.org ClaimReview JSON-LD, one record per claim with a final verdict (not_a_claim left out), "
        "for publishing fact checks.",
        "annotations.export.claimreview:ClaimReviewWriter",
        (Option("base_url", str, "", "the page that publishes the reviews (default: the organisation URL); "
                                     "each record's url is <base_url>#claim-<id>"),),
        uses_history=False,
    ),
    Format(
        "gold", ".tsv",
        "Gold claims as a TSV (doc, must, kind, quote) for evaluating the extractor: accepted claims and "
        "reviewer-added claims; not_a_claim left out.",
        "annotations.export.goldtsv:GoldWriter",
        uses_history=False,
    ),
    Format(
        "dataset", "",
        "A dataset folder: claims.jsonl, claims.parquet and claims.csv with a README.md dataset card "
        "(label distribution, agreement, guidelines, loading code).",
        "annotations.export.dataset:DatasetWriter",
        (
            Option("title", str, DEFAULT_TITLE, "the dataset's name on its card"),
            Option("guidelines", str, DEFAULT_GUIDELINES, "the guidelines used: a name, a URL or a short text"),
            Option("date", str, "", "the export date on the card, as YYYY-MM-DD (default: today)"),
        ),
    ),
    Format(
        "spacy", ".spacy",
        "A spaCy DocBin, one Doc per document with the claims in doc.spans['claims'], for spacy train "
        "(spancat with spans_key = 'claims').",
        "models.docbin:DocBinWriter",
        (Option("label_by", str, "verdict", "span label: the final verdict (claims without one are left out) "
                                            "or the claim type", LABEL_BY),),
        uses_history=False,
    ),
):
    FORMATS.register(_format)


# ---------------------------------------------------------------------- atomic file output


class AtomicFile:
    """A file written under a temporary name beside ``path`` and moved into place on commit, so
    an interrupted export never leaves a half-written file under the real name.

    With an ``encoding``, :attr:`handle` is the open text file to write to; without one, the
    caller writes :attr:`partial` itself."""

    def __init__(self, path: Path, *, encoding: str | None = None, newline: str = "\n") -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.partial = path.with_name(f".{path.name}.partial")
        self._handle: TextIO | None = None
        if encoding is not None:
            # Closed by commit() or discard(): the file stays open across the writer's calls.
            self._handle = self.partial.open("w", encoding=encoding, newline=newline)  # noqa: SIM115

    @property
    def handle(self) -> TextIO:
        if self._handle is None:
            raise ValidationError(f"{self.path} was opened without an encoding; it has no text handle")
        return self._handle

    def commit(self) -> None:
        if self._handle is not None:
            self._handle.close()
        os.replace(self.partial, self.path)

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
        self.partial.unlink(missing_ok=True)
