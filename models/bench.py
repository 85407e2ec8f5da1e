"""Benchmark (not a test): ``python -m app bench [--seeds DIR] [--words N]``.

Repeats the seed texts to at least ``--words`` words and measures, in one run:

1. bare ``nlp.pipe`` of the same model (the claim components switched off) on the whole texts,
   and on the same paragraph chunks the extractor feeds it;
2. ``extract_texts`` with one process: words/s and the ratio to (1);
3. ``extract_texts`` with two processes: words/s and the speed-up over (2);
4. the resident memory while (2) streams through growing parts of the corpus: it stays flat
   because no Doc is kept.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from annotations.errors import AnnotatorError
from models.components import COMPONENTS
from models.extract import DEFAULT_BATCH_SIZE, extract_texts
from models.layout import analyse, chunks

_PROJECT = Path(__file__).resolve().parents[1]
# The mesotherapy seed articles beside the project when they are there, else the bundled demo
# articles (plain-text ones).
DEFAULT_SEEDS = next(
    (str(p) for p in (_PROJECT.parent / "shared" / "seeds", _PROJECT / "app" / "demo_corpus") if p.is_dir()),
    "seeds",
)


def _status(field: str) -> int | None:
    """A memory figure of this process from /proc (kB), or None off Linux."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux >= 4.0); False when that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
    except OSError:
        return False
    return True


def _rss_mb() -> float:
    current = _status("VmRSS")
    if current is None:  # not Linux: the peak is the best figure there is
        current = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return current / 1024


def _peak_mb() -> float:
    peak = _status("VmHWM")
    if peak is None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024


def _cpu() -> float:
    """User and system CPU seconds of this process and of its finished children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _corpus(texts: list[tuple[str, str]], words: int) -> list[tuple[str, str]]:
    per_round = sum(len(t.split()) for _, t in texts)
    rounds = -(-words // per_round)
    return [(f"{name}#{r}", text) for r in range(rounds) for name, text in texts]


def _count(items: list[tuple[str, str]]) -> int:
    return sum(len(text.split()) for _, text in items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", default=DEFAULT_SEEDS, help=f"folder of .txt sources (default {DEFAULT_SEEDS})")
    parser.add_argument("--words", type=int, default=200_000, help="corpus size in words (default 200000)")
    parser.add_argument("--model", default=None, help="spaCy model name or folder")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, help="chunks per batch")
    parser.add_argument("--processes", type=int, default=2, help="processes for the parallel run (default 2)")
    args = parser.parse_args(argv)

    seeds = sorted(Path(args.seeds).glob("*.txt"))
    if not seeds:
        parser.exit(2, f"error: no .txt files in {args.seeds}\n")
    texts = []
    for path in seeds:
        with open(path, encoding="utf-8") as handle:
            texts.append((path.stem, handle.read()))
    corpus = _corpus(texts, args.words)
    words = _count(corpus)
    from models.pipeline import load_nlp

    try:
        nlp = load_nlp(args.model)
    except AnnotatorError as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"model {nlp.meta.get('lang')}_{nlp.meta.get('name')} {nlp.meta.get('version')}; pipeline: {', '.join(nlp.pipe_names)}")
    print(f"corpus: {len(seeds)} seed texts x {len(corpus) // len(texts)} = {len(corpus)} texts, {words} words")
    print(f"cores: {os.cpu_count()}; load average before: {_load()} (other work on the machine slows every figure)")
    for _ in extract_texts(nlp, corpus[: len(texts)]):  # warm-up: lexicons, quantulum3's units
        pass

    custom = [name for name in nlp.pipe_names if name in COMPONENTS]
    with nlp.select_pipes(disable=custom):
        start = time.perf_counter()
        for _doc in nlp.pipe(text for _, text in corpus):
            pass
        bare = words / (time.perf_counter() - start)
        pieces = [text[s:e] for _, text in corpus for s, e in chunks(analyse(text))]
        start = time.perf_counter()
        for _doc in nlp.pipe(pieces, batch_size=args.batch_size):
            pass
        bare_chunks = words / (time.perf_counter() - start)
    del pieces

    checkpoints = {len(corpus) * k // 8 for k in (1, 2, 4, 8)}
    memory: list[tuple[int, float, float]] = []
    reset = _reset_peak()
    stream: Iterator[tuple[str, str]] = iter(corpus)
    done_words = 0
    n_candidates = 0
    cpu_start = _cpu()
    start = time.perf_counter()
    for n, (key, found) in enumerate(extract_texts(nlp, stream, n_process=1, batch_size=args.batch_size), start=1):
        n_candidates += len(found)
        done_words += len(corpus[n - 1][1].split())
        if n in checkpoints:
            memory.append((done_words, _rss_mb(), _peak_mb()))
        del key
    single = words / (time.perf_counter() - start)
    single_cpu = _cpu() - cpu_start

    cpu_start = _cpu()
    start = time.perf_counter()
    parallel_candidates = sum(len(found) for _, found in extract_texts(
        nlp, iter(corpus), n_process=args.processes, batch_size=args.batch_size))
    parallel = words / (time.perf_counter() - start)
    parallel_cpu = _cpu() - cpu_start

    print(f"bare nlp.pipe, whole texts        {bare:10.0f} words/s")
    print(f"bare nlp.pipe, extractor's chunks {bare_chunks:10.0f} words/s")
    print(f"extract_texts, 1 process          {single:10.0f} words/s  ({n_candidates} candidates)")
    print(f"extract_texts, {args.processes} processes        {parallel:10.0f} words/s  ({parallel_candidates} candidates)")
    print(f"ratio extraction / bare (whole texts)       {single / bare:.2f}  (target >= 0.85)")
    print(f"ratio extraction / bare (same chunks)       {single / bare_chunks:.2f}")
    print(f"speed-up {args.processes} processes / 1 process            {parallel / single:.2f}  (target >= 1.6)")
    print(f"  CPU seconds: 1 process {single_cpu:.1f}, {args.processes} processes {parallel_cpu:.1f} (workers included);"
          f" on {args.processes} idle cores that is a speed-up of {args.processes * single_cpu / parallel_cpu:.2f}")
    print(f"load average after: {_load()}")
    print("memory while streaming (1 process)" + ("" if reset else "; peak since start, the peak mark could not be reset"))
    for done, rss, peak in memory:
        print(f"  after {done:8d} words: RSS {rss:7.1f} MB, peak {peak:7.1f} MB")
    if memory:
        growth = memory[-1][2] - memory[0][2]
        print(f"  peak growth from {memory[0][0]} to {memory[-1][0]} words: {growth:+.1f} MB")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
