"""Load: concurrent writers, each with its own Store (its own engine, like separate app
processes), on SQLite in WAL mode (a file in tmp_path) and on PostgreSQL.

20 writers save 200 reviews each, all working down the same 200 claims at once: 16 different
reviewers collide on every claim, and 4 of them review in a second tab too. The two tabs of a
reviewer read the same version of their review, then both save: one wins, the other gets a
StaleEditError, re-reads and saves again. Two of those reviewers had reviewed every claim
before, so their tabs collide on revising a review; the other two collide on creating it. At
the end every review is there exactly once, each tab's saves all happened in order (the version
counts them), the history holds one entry per save, and each claim's review count is right.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from annotations import schema
from annotations.auth import Actor
from annotations.errors import StaleEditError
from annotations.records import Document, claim_from_span
from annotations.storage import Store
from annotations.vocab import VERDICTS

pytestmark = pytest.mark.slow

N_CLAIMS = 200
N_REVIEWERS = 16
N_SECOND_TABS = 4  # reviewers r00..r03 work in two tabs
N_WRITERS = N_REVIEWERS + N_SECOND_TABS
REVISING = ("r00", "r01")  # two-tab reviewers who reviewed every claim before the run
SENTENCE = "Remedy {i} clears acne in {d} days for nine in ten users."


def load_claims(db_url: str, actor: Actor, n: int) -> list[str]:
    sentences = [SENTENCE.format(i=i, d=i % 9 + 2) for i in range(n)]
    doc = Document(name="load.txt", text=" ".join(sentences))
    claims, start = [], 0
    for i, sentence in enumerate(sentences):
        claims.append(claim_from_span(doc, start, start + len(sentence), score=1 - i / n))
        start += len(sentence) + 1
    with Store.open(db_url) as store:
        store.add_document(actor, doc, claims)
    return [c.id for c in claims]


def run_writers(n: int, work: Callable[[int], None]) -> None:
    """Run ``work(0)`` .. ``work(n - 1)`` in n threads at once; a failure in one is raised here."""
    with ThreadPoolExecutor(max_workers=n) as pool:
        for future in [pool.submit(work, i) for i in range(n)]:
            future.result()


def test_twenty_writers_lose_no_review(db_url: str, ann: Actor) -> None:
    claim_ids = load_claims(db_url, ann, N_CLAIMS)
    with Store.open(db_url) as store:
        for reviewer in REVISING:
            for claim_id in claim_ids:
                store.save_review(Actor(reviewer, "reviewer"), claim_id, "supported", "earlier look")
    tabs_in_step = {f"r{i:02d}": threading.Barrier(2, timeout=60) for i in range(N_SECOND_TABS)}
    saved: dict[int, list] = {}
    stale: Counter[str] = Counter()

    def writer(index: int) -> None:
        reviewer = f"r{index % N_REVIEWERS:02d}"
        actor = Actor(reviewer, "reviewer")
        barrier = tabs_in_step.get(reviewer)
        mine = saved.setdefault(index, [])
        with Store.open(db_url) as store:
            for n, claim_id in enumerate(claim_ids):
                verdict = VERDICTS[(index + n) % len(VERDICTS)]
                current = store.review_of(claim_id, reviewer)
                if barrier is not None:
                    try:
                        barrier.wait()  # both tabs have read the same version
                    except threading.BrokenBarrierError:
                        return  # the other tab failed (or hung); its error is reported
                while True:
                    try:
                        mine.append(store.save_review(actor, claim_id, verdict, f"writer {index}",
                                                      expected_version=current.version if current else None))
                        break
                    except StaleEditError as exc:
                        stale[reviewer] += 1
                        current = exc.current  # the newer review: retry on top of it

    run_writers(N_WRITERS, writer)

    assert [len(saved[i]) for i in range(N_WRITERS)] == [N_CLAIMS] * N_WRITERS
    # Each pair of tabs collided once per claim: exactly one of the two saves was refused.
    assert stale == {f"r{i:02d}": N_CLAIMS for i in range(N_SECOND_TABS)}

    with Store.open(db_url) as store:
        r, c, h = schema.reviews, schema.claims, schema.history
        with store.engine.connect() as conn:
            reviews = {(row.claim_id, row.reviewer): row for row in conn.execute(select(r))}
            counts = dict(conn.execute(select(c.c.id, c.c.review_count)).all())
            logged = Counter(conn.execute(select(h.c.entity_id).where(h.c.entity == "review")).scalars())
            n_history = conn.execute(select(func.count()).select_from(h).where(h.c.entity == "review")).scalar_one()
        assert len(reviews) == N_CLAIMS * N_REVIEWERS  # every review exactly once (unique claim, reviewer)
        assert set(reviews) == {(cid, f"r{i:02d}") for cid in claim_ids for i in range(N_REVIEWERS)}
        assert counts == dict.fromkeys(claim_ids, N_REVIEWERS)

        total_saves = sum(len(v) for v in saved.values())
        assert total_saves == N_WRITERS * N_CLAIMS
        assert n_history == total_saves + len(REVISING) * N_CLAIMS  # one history entry per save
        for (_, reviewer), row in reviews.items():
            saves = (reviewer in REVISING) + (2 if reviewer in tabs_in_step else 1)
            assert row.version == saves
            assert logged[row.id] == saves
        # The stored review is the last save, and its history ends with that same state.
        last_saves = {(x.claim_id, x.reviewer): x for saves in saved.values() for x in saves if
                      x.version == reviews[(x.claim_id, x.reviewer)].version}
        assert len(last_saves) == len(reviews)
        for key, review in list(last_saves.items())[::97]:
            assert store.review_of(*key) == review
            entry = store.history(entity_id=review.id)[-1]
            assert (entry.after["verdict"], entry.after["version"]) == (review.verdict, review.version)


def test_concurrent_span_edits_and_verdicts_lose_nothing(db_url: str, ann: Actor) -> None:
    """Ten editors nudge the same five claims and record final verdicts on them at once; stale
    edits are re-read and retried, so every edit lands, one version at a time."""
    claim_ids = load_claims(db_url, ann, 5)
    edits_each = 10
    n_editors = 10

    def editor(index: int) -> None:
        actor = Actor(f"ed{index}", "adjudicator")
        with Store.open(db_url) as store:
            for n in range(edits_each):
                claim_id = claim_ids[(index + n) % len(claim_ids)]
                while True:
                    claim = store.get_claim(claim_id)
                    step = 1 if claim.end - claim.start > 20 else 0  # shrink, never to nothing
                    verdict = store.verdict_for(claim_id)
                    try:
                        store.update_claim(actor, claim_id, claim.version, end=claim.end - step)
                        break
                    except StaleEditError:
                        continue
                while True:
                    try:
                        store.save_verdict(actor, claim_id, VERDICTS[n % len(VERDICTS)],
                                           expected_version=verdict.version if verdict else None)
                        break
                    except StaleEditError as exc:
                        verdict = exc.current

    run_writers(n_editors, editor)
    with Store.open(db_url) as store:
        edits = n_editors * edits_each
        versions = [store.get_claim(cid).version - 1 for cid in claim_ids]
        verdict_versions = [store.verdict_for(cid).version for cid in claim_ids]
        assert sum(versions) == edits and sum(verdict_versions) == edits
        for claim_id in claim_ids:
            actions = Counter((e.entity, e.action) for e in store.history(claim_id=claim_id))
            claim, verdict = store.get_claim(claim_id), store.verdict_for(claim_id)
            assert actions[("claim", "update")] == claim.version - 1
            assert actions[("verdict", "create")] == 1
            assert actions[("verdict", "update")] == verdict.version - 1
