"""Benchmark the storage queries behind the review page, on SQLite and PostgreSQL.

Fills a fresh store with 50,000 claims (500 documents) and 100,000 reviews through
``Store.import_bundles`` (bulk), then times, over a few hundred calls each:

* ``next_claim`` for a reviewer, without a filter and with a document, claim-type or status filter;
* ``claim_detail`` (a claim with its document, reviews, verdict and history);
* ``save_review`` (new reviews and revisions of them);
* ``progress`` (overall and for one reviewer), also shown on the review page.

The fill is the one of a triple-review project part way through, worked in queue order: the top
30,000 claims by score have 3 reviews, the next 10,000 one, the rest none. The timings run with
``reviews_per_claim`` = 2 (double review); ``next_claim`` is also timed with 1 and 3. On
PostgreSQL the tables are vacuumed and analyzed after the fill, as autovacuum does shortly after
a big load;
SQLite is timed without planner statistics, as the app runs it.

    python scripts/bench_storage.py                       # SQLite, plus PostgreSQL if TEST_DATABASE_URL is set
    python scripts/bench_storage.py --db sqlite:///tmp/b.db --db postgresql+psycopg://postgres@127.0.0.1/test

A PostgreSQL URL gets a schema of its own for the run (dropped afterwards); an SQLite URL must
name a file that does not exist yet (default: a temporary file).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotations.auth import local_actor  # noqa: E402
from annotations.errors import StaleEditError  # noqa: E402
from annotations.records import Document, HistoryEntry, Review, claim_from_span  # noqa: E402
from annotations.storage import ClaimBundle, ClaimFilter, Store  # noqa: E402
from annotations.vocab import CLAIM_TYPES, VERDICTS  # noqa: E402

REVIEWERS = [f"rev{i:02d}" for i in range(12)]
STATUS_FILTERS = [ClaimFilter(statuses=(s,)) for s in ("unreviewed", "in_review", "disputed")]
SENTENCE = "Remedy {k} taken {n} times a week lowers marker {m} by up to {p} percent in adults."


def build_bundles(n_claims: int, n_reviews: int, rng: random.Random) -> Iterator[ClaimBundle]:
    """Bundles of the fill described in the module docstring, document by document."""
    per_doc = 100
    scores = sorted((rng.random() for _ in range(n_claims)), reverse=True)
    ranks = list(range(n_claims))
    rng.shuffle(ranks)  # rank of each claim in queue order, spread over the documents
    n_triple = min(n_claims, n_reviews * 9 // 30)
    n_single = min(n_claims - n_triple, n_reviews - 3 * n_triple)
    actor = "bench"
    for d in range(0, n_claims, per_doc):
        sentences, spans = [], []
        pos = 0
        for i in range(d, min(d + per_doc, n_claims)):
            sentence = SENTENCE.format(k=i, n=i % 7 + 1, m=i % 13, p=i % 90 + 5)
            spans.append((pos, pos + len(sentence) - 1))
            sentences.append(sentence)
            pos += len(sentence) + 1
        doc = Document(name=f"bench-{d // per_doc:04d}.txt", text=" ".join(sentences), added_by=actor)
        doc_history = [HistoryEntry(entity="document", entity_id=doc.id, action="create", actor=actor,
                                    after={"name": doc.name})]
        for offset, (start, end) in enumerate(spans):
            i = d + offset
            rank = ranks[i]
            claim = claim_from_span(doc, start, end, claim_type=CLAIM_TYPES[i % len(CLAIM_TYPES)],
                                    score=scores[rank], rule_id="bench")
            n = 3 if rank < n_triple else 1 if rank < n_triple + n_single else 0
            reviews = [Review(claim_id=claim.id, reviewer=REVIEWERS[(rank + j) % len(REVIEWERS)],
                              verdict=VERDICTS[(rank + j * (rank % 5 == 0)) % len(VERDICTS)],
                              rationale="bench") for j in range(n)]
            history = [HistoryEntry(entity="claim", entity_id=claim.id, action="create", actor=actor,
                                    after={"text": claim.text}, claim_id=claim.id)]
            history += [HistoryEntry(entity="review", entity_id=r.id, action="create", actor=r.reviewer,
                                     after={"verdict": r.verdict}, claim_id=claim.id) for r in reviews]
            yield ClaimBundle(document=doc, claim=claim, reviews=reviews, verdict=None, history=history,
                              document_history=doc_history)


def timed(calls: int, fn: Callable[[int], object]) -> tuple[float, float]:
    """Median and 95th percentile of ``fn(i)`` over ``calls`` calls, in milliseconds."""
    times = []
    for i in range(calls):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


@contextmanager
def fresh_database(url: str, keep: bool) -> Iterator[str]:
    """``url`` made safe to fill: a new schema on PostgreSQL, a new file on SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and Path(parsed.database).exists():
            raise SystemExit(f"{parsed.database} exists; the benchmark needs a new SQLite file")
        yield url
        return
    schema = f"claimcheck_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run(url: str, args: argparse.Namespace) -> list[tuple[str, float, float]]:
    rng = random.Random(args.seed)
    bench = local_actor("bench")
    results: list[tuple[str, float, float]] = []
    with fresh_database(url, args.keep) as db, Store.open(db) as store:
        start = time.perf_counter()
        counts = store.import_bundles(bench, build_bundles(args.claims, args.reviews, rng))
        fill = time.perf_counter() - start
        print(f"  filled {counts.claims} claims, {counts.reviews} reviews, {counts.history} history "
              f"entries in {fill:.1f} s", flush=True)
        results.append(("fill (import_bundles), s", fill * 1000, fill * 1000))
        if store.backend == "postgresql":
            # Steady state: autovacuum vacuums and analyzes freshly loaded tables within a minute or so.
            with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE documents, claims, reviews, verdicts, history, settings"))

        claim_ids = [c.id for c in store.iter_claims()]
        doc_ids = [d.id for d in store.list_documents()]
        calls = args.calls

        def next_for(flt_of: Callable[[int], ClaimFilter | None]) -> Callable[[int], object]:
            return lambda i: store.next_claim(REVIEWERS[i % len(REVIEWERS)], flt_of(i))

        for needed in (1, 3):
            store.set_setting(bench, "reviews_per_claim", needed)
            results.append((f"next_claim, reviews_per_claim={needed}", *timed(calls, next_for(lambda i: None))))
        store.set_setting(bench, "reviews_per_claim", 2)
        queries: list[tuple[str, Callable[[int], object]]] = [
            ("next_claim, no filter", next_for(lambda i: None)),
            ("next_claim, document filter", next_for(lambda i: ClaimFilter(document_ids=(rng.choice(doc_ids),)))),
            ("next_claim, claim type filter", next_for(lambda i: ClaimFilter(claim_types=(rng.choice(CLAIM_TYPES),)))),
            ("next_claim, status filter", next_for(lambda i: STATUS_FILTERS[i % len(STATUS_FILTERS)])),
            ("claim_detail", lambda i: store.claim_detail(rng.choice(claim_ids))),
            ("progress, overall", lambda i: store.progress()),
            ("progress, one reviewer", lambda i: store.progress(reviewer=REVIEWERS[i % len(REVIEWERS)])),
        ]
        for name, fn in queries:
            results.append((name, *timed(calls, fn)))

        saved: dict[str, int] = {}
        targets = [rng.choice(claim_ids) for _ in range(calls // 2)]

        def save(i: int) -> None:
            claim_id = targets[i % len(targets)]
            try:
                review = store.save_review(bench, claim_id, VERDICTS[i % len(VERDICTS)], "bench save",
                                           expected_version=saved.get(claim_id))
            except StaleEditError as exc:
                raise SystemExit(f"unexpected stale edit in a single-writer benchmark: {exc}") from None
            saved[claim_id] = review.version

        results.append(("save_review (new and revised)", *timed(calls, save)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", default=[], help="SQLAlchemy URL (repeatable)")
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=300, help="calls timed per query")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL schema afterwards")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        urls = args.db or [f"sqlite:///{tmp}/bench.db"] + (
            [os.environ["TEST_DATABASE_URL"]] if os.environ.get("TEST_DATABASE_URL") else [])
        table: dict[str, dict[str, tuple[float, float]]] = {}
        for url in urls:
            backend = make_url(url).get_backend_name()
            print(f"{backend}: {make_url(url).render_as_string(hide_password=True)}", flush=True)
            for name, median, p95 in run(url, args):
                table.setdefault(name, {})[backend] = (median, p95)
                if not name.startswith("fill"):
                    print(f"  {name:<38} median {median:7.2f} ms   p95 {p95:7.2f} ms", flush=True)

    backends = sorted({b for row in table.values() for b in row})
    print(f"\n{args.claims} claims, {args.reviews} reviews, {args.calls} calls per query "
          "(median / p95, ms; fill in seconds)")
    print("| query | " + " | ".join(backends) + " |")
    print("|---|" + "---|" * len(backends))
    for name, row in table.items():
        cells = []
        for b in backends:
            median, p95 = row.get(b, (float("nan"), float("nan")))
            cells.append(f"{median / 1000:.1f}" if name.startswith("fill") else f"{median:.2f} / {p95:.2f}")
        print(f"| {name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
