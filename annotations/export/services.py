"""Running an export: stored bundles -> formatter rows -> the chosen format's writer."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from annotations.errors import ValidationError
from annotations.export.catalog import FORMATS, ExportContext, Format
from annotations.export.formatter import rows
from annotations.storage import ClaimBundle, ExportFilter, Store

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def tool_version() -> str:
    """The project version from pyproject.toml (read, not imported), else the installed one."""
    try:
        with open(PYPROJECT, "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        try:
            return metadata.version("claimcheck")
        except metadata.PackageNotFoundError:
            return "unknown"


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote. ``n_claims`` claims (with ``n_reviews`` active reviews, from
    ``n_documents`` documents) passed the filter; ``n_records`` records went into the output
    (lines, rows, ClaimReviews, gold claims or spans: some formats leave some claims out)."""

    format: str
    path: Path
    n_documents: int
    n_claims: int
    n_reviews: int
    n_records: int
    files: tuple[Path, ...] = field(default_factory=tuple)

    @property
    def n_left_out(self) -> int:
        return self.n_claims - self.n_records

    def describe(self) -> str:
        text = (f"{self.format}: {self.n_claims} claims ({self.n_reviews} reviews, {self.n_documents} documents) "
                f"-> {self.path}")
        if self.n_left_out > 0:
            text += f" ({self.n_records} written, {self.n_left_out} left out by this format)"
        return text


def _check_out(spec: Format, out: Path) -> None:
    if spec.folder:
        if out.exists() and not out.is_dir():
            raise ValidationError(f"format {spec.name!r} writes a folder; got the file {out}")
    elif out.is_dir():
        raise ValidationError(f"format {spec.name!r} writes a {spec.extension} file; got the folder {out}")


def export_bundles(
    bundles: Iterable[ClaimBundle], fmt: str, out: Path, context: ExportContext | None = None, **options: Any
) -> ExportSummary:
    """Write ``bundles`` (in document order) in format ``fmt`` to ``out``. Nothing is left under
    ``out`` if writing fails."""
    spec = FORMATS[fmt]
    values = spec.check_options(options)
    out = Path(out)
    _check_out(spec, out)
    context = context or ExportContext(tool_version=tool_version())
    documents: set[str] = set()
    n_claims = n_reviews = 0
    writer = spec.open(out, context, **values)
    try:
        for row in rows(bundles):
            writer.write(row)
            documents.add(row["document"]["id"])
            n_claims += 1
            n_reviews += len(row["reviewers"])
    except BaseException:
        writer.abort()
        raise
    n_records = writer.close()
    files = tuple(sorted(p for p in out.iterdir() if not p.name.startswith("."))) if spec.folder else (out,)
    return ExportSummary(fmt, out, len(documents), n_claims, n_reviews, n_records, files)


def export(store: Store, fmt: str, out: Path, flt: ExportFilter | None = None, **options: Any) -> ExportSummary:
    """Export the claims of ``store`` that pass ``flt`` in format ``fmt`` (one of ``FORMATS``).

    Options are those the format lists in the catalog (``FORMATS[fmt].options``); an unknown
    format or option is refused with ``ValidationError`` naming the known ones."""
    context = ExportContext(settings=store.settings(), tool_version=tool_version())
    return export_bundles(store.iter_bundles(flt), fmt, Path(out), context, **options)
