"""Clause candidates, claim types and check-worthiness scores, read off a parsed Doc.

Works on arrays (:class:`models.parse.Parse`) and on the spans that the earlier components left
in ``doc.spans`` (signals, cues, quantities); no Token objects are made. For each sentence of a
claim-bearing line (see :mod:`models.layout`), :class:`ClaimBuilder`:

1. cuts the sentence into clauses (:mod:`models.clauses`): list markers, edge punctuation and
   markup trimmed, questions dropped, cuts before coordinated clauses with their own subject,
   at semicolons and dashes, around a clause of concession;
2. types each clause in four named steps:

   - **collect signals** (:mod:`models.signals`): rule matches, relabelled when a harm is
     denied or removed, weighed by where they sit; structure, quantity and list-context rules;
   - **drop non-statements** (:mod:`models.statements`): one named check each;
   - **type** and **score** (:mod:`models.claim_typing`);

3. splits predicates under one subject that make claims of different types, and gives a
   cut-off clause without any signal back to its neighbour (:mod:`models.clauses`).
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from spacy.strings import StringStore
from spacy.tokens import Doc

from models.claim_typing import ClaimTyper, cue_words
from models.clauses import clauses, is_question, line_parts, merge_unsignalled, split_predicates, trim
from models.layout import CLAIM_KINDS, Line, analyse
from models.parse import Ids, Parse, Tree, sentence_bounds
from models.resources import lexicon, with_apostrophes
from models.rules import Rule, phrase_regex
from models.signals import QuantityMark, Signal, SignalCollector
from models.statements import not_a_statement

MAX_CLAIM_CHARS = 400


@dataclass(frozen=True, slots=True)
class ClaimSpan:
    """A candidate claim over tokens ``start:end`` of the Doc."""

    start: int
    end: int
    claim_type: str
    score: float
    rule_id: str
    sentence: tuple[int, int]  # character offsets of the sentence or list item
    context: str = ""
    cues: dict[str, list[str]] = field(default_factory=dict)
    quantities: tuple[int, ...] = ()  # indexes into doc.spans[QUANTITY_KEY]


@dataclass(frozen=True, slots=True)
class _Found:
    """What a sentence holds, in token order: rule signals, cues and quantities."""

    signals: Sequence[Signal]
    cues: Sequence[tuple[int, int, str]]
    quantities: Sequence[QuantityMark]
    signal_starts: list[int]
    cue_starts: list[int]
    quantity_starts: list[int]


class ClaimBuilder:
    """Turns a Doc with layout, quantities, cues and signals into :class:`ClaimSpan` objects."""

    def __init__(self, strings: StringStore, rules: Sequence[Rule], scoring: dict[str, Any]) -> None:
        self.ids = Ids(strings)
        self.typer = ClaimTyper(scoring)
        self.signals = SignalCollector(strings, rules, scoring["outcome_labels"])
        self.discourse = phrase_regex(with_apostrophes(lexicon("discourse_terms")))

    def build(
        self,
        doc: Doc,
        text: str,
        lines: Sequence[Line],
        signals: Sequence[Signal],
        cues: Sequence[tuple[int, int, str]],
        quantities: Sequence[QuantityMark],
    ) -> list[ClaimSpan]:
        """``cues``: (start, end, kind); ``quantities``: (start, end, kind, unit), in token order."""
        if not len(doc):
            return []
        p = Parse(doc, text, self.ids, [m.span() for m in self.discourse.finditer(text)])
        content = [ln for ln in lines if ln.kind != "blank"]
        starts = [ln.content_start for ln in content]
        found = _Found(signals, cues, quantities, [s.start for s in signals], [c[0] for c in cues],
                       [q[0] for q in quantities])
        out: list[ClaimSpan] = []
        for s_start, s_end in sentence_bounds(doc, p.sent_starts):
            for line, (s, e) in line_parts(p, content, starts, s_start, s_end):
                if line.kind not in CLAIM_KINDS or is_question(p, s, e):
                    continue
                s, e = trim(p, s, e)
                if s >= e:
                    continue
                tree = Tree(p, s, e)
                claim_at = partial(self._claim_at, p, tree, line, (p.idx[s], p.end_char(e - 1)), found)
                spans = clauses(p, tree, s, e) if p.parsed else [(s, e)]
                claims = [claim_at(cs, ce) for cs, ce in spans]
                if p.parsed:
                    spans, claims = split_predicates(p, tree, spans, claims, claim_at)
                if len(spans) > 1:
                    claims = merge_unsignalled(spans, claims, claim_at)
                out.extend(claim for claim in claims if claim is not None)
        return out

    def _claim_at(
        self, p: Parse, tree: Tree, line: Line, sentence: tuple[int, int], found: _Found, s: int, e: int,
    ) -> ClaimSpan | None:
        """The candidate over tokens ``s:e`` of a sentence (trimmed), or None: its signals
        collected, non-statements dropped, then typed and scored."""
        s, e = trim(p, s, e)
        if s >= e or p.end_char(e - 1) - p.idx[s] > MAX_CLAIM_CHARS:
            return None
        q_index = _within_index(found.quantities, found.quantity_starts, s, e)
        clause = self.signals.collect(p, tree, line, sentence, s, e,
                                      _within(found.signals, found.signal_starts, s, e), q_index, found.quantities)
        if not_a_statement(clause) is not None:
            return None
        choice = self.typer.choose(clause)
        cues = cue_words(p, _within(found.cues, found.cue_starts, s, e))
        return ClaimSpan(s, e, choice.claim_type, self.typer.score(clause, choice, cues), choice.rule_id, sentence,
                         line.context if line.kind == "item" else "", cues, tuple(q_index))


def _within(items: Sequence[Any], starts: list[int], s: int, e: int) -> list[Any]:
    """The items (signals, or tuples that start with start and end) inside tokens ``s:e``."""
    out = []
    for i in range(bisect_left(starts, s), len(items)):
        item = items[i]
        first = item.start if isinstance(item, Signal) else item[0]
        last = item.end if isinstance(item, Signal) else item[1]
        if first >= e:
            break
        if last <= e:
            out.append(item)
    return out


def _within_index(items: Sequence[QuantityMark], starts: list[int], s: int, e: int) -> list[int]:
    """The indexes of the quantities inside tokens ``s:e``."""
    out = []
    for i in range(bisect_left(starts, s), len(items)):
        if items[i][0] >= e:
            break
        if items[i][1] <= e:
            out.append(i)
    return out


def layout_lines(doc: Doc, key: str, text: str) -> tuple[Line, ...]:
    """The layout the ``claim_layout`` component stored, or a fresh analysis of ``text``."""
    stored = doc.user_data.get(key)
    if stored is None:
        return analyse(text)
    return tuple(Line(*row) for row in stored)


def layout_rows(lines: Sequence[Line]) -> list[list[Any]]:
    """Lines as plain lists (what ``doc.user_data`` can serialise)."""
    return [[getattr(line, name) for name in Line.__slots__] for line in lines]
