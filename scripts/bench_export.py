"""Benchmark (not a test): export 100,000 reviewed claims to JSONL and to Parquet.

Fills a store (an SQLite file in a temporary folder, or ``--db URL``, an empty database) with
generated documents of ``--per-doc`` claims each, every claim reviewed by two reviewers (one in
ten disputed and adjudicated), through ``Store.import_bundles``. Then exports the first tenth of
the documents and the whole store, to JSONL and to Parquet.

Each export runs in a fresh process of its own, which reports the wall-clock time, the claims per
second, the size written and the peak memory: the process's peak resident set (``VmHWM``) and how
far it rose above the resident set the process had once the store was open. Flat memory means the
export ten times larger peaks at about the same figure. ``--tracemalloc`` adds the Python heap
peak of a second, traced export. ``--stages`` also times, in this process, reading the bundles
alone (``iter_bundles``) and with the formatter (``+ rows``), for the whole store.

    .venv/bin/python scripts/bench_export.py [--claims 100000] [--db URL] [--tracemalloc] [--stages]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotations.auth import local_actor  # noqa: E402
from annotations.export import export  # noqa: E402
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
FORMATS = ("jsonl", "parquet")


def document_id(i: int) -> str:
    return f"doc-{i:06d}"


def _document(i: int, per_doc: int) -> tuple[Document, list[tuple[int, int]]]:
    title = f"Bench article {i}."
    parts, spans, at = [title], [], len(title) + 1
    for j in range(per_doc):
        sentence = SENTENCES[j % len(SENTENCES)].format(n=(i + j) % 97 + 2)
        spans.append((at, at + len(sentence) - 1))
        parts.append(sentence)
        at += len(sentence) + 1
    doc = Document(name=f"{i:05d}_bench.txt", text=" ".join(parts), origin="file",
                   url=f"https://bench.example.org/{i}", id=document_id(i), added_at=T0 + timedelta(minutes=i))
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


def _status_kib(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _subset(n_documents: int) -> ExportFilter | None:
    return ExportFilter(document_ids=tuple(map(document_id, range(n_documents)))) if n_documents else None


def measure_one(url: str, fmt: str, n_documents: int, out: Path, traced: bool) -> dict[str, float]:
    """One export in this (fresh) process: its time and memory."""
    flt = _subset(n_documents)
    store = Store.open(url, migrate=False)
    baseline = _status_kib("VmRSS")
    started = time.perf_counter()
    n_claims = export(store, fmt, out, flt).n_claims
    seconds = time.perf_counter() - started
    result = {"claims": n_claims, "seconds": seconds, "peak_mib": _status_kib("VmHWM") / 1024,
              "rise_mib": (_status_kib("VmHWM") - baseline) / 1024, "written_mib": out.stat().st_size / 2**20}
    if traced:
        tracemalloc.start()
        export(store, fmt, out, flt)
        result["heap_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    store.close()
    return result


def run_child(url: str, fmt: str, n_documents: int, out: Path, traced: bool) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", fmt, "--db", url, "--documents", str(n_documents),
               "--out", str(out)] + (["--tracemalloc"] if traced else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {fmt} export failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, result: dict[str, float]) -> None:
    line = (f"  {label:<8} {result['seconds']:7.2f} s  {result['claims'] / result['seconds']:9,.0f} claims/s  "
            f"peak RSS {result['peak_mib']:6.1f} MiB (+{result['rise_mib']:5.1f} MiB once open)  "
            f"{result['written_mib']:6.1f} MiB written")
    if "heap_peak_mib" in result:
        line += f"  tracemalloc peak {result['heap_peak_mib']:6.1f} MiB"
    print(line, flush=True)


def stages(store: Store) -> None:
    """Reading alone, then reading and formatting, in this process."""
    for label, run in (("iter_bundles", lambda: sum(1 for _ in store.iter_bundles())),
                       ("+ rows", lambda: sum(1 for _ in rows(store.iter_bundles())))):
        started = time.perf_counter()
        n = run()
        print(f"  {label:<12} {time.perf_counter() - started:7.2f} s  ({n:,} claims, with history)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000, help="reviewed claims to generate (default 100000)")
    parser.add_argument("--per-doc", type=int, default=100, help="claims per document (default 100)")
    parser.add_argument("--db", help="an empty database URL (default: an SQLite file in a temporary folder)")
    parser.add_argument("--tracemalloc", action="store_true", help="also run each export traced by tracemalloc")
    parser.add_argument("--stages", action="store_true", help="also time reading, and reading with formatting")
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)  # one export, in a child process
    parser.add_argument("--documents", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.measure:
        print(json.dumps(measure_one(args.db, args.measure, args.documents, args.out, args.tracemalloc)))
        return 0

    print(f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.db or f"sqlite:///{folder / 'bench.db'}"
        store = Store.open(url)
        admin = local_actor("bench")
        store.set_setting(admin, "reviews_per_claim", 2)
        started = time.perf_counter()
        counts = store.import_bundles(admin, generate(args.claims, args.per_doc))
        print(f"filled {store.location}: {counts.claims:,} claims, {counts.reviews:,} reviews, "
              f"{counts.verdicts:,} verdicts, {counts.history:,} history entries "
              f"in {time.perf_counter() - started:.1f} s (Store.import_bundles)", flush=True)

        n_docs = (args.claims + args.per_doc - 1) // args.per_doc
        tenth = max(1, n_docs // 10)
        for n_documents in (tenth, 0):
            print(f"{min(args.claims, tenth * args.per_doc) if n_documents else args.claims:,} claims", flush=True)
            for fmt in FORMATS:
                report(fmt, run_child(url, fmt, n_documents, folder / f"out.{fmt}", args.tracemalloc))
        if args.stages:
            print(f"{args.claims:,} claims, in this process", flush=True)
            stages(store)
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
