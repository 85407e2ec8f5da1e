"""How well the hedge cues tell hedged from direct causal claims (an evaluation, not a test):
``python -m models.hedge_check [CSV]``.

Reads the PubMed conclusion sentences labelled for causal claim strength (Yu, Li and Wang,
EMNLP 2019; read where they lie, never copied into the project): label 2 is a conditional or
hedged causal claim ("X may reduce Y"), label 1 a direct one ("X reduces Y"); the other labels
are left out. Runs the ``claim_cues`` component (on a blank English pipeline: the cues need
only the tokens) and reports "has a hedge cue" as a predictor of label 2: the share of
hedged sentences in each label, precision, recall, F1 and balanced accuracy.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.language import Language

import models  # noqa: F401  (registers the components)
from annotations.errors import ImportFormatError
from models.components import CUE_KEY

DEFAULT_DATA = "/work/shared/external/pubmed_causal_claim_strength/pubmed_causal_language_use.csv"
HEDGED, DIRECT = 2, 1


@dataclass
class HedgeReport:
    """Counts of sentences per label and of those with at least one hedge cue."""

    hedged: int = 0  # label 2 sentences
    direct: int = 0  # label 1 sentences
    hedged_flagged: int = 0
    direct_flagged: int = 0
    cues: dict[int, Counter[str]] = field(default_factory=lambda: {HEDGED: Counter(), DIRECT: Counter()})

    @property
    def recall(self) -> float:
        return self.hedged_flagged / self.hedged if self.hedged else 0.0

    @property
    def false_alarm_rate(self) -> float:
        return self.direct_flagged / self.direct if self.direct else 0.0

    @property
    def precision(self) -> float:
        flagged = self.hedged_flagged + self.direct_flagged
        return self.hedged_flagged / flagged if flagged else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + 1 - self.false_alarm_rate) / 2

    def format(self) -> str:
        return "\n".join([
            f"label 2 (hedged causal): {self.hedged_flagged}/{self.hedged} have a hedge cue ({self.recall:.3f})",
            f"label 1 (direct causal): {self.direct_flagged}/{self.direct} have a hedge cue ({self.false_alarm_rate:.3f})",
            f"'has a hedge cue' predicting label 2: precision {self.precision:.3f}  recall {self.recall:.3f}"
            f"  F1 {self.f1:.3f}  balanced accuracy {self.balanced_accuracy:.3f}",
            "most frequent cues in label 2: " + ", ".join(f"{w} {n}" for w, n in self.cues[HEDGED].most_common(8)),
            "most frequent cues in label 1: " + ", ".join(f"{w} {n}" for w, n in self.cues[DIRECT].most_common(8)),
        ])


def read_sentences(path: str | Path) -> list[tuple[str, int]]:
    """(sentence, label) rows with label 1 or 2 of a CSV with the header ``sentence,label``."""
    where = str(path)
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"sentence", "label"} - set(reader.fieldnames or ())
        if missing:
            raise ImportFormatError(where, 1, f"expected the columns sentence and label; got {reader.fieldnames}")
        rows = []
        for number, row in enumerate(reader, start=2):
            label = (row["label"] or "").strip()
            if not label.isdigit():
                raise ImportFormatError(where, number, f"label must be a number 0-3; got {row['label']!r}")
            if int(label) in (HEDGED, DIRECT):
                rows.append((row["sentence"], int(label)))
    return rows


def cue_pipeline() -> Language:
    """A blank English pipeline with the quantity and cue components (all the cues need)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("claim_quantities")
    nlp.add_pipe("claim_cues")
    return nlp


def hedge_separation(rows: Iterable[tuple[str, int]], nlp: Language | None = None) -> HedgeReport:
    """Count, per label, the sentences in which the cue component finds a hedge."""
    nlp = nlp or cue_pipeline()
    items = list(rows)
    report = HedgeReport()
    for (_, label), doc in zip(items, nlp.pipe(text for text, _ in items), strict=True):
        hedges = {span.text.lower() for span in doc.spans[CUE_KEY] if span.label_ == "hedge"}
        if label == HEDGED:
            report.hedged += 1
            report.hedged_flagged += bool(hedges)
        else:
            report.direct += 1
            report.direct_flagged += bool(hedges)
        report.cues[label].update(hedges)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.hedge_check", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="?", default=DEFAULT_DATA, help="CSV with sentence,label")
    args = parser.parse_args(argv)
    if not Path(args.data).is_file():
        parser.exit(2, f"error: {args.data} does not exist\n")
    try:
        rows = read_sentences(args.data)
    except ImportFormatError as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"{Path(args.data).name}: {len(rows)} sentences labelled 1 or 2")
    print(hedge_separation(rows).format())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
