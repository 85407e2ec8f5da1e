"""Evaluate the extractor on a gold TSV: ``python -m models.evaluate GOLD SOURCES [--misses]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from spacy.language import Language

from annotations.errors import AnnotatorError
from annotations.gold import EvalReport, Prediction, read_gold, read_sources, score_predictions
from annotations.sources import DEFAULT_MAX_BYTES
from models.extract import extract_texts


def evaluate(gold_path: str | Path, sources_dir: str | Path, nlp: Language, *,
             max_bytes: int = DEFAULT_MAX_BYTES) -> EvalReport:
    """Extract from the sources the gold file refers to, read as ``ingest`` reads them
    (:func:`annotations.gold.read_sources`), and score with the GUIDELINES rule."""
    gold = read_gold(gold_path)
    texts = read_sources(gold, sources_dir, max_bytes=max_bytes)
    predictions = [
        Prediction(doc, c.start, c.end, c.claim_type, c.score, c.text)
        for doc, found in extract_texts(nlp, texts.items())
        for c in found
    ]
    return score_predictions(gold, predictions, texts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.evaluate", description=__doc__)
    parser.add_argument("gold", help="gold TSV (doc, must, kind, quote)")
    parser.add_argument("sources", help="folder with the source texts")
    parser.add_argument("--model", default=None, help="spaCy model name or folder")
    parser.add_argument("--misses", action="store_true", help="list misses, wrong types and false positives")
    args = parser.parse_args(argv)
    from models.pipeline import load_nlp

    try:
        report = evaluate(args.gold, args.sources, load_nlp(args.model))
    except AnnotatorError as exc:
        parser.exit(2, f"error: {exc}\n")
    print(report.format(show_misses=args.misses))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
