"""Packaged data files: rule files (``models/rules/*.jsonl``) and lexicons
(``models/lexicons/*.txt`` and ``*.json``), read with :mod:`importlib.resources`.

A TXT lexicon has one entry a line; ``#`` starts a comment. An entry may list extra surface
forms after ``|`` (``lead|led``), which :func:`expand_forms` adds to the generated verb forms.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

from annotations.errors import ValidationError

PACKAGE = "models"


def _read(folder: str, name: str) -> str:
    path = resources.files(PACKAGE).joinpath(folder, name)
    if not path.is_file():
        available = sorted(p.name for p in resources.files(PACKAGE).joinpath(folder).iterdir())
        raise ValidationError(f"no data file {folder}/{name} in the models package; available: {', '.join(available)}")
    return path.read_text(encoding="utf-8")


@cache
def lexicon(name: str) -> tuple[str, ...]:
    """The entries of ``lexicons/<name>.txt`` in file order (comments and blanks dropped)."""
    entries = []
    for raw in _read("lexicons", f"{name}.txt").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            entries.append(line)
    return tuple(entries)


def with_apostrophes(phrases: Iterable[str]) -> list[str]:
    """``phrases`` plus their spellings with the other apostrophe: web texts write "it’s" and
    "isn’t" as often as "it's" and "isn't", and the tokenizer keeps the character."""
    out = []
    for phrase in phrases:
        out.extend((phrase, phrase.replace("'", "’"), phrase.replace("’", "'")))
    return list(dict.fromkeys(out))


@cache
def json_data(name: str) -> Any:
    """The parsed content of ``lexicons/<name>.json``."""
    text = _read("lexicons", f"{name}.json")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"lexicons/{name}.json is not valid JSON: {exc}") from None


@cache
def rule_lines(name: str) -> tuple[tuple[int, dict[str, Any]], ...]:
    """The objects of ``rules/<name>.jsonl`` with their 1-based line numbers."""
    rows = []
    for number, raw in enumerate(_read("rules", f"{name}.jsonl").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("//"):
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"rules/{name}.jsonl, line {number}: not valid JSON ({exc})") from None
        if not isinstance(value, dict):
            raise ValidationError(f"rules/{name}.jsonl, line {number}: expected an object; got {type(value).__name__}")
        rows.append((number, value))
    return tuple(rows)


# ------------------------------------------------------------------------------ verb forms
# Nouns need no generated forms: a phrase rule with "attr": "LEMMA" matches their plurals.
# Verbs keep theirs, because matching them on LEMMA does not do the job with the English
# models: the tagger reads many a verb that opens a line or a list item as a noun or a proper
# noun ("Soothes redness", "Clears pores": lemma "Soothes", "Clears"), and a gerund as a noun
# ("healing"), and then the lemma is not the verb's. Tried on the texts in ../shared: verb
# rules matched on LEMMA changed 27 of some 4,700 candidates (lost such list items; gained
# irregular forms such as "fought" that the rules never meant), harm reversers on LEMMA lost a
# list item that removes a harm, and reporting and knowing verbs on LEMMA also caught "was
# admitted to hospital" and "is kept in mind".

_SIBILANT = ("s", "x", "z", "ch", "sh", "o")
_VOWELS = set("aeiou")


def _third_person(word: str) -> str:
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith(_SIBILANT):
        return word + "es"
    return word + "s"


def _past(word: str) -> str:
    if word.endswith("e"):
        return word + "d"
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ied"
    return word + "ed"


def _gerund(word: str) -> str:
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        return word[:-1] + "ing"
    return word + "ing"


def expand_forms(entry: str, inflect: str | None) -> list[str]:
    """Surface forms of a lexicon entry: the entry, its extra ``|`` forms and, for
    ``inflect="verb"``, the -s/-ed/-ing forms of its first word. Forms are lower-case."""
    base, *extra = (part.strip().lower() for part in entry.split("|"))
    forms = [base, *extra]
    if inflect == "verb":
        head, *rest = base.split()
        forms += [" ".join([f(head), *rest]) for f in (_third_person, _past, _gerund)]
    elif inflect is not None:
        raise ValidationError(f"inflect must be 'verb' or absent (a noun rule matches plurals with "
                              f"\"attr\": \"LEMMA\"); got {inflect!r}")
    return list(dict.fromkeys(f for f in forms if f))


def singular(word: str) -> str:
    """A plain English singular of a lower-case noun (``procedures`` -> ``procedure``)."""
    irregular = json_data("units")["irregular_plurals"]
    if word in irregular:
        return irregular[word]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word
