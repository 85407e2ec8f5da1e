"""JSON Lines: the complete, versioned export, one claim per line, and its reader for import.

The first line of a ``jsonl`` export is a header, ``{"schema_version": ..., "header": {...}}``,
recording the tool version and the project settings that decide claim statuses and final verdicts
(``annotations.domain.STATUS_SETTINGS``). The ``claims.jsonl`` of a dataset folder has no header
line (so that ``datasets`` reads every line as a row); its dataset card records the settings.

Import is all or nothing: :func:`read_jsonl` checks each line as it is read and raises
:class:`~annotations.errors.ImportFormatError` (file, line number, reason) on the first bad one;
:func:`import_jsonl` feeds the reader to ``Store.import_bundles``, which runs in one transaction,
so that error rolls back everything the file had added. A file whose recorded settings differ from
the store's is refused before anything is read, unless the import adopts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotations.auth import Actor
from annotations.domain import check_status_settings, settings_differences, status_settings
from annotations.errors import ImportFormatError, ValidationError
from annotations.export.catalog import AtomicFile, ExportContext
from annotations.export.formatter import RowReader
from annotations.storage import ClaimBundle, ImportCounts, Store
from annotations.vocab import READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION

# Rows are trees of fresh dicts and lists, never cyclic: the encoder need not track what it visited.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dump_row(row: dict[str, Any]) -> str:
    """One JSONL line (without its newline): compact, UTF-8 text kept as is, fields in schema order."""
    return _ENCODER.encode(row)


HEADER_KEYS: tuple[str, ...] = ("tool", "tool_version", "settings")
CARD = "README.md"
CARD_KEY = "claimcheck"


def header_fields(context: ExportContext) -> dict[str, Any]:
    """What an export records about itself: the tool, its version and the status settings."""
    return {"tool": "claimcheck", "tool_version": context.tool_version, "settings": status_settings(context.settings)}


@dataclass(frozen=True)
class ExportHeader:
    """What an export file records about itself. ``settings`` is None when it records none (an
    export older than schema 1.1); ``where`` says where they were read."""

    settings: dict[str, Any] | None
    tool_version: str = ""
    where: str = ""


class JsonlWriter:
    """Writes the rows as JSON Lines, after a header line unless ``header`` is off (the dataset
    folder's copy, whose card records the settings)."""

    def __init__(self, out: Path, context: ExportContext, *, header: bool = True) -> None:
        self._file = AtomicFile(out, encoding="utf-8")
        self._n = 0
        if header:
            self._file.handle.write(dump_row({"schema_version": SCHEMA_VERSION, "header": header_fields(context)}) + "\n")

    def write(self, row: dict[str, Any]) -> None:
        self._file.handle.write(dump_row(row) + "\n")
        self._n += 1

    def close(self) -> int:
        self._file.commit()
        return self._n

    def abort(self) -> None:
        self._file.discard()


def read_jsonl(path: str | Path) -> Iterator[ClaimBundle]:
    """The claim bundles of a JSONL export, each line checked as it is read.

    Blank lines are skipped. A line that is not UTF-8, not JSON, or not a valid record of the
    schema raises ``ImportFormatError(path, line_no, reason)``."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"expected a JSONL export file; there is no file at {path}")
    return _bundles(path)


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    """``(line number, JSON value)`` of each non-blank line."""
    with open(path, "rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            if line_no == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise ImportFormatError(str(path), line_no, f"expected UTF-8 text; {exc}") from None
            try:
                yield line_no, json.loads(text)
            except json.JSONDecodeError as exc:
                raise ImportFormatError(str(path), line_no, f"expected a JSON object; {exc}") from None


def _is_header(row: Any) -> bool:
    return isinstance(row, dict) and "header" in row


def _header(row: dict[str, Any]) -> ExportHeader:
    """The header line ``row``, checked."""
    if sorted(row) != ["header", "schema_version"]:
        raise ValidationError(f"a header line holds schema_version and header; got {', '.join(sorted(row))}")
    if row["schema_version"] not in READABLE_SCHEMA_VERSIONS:
        raise ValidationError(f"schema_version must be one of {', '.join(READABLE_SCHEMA_VERSIONS)}; "
                              f"got {row['schema_version']!r}")
    fields = row["header"]
    if not isinstance(fields, dict) or sorted(fields) != sorted(HEADER_KEYS):
        got = ", ".join(sorted(fields)) if isinstance(fields, dict) else type(fields).__name__
        raise ValidationError(f"header must have the fields {', '.join(HEADER_KEYS)}; got {got}")
    return ExportHeader(check_status_settings("header.settings", fields["settings"]), str(fields["tool_version"]),
                        "its header line")


def _bundles(path: Path) -> Iterator[ClaimBundle]:
    reader = RowReader()
    first = True
    for line_no, row in _lines(path):
        try:
            if _is_header(row):
                if not first:
                    raise ValidationError("a header line must be the first line of the file")
                _header(row)
            else:
                yield reader.bundle(row)
        except ValidationError as exc:
            raise ImportFormatError(str(path), line_no, str(exc)) from None
        first = False


def read_header(path: str | Path) -> ExportHeader:
    """What the export at ``path`` records about itself: its header line, or else (a dataset
    folder's ``claims.jsonl``) the dataset card beside it; ``settings`` None when neither
    records any."""
    path = Path(path)
    if not path.is_file():
        raise ValidationError(f"expected a JSONL export file; there is no file at {path}")
    for line_no, row in _lines(path):
        if _is_header(row):
            try:
                return _header(row)
            except ValidationError as exc:
                raise ImportFormatError(str(path), line_no, str(exc)) from None
        break
    card = path.with_name(CARD)
    if card.is_file():
        return card_header(card)
    return ExportHeader(None)


def card_header(card: Path) -> ExportHeader:
    """The settings a dataset card records in its front matter (``claimcheck: {...}``)."""
    lines = card.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].strip() != "---":
        return ExportHeader(None)
    for line_no, line in enumerate(lines[1:], start=2):
        if line.strip() == "---":
            break
        if line.startswith(f"{CARD_KEY}:"):
            try:
                fields = json.loads(line.split(":", 1)[1])
                if not isinstance(fields, dict) or sorted(fields) != sorted(HEADER_KEYS):
                    raise ValidationError(f"{CARD_KEY} must have the fields {', '.join(HEADER_KEYS)}")
                return ExportHeader(check_status_settings(f"{CARD_KEY}.settings", fields["settings"]),
                                    str(fields["tool_version"]), "the dataset card beside it")
            except (json.JSONDecodeError, ValidationError) as exc:
                raise ImportFormatError(str(card), line_no, f"expected {CARD_KEY}: {{...}} (JSON); {exc}") from None
    return ExportHeader(None)


def settings_to_adopt(header: ExportHeader, current: Mapping[str, Any], adopt: bool) -> dict[str, Any]:
    """The settings an import takes from its file: none when the file records the store's own;
    those that differ when ``adopt``; otherwise the import is refused, with what differs and
    how to go on."""
    if header.settings is None:
        return {}
    differ = settings_differences(header.settings, current)
    if differ and not adopt:
        said = "; ".join(f"{key} {theirs} in the export, {ours} in this store" for key, (theirs, ours) in differ.items())
        first_key, (first_value, _) = next(iter(differ.items()))
        raise ValidationError(
            f"the export was made with other settings ({said}), so its claims would get other statuses and final "
            f"verdicts here; nothing was imported. Import with --adopt-settings to take the export's settings, or "
            f"change this store's first (python -m app settings set {first_key} {first_value})")
    return {key: theirs for key, (theirs, _) in differ.items()}


def import_jsonl(store: Store, path: str | Path, actor: Actor, *, adopt_settings: bool = False) -> ImportCounts:
    """Load a JSONL export into ``store`` as ``actor`` (an admin, or the local user): every line,
    or (if any line is malformed) nothing.

    The settings the file records (:func:`read_header`) must be the store's own, as they decide
    each claim's status and final verdict; with ``adopt_settings`` the store takes the file's,
    in the import's transaction (``ImportCounts.settings`` lists them). A file that records none
    (schema 1.0) is imported under the store's settings.

    Records already in the store (same ids) are skipped, so importing a file twice adds nothing.
    The store logs the import once, as a ``dataset`` entry whose id is the file's SHA-256, with
    the file name and the counts; no document or claim history gains an entry, so exporting the
    imported records gives back the same file."""
    path = Path(path)
    header = read_header(path)  # refuses a missing file before it is hashed
    adopted = settings_to_adopt(header, store.settings(), adopt_settings)
    bundles = read_jsonl(path)
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return store.import_bundles(actor, bundles, import_id=digest, source=path.name, settings=adopted)
