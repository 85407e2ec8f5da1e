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
from typing import Any

from spacy.attrs import IDX
from spacy.language import Language
from spacy.matcher import DependencyMatcher, Matcher, PhraseMatcher
from spacy.symbols import ADJ
from spacy.tokens import Doc, Span

from models.claims import ClaimBuilder, Signal, layout_lines, layout_rows
from models.layout import analyse
from models.quantities import Tok, anchor_offsets, parse_at, vocab
from models.resources import json_data
from models.rules import load_rules

CLAIM_KEY = "claims"
QUANTITY_KEY = "claim_quantities"
CUE_KEY = "claim_cues"
SIGNAL_KEY = "claim_signals"
LAYOUT_KEY = "claim_layout"
COMPONENTS = ("claim_layout", "claim_quantities", "claim_cues", "claim_signals", "claim_candidates")

_SPAN_EXTENSIONS = (
    "claim_score", "claim_rule", "claim_cues", "claim_quantities", "claim_context", "claim_sentence",
    "qty_min", "qty_max", "qty_unit",
)
for _name in _SPAN_EXTENSIONS:
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)

_WINDOW_BEFORE = 6
_WINDOW_AFTER = 14


# ------------------------------------------------------------------------------- layout


@Language.factory("claim_layout")
def make_claim_layout(nlp: Language, name: str) -> ClaimLayout:
    return ClaimLayout()


class ClaimLayout:
    """Starts a sentence at every line, list marker and item content; stores the layout."""

    def __call__(self, doc: Doc) -> Doc:
        lines = analyse(doc.text)
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
        doc.user_data[LAYOUT_KEY] = layout_rows(lines)
        return doc


# --------------------------------------------------------------------------- quantities


@Language.factory("claim_quantities")
def make_claim_quantities(nlp: Language, name: str) -> ClaimQuantities:
    return ClaimQuantities()


class ClaimQuantities:
    """Runs the quantity grammar at each anchor (digits, number words, "once", "daily"...)."""

    def __init__(self) -> None:
        vocab()  # read the grammar's lexicon now, not on the first document

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        offsets = anchor_offsets(doc.text)
        if offsets and len(doc):
            idx = doc.to_array([IDX]).ravel().tolist()
            anchors = sorted({bisect_right(idx, off) - 1 for off in offsets})
            taken = 0
            for anchor in anchors:
                if anchor < taken:
                    continue
                lo, hi = self._window(doc, anchor)
                toks = [Tok(t.text, t.idx, t.pos_, t.lemma_) for t in doc[lo:hi]]
                match = parse_at(toks, anchor - lo)
                if match is None:
                    continue
                start, end = max(lo + match.start, taken), lo + match.end
                if start >= end:
                    continue
                span = Span(doc, start, end, label=match.kind)
                span._.qty_min = match.minimum
                span._.qty_max = match.maximum
                span._.qty_unit = match.unit
                spans.append(span)
                taken = end
        doc.spans[QUANTITY_KEY] = spans
        return doc

    @staticmethod
    def _window(doc: Doc, anchor: int) -> tuple[int, int]:
        """Tokens around the anchor, not crossing a line break."""
        lo = anchor
        while lo > 0 and anchor - lo < _WINDOW_BEFORE and "\n" not in doc[lo - 1].text:
            lo -= 1
        hi = anchor + 1
        while hi < len(doc) and hi - anchor < _WINDOW_AFTER and "\n" not in doc[hi].text:
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
        self.deps = DependencyMatcher(nlp.vocab)
        self.used = {"LOWER": False, "LEMMA": False, "tokens": False, "deps": False}
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
                self.deps.add(rule.id, [list(rule.dep)])
                self.used["deps"] = True
        self.strings = nlp.vocab.strings

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
        if self.used["deps"] and doc.has_annotation("DEP"):
            for key, token_ids in self.deps(doc):
                found.append((token_ids[0], token_ids[0] + 1, self.strings[key]))
        found.sort()
        doc.spans[SIGNAL_KEY] = [
            Span(doc, s, e, label=self.rules[rule_id].label, span_id=rule_id) for s, e, rule_id in found
        ]
        return doc


# --------------------------------------------------------------------------- candidates


@Language.factory("claim_candidates", default_config={"rules": "claim_rules"})
def make_claim_candidates(nlp: Language, name: str, rules: str) -> ClaimCandidates:
    return ClaimCandidates(nlp, rules)


class ClaimCandidates:
    """Clause candidates with type, score, rule id, cues, quantities and list context."""

    def __init__(self, nlp: Language, rules: str) -> None:
        self.builder = ClaimBuilder(nlp.vocab.strings, load_rules(rules), json_data("scoring"))

    def __call__(self, doc: Doc) -> Doc:
        lines = layout_lines(doc, LAYOUT_KEY)
        signals = [Signal(s.start, s.end, s.label_, s.id_) for s in doc.spans.get(SIGNAL_KEY, [])]
        cues = [(s.start, s.end, s.label_) for s in doc.spans.get(CUE_KEY, [])]
        q_spans = list(doc.spans.get(QUANTITY_KEY, []))
        quantities = [(q.start, q.end, q.label_, q._.qty_unit or "") for q in q_spans]
        spans = []
        for claim in self.builder.build(doc, lines, signals, cues, quantities):
            span = Span(doc, claim.start, claim.end, label=claim.claim_type, span_id=claim.rule_id)
            span._.claim_score = claim.score
            span._.claim_rule = claim.rule_id
            span._.claim_cues = claim.cues
            span._.claim_context = claim.context
            span._.claim_sentence = claim.sentence
            span._.claim_quantities = [_quantity_dict(q_spans[i]) for i in claim.quantities]
            spans.append(span)
        doc.spans[CLAIM_KEY] = spans
        return doc


def _quantity_dict(span: Span) -> dict[str, Any]:
    return {
        "text": span.text, "kind": span.label_, "minimum": span._.qty_min, "maximum": span._.qty_max,
        "unit": span._.qty_unit or "", "start": span.start_char, "end": span.end_char,
    }
