"""Writers of the one-row-per-claim formats: CSV (flattened, for spreadsheets) and Parquet (typed,
with nested reviews, citations and quantities). Neither holds the document text or the history:
JSONL is the complete, restorable format; these two are for analysis."""

from __future__ import annotations

import csv
import types
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from annotations.export.catalog import AtomicFile, ExportContext
from annotations.export.formatter import ADJUDICATION_KEYS, CLAIM_KEYS, REVIEW_KEYS
from annotations.fields import Record
from annotations.records import Claim, Review, Verdict

# The columns of a claim's document, before those of the claim.
DOCUMENT_COLUMNS: tuple[str, ...] = (
    "claim_id", "document_id", "document_name", "document_origin", "document_url", "content_hash",
)
# Each key of a row's claim is a column, under its own name but for those a document has too. A
# withdrawn claim is never exported, so ``withdrawn`` is not a column.
CLAIM_RENAMED: dict[str, str] = {"origin": "claim_origin", "version": "claim_version"}
CLAIM_COLUMN_KEYS: tuple[str, ...] = tuple(key for key in CLAIM_KEYS if key != "withdrawn")


def _csv_claim_columns() -> list[str]:
    """In CSV a nested record (the cues) is a column per field, a list of records (the
    quantities) one column of their texts."""
    out: list[str] = []
    for key in CLAIM_COLUMN_KEYS:
        nested = Claim._nested.get(key)
        out.extend(nested.field_names() if nested else [CLAIM_RENAMED.get(key, key)])  # type: ignore[attr-defined]
    return out


CSV_COLUMNS: tuple[str, ...] = (
    *DOCUMENT_COLUMNS, *_csv_claim_columns(), "status", "final_verdict", "final_source", "final_by",
    "adjudicator", "adjudication_rationale", "n_reviews", "reviewers", "review_verdicts", "review_rationales",
    "withdrawn_reviews", "citations", "citation_quotes",
)

# Characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that some
# spreadsheets strip before doing so). Such a cell gets a leading apostrophe.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def _document_cells(row: dict[str, Any]) -> list[Any]:
    doc = row["document"]
    return [row["id"], doc["id"], doc["name"], doc["origin"], doc["url"], doc["content_hash"]]


def _status_cells(row: dict[str, Any]) -> dict[str, Any]:
    """The status and final verdict columns of a row, shared by CSV and Parquet."""
    final = row["final"]
    adjudication = final["adjudication"] if final else None
    return {
        "status": row["status"], "final_verdict": final["verdict"] if final else None,
        "final_source": final["source"] if final else None,
        "adjudicator": adjudication["adjudicator"] if adjudication else None,
        "adjudication_rationale": adjudication["rationale"] if adjudication else None,
        "n_reviews": len(row["reviewers"]),
    }


# ------------------------------------------------------------------------------------- CSV


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, made inert with a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _citation_ref(c: dict[str, Any]) -> str:
    return c["link"] or f"{c['kind']}:{c['identifier']}"


# How each claim key becomes CSV cells: as it is, the fields of a nested record joined, or the
# texts of a list of records joined.
_CSV_CLAIM = tuple(
    (key, "record", Claim._nested[key].field_names()) if key in Claim._nested  # type: ignore[attr-defined]
    else (key, "records", ()) if key in Claim._nested_lists else (key, "value", ())
    for key in CLAIM_COLUMN_KEYS
)


def csv_cells(row: dict[str, Any]) -> list[Any]:
    """One CSV line: lists joined with ``; `` (citations with `` | ``), formulas neutralised."""
    claim, reviews = row["claim"], row["reviews"]
    cells = _document_cells(row)
    for key, kind, names in _CSV_CLAIM:
        value = claim[key]
        if kind == "value":
            cells.append(value)
        elif kind == "record":
            cells.extend("; ".join(value[name]) for name in names)
        else:
            cells.append("; ".join(item["text"] for item in value))
    status = _status_cells(row)
    active = [r for r in reviews if not r["withdrawn"]]
    cells += [
        status["status"], status["final_verdict"], status["final_source"],
        "; ".join(row["final"]["by"]) if row["final"] else "", status["adjudicator"],
        status["adjudication_rationale"], status["n_reviews"], "; ".join(row["reviewers"]),
        "; ".join(f"{r['reviewer']}: {r['verdict']}" for r in active),
        " | ".join(f"{r['reviewer']}: {r['rationale']}" for r in active if r["rationale"]),
        "; ".join(f"{r['reviewer']}: {r['verdict']}" for r in reviews if r["withdrawn"]),
        " | ".join(_citation_ref(c) for c in row["citations"]),
        " | ".join(c["quote"] for c in row["citations"] if c["quote"]),
    ]
    return [neutralise(value) for value in cells]


class CsvWriter:
    """One row per claim, with a header; ``bom`` starts the file with a UTF-8 byte-order mark so
    Excel reads it as UTF-8."""

    def __init__(self, out: Path, context: ExportContext, *, bom: bool = False) -> None:
        self._file = AtomicFile(out, encoding="utf-8-sig" if bom else "utf-8", newline="")
        self._csv = csv.writer(self._file.handle)
        self._csv.writerow(CSV_COLUMNS)
        self._n = 0

    def write(self, row: dict[str, Any]) -> None:
        self._csv.writerow(csv_cells(row))
        self._n += 1

    def close(self) -> int:
        self._file.commit()
        return self._n

    def abort(self) -> None:
        self._file.discard()


# --------------------------------------------------------------------------------- Parquet

TIMESTAMP = pa.timestamp("us", tz="UTC")
_ARROW: dict[Any, pa.DataType] = {str: pa.string(), int: pa.int32(), float: pa.float64(), bool: pa.bool_(),
                                  datetime: TIMESTAMP}


def arrow_type(hint: Any) -> pa.DataType:
    """The Parquet type of a record field's type: offsets and versions int32, scores float64,
    timestamps in UTC, a tuple a list, a nested record a struct of its fields; None allowed."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if typing.get_origin(hint) is tuple:
        return pa.list_(arrow_type(typing.get_args(hint)[0]))
    if isinstance(hint, type) and issubclass(hint, Record):
        return record_struct(hint)
    return _ARROW[hint]


def record_struct(record: type, names: tuple[str, ...] | None = None) -> pa.DataType:
    """A struct of the fields ``names`` (default: all) of ``record``, in that order."""
    hints = typing.get_type_hints(record)
    return pa.struct([(name, arrow_type(hints[name])) for name in names or record.field_names()])  # type: ignore[attr-defined]


_CLAIM_HINTS = typing.get_type_hints(Claim)
FLAT_CITATION = pa.struct([("kind", pa.string()), ("identifier", pa.string()), ("link", pa.string()),
                           ("quote", pa.string()), ("note", pa.string()), ("by", pa.string()),
                           ("role", pa.string())])

PARQUET_SCHEMA = pa.schema([
    *((name, pa.string()) for name in DOCUMENT_COLUMNS),
    # A key that is no field (the sentence) is text.
    *((CLAIM_RENAMED.get(key, key), arrow_type(_CLAIM_HINTS.get(key, str))) for key in CLAIM_COLUMN_KEYS),
    ("status", pa.string()), ("final_verdict", pa.string()), ("final_source", pa.string()),
    ("final_by", pa.list_(pa.string())), ("adjudicator", pa.string()), ("adjudication_rationale", pa.string()),
    ("adjudication", record_struct(Verdict, ADJUDICATION_KEYS)), ("n_reviews", pa.int32()),
    ("reviewers", pa.list_(pa.string())), ("reviews", pa.list_(record_struct(Review, REVIEW_KEYS))),
    ("citations", pa.list_(FLAT_CITATION)),
])


def _ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _stamped(record: dict[str, Any]) -> dict[str, Any]:
    """A review or adjudication with its ISO 8601 timestamps read into datetimes."""
    return {**record, "created_at": _ts(record["created_at"]), "updated_at": _ts(record["updated_at"])}


# The claim keys of a row with their Parquet column, and whether they hold a timestamp.
_PARQUET_CLAIM = tuple((key, CLAIM_RENAMED.get(key, key), key in Claim._datetimes) for key in CLAIM_COLUMN_KEYS)


def parquet_record(row: dict[str, Any]) -> dict[str, Any]:
    final = row["final"]
    adjudication = final["adjudication"] if final else None
    claim = row["claim"]
    values = dict(zip(DOCUMENT_COLUMNS, _document_cells(row), strict=True))
    for key, column, stamp in _PARQUET_CLAIM:
        values[column] = _ts(claim[key]) if stamp else claim[key]
    values.update(_status_cells(row))
    values.update({
        "final_by": final["by"] if final else None,
        "adjudication": _stamped(adjudication) if adjudication else None,
        "reviewers": row["reviewers"],
        "reviews": [_stamped(r) for r in row["reviews"]],
        "citations": row["citations"],
    })
    return values


class ParquetWriter:
    """Rows are gathered column by column and turned into Arrow record batches of up to
    ``CHUNK_ROWS`` rows as they come, so no more than that are ever held as Python objects (Arrow
    holds them in a fraction of the memory). The batches of ``row_group_size`` rows are written
    as one row group with a ``pyarrow.parquet.ParquetWriter``, so memory holds one row group of
    Arrow data, not the whole export."""

    CHUNK_ROWS = 500

    def __init__(self, out: Path, context: ExportContext, *, row_group_size: int = 10_000) -> None:
        self._file = AtomicFile(out)
        self._writer = pq.ParquetWriter(self._file.partial, PARQUET_SCHEMA, compression="zstd")
        self._size = row_group_size
        self._chunk = min(row_group_size, self.CHUNK_ROWS)
        self._columns: dict[str, list[Any]] = {name: [] for name in PARQUET_SCHEMA.names}
        self._batches: list[pa.RecordBatch] = []
        self._gathered = 0  # rows in self._columns
        self._pending = 0  # rows in self._batches and self._columns, not yet written
        self._n = 0

    def write(self, row: dict[str, Any]) -> None:
        for name, value in parquet_record(row).items():
            self._columns[name].append(value)
        self._gathered += 1
        self._pending += 1
        if self._pending >= self._size:
            self._flush()
        elif self._gathered >= self._chunk:
            self._convert()

    def _convert(self) -> None:
        if self._gathered:
            self._batches.append(pa.RecordBatch.from_pydict(self._columns, schema=PARQUET_SCHEMA))
            self._columns = {name: [] for name in PARQUET_SCHEMA.names}
            self._gathered = 0

    def _flush(self) -> None:
        self._convert()
        if self._batches:
            self._writer.write_table(pa.Table.from_batches(self._batches, schema=PARQUET_SCHEMA),
                                     row_group_size=self._size)
            self._n += self._pending
            self._batches = []
            self._pending = 0

    def close(self) -> int:
        self._flush()
        self._writer.close()
        self._file.commit()
        return self._n

    def abort(self) -> None:
        self._writer.close()
        self._file.discard()
