"""Benchmark (not a test): export 100,000 reviewed claims to JSONL and Parquet.

Fills a store (an SQLite file in a temporary folder, or ``--db URL``) with generated documents of
``--per-doc`` claims each, every claim reviewed by two reviewers (one in ten disputed and
adjudicated), through ``Store.import_bundles``. Then exports the first tenth and the whole store
to JSONL and to Parquet, printing for each the time, the claims per second and the peak memory:
the rise of the process's peak RSS during the export (Linux ``/proc/self/clear_refs``), and with
``--tracemalloc`` the Python heap peak of a second, traced run. Flat memory means the 10x larger
export peaks at about the same figure.

    .venv/bin/python scripts/bench_export.py [--claims 100000] [--db URL] [--tracemalloc]

Timings also show where the time goes: ``iter_bundles`` is reading bundles from the store alone,
``+ rows`` adds the formatter (no writing), and ``format+write`` is the formatter and the writer
alone, on bundles already read into memory.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotations.auth import local_actor  # noqa: E402
from annotations.export import ExportContext, export, export_bundles  # noqa: E402
from annotations.export.formatter import rows  # noqa: E402
from annotations.records import Citation, Claim, Cues, Document, HistoryEntry, Quantity, Review, Verdict  # noqa: E402
from annotations.storage import ClaimBundle, ExportFilter, Store  # noqa: E402

SENTENCES = [
    "Drinking green juice every morning lowers blood pressure within {n} weeks.",
    "A daily dose of {n} mg of zinc is completely safe for children.",
    "This serum may reduce fine lines by up to {n} percent.",
    "Cold showers never cause any harm, even for people with heart disease.",
    "Sessions of {n} minutes twice a week rebuild cartilage in the knee.",
]
VERDICT_CYCLE = ("supported", "unsupported", "risky", "not_a_claim")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _document(i: int, per_doc: int) -> tuple[Document, list[tuple[int, int]]]:
    title = f"Bench article {i}."
    parts, spans, at = [title], [], len(title) + 1
    for j in range(per_doc):
        sentence = SENTENCES[j % len(SENTENCES)].format(n=(i + j) % 97 + 2)
        spans.append((at, at + len(sentence) - 1))
        parts.append(sentence)
        at += len(sentence) + 1
    doc = Document(name=f"{i:05d}_bench.txt", text=" ".join(parts), origin="file",
                   url=f"https://bench.example.org/{i}", id=f"doc-{i:06d}", added_at=T0 + timedelta(minutes=i))
    return doc, spans


def generate(n_claims: int, per_doc: int) -> Iterator[ClaimBundle]:
    """Reviewed claims: two reviews each; every tenth disputed and adjudicated, with citations."""
    for i in range((n_claims + per_doc - 1) // per_doc):
        doc, spans = _document(i, per_doc)
        doc_history = [HistoryEntry(entity="document", entity_id=doc.id, action="create", actor="ann",
                                    after={"name": doc.name}, at=doc.added_at, id=f"h-doc-{i}")]
        for j, (start, end) in enumerate(spans[: n_claims - i * per_doc]):
            k = i * per_doc + j
            at = doc.added_at + timedelta(seconds=j)
            claim = Claim(
                document_id=doc.id, start=start, end=end, text=doc.text[start:end], claim_type="efficacy",
                score=0.5 + (k % 50) / 100, rule_id="bench", sentence_start=start, sentence_end=end + 1,
                cues=Cues(absolutes=("completely",) if k % 3 == 0 else ()),
                quantities=(Quantity(text="5 mg", kind="measure", minimum=5.0, maximum=5.0, unit="mg",
                                     start=start, end=start + 4),) if k % 2 else (),
                id=f"claim-{k:07d}", created_at=at,
            )
            first = VERDICT_CYCLE[k % 4]
            second = VERDICT_CYCLE[(k + 1) % 4] if k % 10 == 0 else first
            cite = (Citation("doi", f"10.5555/bench.{k}", quote="a short quoted passage"),)
            reviews = [
                Review(claim_id=claim.id, reviewer="ann", verdict=first, rationale="checked against the trial",
                       citations=cite, id=f"r-{k}-a", created_at=at + timedelta(hours=1)),
                Review(claim_id=claim.id, reviewer="bob", verdict=second, id=f"r-{k}-b",
                       created_at=at + timedelta(hours=2)),
            ]
            verdict = (Verdict(claim_id=claim.id, adjudicator="carla", verdict=first, rationale="settled",
                               citations=cite, id=f"v-{k}", created_at=at + timedelta(hours=3))
                       if k % 10 == 0 else None)
            history = [HistoryEntry(entity="claim", entity_id=claim.id, action="create", actor="pipeline",
                                    claim_id=claim.id, after={"text": claim.text}, at=at, id=f"h-{k}-c")]
            history += [HistoryEntry(entity="review", entity_id=r.id, action="create", actor=r.reviewer,
                                     claim_id=claim.id, after={"verdict": r.verdict}, at=r.created_at,
                                     id=f"h-{r.id}") for r in reviews]
            yield ClaimBundle(document=doc, claim=claim, reviews=reviews, verdict=verdict, history=history,
                              document_history=doc_history if j == 0 else [])


def _rss_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def measure(label: str, run: Callable[[], int], traced: bool) -> None:
    gc.collect()
    can_reset = _reset_peak_rss()
    before = _rss_kib("VmRSS")
    started = time.perf_counter()
    n = run()
    seconds = time.perf_counter() - started
    peak = _rss_kib("VmHWM") - before if can_reset else None
    line = f"  {label:<22} {seconds:7.2f} s  {n / seconds:9,.0f} claims/s"
    line += f"  peak RSS +{peak / 1024:6.1f} MiB" if peak is not None else "  (peak RSS not measurable here)"
    if traced:
        gc.collect()
        tracemalloc.start()
        run()
        _, heap_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        line += f"  tracemalloc peak {heap_peak / 2**20:6.1f} MiB"
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="reviewed claims to generate (default 100000)")
    parser.add_argument("--per-doc", type=int, default=100, help="claims per document (default 100)")
    parser.add_argument("--db", help="an empty database URL (default: an SQLite file in a temporary folder)")
    parser.add_argument("--tracemalloc", action="store_true", help="also run each export traced by tracemalloc")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store = Store.open(args.db or f"sqlite:///{folder / 'bench.db'}")
        admin = local_actor("bench")
        store.set_setting(admin, "reviews_per_claim", 2)
        started = time.perf_counter()
        counts = store.import_bundles(admin, generate(args.claims, args.per_doc))
        print(f"filled {store.location}: {counts.claims:,} claims, {counts.reviews:,} reviews, "
              f"{counts.verdicts:,} verdicts, {counts.history:,} history entries "
              f"in {time.perf_counter() - started:.1f} s (Store.import_bundles)", flush=True)

        n_docs = (args.claims + args.per_doc - 1) // args.per_doc
        tenth = ExportFilter(document_ids=tuple(f"doc-{i:06d}" for i in range(max(1, n_docs // 10))))
        for name, flt in ((f"{min(args.claims, len(tenth.document_ids) * args.per_doc):,} claims", tenth),
                          (f"{args.claims:,} claims", None)):
            print(name, flush=True)
            measure("iter_bundles", lambda flt=flt: sum(1 for _ in store.iter_bundles(flt)), args.tracemalloc)
            measure("iter_bundles + rows", lambda flt=flt: sum(1 for _ in rows(store.iter_bundles(flt))),
                    args.tracemalloc)
            for fmt, ext in (("jsonl", "jsonl"), ("parquet", "parquet")):
                out = folder / f"out.{ext}"
                measure(f"export {fmt}", lambda fmt=fmt, out=out, flt=flt: export(store, fmt, out, flt).n_claims,
                        args.tracemalloc)
                print(f"  {'':<22} {out.stat().st_size / 2**20:7.1f} MiB written", flush=True)
            if flt is tenth:
                # The formatter and writers alone, on bundles already read (held in memory).
                held = list(store.iter_bundles(flt))
                for fmt in ("jsonl", "parquet"):
                    out = folder / f"held.{fmt}"
                    measure(f"  format+write {fmt}",
                            lambda fmt=fmt, out=out, held=held: export_bundles(held, fmt, out, ExportContext()).n_claims,
                            traced=False)
                del held
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
