"""Gold claims and the matching rule of the annotation guidelines (pure Python, no spaCy).

A gold file is tab-separated with the header ``doc must kind quote``: ``doc`` names the source
(:func:`doc_id`), ``must`` is 1 for a claim an extractor must find, ``kind`` a claim type and
``quote`` a verbatim substring of the source text.

One document-id rule serves the gold export, ``evaluate`` and ``extract``: a source's ``doc`` is
its file name without the extension (``green_tea.md`` -> ``green_tea``), which is the name
``ingest`` gives the document. Reading a gold file, a ``doc`` finds its source in a folder
(:func:`find_source`) by that full stem, or else as the one stem it is a prefix of up to an
underscore (``000`` finds ``000_29883c8ad7740660.txt``, as older gold files name their sources);
a prefix that fits several files is an error naming them. Sources are read exactly as ``ingest``
reads them (:func:`read_sources`): the same decoding, HTML and Markdown rendering.

Matching (GUIDELINES): a predicted span *finds* a gold claim when it covers at least half of
the quote's characters; a prediction is *correct* when it overlaps some gold claim of its
document by at least half of its own characters or of the claim's. A prediction longer than
400 characters is always wrong.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from annotations.errors import AmbiguousIdError, ImportFormatError, NotFoundError, ValidationError
from annotations.sources import DEFAULT_MAX_BYTES, load_path
from annotations.vocab import CLAIM_TYPES, SOURCE_SUFFIXES

HEADER = ("doc", "must", "kind", "quote")
MAX_SPAN_CHARS = 400


@dataclass(frozen=True, slots=True)
class GoldClaim:
    """One gold claim: the document id, whether it must be found, its type and its quote."""

    doc: str
    must: int
    kind: str
    quote: str

    def __post_init__(self) -> None:
        if not isinstance(self.doc, str) or not self.doc.strip() or any(c in self.doc for c in "\t\r\n"):
            raise ValidationError(
                f"gold doc must name a source file (its name without the extension, like 'green_tea'); got {self.doc!r}")
        if self.must not in (0, 1) or isinstance(self.must, bool):
            raise ValidationError(f"gold must is 0 or 1; got {self.must!r}")
        if self.kind not in CLAIM_TYPES:
            raise ValidationError(f"gold kind must be one of {', '.join(CLAIM_TYPES)}; got {self.kind!r}")
        if not isinstance(self.quote, str) or not self.quote.strip():
            raise ValidationError(f"gold quote must be non-empty text; got {self.quote!r}")


@dataclass(frozen=True, slots=True)
class Prediction:
    """A predicted span of document ``doc`` (character offsets into its text)."""

    doc: str
    start: int
    end: int
    claim_type: str = "other"
    score: float = 0.0
    text: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.start, int) and isinstance(self.end, int)) or not 0 <= self.start < self.end:
            raise ValidationError(f"a prediction needs 0 <= start < end; got start={self.start!r}, end={self.end!r}")


def doc_id(name: str) -> str:
    """The gold ``doc`` id of a source file or stored document: its file name without a source
    extension (``green_tea.md`` -> ``green_tea``; a document ``ingest`` loaded is named so already),
    runs of whitespace made one space."""
    path = Path(" ".join(name.split()))
    return path.stem if path.suffix.lower() in SOURCE_SUFFIXES else path.name


def find_source(sources_dir: str | Path, doc: str) -> Path:
    """The source file of gold ``doc`` in ``sources_dir``: the file whose :func:`doc_id` is ``doc``,
    else the one whose id starts with ``doc`` and an underscore. NotFoundError when there is none,
    AmbiguousIdError naming the files when several fit."""
    folder = Path(sources_dir)
    if not folder.is_dir():
        raise NotFoundError(f"the sources folder {str(folder)!r} does not exist")
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in SOURCE_SUFFIXES)
    matches = [p for p in files if doc_id(p.name) == doc] or [p for p in files if doc_id(p.name).startswith(f"{doc}_")]
    if not matches:
        raise NotFoundError(f"no source for gold doc {doc!r} in {str(folder)!r}: expected {doc}.txt (or .md, "
                            f".html...) or a file named {doc}_<name>")
    if len(matches) > 1:
        raise AmbiguousIdError(f"gold doc {doc!r} fits several sources in {str(folder)!r}: "
                               f"{', '.join(p.name for p in matches)}; name one of them in full in the gold file")
    return matches[0]


def read_sources(gold: Iterable[GoldClaim], sources_dir: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, str]:
    """The text of each gold doc's source (:func:`find_source`), read as ``ingest`` reads it:
    decoded (UTF-8, else the detected encoding), HTML and Markdown rendered to text. A file
    ``ingest`` would refuse raises its IngestError."""
    return {doc: load_path(find_source(sources_dir, doc), max_bytes=max_bytes).text
            for doc in dict.fromkeys(g.doc for g in gold)}


# ---------------------------------------------------------------------------------- files


def read_gold(path: str | Path) -> list[GoldClaim]:
    """Read a gold TSV; a bad line raises :class:`ImportFormatError` with its line number."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ImportFormatError(where, 1, f"the file must be UTF-8 text ({exc.reason})") from None
    lines = text.splitlines()
    if not lines:
        raise ImportFormatError(where, 1, f"expected the header {' '.join(HEADER)!r} (tab-separated); the file is empty")
    header = tuple(cell.strip() for cell in lines[0].split("\t"))
    if header != HEADER:
        raise ImportFormatError(where, 1, f"expected the header {'<TAB>'.join(HEADER)}; got {'<TAB>'.join(header)}")
    rows: list[GoldClaim] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(HEADER):
            raise ImportFormatError(where, number, f"expected {len(HEADER)} tab-separated fields (doc, must, kind, quote); got {len(cells)}")
        doc, must, kind, quote = cells
        if must.strip() not in ("0", "1"):
            raise ImportFormatError(where, number, f"must is 0 or 1; got {must!r}")
        try:
            rows.append(GoldClaim(doc.strip(), int(must), kind.strip(), quote))
        except ValidationError as exc:
            raise ImportFormatError(where, number, str(exc)) from None
    return rows


def write_gold(rows: Iterable[GoldClaim], path_or_file: str | Path | IO[str]) -> None:
    """Write gold claims as TSV with the header; quotes must not hold tabs or line breaks."""
    if isinstance(path_or_file, (str, Path)):
        with open(path_or_file, "w", encoding="utf-8", newline="") as handle:
            write_gold(rows, handle)
        return
    writer = csv.writer(path_or_file, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar=None)
    writer.writerow(HEADER)
    for row in rows:
        if any(c in row.quote for c in "\t\r\n"):
            raise ValidationError(f"a gold quote cannot hold tabs or line breaks; got {row.quote!r}")
        writer.writerow((row.doc, row.must, row.kind, row.quote))


def locate(gold: GoldClaim, text: str) -> tuple[int, int]:
    """Character offsets of the gold quote in ``text`` (its first occurrence)."""
    start = text.find(gold.quote)
    if start < 0:
        raise ValidationError(f"gold quote of doc {gold.doc} is not in its source text: {gold.quote[:80]!r}")
    return start, start + len(gold.quote)


# -------------------------------------------------------------------------------- scoring


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def finds(pred: tuple[int, int], gold: tuple[int, int]) -> bool:
    """A prediction finds a gold claim when it covers at least half of the quote."""
    if pred[1] - pred[0] > MAX_SPAN_CHARS:
        return False
    return 2 * _overlap(pred, gold) >= gold[1] - gold[0]


def correct(pred: tuple[int, int], gold: tuple[int, int]) -> bool:
    """A prediction is right about a gold claim when the overlap is at least half of either."""
    if pred[1] - pred[0] > MAX_SPAN_CHARS:
        return False
    overlap = _overlap(pred, gold)
    return overlap > 0 and (2 * overlap >= pred[1] - pred[0] or 2 * overlap >= gold[1] - gold[0])


@dataclass
class EvalReport:
    """The GUIDELINES scores. ``f1`` combines precision with the recall of all gold claims;
    ``type_accuracy`` is over the must=1 claims found (the best-covering prediction's type);
    ``average_precision`` ranks predictions by score, a prediction counting as relevant for
    each must=1 claim it is the first to find."""

    n_gold: int
    n_must: int
    n_predictions: int
    found: int
    found_must: int
    correct_predictions: int
    typed_right: int
    average_precision: float
    misses: list[GoldClaim] = field(default_factory=list)
    false_positives: list[Prediction] = field(default_factory=list)
    wrong_types: list[tuple[GoldClaim, str]] = field(default_factory=list)

    @property
    def must_recall(self) -> float:
        return self.found_must / self.n_must if self.n_must else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.n_gold if self.n_gold else 0.0

    @property
    def precision(self) -> float:
        return self.correct_predictions / self.n_predictions if self.n_predictions else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def type_accuracy(self) -> float:
        return self.typed_right / self.found_must if self.found_must else 0.0

    def format(self, show_misses: bool = False) -> str:
        lines = [
            f"gold claims        {self.n_gold} ({self.n_must} must=1); predictions {self.n_predictions}",
            f"must_recall        {self.must_recall:.3f} ({self.found_must}/{self.n_must})",
            f"recall (all gold)  {self.recall:.3f} ({self.found}/{self.n_gold})",
            f"precision          {self.precision:.3f} ({self.correct_predictions}/{self.n_predictions})",
            f"f1                 {self.f1:.3f}",
            f"type accuracy      {self.type_accuracy:.3f} ({self.typed_right}/{self.found_must} found must=1)",
            f"average precision  {self.average_precision:.3f} (must=1 claims, ranked by score)",
        ]
        if show_misses:
            lines.append(f"missed gold claims ({len(self.misses)}):")
            lines += [f"  [{g.doc} must={g.must} {g.kind}] {g.quote}" for g in self.misses]
            lines.append(f"wrong types ({len(self.wrong_types)}):")
            lines += [f"  [{g.doc} {g.kind} <- {got}] {g.quote}" for g, got in self.wrong_types]
            lines.append(f"false positives ({len(self.false_positives)}):")
            lines += [f"  [{p.doc} {p.claim_type} {p.score:.2f}] {p.text or (p.start, p.end)}" for p in self.false_positives]
        return "\n".join(lines)


def score_predictions(
    gold: Sequence[GoldClaim], predictions: Sequence[Prediction], texts: Mapping[str, str]
) -> EvalReport:
    """Score ``predictions`` against ``gold``; ``texts`` maps each doc id to its source text."""
    missing = sorted({g.doc for g in gold} - set(texts))
    if missing:
        raise ValidationError(f"no source text for gold doc(s) {', '.join(missing)}")
    spans = [locate(g, texts[g.doc]) for g in gold]
    by_doc: dict[str, list[int]] = {}
    for i, g in enumerate(gold):
        by_doc.setdefault(g.doc, []).append(i)

    found = [False] * len(gold)
    best: list[tuple[float, int, int] | None] = [None] * len(gold)  # (coverage, -length, prediction)
    correct_n = 0
    false_positives = []
    for p_index, pred in enumerate(predictions):
        span = (pred.start, pred.end)
        ok = False
        for g_index in by_doc.get(pred.doc, []):
            g_span = spans[g_index]
            if correct(span, g_span):
                ok = True
            if finds(span, g_span):
                found[g_index] = True
                key = (_overlap(span, g_span) / (g_span[1] - g_span[0]), -(span[1] - span[0]), p_index)
                if best[g_index] is None or key[:2] > best[g_index][:2]:  # type: ignore[index]
                    best[g_index] = key
        if ok:
            correct_n += 1
        else:
            false_positives.append(pred)

    must = [i for i, g in enumerate(gold) if g.must == 1]
    typed_right = 0
    wrong_types = []
    for i in must:
        entry = best[i]
        if entry is None:
            continue
        got = predictions[entry[2]].claim_type
        if got == gold[i].kind:
            typed_right += 1
        else:
            wrong_types.append((gold[i], got))

    return EvalReport(
        n_gold=len(gold),
        n_must=len(must),
        n_predictions=len(predictions),
        found=sum(found),
        found_must=sum(1 for i in must if found[i]),
        correct_predictions=correct_n,
        typed_right=typed_right,
        average_precision=_average_precision(gold, spans, predictions),
        misses=sorted((gold[i] for i in range(len(gold)) if not found[i]), key=lambda g: -g.must),
        false_positives=false_positives,
        wrong_types=wrong_types,
    )


def _average_precision(gold: Sequence[GoldClaim], spans: list[tuple[int, int]], predictions: Sequence[Prediction]) -> float:
    must = [i for i, g in enumerate(gold) if g.must == 1]
    if not must:
        return 0.0
    ranked = sorted(range(len(predictions)), key=lambda k: (-predictions[k].score, k))
    seen: set[int] = set()
    relevant = 0
    total = 0.0
    for rank, k in enumerate(ranked, start=1):
        pred = predictions[k]
        new = [i for i in must if i not in seen and gold[i].doc == pred.doc and finds((pred.start, pred.end), spans[i])]
        if new:
            seen.update(new)
            relevant += 1
            total += len(new) * relevant / rank
    return total / len(must)


def to_tsv(rows: Iterable[GoldClaim]) -> str:
    """The TSV text :func:`write_gold` would write."""
    buffer = io.StringIO()
    write_gold(rows, buffer)
    return buffer.getvalue()
