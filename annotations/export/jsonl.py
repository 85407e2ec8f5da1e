"""JSON Lines: the complete, versioned export, one claim per line, and its reader for import.

Import is all or nothing: :func:`read_jsonl` checks each line as it is read and raises
:class:`~annotations.errors.ImportFormatError` (file, line number, reason) on the first bad one;
:func:`import_jsonl` feeds the reader to ``Store.import_bundles``, which runs in one transaction,
so that error rolls back everything the file had added.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from annotations.auth import Actor
from annotations.errors import ImportFormatError, ValidationError
from annotations.export.catalog import AtomicFile, ExportContext
from annotations.export.formatter import RowReader
from annotations.storage import ClaimBundle, ImportCounts, Store

# Rows are trees of fresh dicts and lists, never cyclic: the encoder need not track what it visited.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def dump_row(row: dict[str, Any]) -> str:
    """One JSONL line (without its newline): compact, UTF-8 text kept as is, fields in schema order."""
    return _ENCODER.encode(row)


class JsonlWriter:
    def __init__(self, out: Path, context: ExportContext) -> None:
        self._file = AtomicFile(out, encoding="utf-8")
        self._n = 0

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


def _bundles(path: Path) -> Iterator[ClaimBundle]:
    reader = RowReader()
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
                row = json.loads(text)
            except json.JSONDecodeError as exc:
                raise ImportFormatError(str(path), line_no, f"expected a JSON object; {exc}") from None
            try:
                bundle = reader.bundle(row)
            except ValidationError as exc:
                raise ImportFormatError(str(path), line_no, str(exc)) from None
            yield bundle


def import_jsonl(store: Store, path: str | Path, actor: Actor) -> ImportCounts:
    """Load a JSONL export into ``store`` as ``actor`` (an admin, or the local user): every line,
    or (if any line is malformed) nothing.

    Records already in the store (same ids) are skipped, so importing a file twice adds nothing.
    The store logs the import once, as a ``dataset`` entry whose id is the file's SHA-256, with
    the file name and the counts; no document or claim history gains an entry, so exporting the
    imported records gives back the same file."""
    path = Path(path)
    bundles = read_jsonl(path)  # refuses a missing file before it is hashed
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return store.import_bundles(actor, bundles, import_id=digest, source=path.name)
