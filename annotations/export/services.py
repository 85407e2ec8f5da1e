"""Running an export: stored bundles -> formatter rows -> the chosen format's writer."""

from __future__ import annotations

import gc
import threading
import tomllib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
    (lines, rows, ClaimReviews, gold claims or spans: some formats leave some claims out).
    ``warnings`` say what the output holds that needs fixing before use, and what to set (a writer
    lists them in its ``warnings`` once closed)."""

    format: str
    path: Path
    n_documents: int
    n_claims: int
    n_reviews: int
    n_records: int
    files: tuple[Path, ...] = field(default_factory=tuple)
    warnings: tuple[str, ...] = ()

    @property
    def n_left_out(self) -> int:
        return self.n_claims - self.n_records

    def describe(self) -> str:
        text = (f"{self.format}: {self.n_claims} claims ({self.n_reviews} reviews, {self.n_documents} documents) "
                f"-> {self.path}")
        if self.n_left_out > 0:
            text += f" ({self.n_records} written, {self.n_left_out} left out by this format)"
        return text


class _GcPause:
    """Automatic garbage collection paused while exports run; :func:`export_bundles` collects
    the young generations itself every ``COLLECT_EVERY`` rows instead.

    An export makes millions of short-lived objects. CPython's collector promotes those still
    alive when it runs (a batch being read or formatted) to its oldest generation, and then scans
    the whole heap again and again to clear them: 10 to 20% of an export's time, measured.
    Reference counting frees nearly everything an export makes as it goes; the periodic young
    collection clears the few reference cycles (ClaimReview's indented JSON makes some per
    record) in a few milliseconds, as it only looks at objects made since the last one. Exports
    running at the same time share one pause, and automatic collection resumes (if it was on)
    when the last one ends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._lock:
                self._running -= 1
                if self._running == 0 and self._was_enabled:
                    gc.enable()


COLLECT_EVERY = 5_000
_gc_paused = _GcPause()


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
        with _gc_paused():
            for row in rows(bundles):
                writer.write(row)
                documents.add(row["document"]["id"])
                n_claims += 1
                n_reviews += len(row["reviewers"])
                if n_claims % COLLECT_EVERY == 0:
                    gc.collect(1)
    except BaseException:
        writer.abort()
        raise
    n_records = writer.close()
    files = tuple(sorted(p for p in out.iterdir() if not p.name.startswith("."))) if spec.folder else (out,)
    warnings = tuple(getattr(writer, "warnings", ()))
    return ExportSummary(fmt, out, len(documents), n_claims, n_reviews, n_records, files, warnings)


def export(store: Store, fmt: str, out: Path, flt: ExportFilter | None = None, **options: Any) -> ExportSummary:
    """Export the claims of ``store`` that pass ``flt`` in format ``fmt`` (one of ``FORMATS``).

    Options are those the format lists in the catalog (``FORMATS[fmt].options``); an unknown
    format or option is refused with ``ValidationError`` naming the known ones."""
    spec = FORMATS[fmt]
    context = ExportContext(settings=store.settings(), tool_version=tool_version())
    bundles = store.iter_bundles(flt, include_history=spec.uses_history)
    return export_bundles(bundles, fmt, Path(out), context, **options)
