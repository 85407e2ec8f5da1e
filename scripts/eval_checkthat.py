"""Report only (no tuning): does the extractor find "a claim" in CheckThat! 2020 tweets?

Predicts ``claim = 1`` for a tweet when the extractor yields any candidate, and prints
precision, recall and F1 against the ``claim`` column of ``test_gold.tsv``.

    python scripts/eval_checkthat.py [--gold PATH] [--model NAME]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from annotations.errors import AnnotatorError  # noqa: E402
from models.extract import extract_texts  # noqa: E402
from models.pipeline import load_nlp  # noqa: E402

DEFAULT_GOLD = "/work/shared/external/checkthat2020_task1_covid_tweets_en/test_gold.tsv"


def read_tweets(path: str) -> list[tuple[str, str, int]]:
    """(tweet id, text, claim label) rows of a CheckThat! 2020 task 1 TSV."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = {"tweet_id", "tweet_text", "claim"} - set(reader.fieldnames or ())
        if missing:
            raise SystemExit(f"error: {path} lacks the column(s) {', '.join(sorted(missing))}; got {reader.fieldnames}")
        return [(row["tweet_id"], row["tweet_text"], int(row["claim"])) for row in reader]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gold", default=DEFAULT_GOLD, help="CheckThat! TSV with a 'claim' column")
    parser.add_argument("--model", default=None, help="spaCy model name or folder")
    args = parser.parse_args(argv)
    if not Path(args.gold).is_file():
        parser.exit(2, f"error: {args.gold} does not exist\n")
    rows = read_tweets(args.gold)
    try:
        nlp = load_nlp(args.model)
    except AnnotatorError as exc:
        parser.exit(2, f"error: {exc}\n")
    labels = {tweet_id: claim for tweet_id, _, claim in rows}
    predicted = {tweet_id: int(bool(found)) for tweet_id, found in extract_texts(nlp, [(t, text) for t, text, _ in rows])}
    tp = sum(1 for t, y in labels.items() if y and predicted[t])
    fp = sum(1 for t, y in labels.items() if not y and predicted[t])
    fn = sum(1 for t, y in labels.items() if y and not predicted[t])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    positives = sum(labels.values())
    print(f"CheckThat! 2020 task 1 (en), {Path(args.gold).name}: {len(rows)} tweets, {positives} with claim=1")
    print("prediction: claim=1 when the extractor yields any candidate (report only, not tuned)")
    print(f"predicted claim=1: {sum(predicted.values())}; tp {tp}, fp {fp}, fn {fn}")
    print(f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"baseline 'always claim': F1 {2 * positives / (positives + len(rows)):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
