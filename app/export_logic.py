"""Plain functions behind the Export page: the filter of the page's choices, and an export built in
a temporary folder and read back for the download button. No Streamlit here."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from annotations.domain import Viewer
from annotations.export import ExportSummary
from annotations.storage import ExportFilter, Store
from app.exporting import FORMATS, export

MIME_TYPES = {
    "jsonl": "application/x-ndjson", "json": "application/json", "csv": "text/csv",
    "tsv": "text/tab-separated-values", "parquet": "application/vnd.apache.parquet",
    "spacy": "application/octet-stream", "zip": "application/zip",
}


def date_bounds(dates: Sequence[date] | date | None) -> tuple[datetime | None, datetime | None]:
    """A date picker's value (nothing, one day, or a from/to pair) as a UTC datetime range that
    includes both days whole."""
    if dates is None:
        return None, None
    if isinstance(dates, date):
        dates = (dates,)
    if len(dates) == 0:
        return None, None
    first, last = dates[0], dates[-1]
    return datetime.combine(first, time.min, UTC), datetime.combine(last, time.max, UTC)


def export_filter(
    *, document_ids: Sequence[str] = (), claim_types: Sequence[str] = (), verdicts: Sequence[str] = (),
    reviewers: Sequence[str] = (), dates: Sequence[date] | date | None = None, final_only: bool = False,
    include_unreviewed: bool = False, viewer: Viewer | None = None,
) -> ExportFilter:
    """The ExportFilter of the Export page's choices, for ``viewer`` (None: sees everything)."""
    since, until = date_bounds(dates)
    return ExportFilter(
        document_ids=tuple(document_ids), claim_types=tuple(claim_types), verdicts=tuple(verdicts),
        reviewers=tuple(reviewers), since=since, until=until, final_only=final_only,
        reviewed_only=not include_unreviewed, viewer=viewer,
    )


def reviewer_choices(known: Sequence[str], viewer: Viewer | None) -> list[str]:
    """The names the reviewer filter offers: everyone who reviewed, or only the viewer when they
    export only their own reviews."""
    return [viewer.name] if viewer is not None and viewer.own_reviews else list(known)


def scope_note(viewer: Viewer | None) -> str | None:
    """What the Export page says about whose work an export holds, when it is not everyone's."""
    if viewer is None or not viewer.own_reviews:
        return None
    note = "Your exports hold your own reviews; adjudicators and admins export everyone's."
    if viewer.blind:
        note += (" Blind review is on, so they hold only the claims you have reviewed: the others' work on "
                 "the rest stays hidden until you review them.")
    return note


@dataclass(frozen=True)
class ExportFile:
    """A finished export, ready for a download button."""

    file_name: str
    data: bytes
    mime: str
    summary: str
    warnings: tuple[str, ...] = ()


def build_export(
    store: Store, fmt: str, flt: ExportFilter, options: Mapping[str, Any], *, today: date | None = None,
) -> ExportFile:
    """Export into a temporary folder (never into the project) and read the result back; a
    folder format is zipped."""
    spec = FORMATS[fmt]
    stem = f"claimcheck-{spec.name}-{(today or datetime.now(UTC).date()).isoformat()}"
    with tempfile.TemporaryDirectory(prefix="claimcheck-export-") as tmp:
        out = Path(tmp) / f"{stem}{spec.extension}"
        summary = export(store, fmt, out, flt, **options)
        if spec.folder:
            archive = shutil.make_archive(str(Path(tmp) / stem), "zip", root_dir=tmp, base_dir=stem)
            data, name, kind = Path(archive).read_bytes(), f"{stem}.zip", "zip"
        else:
            data, name, kind = out.read_bytes(), out.name, spec.extension.lstrip(".")
    return ExportFile(name, data, MIME_TYPES.get(kind, "application/octet-stream"), export_summary_text(summary),
                      summary.warnings)


def export_summary_text(summary: ExportSummary) -> str:
    """What an export holds, in words."""
    text = (f"{summary.n_claims} claim(s) with {summary.n_reviews} review(s) from {summary.n_documents} "
            f"document(s)")
    if summary.n_left_out > 0:
        text += f"; {summary.n_records} written, {summary.n_left_out} left out by the {summary.format} format"
    return text + "."
