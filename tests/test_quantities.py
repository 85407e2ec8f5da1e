"""The quantity grammar: numbers, ranges, durations, frequencies, counts, percents, measures,
words as numbers, bounds; and the component's spans with offsets into the document."""

from __future__ import annotations

import pytest
import spacy

import models  # noqa: F401  (registers the components)
from models.components import QUANTITY_KEY
from models.quantities import quantulum_unit, scan, split_tokens


def quantities(text: str) -> list[tuple[str, str, float | None, float | None, str]]:
    toks = split_tokens(text)
    out = []
    for m in scan(toks):
        first, last = toks[m.start], toks[m.end - 1]
        out.append((text[first.idx : last.idx + len(last.text)], m.kind, m.minimum, m.maximum, m.unit))
    return out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the glow lasts one and a half to two years", ("one and a half to two years", "duration", 1.5, 2.0, "year")),
        ("apply it 1–2 times a week", ("1–2 times a week", "frequency", 1.0, 2.0, "per week")),
        ("book 4-10 procedures", ("4-10 procedures", "count", 4.0, 10.0, "procedure")),
        ("absorption rises up to 400 times", ("up to 400 times", "count", None, 400.0, "time")),
        ("a score of 5-15", ("5-15", "range", 5.0, 15.0, "")),
        ("a score of 5–15", ("5–15", "range", 5.0, 15.0, "")),
        ("wait 7-14 days", ("7-14 days", "duration", 7.0, 14.0, "day")),
        ("repeat twice a year", ("twice a year", "frequency", 2.0, 2.0, "per year")),
        ("top up once a month", ("once a month", "frequency", 1.0, 1.0, "per month")),
        ("it takes about 3 weeks", ("about 3 weeks", "duration", 3.0, 3.0, "week")),
        ("needles of 0.5 mm", ("0.5 mm", "measure", 0.5, 0.5, "millimetre")),
        ("it costs 1,500 rubles", ("1,500 rubles", "measure", 1500.0, 1500.0, "russian ruble")),
        ("teenagers aged 17-18 years old", ("17-18 years old", "measure", 17.0, 18.0, "year of age")),
        ("three", ("three", "number", 3.0, 3.0, "")),
        ("buy a dozen eggs", ("a dozen eggs", "count", 12.0, 12.0, "egg")),
        ("rest for half an hour", ("half an hour", "duration", 0.5, 0.5, "hour")),
        ("no more than 15-20 minutes", ("no more than 15-20 minutes", "duration", None, 20.0, "minute")),
        ("at least 3 sessions", ("at least 3 sessions", "count", 3.0, None, "session")),
        ("drink five cups per day", ("five cups per day", "frequency", 5.0, 5.0, "cup per day")),
        ("three or more glasses a day", ("three or more glasses a day", "frequency", 3.0, None, "glass per day")),
        ("once every 2-3 days", ("once every 2-3 days", "frequency", 1.0, 1.0, "per 2-3 days")),
        ("every other day", ("every other day", "frequency", 1.0, 1.0, "per 2 days")),
        ("daily", ("daily", "frequency", 1.0, 1.0, "per day")),
        ("effective for 24%-60% of patients", ("24%-60%", "percent", 24.0, 60.0, "percent")),
        ("a 44% lower risk", ("44%", "percent", 44.0, 44.0, "percent")),
        ("rose by 6 percent", ("6 percent", "percent", 6.0, 6.0, "percent")),
        ("between 5 and 10 mg", ("between 5 and 10 mg", "measure", 5.0, 10.0, "milligram")),
        ("within two weeks", ("within two weeks", "duration", None, 2.0, "week")),
        ("from the age of 18", ("from the age of 18", "measure", 18.0, None, "year of age")),
        ("priced at $20", ("$20", "measure", 20.0, 20.0, "dollar")),
        ("about twenty five minutes", ("about twenty five minutes", "duration", 25.0, 25.0, "minute")),
        ("40,000 patients", ("40,000 patients", "count", 40000.0, 40000.0, "patient")),
        ("a 5-year-old child", ("5-year-old", "measure", 5.0, 5.0, "year of age")),
        ("adults 65 years of age", ("65 years of age", "measure", 65.0, 65.0, "year of age")),
        ("rose by 6 per cent", ("6 per cent", "percent", 6.0, 6.0, "percent")),
        # before a duration, "over" and "under" tell when rather than bound it
        ("rested for over two weeks", ("two weeks", "duration", 2.0, 2.0, "week")),
        ("lasts under 2 weeks", ("2 weeks", "duration", 2.0, 2.0, "week")),
    ],
)
def test_grammar(text: str, expected: tuple[str, str, float | None, float | None, str]) -> None:
    assert quantities(text) == [expected]


@pytest.mark.parametrize(
    "text",
    ["back in 1958", "type 2 diabetes", "the 1st and 3rd session", "on 10/31/2018 15:17", "one study found",
     "Once steeped, it is ready", "several weeks", "a few days"],
)
def test_not_quantities(text: str) -> None:
    assert quantities(text) == []


def test_two_quantities_in_one_phrase() -> None:
    assert quantities("courses of 10–20 procedures 1–2 times a week") == [
        ("10–20 procedures", "count", 10.0, 20.0, "procedure"),
        ("1–2 times a week", "frequency", 1.0, 2.0, "per week"),
    ]


def test_quantulum_names_measure_units_and_knows_no_unit_in_plain_words() -> None:
    assert quantulum_unit("mg") == "milligram"
    assert quantulum_unit("fluid ounces") == "fluid ounce"
    assert quantulum_unit("sessions") is None


def test_the_component_writes_spans_with_document_offsets() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("claim_layout")
    nlp.add_pipe("claim_quantities")
    text = "Title line\nThe effect lasts one and a half to two years; apply 1–2 times a week."
    doc = nlp(text)
    found = [(s.text, s.label_, s._.qty_min, s._.qty_max, s._.qty_unit, text[s.start_char : s.end_char])
             for s in doc.spans[QUANTITY_KEY]]
    assert found == [
        ("one and a half to two years", "duration", 1.5, 2.0, "year", "one and a half to two years"),
        ("1–2 times a week", "frequency", 1.0, 2.0, "per week", "1–2 times a week"),
    ]


def test_a_quantity_does_not_run_across_a_line_break() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("claim_quantities")
    doc = nlp("Take 5\nminutes of rest")
    assert [(s.text, s.label_) for s in doc.spans[QUANTITY_KEY]] == [("5", "number")]


# ----------------------------------------------------------- branches that read the tagger
# With a tagger the grammar reads each token's part of speech and lemma; without one (a plain
# split) it guesses from the spelling. Each sentence shows a branch where the two differ.


def tagged(nlp, text: str) -> list[tuple[str, str, float | None, float | None, str]]:
    doc = nlp(text)
    return [(s.text, s.label_, s._.qty_min, s._.qty_max, s._.qty_unit) for s in doc.spans[QUANTITY_KEY]]


@pytest.mark.parametrize(
    ("text", "with_tags", "without_tags"),
    [
        # a count noun is named by its lemma: "leaves" of a plant are leaves, not a verb
        ("Pick 2 leaves of mint.", ("2 leaves", "count", 2.0, 2.0, "leaf"), ("2 leaves", "count", 2.0, 2.0, "leave")),
        ("Cut 2 loaves.", ("2 loaves", "count", 2.0, 2.0, "loaf"), ("2 loaves", "count", 2.0, 2.0, "loave")),
        # a proper noun or an adjective may stand between a number and what it counts
        ("Visit 3 Lisbon bakeries.", ("3 Lisbon bakeries", "count", 3.0, 3.0, "bakery"), ("3", "number", 3.0, 3.0, "")),
        ("Buy 2 large lemons.", ("2 large lemons", "count", 2.0, 2.0, "lemon"), ("2 large", "count", 2.0, 2.0, "large")),
        # a preposition after a number is no unit
        ("Take 2 after meals.", ("2", "number", 2.0, 2.0, ""), ("2 after", "count", 2.0, 2.0, "after")),
    ],
)
def test_a_tagged_word_after_a_number_is_read_by_its_part_of_speech(nlp, text, with_tags, without_tags) -> None:
    assert tagged(nlp, text) == [with_tags]
    assert quantities(text) == [without_tags]


@pytest.mark.parametrize(
    "text",
    [
        "Keep it cold once you open the jar.",  # "once" before a pronoun: a conjunction
        "Knead it once the dough rests.",  # ... before a determiner
        "Stir in twice the sugar.",  # "twice" before a determiner: a multiplier, not a count
    ],
)
def test_once_and_twice_before_a_pronoun_or_determiner_count_nothing(nlp, text: str) -> None:
    assert tagged(nlp, text) == []
    assert [kind for _, kind, *_ in quantities(text)] == ["count"]  # untagged, the grammar cannot tell


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Stir the jam twice, then let it cool.", ("twice", "count", 2.0, 2.0, "time")),
        ("Shake the bottle twice a day.", ("twice a day", "frequency", 2.0, 2.0, "per day")),
        ("Walk for eight brisk weeks.", ("eight brisk weeks", "duration", 8.0, 8.0, "week")),  # an adjective before the unit
        ("Boil the eggs for 7 minutes.", ("7 minutes", "duration", 7.0, 7.0, "minute")),
    ],
)
def test_tagged_counts_frequencies_and_durations(nlp, text: str, expected: tuple[object, ...]) -> None:
    assert tagged(nlp, text) == [expected]
