"""Cue flags: hedges, absolutes and negations (the claim_cues component on a blank pipeline)."""

from __future__ import annotations

import pytest
import spacy

import models  # noqa: F401  (registers the components)
from models.components import CUE_KEY


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
        ("Massage can speed up recovery.", "can"),
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
        ("There is no swelling.", "no"),
        ("It heals without scars.", "without"),
        ("It cannot remove scars.", "not"),
    ],
)
def test_negations(cue_nlp: spacy.language.Language, text: str, negation: str) -> None:
    assert negation in cues(cue_nlp, text).get("negation", [])


def test_a_plain_statement_has_no_cues(cue_nlp: spacy.language.Language) -> None:
    assert cues(cue_nlp, "Green tea contains caffeine.") == {}


def test_about_is_a_hedge_only_before_a_number(cue_nlp: spacy.language.Language) -> None:
    assert "hedge" not in cues(cue_nlp, "Talk about your skin.")
