"""Cue flags: hedges, absolutes and negations (the claim_cues component on a blank pipeline),
and the hedge check that measures them on labelled sentences (here: a small file of our own)."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

import models  # noqa: F401  (registers the components)
from annotations.errors import ImportFormatError
from models.components import CUE_KEY
from models.hedge_check import hedge_separation, read_sentences


@pytest.fixture(scope="module")
def cue_nlp() -> spacy.language.Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("claim_quantities")
    nlp.add_pipe("claim_cues")
    return nlp


def cues(nlp: spacy.language.Language, text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    doc = nlp(text)
    for span in doc.spans[CUE_KEY]:
        found.setdefault(span.label_, []).append(span.text.lower())
    return found


@pytest.mark.parametrize(
    ("text", "hedge"),
    [
        ("The serum may reduce redness.", "may"),
        ("Permeability grows up to 400 times.", "up to"),
        ("It is believed to calm the skin.", "it is believed"),
        ("Massage could speed up recovery.", "could"),
        ("The drug appeared to lower blood pressure.", "appeared to"),
        ("A longer course would give better results.", "would"),
        ("The potential benefits include softer skin.", "potential"),
        ("The cream is likely to help.", "likely"),
        ("Healing takes about 3 weeks.", "about"),
        ("In rare cases, nausea follows.", "in rare cases"),
    ],
)
def test_hedges(cue_nlp: spacy.language.Language, text: str, hedge: str) -> None:
    assert hedge in cues(cue_nlp, text).get("hedge", [])


@pytest.mark.parametrize(
    ("text", "absolute"),
    [
        ("The method is absolutely safe.", "absolutely"),
        ("Wrinkles disappear completely.", "completely"),
        ("Any bruising is excluded.", "is excluded"),
        ("Any bruising is excluded.", "any"),
        ("Side effects never occur.", "never"),
        ("It always works.", "always"),
        ("The session is painless.", "painless"),
    ],
)
def test_absolutes(cue_nlp: spacy.language.Language, text: str, absolute: str) -> None:
    assert absolute in cues(cue_nlp, text).get("absolute", [])


@pytest.mark.parametrize(
    ("text", "negation"),
    [
        ("The gel does not sting.", "not"),
        ("It doesn't sting.", "n't"),
        ("It doesn’t sting.", "n’t"),  # the typographic apostrophe of web texts
        ("There is no swelling.", "no"),
        ("It heals without scars.", "without"),
        ("It cannot remove scars.", "not"),
    ],
)
def test_negations(cue_nlp: spacy.language.Language, text: str, negation: str) -> None:
    assert negation in cues(cue_nlp, text).get("negation", [])


def test_a_plain_statement_has_no_cues(cue_nlp: spacy.language.Language) -> None:
    assert cues(cue_nlp, "Green tea contains caffeine.") == {}


@pytest.mark.parametrize(
    "text",
    [
        "Massage can speed up recovery.",  # ability, not doubt
        "Our results suggest that zinc shortens colds.",  # reports a claim; its strength is the claim's
        "Zinc shortens colds.",
    ],
)
def test_direct_claims_have_no_hedge(cue_nlp: spacy.language.Language, text: str) -> None:
    assert "hedge" not in cues(cue_nlp, text)


def test_about_is_a_hedge_only_before_a_number(cue_nlp: spacy.language.Language) -> None:
    assert "hedge" not in cues(cue_nlp, "Talk about your skin.")


# ------------------------------------------------------------- the hedge check (PubMed)


def test_hedge_check_counts_flagged_sentences_per_label(cue_nlp: spacy.language.Language, tmp_path: Path) -> None:
    data = tmp_path / "claims.csv"
    data.write_text(
        "sentence,label\n"
        "Zinc may shorten colds.,2\n"
        "Zinc might help.,2\n"
        "Zinc shortens colds.,1\n"
        '"Zinc, we think, could work.",1\n'
        "Zinc is sold in shops.,0\n",
        encoding="utf-8",
    )
    rows = read_sentences(data)
    assert [label for _, label in rows] == [2, 2, 1, 1]
    report = hedge_separation(rows, cue_nlp)
    assert (report.hedged, report.hedged_flagged, report.direct, report.direct_flagged) == (2, 2, 2, 1)
    assert (report.recall, report.false_alarm_rate, report.precision) == (1.0, 0.5, 2 / 3)
    assert report.balanced_accuracy == 0.75
    assert "label 2 (hedged causal): 2/2" in report.format()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("text,label\nZinc works.,1\n", r"line 1: expected the columns sentence and label; got \['text', 'label'\]"),
        ("sentence,label\nZinc works.,strong\n", r"line 2: label must be a number 0-3; got 'strong'"),
    ],
)
def test_hedge_check_rejects_a_malformed_file(tmp_path: Path, content: str, message: str) -> None:
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFormatError, match=message):
        read_sentences(data)
