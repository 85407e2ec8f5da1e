"""Regenerate the sample output of every export format in ``annotations/export/examples/``.

The samples are made from the fixed source ``annotations/export/examples/source.json`` (two short
articles, their claims, reviews, an adjudication, fixed ids and timestamps), loaded into an
in-memory store, so they do not depend on the extractor. ``tests/test_samples.py`` checks that
the committed samples are current.

    .venv/bin/python scripts/make_samples.py [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from annotations.auth import Actor  # noqa: E402
from annotations.export import (  # noqa: E402
    FORMATS,
    ExportContext,
    ExportSummary,
    export_bundles,
    tool_version,
)
from annotations.records import (  # noqa: E402
    Citation,
    Claim,
    Cues,
    Document,
    HistoryEntry,
    Quantity,
    Review,
    Verdict,
)
from annotations.storage import ClaimBundle, ImportCounts, Store, claim_status, resolve_final  # noqa: E402

EXAMPLES = ROOT / "annotations" / "export" / "examples"
SOURCE = EXAMPLES / "source.json"
SAMPLE_DATE = date(2026, 3, 5)
_NAMESPACE = uuid.UUID("6f1c2a4e-1b8d-4c55-9a57-1f0e8d7c2b11")


def sample_name(fmt: str) -> str:
    """The file (or folder) name of a format's sample: ``claims.jsonl``, ``gold.tsv``, ``dataset``..."""
    stem = fmt if fmt in ("claimreview", "gold", "dataset") else "claims"
    return stem + FORMATS[fmt].extension


def _find(text: str, needle: str, what: str) -> int:
    at = text.find(needle)
    if at < 0 or text.find(needle, at + 1) >= 0:
        raise ValueError(f"{what} {needle!r} must occur exactly once in its document")
    return at


def _entry(entity: str, entity_id: str, action: str, actor: str, at: Any, after: dict[str, Any] | None,
           before: dict[str, Any] | None = None, claim_id: str | None = None) -> HistoryEntry:
    entry_id = str(uuid.uuid5(_NAMESPACE, f"{entity}:{entity_id}:{action}"))
    return HistoryEntry(entity=entity, entity_id=entity_id, action=action, actor=actor, before=before,
                        after=after, claim_id=claim_id, at=at, id=entry_id)


def _claim(data: dict[str, Any], text: str) -> Claim:
    start = _find(text, data["text"], "claim")
    sentence_start = _find(text, data["sentence"], "sentence")
    quantities = []
    for q in data.get("quantities", []):
        q_start = start + _find(data["text"], q["text"], "quantity")
        quantities.append(Quantity(**q, start=q_start, end=q_start + len(q["text"])))
    fields = {k: v for k, v in data.items() if k not in ("text", "sentence", "cues", "quantities")}
    return Claim(**fields, start=start, end=start + len(data["text"]), text=data["text"],
                 sentence_start=sentence_start, sentence_end=sentence_start + len(data["sentence"]),
                 cues=Cues.from_dict(data.get("cues", {})), quantities=tuple(quantities))


def _with_citations(data: dict[str, Any]) -> dict[str, Any]:
    return {**data, "citations": tuple(Citation(**c) for c in data.get("citations", ()))}


def _review_history(review: Review, was: str | None) -> list[HistoryEntry]:
    """A review's creation, and its last edit or withdrawal; ``was`` is its verdict before the edit."""
    now = {"verdict": review.verdict, "withdrawn": review.withdrawn}
    if review.version == 1:
        return [_entry("review", review.id, "create", review.reviewer, review.created_at, now,
                       claim_id=review.claim_id)]
    before = {"verdict": was or review.verdict, "withdrawn": False}
    action = "withdraw" if review.withdrawn else "update"
    return [
        _entry("review", review.id, "create", review.reviewer, review.created_at, before, claim_id=review.claim_id),
        _entry("review", review.id, action, review.reviewer, review.updated_at, now, before, review.claim_id),
    ]


def load_source(path: Path = SOURCE) -> tuple[dict[str, Any], list[ClaimBundle]]:
    """The settings and the claim bundles of a samples source file, in export order, with each
    claim's final verdict and status worked out as the store does, and a history made up from the
    records' own timestamps (document, claim, review and verdict creation; review edits)."""
    source = json.loads(path.read_text(encoding="utf-8"))
    needed = int(source["settings"]["reviews_per_claim"])
    documents = {d["id"]: Document(**d) for d in source["documents"]}
    reviews = [Review(**_with_citations({k: v for k, v in r.items() if k != "was"})) for r in source["reviews"]]
    was = {r["id"]: r.get("was") for r in source["reviews"]}
    verdicts = {v["claim_id"]: Verdict(**_with_citations(v)) for v in source["verdicts"]}
    bundles = []
    for data in source["claims"]:
        document = documents[data["document_id"]]
        claim = _claim(data, document.text)
        mine = sorted((r for r in reviews if r.claim_id == claim.id), key=lambda r: (r.created_at, r.id))
        active = [r for r in mine if not r.withdrawn]
        verdict = verdicts.get(claim.id)
        history = [_entry("claim", claim.id, "create", claim.created_by, claim.created_at,
                          {"text": claim.text, "claim_type": claim.claim_type}, claim_id=claim.id)]
        for review in mine:
            history += _review_history(review, was[review.id])
        if verdict is not None:
            history.append(_entry("verdict", verdict.id, "create", verdict.adjudicator, verdict.created_at,
                                  {"verdict": verdict.verdict}, claim_id=claim.id))
        document_history = [_entry("document", document.id, "create", document.added_by, document.added_at,
                                   {"name": document.name, "content_hash": document.content_hash})]
        bundles.append(ClaimBundle(
            document=document, claim=claim, reviews=mine, verdict=verdict,
            history=sorted(history, key=lambda e: e.at), document_history=document_history,
            final=resolve_final(active, verdict, needed), status=claim_status(active, verdict, needed)))
    bundles.sort(key=lambda b: (b.claim.document_id, b.claim.start, b.claim.id))
    return source["settings"], bundles


def reviewed(bundles: list[ClaimBundle]) -> list[ClaimBundle]:
    """The bundles an export keeps by default: those with an active review or a final verdict."""
    return [b for b in bundles if b.verdict is not None or any(not r.withdrawn for r in b.reviews)]


def fill_store(store: Store, actor: Actor, source: Path = SOURCE) -> ImportCounts:
    """Load the samples source (settings first, then every claim, reviewed or not) into ``store``."""
    settings, bundles = load_source(source)
    for key, value in settings.items():
        store.set_setting(actor, key, value)
    return store.import_bundles(actor, bundles)


def make_samples(out: Path = EXAMPLES, source: Path = SOURCE) -> list[ExportSummary]:
    """Write the sample of every registered format into ``out``, from the reviewed claims of the
    source, straight from the records (no store needed)."""
    settings, bundles = load_source(source)
    context = ExportContext(settings=settings, today=SAMPLE_DATE, tool_version=tool_version())
    return [export_bundles(reviewed(bundles), fmt, out / sample_name(fmt), context) for fmt in FORMATS]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=EXAMPLES, help=f"output folder (default {EXAMPLES})")
    args = parser.parse_args(argv)
    for summary in make_samples(args.out):
        print(summary.describe())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
