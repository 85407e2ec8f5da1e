"""Claim rules: read ``models/rules/<name>.jsonl``, check every line, and expand lexicon
references. No spaCy here; :mod:`models.components` compiles the rules into matchers.

A rule has an ``id``, a ``label`` (a claim type) and a ``weight``, and exactly one way to
match: ``pattern`` (a phrase, ``"@lexicon"``, or a Matcher token list), ``dep`` (a
DependencyMatcher pattern), ``structure`` (a built-in clause test), ``quantity`` (over parsed
quantities) or ``context`` (``"@lexicon"`` matched in a list item's lead-in).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from annotations.errors import ValidationError
from annotations.vocab import CLAIM_TYPES, QUANTITY_KINDS
from models.resources import expand_forms, lexicon, rule_lines, with_apostrophes

MATCH_KEYS = ("pattern", "dep", "structure", "quantity", "context")
OPTIONAL_KEYS = ("weight", "attr", "inflect", "when", "unless", "negated_label", "reversed_by", "reversed_label")
ALLOWED_KEYS = ("id", "label", *MATCH_KEYS, *OPTIONAL_KEYS)
STRUCTURES = ("imperative",)
ATTRS = ("LOWER", "LEMMA")


@dataclass(frozen=True, slots=True)
class Rule:
    """One checked rule. ``phrases`` holds the expanded phrase forms of a phrase rule."""

    id: str
    label: str
    weight: float
    phrases: tuple[str, ...] = ()
    verbal: bool = False  # phrases are verb forms: a match tagged as an adjective is no signal
    attr: str = "LOWER"
    tokens: tuple[dict[str, Any], ...] = ()
    dep: tuple[dict[str, Any], ...] = ()
    structure: str = ""
    quantity_kinds: frozenset[str] = frozenset()
    quantity_units: frozenset[str] = frozenset()
    context: re.Pattern[str] | None = None
    when_labels: frozenset[str] = frozenset()
    when_quantities: frozenset[str] = frozenset()
    negated_label: str = ""
    reversed_by: frozenset[str] = frozenset()
    reversed_label: str = ""
    unless: re.Pattern[str] | None = None
    line: int = 0
    source: str = field(default="", compare=False)


def _words(value: Any, where: str, inflect: str | None = None) -> list[str]:
    """A phrase list from ``"@name"`` (a lexicon), a string or a list of strings."""
    if isinstance(value, str):
        entries = list(lexicon(value[1:])) if value.startswith("@") else [value]
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        entries = list(value)
    else:
        raise ValidationError(f"{where}: expected a phrase, '@lexicon' or a list of phrases; got {value!r}")
    forms: list[str] = []
    for entry in entries:
        forms.extend(expand_forms(entry, inflect))
    return with_apostrophes(forms)


def phrase_regex(phrases: list[str]) -> re.Pattern[str]:
    """A case-insensitive regex finding any of ``phrases`` (none empty) as whole words."""
    ordered = sorted(phrases, key=len, reverse=True)
    # a look at the next character first spares trying every phrase at every word boundary
    firsts = "".join(sorted({re.escape(p[0]) for p in ordered}))
    return re.compile(rf"\b(?=[{firsts}])(?:" + "|".join(re.escape(p) for p in ordered) + r")\b", re.IGNORECASE)


def _check_label(value: Any, where: str, key: str) -> str:
    if value not in CLAIM_TYPES:
        raise ValidationError(f"{where}: {key} must be one of {', '.join(CLAIM_TYPES)}; got {value!r}")
    return str(value)


def parse_rule(data: dict[str, Any], where: str = "rule", line: int = 0) -> Rule:
    """Check one rule object and expand its lexicons; the error names the line and the key."""
    unknown = sorted(set(data) - set(ALLOWED_KEYS))
    if unknown:
        raise ValidationError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(ALLOWED_KEYS)}")
    rule_id = data.get("id")
    if not isinstance(rule_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.:-]*", rule_id):
        raise ValidationError(f"{where}: id must be a lower-case name like 'risk-term'; got {rule_id!r}")
    label = _check_label(data.get("label"), where, "label")
    ways = [key for key in MATCH_KEYS if key in data]
    if len(ways) != 1:
        raise ValidationError(f"{where}: a rule needs exactly one of {', '.join(MATCH_KEYS)}; got {ways or 'none'}")
    weight = data.get("weight", 1)
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
        raise ValidationError(f"{where}: weight must be a positive number; got {weight!r}")
    attr = data.get("attr", "LOWER")
    if attr not in ATTRS:
        raise ValidationError(f"{where}: attr must be one of {', '.join(ATTRS)}; got {attr!r}")
    kwargs: dict[str, Any] = {"id": rule_id, "label": label, "weight": float(weight), "attr": attr, "line": line}
    way = ways[0]
    value = data[way]
    if way == "pattern":
        if isinstance(value, list) and value and all(isinstance(t, dict) for t in value):
            kwargs["tokens"] = tuple(value)
        else:
            kwargs["phrases"] = tuple(_words(value, f"{where} pattern", data.get("inflect")))
            kwargs["verbal"] = data.get("inflect") == "verb"
    elif way == "dep":
        if not isinstance(value, list) or not value or not all(isinstance(t, dict) and "RIGHT_ID" in t for t in value):
            raise ValidationError(f"{where}: dep must be a DependencyMatcher pattern (a list of objects with RIGHT_ID); got {value!r}")
        kwargs["dep"] = tuple(value)
    elif way == "structure":
        if value not in STRUCTURES:
            raise ValidationError(f"{where}: structure must be one of {', '.join(STRUCTURES)}; got {value!r}")
        kwargs["structure"] = value
    elif way == "quantity":
        if not isinstance(value, dict) or not set(value) <= {"kind", "unit"} or not value:
            raise ValidationError(f"{where}: quantity must be an object with 'kind' and/or 'unit'; got {value!r}")
        kinds = value.get("kind", [])
        bad = [k for k in kinds if k not in QUANTITY_KINDS]
        if bad or not isinstance(kinds, list):
            raise ValidationError(f"{where}: quantity kinds must be among {', '.join(QUANTITY_KINDS)}; got {kinds!r}")
        kwargs["quantity_kinds"] = frozenset(kinds)
        if "unit" in value:
            kwargs["quantity_units"] = frozenset(_words(value["unit"], f"{where} quantity unit"))
    else:  # context
        kwargs["context"] = phrase_regex(_words(value, f"{where} context"))
    when = data.get("when")
    if when is not None:
        if not isinstance(when, dict) or not set(when) <= {"labels", "quantity"} or not when:
            raise ValidationError(f"{where}: when must be an object with 'labels' and/or 'quantity'; got {when!r}")
        kwargs["when_labels"] = frozenset(_check_label(v, where, "when label") for v in when.get("labels", []))
        quantities = when.get("quantity", [])
        bad = [k for k in quantities if k not in QUANTITY_KINDS]
        if bad:
            raise ValidationError(f"{where}: when quantity kinds must be among {', '.join(QUANTITY_KINDS)}; got {bad!r}")
        kwargs["when_quantities"] = frozenset(quantities)
    if "unless" in data:
        kwargs["unless"] = phrase_regex(_words(data["unless"], f"{where} unless", "verb"))
    if "negated_label" in data:
        kwargs["negated_label"] = _check_label(data["negated_label"], where, "negated_label")
    if ("reversed_by" in data) != ("reversed_label" in data):
        raise ValidationError(f"{where}: reversed_by and reversed_label go together; got only one")
    if "reversed_by" in data:
        kwargs["reversed_by"] = frozenset(_words(data["reversed_by"], f"{where} reversed_by", "verb"))
        kwargs["reversed_label"] = _check_label(data["reversed_label"], where, "reversed_label")
    return Rule(**kwargs)


@cache
def load_rules(name: str = "claim_rules") -> tuple[Rule, ...]:
    """The rules of ``models/rules/<name>.jsonl``; ids must be unique."""
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for line, data in rule_lines(name):
        where = f"rules/{name}.jsonl, line {line}"
        rule = parse_rule(data, where, line)
        if rule.id in seen:
            raise ValidationError(f"{where}: duplicate rule id {rule.id!r} (first on line {seen[rule.id]})")
        seen[rule.id] = line
        rules.append(rule)
    return tuple(rules)
