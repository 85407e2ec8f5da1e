"""spaCy components of the claim pipeline, registered with ``@Language.factory``.

In pipeline order:

- ``claim_layout`` (before the parser): every line break, list marker and heading starts a
  sentence; the line layout is kept in ``doc.user_data``.
- ``claim_quantities``: the quantity grammar -> ``doc.spans["claim_quantities"]`` (label = kind,
  ``._.qty_min``, ``._.qty_max``, ``._.qty_unit``).
- ``claim_cues``: hedges, absolutes, negations -> ``doc.spans["claim_cues"]`` (label = cue kind).
- ``claim_signals``: the phrase, token and dependency rules of ``rules/claim_rules.jsonl`` ->
  ``doc.spans["claim_signals"]`` (label = claim type, ``span.id_`` = rule id).
- ``claim_candidates``: clause candidates -> ``doc.spans["claims"]`` (label = claim type,
  ``span.id_`` = rule id, ``._.claim_score``, ``._.claim_rule``, ``._.claim_cues``,
  ``._.claim_quantities``, ``._.claim_context``, ``._.claim_sentence``).

Rules and lexicons are package data, read when a component is built, so a pipeline saved with
``nlp.to_disk`` loads again with ``spacy.load`` once :mod:`models` is imported.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

import numpy as np
from spacy.attrs import DEP, IDX, LEMMA, LENGTH, LOWER, POS, TAG
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.parts_of_speech import NAMES as POS_NAMES
from spacy.symbols import ADJ
from spacy.tokens import Doc, Span

from models.claims import ClaimBuilder, Signal, layout_lines, layout_rows
from models.layout import analyse
from models.quantities import Tok, digit_offsets, parse_at, tok, vocab
from models.resources import json_data
from models.rules import load_rules

CLAIM_KEY = "claims"
QUANTITY_KEY = "claim_quantities"
CUE_KEY = "claim_cues"
SIGNAL_KEY = "claim_signals"
LAYOUT_KEY = "claim_layout"
TEXT_KEY = "claim_text"
COMPONENTS = ("claim_layout", "claim_quantities", "claim_cues", "claim_signals", "claim_candidates")

CLAIM_INFO_KEY = "claim_info"
QUANTITY_INFO_KEY = "claim_quantity_info"
CLAIM_FIELDS = ("score", "rule", "cues", "quantities", "context", "sentence")
QUANTITY_FIELDS = ("min", "max", "unit")


def span_key(span: Span) -> str:
    """The key of a span's record in ``doc.user_data`` (its character offsets)."""
    return f"{span.start_char}:{span.end_char}"


def _getter(store: str, position: int) -> Any:
    def get(span: Span) -> Any:
        record = span.doc.user_data.get(store, {}).get(span_key(span))
        return None if record is None else record[position]

    return get


# The values live in one record per span in doc.user_data (one dict write per span instead
# of one extension write per value); the extensions read them back.
for _i, _field in enumerate(CLAIM_FIELDS):
    if not Span.has_extension(f"claim_{_field}"):
        Span.set_extension(f"claim_{_field}", getter=_getter(CLAIM_INFO_KEY, _i))
for _i, _field in enumerate(QUANTITY_FIELDS):
    if not Span.has_extension(f"qty_{_field}"):
        Span.set_extension(f"qty_{_field}", getter=_getter(QUANTITY_INFO_KEY, _i))

_WINDOW_BEFORE = 6
_WINDOW_AFTER = 14


# ------------------------------------------------------------------------------- layout


@Language.factory("claim_layout")
def make_claim_layout(nlp: Language, name: str) -> ClaimLayout:
    return ClaimLayout()


class ClaimLayout:
    """Starts a sentence at every line, list marker and item content; stores the layout."""

    def __call__(self, doc: Doc) -> Doc:
        if TEXT_KEY not in doc.user_data:  # Doc.text joins every token: build it once for all
            doc.user_data[TEXT_KEY] = doc.text
        if LAYOUT_KEY in doc.user_data:  # the caller analysed the text already
            lines = layout_lines(doc, LAYOUT_KEY, doc.user_data[TEXT_KEY])
        else:
            lines = analyse(doc.user_data[TEXT_KEY])
        if len(doc):
            idx = doc.to_array([IDX]).ravel().tolist()
            starts: set[int] = set()
            for line in lines:
                if line.kind == "blank":
                    continue
                for offset in (line.marker_start, line.content_start):
                    if offset >= 0:
                        i = bisect_right(idx, offset) - 1
                        if i > 0:
                            starts.add(i)
            for i in starts:
                doc[i].is_sent_start = True
        if LAYOUT_KEY not in doc.user_data:
            doc.user_data[LAYOUT_KEY] = layout_rows(lines)
        return doc


def doc_text(doc: Doc) -> str:
    """The Doc's text, as ``claim_layout`` stored it (``Doc.text`` rebuilds it each time)."""
    text = doc.user_data.get(TEXT_KEY)
    return text if isinstance(text, str) else doc.text


# --------------------------------------------------------------------------- quantities


@Language.factory("claim_quantities")
def make_claim_quantities(nlp: Language, name: str) -> ClaimQuantities:
    return ClaimQuantities(nlp)


class ClaimQuantities:
    """Runs the quantity grammar at each anchor (digits, number words, "once", "daily"...)."""

    def __init__(self, nlp: Language) -> None:
        words = vocab().anchor_words
        self.anchor_words = np.array([nlp.vocab.strings.add(w) for w in words], dtype=np.uint64)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        info: dict[str, list[Any]] = {}
        text = doc_text(doc)
        arr = doc.to_array([IDX, LENGTH, POS, LEMMA, LOWER])
        idx = arr[:, 0].tolist()
        anchors = {bisect_right(idx, off) - 1 for off in digit_offsets(text)}
        anchors.update(np.flatnonzero(np.isin(arr[:, 4], self.anchor_words)).tolist())
        if anchors:
            view = _TokenView(text, idx, arr[:, 1].tolist(), arr[:, 2].tolist(), arr[:, 3].tolist(), doc.vocab.strings)
            taken = 0
            for anchor in sorted(anchors):
                if anchor < taken:
                    continue
                lo, hi = view.window(anchor)
                toks = [view.tok(i) for i in range(lo, hi)]
                match = parse_at(toks, anchor - lo)
                if match is None:
                    continue
                start, end = max(lo + match.start, taken), lo + match.end
                if start >= end:
                    continue
                span = Span(doc, start, end, label=match.kind)
                info[span_key(span)] = [match.minimum, match.maximum, match.unit]
                spans.append(span)
                taken = end
        doc.spans[QUANTITY_KEY] = spans
        doc.user_data[QUANTITY_INFO_KEY] = info
        return doc



class _TokenView:
    """Grammar tokens made from arrays and the text, without spaCy Token objects."""

    def __init__(self, text: str, idx: list[int], length: list[int], pos: list[int], lemma: list[int],
                 strings: Any) -> None:
        self.text, self.idx, self.length, self.pos, self.lemma, self.strings = text, idx, length, pos, lemma, strings

    def word(self, i: int) -> str:
        return self.text[self.idx[i] : self.idx[i] + self.length[i]]

    def tok(self, i: int) -> Tok:
        pos = self.pos[i]
        return tok(self.word(i), self.idx[i], POS_NAMES.get(pos, "") if pos else "",
                   self.strings[self.lemma[i]] if self.lemma[i] else "")

    def window(self, anchor: int) -> tuple[int, int]:
        """Tokens around the anchor, not crossing a line break."""
        lo = anchor
        while lo > 0 and anchor - lo < _WINDOW_BEFORE and "\n" not in self.word(lo - 1):
            lo -= 1
        hi = anchor + 1
        while hi < len(self.idx) and hi - anchor < _WINDOW_AFTER and "\n" not in self.word(hi):
            hi += 1
        return lo, hi


# --------------------------------------------------------------------------------- cues

CUE_KINDS = ("hedge", "absolute", "negation")


@Language.factory("claim_cues")
def make_claim_cues(nlp: Language, name: str) -> ClaimCues:
    return ClaimCues(nlp)


class ClaimCues:
    """Hedges, absolutes and negations from ``lexicons/cues.json`` (one PhraseMatcher), plus
    the approximators ("about", "around") that open a quantity."""

    def __init__(self, nlp: Language) -> None:
        data = json_data("cues")
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        for kind in CUE_KINDS:
            self.matcher.add(kind, [nlp.make_doc(phrase) for phrase in data[kind]])
        self.approximators = {phrase.split()[0] for phrase in json_data("units")["approximators"]}

    def __call__(self, doc: Doc) -> Doc:
        spans = [Span(doc, s, e, label=key) for key, s, e in self.matcher(doc)]
        for q in doc.spans.get(QUANTITY_KEY, []):
            if q[0].lower_ in self.approximators:
                spans.append(Span(doc, q.start, q.start + 1, label="hedge"))
        spans.sort(key=lambda span: (span.start, span.end))
        doc.spans[CUE_KEY] = spans
        return doc


# ------------------------------------------------------------------------------ signals


@Language.factory("claim_signals", default_config={"rules": "claim_rules"})
def make_claim_signals(nlp: Language, name: str, rules: str) -> ClaimSignals:
    return ClaimSignals(nlp, rules)


class ClaimSignals:
    """Phrase rules (PhraseMatcher), token rules (Matcher) and dependency rules
    (DependencyMatcher), compiled once from the rule file."""

    def __init__(self, nlp: Language, rules: str) -> None:
        self.rules = {rule.id: rule for rule in load_rules(rules)}
        self.phrases = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in ("LOWER", "LEMMA")}
        self.tokens = Matcher(nlp.vocab)
        # one DependencyMatcher per rule, run only on sentences holding the rule's literal words
        self.deps: list[tuple[str, DependencyMatcher, list[tuple[int, np.ndarray]]]] = []
        self.used = {"LOWER": False, "LEMMA": False, "tokens": False}
        strings = nlp.vocab.strings
        for rule in self.rules.values():
            if rule.phrases:
                if rule.attr == "LEMMA":
                    docs = [Doc(nlp.vocab, words=p.split(), lemmas=p.split()) for p in rule.phrases]
                else:
                    docs = [nlp.make_doc(p) for p in rule.phrases]
                self.phrases[rule.attr].add(rule.id, docs)
                self.used[rule.attr] = True
            elif rule.tokens:
                self.tokens.add(rule.id, [list(rule.tokens)])
                self.used["tokens"] = True
            elif rule.dep:
                matcher = DependencyMatcher(nlp.vocab)
                matcher.add(rule.id, [list(rule.dep)])
                self.deps.append((rule.id, matcher, node_requirements(rule.dep, strings)))
        self.strings = strings

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, str]] = []
        tagged = doc.has_annotation("POS")
        for attr in ("LOWER", "LEMMA"):
            if self.used[attr] and (attr == "LOWER" or doc.has_annotation("LEMMA")):
                for key, s, e in self.phrases[attr](doc):
                    rule_id = self.strings[key]
                    if tagged and self.rules[rule_id].verbal and doc[s].pos == ADJ:
                        continue  # "reverse stroke", "firm skin": not the verb
                    found.append((s, e, rule_id))
        if self.used["tokens"]:
            found.extend((s, e, self.strings[key]) for key, s, e in self.tokens(doc))
        if self.deps and doc.has_annotation("DEP"):
            found.extend(self._dependency_matches(doc))
        found = longest_matches(found)
        doc.spans[SIGNAL_KEY] = [
            Span(doc, s, e, label=self.rules[rule_id].label, span_id=rule_id) for s, e, rule_id in found
        ]
        return doc


    def _dependency_matches(self, doc: Doc) -> list[tuple[int, int, str]]:
        """Run each dependency rule only on the sentences that hold, for every node of its
        pattern with fixed values (a word, a tag...), some token with one of those values."""
        arr = doc.to_array(list(_NODE_ATTRS))
        present = [set(arr[:, column].tolist()) for column in range(arr.shape[1])]
        starts: np.ndarray | None = None
        out = []
        for rule_id, matcher, requirements in self.deps:
            if not all(present[column].intersection(values.tolist()) for column, values in requirements):
                continue  # the Doc lacks a word or tag the pattern needs
            if starts is None:
                starts = np.array([s.start for s in doc.sents], dtype=np.int64)
            candidates: set[int] | None = None
            for column, values in requirements:
                hits = np.flatnonzero(np.isin(arr[:, column], values))
                found = set(np.searchsorted(starts, hits, side="right").tolist())
                candidates = found if candidates is None else candidates & found
                if not candidates:
                    break
            numbers = range(1, len(starts) + 1) if candidates is None else sorted(candidates)
            for number in numbers:
                start = int(starts[number - 1])
                end = int(starts[number]) if number < len(starts) else len(doc)
                for _key, token_ids in matcher(doc[start:end]):
                    first = start + token_ids[0]
                    out.append((first, first + 1, rule_id))
        return out


def longest_matches(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The matches ``(start, end, rule id)`` in order, without those that lie inside a longer
    match of the same rule ("compared to" inside "as compared to" counts once)."""
    out: list[tuple[int, int, str]] = []
    reach: dict[str, int] = {}  # per rule: the end of its kept matches so far
    for s, e, rule_id in sorted(set(found), key=lambda m: (m[0], -m[1], m[2])):
        if reach.get(rule_id, -1) >= e:
            continue
        out.append((s, e, rule_id))
        reach[rule_id] = max(reach.get(rule_id, -1), e)
    out.sort()
    return out


_NODE_ATTRS = {"LOWER": LOWER, "LEMMA": LEMMA, "TAG": TAG, "DEP": DEP}


def node_requirements(pattern: Sequence[dict[str, Any]], strings: Any) -> list[tuple[int, np.ndarray]]:
    """For each node of a DependencyMatcher pattern that fixes a word, lemma, tag or label
    (a value or an ``IN`` list): the array column and the hashes one token must have."""
    columns = list(_NODE_ATTRS)
    out = []
    for spec in pattern:
        for attr, value in spec.get("RIGHT_ATTRS", {}).items():
            if attr not in _NODE_ATTRS:
                continue
            if isinstance(value, str):
                values = [value]
            elif isinstance(value, dict) and set(value) == {"IN"}:
                values = list(value["IN"])
            else:
                continue
            hashes = np.array([strings.add(v) for v in values], dtype=np.uint64)
            out.append((columns.index(attr), hashes))
    return out


# --------------------------------------------------------------------------- candidates


@Language.factory("claim_candidates", default_config={"rules": "claim_rules"})
def make_claim_candidates(nlp: Language, name: str, rules: str) -> ClaimCandidates:
    return ClaimCandidates(nlp, rules)


class ClaimCandidates:
    """Clause candidates with type, score, rule id, cues, quantities and list context."""

    def __init__(self, nlp: Language, rules: str) -> None:
        self.builder = ClaimBuilder(nlp.vocab.strings, load_rules(rules), json_data("scoring"))

    def __call__(self, doc: Doc) -> Doc:
        lines = layout_lines(doc, LAYOUT_KEY, doc_text(doc))
        signals = [Signal(s.start, s.end, s.label_, s.id_) for s in doc.spans.get(SIGNAL_KEY, [])]
        cues = [(s.start, s.end, s.label_) for s in doc.spans.get(CUE_KEY, [])]
        q_info = doc.user_data.get(QUANTITY_INFO_KEY, {})
        q_spans = list(doc.spans.get(QUANTITY_KEY, []))
        q_values = [q_info.get(span_key(q), [None, None, ""]) for q in q_spans]
        quantities = [(q.start, q.end, q.label_, values[2] or "") for q, values in zip(q_spans, q_values, strict=True)]
        text = doc_text(doc)
        spans = []
        info: dict[str, list[Any]] = {}
        for claim in self.builder.build(doc, text, lines, signals, cues, quantities):
            span = Span(doc, claim.start, claim.end, label=claim.claim_type, span_id=claim.rule_id)
            found = []
            for i in claim.quantities:
                q = q_spans[i]
                low, high, unit = q_values[i]
                found.append({"text": text[q.start_char : q.end_char], "kind": q.label_, "minimum": low,
                              "maximum": high, "unit": unit or "", "start": q.start_char, "end": q.end_char})
            info[span_key(span)] = [claim.score, claim.rule_id, claim.cues, found, claim.context, list(claim.sentence)]
            spans.append(span)
        doc.spans[CLAIM_KEY] = spans
        doc.user_data[CLAIM_INFO_KEY] = info
        return doc
