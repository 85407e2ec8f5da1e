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
from spacy.attrs import DEP, IDX, LEMMA, LENGTH, LOWER, POS, SENT_START, TAG
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.parts_of_speech import NAMES as POS_NAMES
from spacy.symbols import ADJ
from spacy.tokens import Doc, Span

from models.claims import ClaimBuilder, layout_lines, layout_rows
from models.layout import analyse
from models.parse import sentence_bounds
from models.quantities import Tok, digit_offsets, parse_at, tok, vocab
from models.resources import json_data, with_apostrophes
from models.rules import load_rules
from models.signals import Signal

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
        self.anchor_words = frozenset(nlp.vocab.strings.add(w) for w in vocab().anchor_words)

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        info: dict[str, list[Any]] = {}
        text = doc_text(doc)
        arr = doc.to_array([IDX, LENGTH, POS, LEMMA, LOWER])
        idx = arr[:, 0].tolist()
        anchors = {bisect_right(idx, off) - 1 for off in digit_offsets(text)}
        anchors.update(i for i, lower in enumerate(arr[:, 4].tolist()) if lower in self.anchor_words)
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
        self._toks: dict[int, Tok] = {}

    def word(self, i: int) -> str:
        return self.text[self.idx[i] : self.idx[i] + self.length[i]]

    def tok(self, i: int) -> Tok:
        found = self._toks.get(i)
        if found is None:  # windows around nearby anchors overlap: make each token once
            pos = self.pos[i]
            found = self._toks[i] = tok(self.word(i), self.idx[i], POS_NAMES.get(pos, "") if pos else "",
                                        self.strings[self.lemma[i]] if self.lemma[i] else "")
        return found

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
            self.matcher.add(kind, [nlp.make_doc(phrase) for phrase in with_apostrophes(data[kind])])
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
    """Phrase rules (PhraseMatcher), token rules (a Matcher each) and dependency rules (a
    DependencyMatcher each), compiled once from the rule file. A token rule runs only on the
    windows around the tokens its pattern cannot do without, a dependency rule only on the
    sentences that hold a token for each node of its pattern: the Matchers make a Token object
    and call Python predicates for every token they see."""

    def __init__(self, nlp: Language, rules: str) -> None:
        self.rules = {rule.id: rule for rule in load_rules(rules)}
        self.phrases = {attr: PhraseMatcher(nlp.vocab, attr=attr) for attr in ("LOWER", "LEMMA")}
        self.tokens: list[tuple[str, Matcher, list[Anchor]]] = []
        self.deps: list[tuple[str, DependencyMatcher, list[Node]]] = []  # the nodes that fix a value
        self.used = {"LOWER": False, "LEMMA": False}
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
                matcher = Matcher(nlp.vocab)
                matcher.add(rule.id, [list(rule.tokens)])
                self.tokens.append((rule.id, matcher, token_anchors(rule.tokens, strings)))
            elif rule.dep:
                matcher = DependencyMatcher(nlp.vocab)
                matcher.add(rule.id, [list(rule.dep)])
                nodes = [node_values(spec.get("RIGHT_ATTRS", {}), strings) for spec in rule.dep]
                self.deps.append((rule.id, matcher, [node for node in nodes if node]))
        self.strings = strings

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, str]] = []
        if len(doc):
            arr = doc.to_array([*_NODE_ATTRS.values(), POS, SENT_START])
            columns = TokenColumns(arr[:, : len(_NODE_ATTRS)])
            pos = arr[:, len(_NODE_ATTRS)].tolist()
            # what Doc.has_annotation answers, read off the arrays
            tagged, lemmatized, parsed = any(pos), columns.annotated(LEMMA), columns.annotated(DEP)
            for attr in ("LOWER", "LEMMA"):
                if self.used[attr] and (attr == "LOWER" or lemmatized):
                    for key, s, e in self.phrases[attr](doc):
                        rule_id = self.strings[key]
                        if tagged and self.rules[rule_id].verbal and pos[s] == ADJ:
                            continue  # "reverse stroke", "firm skin": not the verb
                        found.append((s, e, rule_id))
            for rule_id, matcher, anchors in self.tokens:
                for lo, hi in columns.windows(anchors):
                    found.extend((lo + s, lo + e, rule_id) for _key, s, e in matcher(doc[lo:hi]))
            if self.deps and parsed:
                found.extend(self._dependency_matches(doc, columns, arr[:, -1].tolist()))
        found = longest_matches(found)
        doc.spans[SIGNAL_KEY] = [
            Span(doc, s, e, label=self.rules[rule_id].label, span_id=rule_id) for s, e, rule_id in found
        ]
        return doc

    def _dependency_matches(self, doc: Doc, columns: TokenColumns, sent_starts: list[int]) -> list[tuple[int, int, str]]:
        """Run each dependency rule only on the sentences that hold, for every node of its
        pattern with fixed values (a word, a tag...), a token with those values."""
        out = []
        starts: list[int] = []  # the first token of each sentence, found once a rule needs them
        for rule_id, matcher, nodes in self.deps:
            if not all(columns.present(node) for node in nodes):
                continue
            if not starts:
                starts = [start for start, _ in sentence_bounds(doc, sent_starts)]
            numbers: set[int] | None = None  # the sentences (1-based) that may hold a match
            for node in nodes:
                found = {bisect_right(starts, t) for t in columns.hits(node)}
                numbers = found if numbers is None else numbers & found
                if not numbers:
                    break
            for number in range(1, len(starts) + 1) if numbers is None else sorted(numbers):
                start = starts[number - 1]
                end = starts[number] if number < len(starts) else len(doc)
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


# Token attributes a rule can fix to a value, as columns of Doc.to_array (hash ids).
_NODE_ATTRS = {"LOWER": LOWER, "LEMMA": LEMMA, "TAG": TAG, "DEP": DEP}
_COLUMNS = list(_NODE_ATTRS.values())
Node = tuple[tuple[int, frozenset[int]], ...]  # (column, allowed hashes) for each fixed attribute
Anchor = tuple[Node, int | None, int | None]  # a node, most tokens before and after it (None: any)


def node_values(attrs: dict[str, Any], strings: Any) -> Node:
    """The attributes of one pattern token that a value or an ``IN`` list fixes: the column of
    each and the hashes a token must have there."""
    columns = list(_NODE_ATTRS)
    out = []
    for attr, value in attrs.items():
        if attr not in _NODE_ATTRS:
            continue
        if isinstance(value, str):
            values = [value]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            values = list(value["IN"])
        else:
            continue
        out.append((columns.index(attr), frozenset(strings.add(v) for v in values)))
    return tuple(out)


def token_anchors(pattern: Sequence[dict[str, Any]], strings: Any) -> list[Anchor]:
    """The tokens of a Matcher pattern that every match holds exactly once (no ``OP``) and that
    fix some value, each with the most tokens a match can have before and after it."""
    widths = [1 if spec.get("OP") in (None, "?", "!") else None for spec in pattern]
    anchors: list[Anchor] = []
    for k, spec in enumerate(pattern):
        node = node_values(spec, strings)
        if node and "OP" not in spec:
            before, after = widths[:k], widths[k + 1 :]
            anchors.append((node, None if None in before else len(before), None if None in after else len(after)))
    return anchors


class TokenColumns:
    """The ``_NODE_ATTRS`` columns of one Doc, and which tokens have given values there."""

    def __init__(self, arr: np.ndarray) -> None:
        self.values = arr.T.tolist()
        self.length = arr.shape[0]
        self._present: dict[int, set[int]] = {}

    def annotated(self, attr: int) -> bool:
        """Whether any token has a value for ``attr`` (what ``Doc.has_annotation`` answers)."""
        return any(self.values[_COLUMNS.index(attr)])

    def present(self, node: Node) -> bool:
        """Whether each value the node fixes is on some token (not necessarily the same)."""
        for column, values in node:
            present = self._present.get(column)
            if present is None:
                present = self._present[column] = set(self.values[column])
            if values.isdisjoint(present):
                return False
        return True

    def hits(self, node: Node) -> list[int]:
        """The tokens, in order, that have every value the node fixes."""
        if not self.present(node):  # most nodes fail here, at the cost of a set operation
            return []
        hits = range(self.length)
        for column, values in node:
            row = self.values[column]
            hits = [t for t in hits if row[t] in values]
        return list(hits)

    def windows(self, anchors: list[Anchor]) -> list[tuple[int, int]]:
        """Token ranges that hold every match of a pattern with these anchors: around each
        token that fits the anchor with the fewest fits; none when some anchor fits no token."""
        if not all(self.present(node) for node, _, _ in anchors):
            return []
        best: tuple[list[int], int | None, int | None] | None = None
        for node, before, after in anchors:
            hits = self.hits(node)
            if not hits:
                return []
            if best is None or len(hits) < len(best[0]):
                best = (hits, before, after)
        if best is None:
            return [(0, self.length)]
        hits, before, after = best
        out: list[tuple[int, int]] = []
        for t in hits:
            lo = 0 if before is None else max(0, t - before)
            hi = self.length if after is None else min(self.length, t + 1 + after)
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], hi)
            else:
                out.append((lo, hi))
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
