"""Writers of the one-row-per-claim formats: CSV (flattened, for spreadsheets) and Parquet (typed,
with nested reviews, citations and quantities). Neither holds the document text or the history:
JSONL is the complete, restorable format; these two are for analysis."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from annotations.export.catalog import AtomicFile, ExportContext

# Columns shared by CSV and Parquet, taken as they are from a row.
SCALAR_COLUMNS: tuple[str, ...] = (
    "claim_id", "document_id", "document_name", "document_origin", "document_url", "content_hash",
    "start", "end", "text", "sentence_start", "sentence_end", "sentence", "context", "claim_type", "score",
    "rule_id", "claim_origin", "created_by", "created_at", "updated_at", "claim_version", "status",
    "final_verdict", "final_source", "adjudicator", "adjudication_rationale", "n_reviews",
)
CSV_COLUMNS: tuple[str, ...] = (
    "claim_id", "document_id", "document_name", "document_origin", "document_url", "content_hash",
    "start", "end", "text", "sentence_start", "sentence_end", "sentence", "context", "claim_type", "score",
    "rule_id", "hedges", "absolutes", "negations", "quantities", "claim_origin", "created_by", "created_at",
    "updated_at", "claim_version", "status", "final_verdict", "final_source", "final_by", "adjudicator",
    "adjudication_rationale", "n_reviews", "reviewers", "review_verdicts", "review_rationales",
    "withdrawn_reviews", "citations", "citation_quotes",
)

# Characters that make a spreadsheet read a cell as a formula (or, for tab and CR, that some
# spreadsheets strip before doing so). Such a cell gets a leading apostrophe.
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def scalars(row: dict[str, Any]) -> dict[str, Any]:
    """The plain columns of a row: document, claim, status and final verdict fields."""
    doc, claim, final = row["document"], row["claim"], row["final"]
    adjudication = final["adjudication"] if final else None
    return {
        "claim_id": row["id"], "document_id": doc["id"], "document_name": doc["name"],
        "document_origin": doc["origin"], "document_url": doc["url"], "content_hash": doc["content_hash"],
        "start": claim["start"], "end": claim["end"], "text": claim["text"],
        "sentence_start": claim["sentence_start"], "sentence_end": claim["sentence_end"],
        "sentence": claim["sentence"], "context": claim["context"], "claim_type": claim["claim_type"],
        "score": claim["score"], "rule_id": claim["rule_id"], "claim_origin": claim["origin"],
        "created_by": claim["created_by"], "created_at": claim["created_at"], "updated_at": claim["updated_at"],
        "claim_version": claim["version"], "status": row["status"],
        "final_verdict": final["verdict"] if final else None, "final_source": final["source"] if final else None,
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


def csv_cells(row: dict[str, Any]) -> list[Any]:
    """One CSV line: lists joined with ``; `` (citations with `` | ``), formulas neutralised."""
    cues, reviews = row["claim"]["cues"], row["reviews"]
    active = [r for r in reviews if not r["withdrawn"]]
    joined = {
        "hedges": "; ".join(cues["hedges"]), "absolutes": "; ".join(cues["absolutes"]),
        "negations": "; ".join(cues["negations"]),
        "quantities": "; ".join(q["text"] for q in row["claim"]["quantities"]),
        "final_by": "; ".join(row["final"]["by"]) if row["final"] else "",
        "reviewers": "; ".join(row["reviewers"]),
        "review_verdicts": "; ".join(f"{r['reviewer']}: {r['verdict']}" for r in active),
        "review_rationales": " | ".join(f"{r['reviewer']}: {r['rationale']}" for r in active if r["rationale"]),
        "withdrawn_reviews": "; ".join(f"{r['reviewer']}: {r['verdict']}" for r in reviews if r["withdrawn"]),
        "citations": " | ".join(_citation_ref(c) for c in row["citations"]),
        "citation_quotes": " | ".join(c["quote"] for c in row["citations"] if c["quote"]),
    }
    values = {**scalars(row), **joined}
    return [neutralise(values[name]) for name in CSV_COLUMNS]


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
CITATION = pa.struct([("kind", pa.string()), ("identifier", pa.string()), ("quote", pa.string()),
                      ("note", pa.string())])
FLAT_CITATION = pa.struct([("kind", pa.string()), ("identifier", pa.string()), ("link", pa.string()),
                           ("quote", pa.string()), ("note", pa.string()), ("by", pa.string()),
                           ("role", pa.string())])
QUANTITY = pa.struct([("text", pa.string()), ("kind", pa.string()), ("minimum", pa.float64()),
                      ("maximum", pa.float64()), ("unit", pa.string()), ("start", pa.int32()), ("end", pa.int32())])
CUES = pa.struct([("hedges", pa.list_(pa.string())), ("absolutes", pa.list_(pa.string())),
                  ("negations", pa.list_(pa.string()))])
REVIEW = pa.struct([
    ("id", pa.string()), ("reviewer", pa.string()), ("verdict", pa.string()), ("rationale", pa.string()),
    ("citations", pa.list_(CITATION)), ("created_at", TIMESTAMP), ("updated_at", TIMESTAMP),
    ("version", pa.int32()), ("withdrawn", pa.bool_()),
])
ADJUDICATION = pa.struct([
    ("id", pa.string()), ("adjudicator", pa.string()), ("verdict", pa.string()), ("rationale", pa.string()),
    ("citations", pa.list_(CITATION)), ("created_at", TIMESTAMP), ("updated_at", TIMESTAMP),
    ("version", pa.int32()),
])

PARQUET_SCHEMA = pa.schema([
    ("claim_id", pa.string()), ("document_id", pa.string()), ("document_name", pa.string()),
    ("document_origin", pa.string()), ("document_url", pa.string()), ("content_hash", pa.string()),
    ("start", pa.int32()), ("end", pa.int32()), ("text", pa.string()), ("sentence_start", pa.int32()),
    ("sentence_end", pa.int32()), ("sentence", pa.string()), ("context", pa.string()),
    ("claim_type", pa.string()), ("score", pa.float64()), ("rule_id", pa.string()), ("cues", CUES),
    ("quantities", pa.list_(QUANTITY)), ("claim_origin", pa.string()), ("created_by", pa.string()),
    ("created_at", TIMESTAMP), ("updated_at", TIMESTAMP), ("claim_version", pa.int32()), ("status", pa.string()),
    ("final_verdict", pa.string()), ("final_source", pa.string()), ("final_by", pa.list_(pa.string())),
    ("adjudicator", pa.string()), ("adjudication_rationale", pa.string()), ("adjudication", ADJUDICATION),
    ("n_reviews", pa.int32()), ("reviewers", pa.list_(pa.string())), ("reviews", pa.list_(REVIEW)),
    ("citations", pa.list_(FLAT_CITATION)),
])


def _ts(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _stamped(record: dict[str, Any]) -> dict[str, Any]:
    """A review or adjudication with its ISO 8601 timestamps read into datetimes."""
    return {**record, "created_at": _ts(record["created_at"]), "updated_at": _ts(record["updated_at"])}


def parquet_record(row: dict[str, Any]) -> dict[str, Any]:
    final = row["final"]
    adjudication = final["adjudication"] if final else None
    values = scalars(row)
    values["created_at"], values["updated_at"] = _ts(values["created_at"]), _ts(values["updated_at"])
    return {
        **values,
        "cues": row["claim"]["cues"],
        "quantities": row["claim"]["quantities"],
        "final_by": final["by"] if final else None,
        "adjudication": _stamped(adjudication) if adjudication else None,
        "reviewers": row["reviewers"],
        "reviews": [_stamped(r) for r in row["reviews"]],
        "citations": row["citations"],
    }


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
