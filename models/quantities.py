"""A token grammar for quantities: numbers, ranges, durations, frequencies, counts, percents
and measures, normalised to ``minimum``/``maximum`` and a singular lower-case ``unit``.

Examples: "one and a half to two years" -> duration 1.5-2 year; "1–2 times a week" ->
frequency 1-2 "per week"; "4-10 procedures" -> count 4-10 "procedure"; "up to 400 times" ->
count, maximum 400, minimum None; "0.5 mm" -> measure 0.5 "millimetre".

The grammar reads :class:`Tok` tuples (so it runs on spaCy tokens or on a plain split) and
starts only at anchors (digits, number words, "once", "daily"...), found by one regex over the
text. Measure units that are not in ``lexicons/units.json`` are looked up once each with
quantulum3 and remembered.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from models.resources import json_data, singular


class Tok(NamedTuple):
    """What the grammar needs of a token (see :func:`tok`). ``pos`` may be empty (no tagger)."""

    text: str
    idx: int
    pos: str
    lemma: str
    lower: str


def tok(text: str, idx: int = 0, pos: str = "", lemma: str = "") -> Tok:
    """A grammar token; ``lower`` is computed once here."""
    return Tok(text, idx, pos, lemma, text.lower())


class PhraseSet(NamedTuple):
    """Word sequences, longest first, with their first and last words for a quick test."""

    phrases: tuple[tuple[str, ...], ...]
    firsts: frozenset[str]
    lasts: frozenset[str]


@dataclass(frozen=True, slots=True)
class QMatch:
    """A quantity found in a token window: tokens ``start:end`` of that window."""

    start: int
    end: int
    kind: str
    minimum: float | None
    maximum: float | None
    unit: str = ""


@dataclass(frozen=True, slots=True)
class _Vocab:
    numbers: dict[str, float]
    scales: dict[str, float]
    fractions: dict[str, float]
    dozens: dict[str, float]
    multiplicatives: dict[str, float]
    time_units: dict[str, str]
    frequency_words: dict[str, tuple[float, str]]
    period_words: frozenset[str]
    age: PhraseSet
    percent: PhraseSet
    multipliers: frozenset[str]
    duration_not_upper: frozenset[str]
    duration_not_lower: frozenset[str]
    upper: PhraseSet
    lower: PhraseSet
    approx: PhraseSet
    upper_suffixes: PhraseSet
    lower_suffixes: PhraseSet
    range_separators: frozenset[str]
    count_nouns: frozenset[str]
    identifiers: frozenset[str]
    currency: dict[str, str]
    overrides: dict[str, str]
    not_units: frozenset[str]
    anchor_words: frozenset[str]


def _phrases(values: list[str]) -> PhraseSet:
    # longest first, so "no more than" wins over "more than"
    phrases = tuple(sorted((tuple(v.lower().split()) for v in values), key=len, reverse=True))
    return PhraseSet(phrases, frozenset(p[0] for p in phrases), frozenset(p[-1] for p in phrases))


@cache
def vocab() -> _Vocab:
    data = json_data("units")
    time_units = {form: name for name, forms in data["time_units"].items() for form in forms}
    words = [*data["number_words"], *data["scale_words"], *data["fraction_words"], *data["dozen_words"],
             *data["multiplicatives"], *data["frequency_words"], "every"]
    return _Vocab(
        numbers={k: float(v) for k, v in data["number_words"].items()},
        scales={k: float(v) for k, v in data["scale_words"].items()},
        fractions={k: float(v) for k, v in data["fraction_words"].items()},
        dozens={k: float(v) for k, v in data["dozen_words"].items()},
        multiplicatives={k: float(v) for k, v in data["multiplicatives"].items()},
        time_units=time_units,
        frequency_words={k: (float(v[0]), str(v[1])) for k, v in data["frequency_words"].items()},
        period_words=frozenset(data["period_words"]),
        age=_phrases(data["age_words"]),
        percent=_phrases(data["percent_words"]),
        multipliers=frozenset(data["multiplier_words"]),
        duration_not_upper=frozenset(data["duration_not_upper_bounds"]),
        duration_not_lower=frozenset(data["duration_not_lower_bounds"]),
        upper=_phrases(data["upper_bounds"]),
        lower=_phrases(data["lower_bounds"]),
        approx=_phrases(data["approximators"]),
        upper_suffixes=_phrases(data["upper_suffixes"]),
        lower_suffixes=_phrases(data["lower_suffixes"]),
        range_separators=frozenset(data["range_separators"]),
        count_nouns=frozenset(data["count_nouns"]),
        identifiers=frozenset(data["identifier_words"]),
        currency=dict(data["currency_symbols"]),
        overrides=dict(data["unit_overrides_case_sensitive"]),
        not_units=frozenset(data["not_units"]),
        anchor_words=frozenset(words),
    )


_DIGIT_RUN = re.compile(r"\d+")


def digit_offsets(text: str) -> list[int]:
    """Character offsets of the digit runs in ``text`` (one regex pass)."""
    return [m.start() for m in _DIGIT_RUN.finditer(text)]


def is_anchor(token: Tok) -> bool:
    """Whether a quantity may start at this token: it holds a digit or is a number word."""
    return token.lower in vocab().anchor_words or any(c.isdigit() for c in token.text)


# ------------------------------------------------------------------------------ numbers

_NUM = r"\d+(?:,\d{3})*(?:\.\d+)?|\d+,\d{1,2}|\.\d+"
_DIGITS = re.compile(rf"^(?:{_NUM})$")
_INNER_RANGE = re.compile(rf"^({_NUM})(%?)[-–—]({_NUM})(%?)$")
_PERCENT_TOKEN = re.compile(rf"^({_NUM})%$")
_DASHES = frozenset({"-", "–", "—"})


def _number(text: str) -> float | None:
    if not _DIGITS.match(text):
        return None
    if re.fullmatch(r"\d+,\d{1,2}", text):
        return float(text.replace(",", "."))
    return float(text.replace(",", ""))


class _Value(NamedTuple):
    minimum: float
    maximum: float
    end: int  # token after the value
    percent: bool = False  # the value carried its own % sign
    word: bool = False  # written in words ("three")
    range_: bool = False


def _word_number(toks: Sequence[Tok], i: int, v: _Vocab) -> tuple[float, int] | None:
    """ "twenty five", "one hundred", "a dozen", "half", "one and a half" -> (value, end)."""
    n = len(toks)
    low = toks[i].lower
    if low in ("a", "an") and i + 1 < n and toks[i + 1].lower in v.dozens:
        return v.dozens[toks[i + 1].lower], i + 2
    if low in v.dozens:
        return v.dozens[low], i + 1
    if low in v.fractions:
        return v.fractions[low], i + 1
    if low not in v.numbers:
        return None
    value, j = v.numbers[low], i + 1
    if value >= 20 and j < n and toks[j].lower in v.numbers and v.numbers[toks[j].lower] < 10:
        value, j = value + v.numbers[toks[j].lower], j + 1
    elif value >= 20 and j + 1 < n and toks[j].text == "-" and toks[j + 1].lower in v.numbers:
        value, j = value + v.numbers[toks[j + 1].lower], j + 2
    while j < n and toks[j].lower in v.scales:
        value, j = value * v.scales[toks[j].lower], j + 1
    # "one and a half"
    if j + 2 < n and toks[j].lower == "and" and toks[j + 1].lower in ("a", "an") and toks[j + 2].lower in v.fractions:
        value, j = value + v.fractions[toks[j + 2].lower], j + 3
    return value, j


def _value(toks: Sequence[Tok], i: int, v: _Vocab) -> _Value | None:
    if i >= len(toks):
        return None
    text = toks[i].text
    inner = _INNER_RANGE.match(text)
    if inner:
        a, b = _number(inner.group(1)), _number(inner.group(3))
        if a is None or b is None:
            return None
        return _Value(min(a, b), max(a, b), i + 1, bool(inner.group(2) or inner.group(4)), range_=True)
    pct = _PERCENT_TOKEN.match(text)
    if pct:
        value = _number(pct.group(1))
        return None if value is None else _Value(value, value, i + 1, percent=True)
    number = _number(text)
    if number is not None:
        j = i + 1
        while j < len(toks) and toks[j].lower in v.scales:
            number, j = number * v.scales[toks[j].lower], j + 1
        return _Value(number, number, j)
    word = _word_number(toks, i, v)
    if word is None:
        return None
    return _Value(word[0], word[0], word[1], word=True)


def _range(toks: Sequence[Tok], first: _Value, v: _Vocab, between: bool) -> _Value:
    """Extend ``first`` with "- 10", "to 10", "or 2" ("and 10" after "between")."""
    j = first.end
    if j >= len(toks) or first.range_:
        return first
    sep = toks[j].lower
    if not (sep in v.range_separators or (between and sep == "and")):
        return first
    second = _value(toks, j + 1, v)
    if second is None or second.range_:
        return first
    if sep == "or" and first.word != second.word:
        return first
    low, high = min(first.minimum, second.minimum), max(first.maximum, second.maximum)
    return _Value(low, high, second.end, first.percent or second.percent, first.word and second.word, True)


# ------------------------------------------------------------------------------ units


@lru_cache(maxsize=4096)
def quantulum_unit(surface: str) -> str | None:
    """The unit name quantulum3 gives to ``surface`` ("mm" -> "millimetre"), or None when it
    knows no unit there. Loaded on first use (about two seconds), then cached per surface."""
    from quantulum3 import classifier, parser  # imported lazily: loading its unit tables is slow

    # Use quantulum3's dictionary disambiguation: the classifier it pickled for an older
    # scikit-learn does not load with the current one (and is slow to load).
    classifier.USE_CLF = False
    try:
        found = parser.parse(f"2 {surface}")
    except (ValueError, KeyError, IndexError, AttributeError, TypeError):
        return None
    for quantity in found:
        entity = quantity.unit.entity.name
        if entity in ("dimensionless", "unknown") or not quantity.surface.endswith(surface):
            continue
        return str(quantity.unit.name).lower()
    return None


def _match_phrase(toks: Sequence[Tok], i: int, phrases: PhraseSet) -> int:
    """Length of the first phrase that starts at token ``i`` (0 when none)."""
    if i >= len(toks) or toks[i].lower not in phrases.firsts:
        return 0
    for phrase in phrases.phrases:
        k = len(phrase)
        if i + k <= len(toks) and all(toks[i + m].lower == phrase[m] for m in range(k)):
            return k
    return 0


def _phrase_before(toks: Sequence[Tok], i: int, phrases: PhraseSet) -> int:
    """Length of a phrase that ends just before token ``i`` (0 when none)."""
    if i < 1 or toks[i - 1].lower not in phrases.lasts:
        return 0
    for phrase in phrases.phrases:
        k = len(phrase)
        if i - k >= 0 and all(toks[i - k + m].lower == phrase[m] for m in range(k)):
            return k
    return 0


def _period(toks: Sequence[Tok], j: int, v: _Vocab) -> tuple[str, int] | None:
    """ "a week", "per day", "every 2-3 days", "every other day", "daily" -> ("week", end)."""
    n = len(toks)
    if j >= n:
        return None
    low = toks[j].lower
    if low in v.frequency_words:
        return v.frequency_words[low][1], j + 1
    if low not in v.period_words:
        return None
    k = j + 1
    if low == "every" and k < n and toks[k].lower == "other":
        if k + 1 < n and toks[k + 1].lower in v.time_units:
            return f"2 {v.time_units[toks[k + 1].lower]}s", k + 2
        return None
    if k < n and toks[k].lower in v.time_units:
        return v.time_units[toks[k].lower], k + 1
    inner = _value(toks, k, v)
    if low in ("every", "per") and inner is not None:
        inner = _range(toks, inner, v, between=False)
        if inner.end < n and toks[inner.end].lower in v.time_units:
            unit = v.time_units[toks[inner.end].lower]
            amount = _fmt(inner.minimum) if inner.minimum == inner.maximum else f"{_fmt(inner.minimum)}-{_fmt(inner.maximum)}"
            return f"{amount} {unit}s", inner.end + 1
    return None


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


def _is_nounish(tok: Tok) -> bool:
    if tok.pos:
        return tok.pos in ("NOUN", "PROPN")
    return tok.text.isalpha() and tok.text.islower()


def _is_modifier(tok: Tok, v: _Vocab) -> bool:
    """An adjective that may stand between a value and its unit ("eight consecutive weeks")."""
    if tok.pos:
        return tok.pos == "ADJ"
    return tok.text.isalpha() and tok.text.islower() and tok.lower not in v.not_units


def _unit(toks: Sequence[Tok], j: int, v: _Vocab) -> tuple[str, str, int] | None:
    """The unit after a value: (kind, unit, end). Kinds: percent, duration, age, time, measure,
    count."""
    n = len(toks)
    if j >= n:
        return None
    if toks[j].text in _DASHES and j + 1 < n and toks[j + 1].text.isalpha():
        j += 1  # "5-day course", "18-year-old"
    low = toks[j].lower
    percent = _match_phrase(toks, j, v.percent)
    if percent:
        return "percent", "percent", j + percent
    # up to two adjectives may stand between a value and a time unit ("eight consecutive weeks")
    k = j
    while k < min(n, j + 2) and _is_modifier(toks[k], v) and toks[k].lower not in v.time_units:
        k += 1
    if k >= n or toks[k].lower not in v.time_units:
        k = j
    if k < n and toks[k].lower in v.time_units and (k == j or k + 1 >= n or toks[k + 1].lower not in ("per", "a")):
        unit, end = v.time_units[toks[k].lower], k + 1
        if end < n and toks[end].text in _DASHES:
            age = _match_phrase(toks, end + 1, v.age)  # "18-year-old"
            if age:
                return "age", "year of age", end + 1 + age
        age = _match_phrase(toks, end, v.age)  # "18 years old", "18 years of age"
        if age:
            return "age", "year of age", end + age
        return "duration", unit, end
    if low in v.multipliers:
        return "time", "time", j + 1
    if toks[j].text in v.overrides:
        return "measure", v.overrides[toks[j].text], j + 1
    if low in v.not_units or not (toks[j].text.isalpha() or toks[j].text in "°µμ"):
        return None
    # a count noun, possibly after compounds and adjectives ("4-10 mesotherapy procedures")
    k, last_noun = j, -1
    while k < min(n, j + 4) and (_is_nounish(toks[k]) or toks[k].pos == "ADJ") and toks[k].lower not in v.not_units:
        if _is_nounish(toks[k]):
            last_noun = k
        k += 1
    if not toks[j].pos and last_noun > j and singular(toks[last_noun].lower) not in v.count_nouns:
        last_noun = j  # without a tagger only a known count noun may follow modifiers
    head = toks[last_noun] if last_noun >= 0 else None
    head_singular = singular(head.lower) if head is not None else ""
    if head is not None and head_singular in v.count_nouns:
        return "count", head_singular, last_noun + 1
    if not toks[j].pos or toks[j].pos in ("NOUN", "PROPN", "X", "SYM", "ADJ", "VERB"):
        if j + 1 < n and toks[j + 1].text.isalpha():
            two = quantulum_unit(f"{toks[j].text} {toks[j + 1].text}")
            if two is not None:
                return "measure", two, j + 2
        one = quantulum_unit(toks[j].text)
        if one is not None and one != "count":
            return "measure", one, j + 1
    if head is not None:
        lemma = head.lemma.lower() if head.lemma and head.lemma.isalpha() else head_singular
        return "count", lemma, last_noun + 1
    return None


# ------------------------------------------------------------------------------ grammar


def parse_at(toks: Sequence[Tok], i: int) -> QMatch | None:
    """The quantity whose number (or frequency word) is token ``i``, with its bounds, unit
    and period; None when token ``i`` starts none."""
    v = vocab()
    n = len(toks)
    low = toks[i].lower
    # frequency words standing alone: "daily", "once a month", "twice a year", "every day"
    if low in v.frequency_words:
        value, per = v.frequency_words[low]
        return QMatch(i, i + 1, "frequency", value, value, f"per {per}")
    if low in v.multiplicatives:
        value = v.multiplicatives[low]
        period = _period(toks, i + 1, v)
        if period is not None:
            return QMatch(i, period[1], "frequency", value, value, f"per {period[0]}")
        if i == 0 or not toks[i - 1].text.isalnum() or (i + 1 < n and toks[i + 1].pos in ("PRON", "DET", "VERB", "AUX")):
            return None  # "Once steeped, ...", "once you start": a conjunction, not a count
        return QMatch(i, i + 1, "count", value, value, "time")
    if low == "every":
        period = _period(toks, i, v)
        return None if period is None else QMatch(i, period[1], "frequency", 1.0, 1.0, f"per {period[0]}")
    first = _value(toks, i, v)
    if first is None:
        return None
    if i > 0 and toks[i - 1].lower in v.identifiers and not first.word:
        return None  # "type 2 diabetes", "vitamin B 12"
    start = i
    currency = ""
    if i > 0 and toks[i - 1].text in v.currency:
        start, currency = i - 1, v.currency[toks[i - 1].text]
    elif i > 0 and low in v.dozens and toks[i - 1].lower in ("a", "an"):
        start -= 1  # "a dozen"
    between = i > 0 and toks[i - 1].lower == "between"
    value = _range(toks, first, v, between)
    j = value.end
    if toks[i].lower in v.fractions and j < n and toks[j].lower in ("a", "an"):
        j += 1  # "half an hour"
    suffix_bound = ""
    if _match_phrase(toks, j, v.lower_suffixes):
        suffix_bound, j = "lower", j + _match_phrase(toks, j, v.lower_suffixes)
    elif _match_phrase(toks, j, v.upper_suffixes):
        suffix_bound, j = "upper", j + _match_phrase(toks, j, v.upper_suffixes)
    kind, unit = "", ""
    age_of = i >= 2 and toks[i - 1].lower == "of" and toks[i - 2].lower == "age"
    if currency:
        kind, unit = "measure", currency
    elif age_of:
        kind, unit, start = "age", "year of age", i - 2
        if start > 0 and toks[start - 1].lower == "the":
            start -= 1
    elif value.percent:
        kind, unit = "percent", "percent"
        if j < n and toks[j].text == "%":
            j += 1
    else:
        found = _unit(toks, j, v)
        if found is not None:
            kind, unit, j = found
    if not suffix_bound and kind:
        if _match_phrase(toks, j, v.lower_suffixes):
            suffix_bound, j = "lower", j + _match_phrase(toks, j, v.lower_suffixes)
        elif _match_phrase(toks, j, v.upper_suffixes):
            suffix_bound, j = "upper", j + _match_phrase(toks, j, v.upper_suffixes)
    # a frequency: "1-2 times a week", "5 cups per day", "1 time every 2-3 days"
    if kind in ("time", "count", "measure"):
        period = _period(toks, j, v)
        if period is not None:
            unit = f"per {period[0]}" if kind == "time" else f"{unit} per {period[0]}"
            kind, j = "frequency", period[1]
    if not kind:
        if (value.word and (toks[i].lower in ("one", "a", "an") or toks[i].lower in v.fractions)) or (
            not value.word and not value.range_ and _looks_like_year(toks[i].text)
        ):
            return None
        kind = "range" if value.range_ else "number"
    elif kind == "time":
        kind = "count"
    elif kind == "count" and value.word and value.minimum == 1 and not value.range_ and unit not in v.count_nouns:
        return None  # "one study", "one benefit": an article, not a count
    minimum: float | None = value.minimum
    maximum: float | None = value.maximum
    # bounds: "up to 400", "at least 3", "4 cups or more"
    before = start
    approx = _phrase_before(toks, before, v.approx)
    before -= approx
    upper = _phrase_before(toks, before, v.upper)
    lower = 0 if upper else _phrase_before(toks, before, v.lower)
    timeish = kind == "duration"
    if upper and not (timeish and toks[before - upper].lower in v.duration_not_upper):
        minimum, start = None, before - upper
    elif lower and not (timeish and toks[before - lower].lower in v.duration_not_lower) and not value.range_:
        maximum, start = None, before - lower
    elif lower and value.range_ and toks[before - lower].lower == "from":
        start = before - lower
    elif approx:
        start = before  # keep "about" inside the span
    if between:
        start = i - 1
    if suffix_bound == "lower" and minimum is not None:
        maximum = None
    elif suffix_bound == "upper" and maximum is not None:
        minimum = None
    if kind == "age":
        kind = "measure"
    return QMatch(start, j, kind, minimum, maximum, unit)


def _looks_like_year(text: str) -> bool:
    return bool(re.fullmatch(r"1[5-9]\d\d|20\d\d", text))


def scan(toks: Sequence[Tok], anchors: Sequence[int] | None = None) -> list[QMatch]:
    """Every quantity in ``toks``, left to right, trying only the ``anchors`` (token positions;
    all tokens when None). Matches do not overlap."""
    positions = [i for i, t in enumerate(toks) if is_anchor(t)] if anchors is None else anchors
    found: list[QMatch] = []
    taken = 0
    for i in positions:
        if i < taken:
            continue
        match = parse_at(toks, i)
        if match is None:
            continue
        if found and match.start < found[-1].end:
            match = QMatch(found[-1].end, match.end, match.kind, match.minimum, match.maximum, match.unit)
        found.append(match)
        taken = match.end
    return found


def split_tokens(text: str) -> list[Tok]:
    """A plain tokenisation for use without spaCy: words, numbers (with inner ranges and %),
    and single punctuation marks."""
    pattern = re.compile(rf"\d+(?:[/:]\d+)+|(?:{_NUM})%?(?:[-–—](?:{_NUM})%?)?(?!\w)|\w+|[^\w\s]")
    return [tok(m.group(), m.start()) for m in pattern.finditer(text)]
