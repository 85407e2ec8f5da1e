"""Clause candidates, claim types and check-worthiness scores, read off a parsed Doc.

Works on arrays (``Doc.to_array``, running counts made with numpy) and on the spans that the
earlier components left in ``doc.spans`` (signals, cues, quantities); no Token objects are
made. Steps, per sentence of a claim-bearing line (see :mod:`models.layout`):

1. trim list markers, edge punctuation and markup; drop questions;
2. cut the sentence before every clause coordinated at the top level that has a subject of
   its own, as its partner has ("The procedure is painless, | and the effect lasts ..."),
   at semicolons, after a spaced dash that opens such a clause, and around a clause of
   concession or contrast with its own subject ("..., | although it has a lifting effect");
3. collect the rule signals, cues and quantities inside each clause, relabel denied or
   removed harms (negated_label / reversed_label), add structure, quantity and list-context
   rules, and keep "when" rules only next to what they need;
4. the claim type is the label with the highest summed weight: a signal on the clause's
   predicate counts one more, one inside an adverbial clause ("to lose weight, ...") or a
   clause modifying the subject ("women who took 5 g ...") half; ties go to the type listed
   first in ``scoring.json``; a bare list item takes its lead-in's label. The score starts
   from the type's base and adds cues, quantities and the strength of the evidence;
5. predicates coordinated under one subject that make claims of different types become
   separate claims; a cut-off clause without any signal goes back to its neighbour.

A bare noun phrase is a candidate only when a rule or its list's lead-in makes it one
("Contraindications: - epilepsy"), and a lead-in without a signal of its own is not one.
The text talking about itself ("Here are 10 benefits of ...") is never a candidate, and a
clause without any signal is none when it states nothing: no verbal predicate, a noun phrase
the tagger read as a clause ("Aloe extract"), or a bare report ("many people complained").
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import numpy as np
from spacy.attrs import DEP, HEAD, IDX, LEMMA, LENGTH, LOWER, POS, SENT_START, TAG
from spacy.strings import StringStore
from spacy.symbols import ADJ, AUX, DET, PRON, PUNCT, SPACE, SYM, VERB
from spacy.tokens import Doc

from annotations.errors import ValidationError
from annotations.vocab import CLAIM_TYPES
from models.layout import CLAIM_KINDS, Line, analyse
from models.resources import expand_forms, lexicon, with_apostrophes
from models.rules import Rule, phrase_regex

MAX_CLAIM_CHARS = 400
SUBJECT_DEPS = ("nsubj", "nsubjpass", "expl", "csubj", "csubjpass")
SPLIT_DEPS = ("conj", "parataxis")
CORE_DEPS = ("acomp", "attr", "xcomp", "ccomp", "dobj", "oprd", "auxpass", "aux", "neg", "prt", "agent", "acl")
EDGE_PUNCT = frozenset(".,;:!…-–—*•·_|/")
# clauses whose words say less about the claim's type than the predicate's own words
SUBORDINATE_DEPS = ("advcl", "relcl", "acl")


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule match: tokens ``start:end``, the rule's label and id."""

    start: int
    end: int
    label: str
    rule_id: str


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


class _Ids:
    """Hash ids of the labels and words the extractor compares against."""

    def __init__(self, strings: StringStore) -> None:
        def ids(words: Sequence[str]) -> frozenset[int]:
            return frozenset(strings.add(w) for w in words)

        self.subject = ids(SUBJECT_DEPS)
        self.split = ids(SPLIT_DEPS)
        self.core = ids(CORE_DEPS)
        self.neg = strings.add("neg")
        self.root = strings.add("ROOT")
        self.aux = strings.add("aux")
        self.acomp_attr = ids(("acomp", "attr"))
        self.no = ids(("no",))
        self.evidence = ids(lexicon("evidence_words"))
        self.to = strings.add("to")
        self.vb = strings.add("VB")
        self.negating = ids(lexicon("negating_governors"))
        self.semicolon = strings.add(";")
        self.leading = ids(lexicon("leading_words"))
        self.conditional = ids(lexicon("conditional_words"))
        self.modifier = ids(("amod", "compound", "nmod"))
        self.lessening = ids(lexicon("lessening_words"))
        self.dashes = ids(("-", "–", "—"))
        self.marks = frozenset({self.semicolon, *self.dashes})
        self.mark = strings.add("mark")
        self.concessive = ids(lexicon("concessive_marks"))
        self.subordinate = ids(SUBORDINATE_DEPS)
        self.complement = ids(("ccomp", "xcomp"))
        self.let = strings.add("let")
        self.advcl = strings.add("advcl")
        self.conj = strings.add("conj")
        self.md = strings.add("MD")
        self.while_ = strings.add("while")
        self.relcl = strings.add("relcl")
        self.wh = ids(("WP", "WRB", "WDT"))
        self.det_prep = ids(("det", "prep", "poss", "nummod"))
        self.nominal = ids((*SUBJECT_DEPS, "compound", "amod", "npadvmod"))
        self.reporting = ids([form for entry in lexicon("reporting_verbs") for form in expand_forms(entry, "verb")])


@dataclass
class _Arrays:
    heads: list[int]
    deps: list[int]
    pos: list[int]
    tags: list[int]
    lowers: list[int]
    lemmas: list[int]
    idx: list[int]
    length: list[int]
    text: str
    predicates: list[int]  # running count of predicate tokens (verbs not used as modifiers)
    words: list[int]  # running count of word tokens
    splits: list[int]  # coordinated or paratactic verbs: where a clause may start
    marks: list[int]  # semicolons and dashes
    sent_starts: list[int]  # the SENT_START column: 1 where a sentence starts
    discourse: list[tuple[int, int]] = field(default_factory=list)  # character spans of discourse phrases

    def tok(self, t: int) -> str:
        """The text of token ``t`` (sliced from the text: no Token object is made)."""
        return self.text[self.idx[t] : self.idx[t] + self.length[t]]


def _arrays(doc: Doc, text: str, ids: _Ids) -> _Arrays:
    arr = doc.to_array([HEAD, DEP, POS, TAG, LOWER, IDX, LENGTH, LEMMA, SENT_START])  # uint64: hashes stay exact
    heads = np.arange(len(doc), dtype=np.int64) + arr[:, 0].astype(np.int64)
    deps, pos, lowers = arr[:, 1], arr[:, 2], arr[:, 4]
    verbal = among(pos, (VERB, AUX))
    predicates = np.concatenate(([0], np.cumsum(verbal & ~among(deps, ids.modifier))))
    words = np.concatenate(([0], np.cumsum(~among(pos, (PUNCT, SPACE, SYM)))))
    splits = np.flatnonzero(verbal & among(deps, ids.split))
    marks = np.flatnonzero(among(lowers, ids.marks))
    return _Arrays(heads.tolist(), deps.tolist(), pos.tolist(), arr[:, 3].tolist(), lowers.tolist(),
                   arr[:, 7].tolist(), arr[:, 5].tolist(), arr[:, 6].tolist(), text, predicates.tolist(), words.tolist(),
                   splits.tolist(), marks.tolist(), arr[:, 8].tolist())


def among(column: np.ndarray, values: Iterable[int]) -> np.ndarray:
    """Which entries of ``column`` are one of a handful of ``values`` (for so few values a
    comparison per value costs a fraction of ``np.isin``)."""
    mask = np.zeros(len(column), dtype=bool)
    for value in values:
        mask |= column == value
    return mask


def sentence_bounds(doc: Doc, sent_starts: list[int]) -> list[tuple[int, int]]:
    """The token ranges of the sentences as ``doc.sents`` gives them, read off the Doc's
    ``SENT_START`` column (no Span is made per sentence); the whole Doc when it has no
    sentence boundaries."""
    if "sents" in doc.user_hooks:
        return [(s.start, s.end) for s in doc.sents]
    if len(doc) > 1 and not any(sent_starts[1:]):  # what Doc.has_annotation("SENT_START") answers
        return [(0, len(doc))]
    firsts = [0, *(i for i in range(1, len(doc)) if sent_starts[i] == 1)]
    return list(zip(firsts, [*firsts[1:], len(doc)], strict=True))


class ClaimBuilder:
    """Turns a Doc with layout, quantities, cues and signals into :class:`ClaimSpan` objects."""

    def __init__(self, strings: StringStore, rules: Sequence[Rule], scoring: dict[str, Any]) -> None:
        self.ids = _Ids(strings)
        self.rules = {rule.id: rule for rule in rules}
        self.structure_rules = [r for r in rules if r.structure]
        self.quantity_rules = [r for r in rules if r.quantity_kinds or r.quantity_units]
        self.context_rules = [r for r in rules if r.context is not None]
        self.reversers = {r.id: frozenset(strings.add(w) for w in r.reversed_by) for r in rules if r.reversed_by}
        self.scoring = scoring
        self.discourse = phrase_regex(with_apostrophes(lexicon("discourse_terms")))
        self.recipe = phrase_regex(with_apostrophes(lexicon("recipe_lead_ins")))
        self.priority = {label: i for i, label in enumerate(scoring["base"])}
        missing = [t for t in CLAIM_TYPES if t not in self.priority]
        if missing:
            raise ValidationError(f"scoring.json 'base' must name every claim type; missing {', '.join(missing)}")

    # ------------------------------------------------------------------ sentences and clauses

    def build(
        self,
        doc: Doc,
        text: str,
        lines: Sequence[Line],
        signals: Sequence[Signal],
        cues: Sequence[tuple[int, int, str]],
        quantities: Sequence[tuple[int, int, str, str]],
    ) -> list[ClaimSpan]:
        """``cues``: (start, end, kind); ``quantities``: (start, end, kind, unit), in token order."""
        if not len(doc):
            return []
        a = _arrays(doc, text, self.ids)
        a.discourse = [m.span() for m in self.discourse.finditer(text)]
        parsed = any(a.deps)  # what Doc.has_annotation("DEP") answers
        content = [ln for ln in lines if ln.kind != "blank"]
        starts = [ln.content_start for ln in content]
        sentences = sentence_bounds(doc, a.sent_starts)
        sig_starts = [s.start for s in signals]
        cue_starts = [c[0] for c in cues]
        q_starts = [q[0] for q in quantities]
        out: list[ClaimSpan] = []
        for s_start, s_end in sentences:
            for line, (s, e) in self._line_parts(a, content, starts, s_start, s_end):
                if line.kind not in CLAIM_KINDS or self._is_question(a, s, e):
                    continue
                s, e = self._trim(a, s, e)
                if s >= e:
                    continue
                sentence = (a.idx[s], a.idx[e - 1] + a.length[e - 1])
                children = self._children(a, s, e) if parsed else {}
                claim_at = partial(self._claim_at, a, line, sentence, children, signals, sig_starts, cues, cue_starts,
                                   quantities, q_starts)
                clauses = self._clauses(a, s, e, children) if parsed else [(s, e)]
                claims = [claim_at(cs, ce) for cs, ce in clauses]
                if parsed:
                    clauses, claims = self._split_predicates(a, clauses, claims, children, claim_at)
                if len(clauses) > 1:
                    claims = self._merge_unsignalled(clauses, claims, claim_at)
                out.extend(claim for claim in claims if claim is not None)
        return out

    def _claim_at(
        self, a: _Arrays, line: Line, sentence: tuple[int, int], children: dict[int, list[int]],
        signals: Sequence[Signal], sig_starts: list[int], cues: Sequence[tuple[int, int, str]], cue_starts: list[int],
        quantities: Sequence[tuple[int, int, str, str]], q_starts: list[int], s: int, e: int,
    ) -> ClaimSpan | None:
        """The candidate over tokens ``s:e`` of a sentence (trimmed), or None."""
        s, e = self._trim(a, s, e)
        if s >= e or a.idx[e - 1] + a.length[e - 1] - a.idx[s] > MAX_CLAIM_CHARS:
            return None
        return self._claim(
            a, line, s, e, sentence, children, _within(signals, sig_starts, s, e), _within(cues, cue_starts, s, e),
            _within_index(quantities, q_starts, s, e), quantities,
        )

    def _split_predicates(
        self, a: _Arrays, clauses: list[tuple[int, int]], claims: list[ClaimSpan | None],
        children: dict[int, list[int]], claim_at: Callable[[int, int], ClaimSpan | None],
    ) -> tuple[list[tuple[int, int]], list[ClaimSpan | None]]:
        """Cut a clause before each predicate coordinated with its own ("Women who took it
        showed fewer bone problems | and had more strength than those who did not") when the
        predicates make claims of different types, none of them a dose: the sentence asserts
        two things. (A study's dose and its result stay together.)"""
        out_clauses: list[tuple[int, int]] = []
        out_claims: list[ClaimSpan | None] = []
        ids = self.ids
        for (cs, ce), claim in zip(clauses, claims, strict=True):
            parts: list[tuple[int, int]] = []
            head = self._head(a, cs, ce) if claim is not None and claim.rule_id != "clause" else -1
            if head >= 0 and a.pos[head] in (VERB, AUX):
                cuts = sorted(_left_edge(children, k) for k in children.get(head, ())
                              if cs < k < ce and a.deps[k] == ids.conj and a.pos[k] in (VERB, AUX)
                              and not any(a.deps[j] in ids.subject for j in children.get(k, ())))
                bounds = [cs, *(c for c in cuts if cs < c < ce), ce]
                parts = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
            if len(parts) > 1:
                split = [claim_at(ps, pe) for ps, pe in parts]
                kinds = {c.claim_type for c in split if c is not None and c.rule_id != "clause"}
                # a study's dose and its result stay one claim: the result decides its type
                if len(kinds) > 1 and "dosage" not in kinds and all(c is not None and c.rule_id != "clause" for c in split):
                    out_clauses.extend(parts)
                    out_claims.extend(split)
                    continue
            out_clauses.append((cs, ce))
            out_claims.append(claim)
        return out_clauses, out_claims

    @staticmethod
    def _merge_unsignalled(
        clauses: list[tuple[int, int]], claims: list[ClaimSpan | None], claim_at: Callable[[int, int], ClaimSpan | None]
    ) -> list[ClaimSpan | None]:
        """A clause cut off a sentence that carries no claim signal of its own ("At home you
        can save a little, | but you will end up with serious problems") is not a claim alone:
        it goes back to its neighbour that carries one (the next, or else the previous)."""
        def signalled(i: int) -> bool:
            claim = claims[i]
            return claim is not None and claim.rule_id != "clause"

        owner = list(range(len(clauses)))
        for i, claim in enumerate(claims):
            if claim is None or claim.rule_id != "clause":
                continue
            if i + 1 < len(clauses) and signalled(i + 1):
                owner[i] = i + 1
            elif i > 0 and signalled(i - 1):
                owner[i] = i - 1
        if owner == list(range(len(clauses))):
            return claims
        out = []
        for j in range(len(clauses)):
            members = [i for i in range(len(clauses)) if owner[i] == j]
            if not members:
                continue
            if len(members) == 1:
                out.append(claims[j])
            else:
                merged = claim_at(clauses[members[0]][0], clauses[members[-1]][1])
                out.extend([merged] if merged is not None else [claims[i] for i in members])
        return out

    def _line_parts(
        self, a: _Arrays, content: Sequence[Line], starts: list[int], s: int, e: int
    ) -> list[tuple[Line, tuple[int, int]]]:
        """The sentence's tokens, cut to the content of each line they fall in."""
        parts: list[tuple[Line, tuple[int, int]]] = []
        i = s
        while i < e:
            while i < e and a.pos[i] == SPACE:
                i += 1
            if i >= e:
                break
            k = bisect_left(starts, a.idx[i] + 1) - 1
            if k < 0:
                i += 1
                continue
            line = content[k]
            if a.idx[i] < line.content_start or a.idx[i] >= line.content_end:
                i += 1  # a list marker or markup outside the content
                continue
            j = min(e, bisect_left(a.idx, line.content_end, i))
            parts.append((line, (i, j)))
            i = j
        return parts

    def _trim(self, a: _Arrays, s: int, e: int) -> tuple[int, int]:
        while s < e and (a.pos[s] == SPACE or a.tok(s) in EDGE_PUNCT or a.lowers[s] in self.ids.leading
                         or set(a.tok(s)) <= EDGE_PUNCT):
            s += 1
        while e > s and (a.pos[e - 1] == SPACE or a.tok(e - 1) in EDGE_PUNCT or a.lowers[e - 1] in self.ids.leading
                         or set(a.tok(e - 1)) <= EDGE_PUNCT):
            e -= 1
        return s, e

    @staticmethod
    def _is_question(a: _Arrays, s: int, e: int) -> bool:
        while e > s and (a.pos[e - 1] == SPACE or a.tok(e - 1) in ("”", '"', "’", "'", ")", "*")):
            e -= 1
        return e > s and a.tok(e - 1).endswith("?")

    def _children(self, a: _Arrays, s: int, e: int) -> dict[int, list[int]]:
        children: dict[int, list[int]] = {}
        for t in range(s, e):
            h = a.heads[t]
            if h != t:
                children.setdefault(h, []).append(t)
        return children

    def _clauses(self, a: _Arrays, s: int, e: int, children: dict[int, list[int]]) -> list[tuple[int, int]]:
        """Cut before each coordinated clause with its own subject, and at semicolons."""
        ids = self.ids
        cuts = set()
        candidates = a.splits[bisect_left(a.splits, s + 1) : bisect_left(a.splits, e)]
        marks = a.marks[bisect_left(a.marks, s + 1) : bisect_left(a.marks, e)]
        cuts.update(t + 1 for t in marks if a.lowers[t] == ids.semicolon)
        tops = {t for t in range(s, e) if not (s <= a.heads[t] < e) or a.heads[t] == t} if candidates else set()
        for t in candidates:
            if a.heads[t] not in tops:
                continue  # only clauses coordinated at the top, not inside an "if ..." clause
            subjects = [k for k in children.get(t, ()) if a.deps[k] in ids.subject]
            if not subjects or not any(a.deps[k] in ids.subject for k in children.get(a.heads[t], ())):
                continue  # both clauses need a subject of their own
            left = min([t, *(_left_edge(children, k) for k in subjects)])
            tops.add(t)
            if left > s:
                cuts.add(left)
        if marks:
            cuts.update(self._dash_cuts(a, [t for t in marks if t < e - 1 and a.lowers[t] in ids.dashes], e, children))
        cuts.update(self._concessive_cuts(a, s, e, children))
        if not cuts:
            return [(s, e)]
        bounds = [s, *sorted(cuts), e]
        return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i] < bounds[i + 1]]

    def _dash_cuts(self, a: _Arrays, dashes: list[int], e: int, children: dict[int, list[int]]) -> list[int]:
        """Cut after a spaced dash when what follows is a clause with its own subject
        ("... to adapt - the frequency should not exceed ...")."""
        dashes = [t for t in dashes if a.idx[t] > a.idx[t - 1] + a.length[t - 1] and a.idx[t + 1] > a.idx[t] + a.length[t]]
        cuts = []
        for n, t in enumerate(dashes):
            stop = dashes[n + 1] if n + 1 < len(dashes) else e
            head = self._head(a, t + 1, stop)
            if a.pos[head] in (VERB, AUX) and any(
                a.deps[k] in self.ids.subject and t < k < stop for k in children.get(head, ())
            ):
                cuts.append(t + 1)
        return cuts

    def _concessive_cuts(self, a: _Arrays, s: int, e: int, children: dict[int, list[int]]) -> list[int]:
        """Cut around an adverbial clause of concession or contrast that has a subject of its
        own ("..., although it has a rejuvenating effect"): it asserts a second thing."""
        ids = self.ids
        cuts = []
        for t in range(s, e):
            if a.deps[t] != ids.advcl or a.pos[t] not in (VERB, AUX) or not s <= a.heads[t] < e:
                continue
            kids = children.get(t, ())
            if not any(a.deps[k] == ids.mark and a.lowers[k] in ids.concessive for k in kids):
                continue
            if not any(a.deps[k] in ids.subject for k in kids):
                continue
            if t > a.heads[t]:
                left = _left_edge(children, t)
                if a.lowers[left] == ids.while_ and a.tok(left - 1) != ",":
                    continue  # "... a tight feeling while the cups are on": a time, not a contrast
                if left > s:
                    cuts.append(left)
            else:
                right = _right_edge(children, t) + 1
                if right < e:
                    cuts.append(right)
        return cuts

    # ------------------------------------------------------------------------- one clause

    def _claim(
        self,
        a: _Arrays,
        line: Line,
        s: int,
        e: int,
        sentence: tuple[int, int],
        children: dict[int, list[int]],
        signals: list[Signal],
        cues: list[tuple[int, int, str]],
        q_index: list[int],
        quantities: Sequence[tuple[int, int, str, str]],
    ) -> ClaimSpan | None:
        ids = self.ids
        has_verb = a.predicates[e] > a.predicates[s]
        words = a.words[e] - a.words[s]
        head = self._head(a, s, e)
        core = self._core(a, head, children) if children else set()
        q_kinds = {quantities[i][2] for i in q_index}

        found: list[tuple[str, str, float, bool]] = []  # label, rule id, weight, lexical
        best: dict[tuple[int, int, str], tuple[float, str]] = {}
        clause_text = a.text[a.idx[s] : a.idx[e - 1] + a.length[e - 1]]
        context_hits = self._context_rules(line.context) if line.kind == "item" and line.context else []
        context_labels = {r.label for r in context_hits}
        # a clause whose verb rules harms out ("swelling and bruising are excluded") denies them
        # all, however the parser attached the list
        denied = any(a.lowers[t] in ids.negating and a.pos[t] == VERB for t in range(s, e))
        for sig in signals:
            rule = self.rules[sig.rule_id]
            if rule.unless is not None and rule.unless.search(clause_text):
                continue
            label = (rule.negated_label if denied and rule.negated_label
                     else self._relabel(a, sig, rule, head, children, s, context_labels))
            weight = rule.weight + (1.0 if any(t in core for t in range(sig.start, sig.end)) else 0.0)
            if self._subordinate(a, sig.end - 1, head):
                weight /= 2
            key = (sig.start, sig.end, label)
            if key not in best or best[key][0] < weight:
                best[key] = (weight, rule.id)
        for (_, _, label), (weight, rule_id) in best.items():
            found.append((label, rule_id, weight, True))
        for rule in self.structure_rules:
            if rule.structure == "imperative" and self._imperative(a, head, children):
                found.append((rule.label, rule.id, rule.weight, True))
        outcome = any(label in self.scoring["outcome_labels"] for label, *_ in found)
        for rule in self.quantity_rules if q_index else ():
            # a rate's amount unit counts too: "cup per day" is a number of cups
            hits = [i for i in q_index if (not rule.quantity_kinds or quantities[i][2] in rule.quantity_kinds)
                    and (not rule.quantity_units or quantities[i][3] in rule.quantity_units
                         or quantities[i][3].split(" per ")[0] in rule.quantity_units)]
            if hits:
                on_core = any(t in core for i in hits for t in range(quantities[i][0], quantities[i][1]))
                weight = rule.weight + (1.0 if on_core else 0.0)
                if outcome and all(self._in_subject(a, quantities[i][1] - 1, head) for i in hits):
                    weight /= 2  # "women who took 5 g a day were less likely to ...": the outcome is the claim
                found.append((rule.label, rule.id, weight, False))
        found.extend((rule.label, rule.id, rule.weight, True) for rule in context_hits)
        # "when" rules need another label (or a quantity kind) beside them
        plain = {label for label, rule_id, _, _ in found if not self._conditional(rule_id)}
        kept = []
        for label, rule_id, weight, lexical in found:
            rule = self.rules[rule_id]
            if rule.when_labels and not (rule.when_labels & plain):
                continue
            if rule.when_quantities and not (rule.when_quantities & q_kinds):
                continue
            kept.append((label, rule_id, weight, lexical))

        if not has_verb and not any(lexical for *_, lexical in kept):
            return None  # a bare noun phrase ("Neck;") that no rule or lead-in makes a claim
        if words < 2 and not kept:
            return None
        clause_end = a.idx[e - 1] + a.length[e - 1]
        if not has_verb and words <= 2 and (sentence[0] > line.content_start + 1 or sentence[1] < line.content_end - 1):
            return None  # a label inside a longer line ("Efficiency The effect ...")
        if not has_verb and words <= 2 and not context_labels:
            return None  # a short item that no list lead-in makes a claim ("Side effects")
        if (line.kind == "item" and line.context and (not has_verb or any(quantities[i][0] == s for i in q_index))
                and not any(a.deps[t] == ids.relcl for t in range(s, e)) and self.recipe.search(line.context)):
            return None  # an ingredient of a recipe ("Ingredients: - 3 cups filtered water")
        if line.lead_in and not kept and clause_end >= line.content_end - 2:
            return None  # a lead-in that only introduces its list ("... the following lines:")
        if a.discourse and any(a.idx[s] <= d_start and d_end <= clause_end for d_start, d_end in a.discourse):
            return None  # the text talking about itself ("Here are 10 benefits of ...")
        if not kept and children and self._no_statement(a, s, e, head, children):
            return None
        totals: dict[str, float] = {}
        top_rule: dict[str, tuple[float, str]] = {}
        for label, rule_id, weight, _ in kept:
            totals[label] = totals.get(label, 0.0) + weight
            if label not in top_rule or top_rule[label][0] < weight:
                top_rule[label] = (weight, rule_id)
        if context_hits and (not has_verb or a.pos[head] not in (VERB, AUX)):
            # a bare item completes its lead-in ("Contraindications: - pregnancy"): the list decides
            lead = max(context_hits, key=lambda r: (r.weight, -self.priority[r.label]))
            claim_type, rule_id, strength = lead.label, lead.id, totals[lead.label]
        elif totals:
            claim_type = max(totals, key=lambda lb: (totals[lb], -self.priority[lb]))
            rule_id = top_rule[claim_type][1]
            strength = totals[claim_type]
        else:
            claim_type, rule_id, strength = "other", "clause", 0.0
        cue_words: dict[str, list[str]] = {"hedges": [], "absolutes": [], "negations": []}
        for c_start, c_end, kind in cues:
            text = a.text[a.idx[c_start] : a.idx[c_end - 1] + a.length[c_end - 1]]
            bucket = cue_words[f"{kind}s" if kind != "negation" else "negations"]
            if text.lower() not in (w.lower() for w in bucket):
                bucket.append(text)
        consequence = claim_type == "advice" and any(label in self.scoring["consequence_labels"] for label in totals)
        score = self._score(claim_type, strength, cue_words, bool(q_index), has_verb, a.lowers[s] in ids.conditional,
                            consequence, line.lead_in and clause_end >= line.content_end - 2)
        return ClaimSpan(s, e, claim_type, score, rule_id, sentence, line.context if line.kind == "item" else "",
                         cue_words, tuple(q_index))

    @lru_cache(maxsize=256)  # noqa: B019 (a builder lives as long as its pipeline; lead-ins repeat per item)
    def _context_rules(self, context: str) -> list[Rule]:
        """The list-context rules whose phrases the lead-in holds, leaving out a phrase that
        lies inside a longer phrase of another rule ("effects" inside "side effects")."""
        spans = [(m.start(), m.end(), r) for r in self.context_rules if r.context is not None
                 for m in r.context.finditer(context)]
        kept: dict[str, Rule] = {}
        for start, end, rule in spans:
            inside = any(s2 <= start and end <= e2 and (e2 - s2) > (end - start) and r2.id != rule.id
                         for s2, e2, r2 in spans)
            if not inside:
                kept.setdefault(rule.id, rule)
        return list(kept.values())

    def _no_statement(self, a: _Arrays, s: int, e: int, head: int, children: dict[int, list[int]]) -> bool:
        """Whether a clause without any claim signal states nothing a reviewer could check:
        it has no verbal predicate ("collagen present in foods or supplements"), is a noun
        phrase the tagger read as subject and verb ("Aloe extract"), a question without its
        mark ("what is it") or a bare report ("many people have complained about it")."""
        ids = self.ids
        if a.pos[head] not in (VERB, AUX):
            # at most participles that modify nouns ("oxygen supplied under pressure"); but a
            # relative clause defines something ("a method in which ...")
            return not any(a.deps[t] == ids.relcl for t in range(s, e))
        kids = [k for k in children.get(head, ()) if s <= k < e and a.pos[k] not in (PUNCT, SPACE)]
        if head == e - 1 and kids and all(a.deps[k] in ids.nominal and self._bare_noun(a, k, children) for k in kids):
            return True  # "Aloe extract", "plant extracts": a bare noun before the "verb", nothing after
        if a.tags[s] in ids.wh and any(a.deps[k] in ids.subject and k > head for k in kids):
            return True  # a question without its mark ("what is it, indications")
        return a.lowers[head] in ids.reporting and not any(a.deps[k] in ids.complement for k in kids)

    def _bare_noun(self, a: _Arrays, t: int, children: dict[int, list[int]]) -> bool:
        """A word without determiner or prepositional phrase ("Aloe" in "Aloe extract")."""
        return a.pos[t] not in (PRON, DET) and not any(a.deps[k] in self.ids.det_prep for k in children.get(t, ()))

    def _subordinate(self, a: _Arrays, t: int, head: int) -> bool:
        """Whether token ``t`` sits in an adverbial clause of the predicate ("to lose weight,
        ...", "if ...") or in a clause that modifies its subject ("women who took 5 g ...",
        "a study involving 70 adults ..."), whose words say less about the claim's type than
        the predicate's own."""
        ids = self.ids
        return any(a.deps[x] == ids.advcl or (a.deps[x] in ids.subordinate and a.deps[a.heads[x]] in ids.subject)
                   for x in _up_to(a, t, head, 8))

    def _in_subject(self, a: _Arrays, t: int, head: int) -> bool:
        """Whether token ``t`` lies in the subject of the predicate: who took what, rather
        than what it did."""
        return any(a.deps[x] in self.ids.subject for x in _up_to(a, t, head, 12))

    def _negated(self, a: _Arrays, t: int, children: dict[int, list[int]]) -> bool:
        """Whether token ``t`` is denied: "no swelling", "is not painful", "isn't any evidence"."""
        ids = self.ids
        if any(a.deps[k] == ids.neg or a.lowers[k] in ids.no for k in children.get(t, ())):
            return True
        return a.deps[t] in ids.acomp_attr and any(a.deps[k] == ids.neg for k in children.get(a.heads[t], ()))

    def _conditional(self, rule_id: str) -> bool:
        rule = self.rules[rule_id]
        return bool(rule.when_labels or rule.when_quantities)

    def _head(self, a: _Arrays, s: int, e: int) -> int:
        """The clause's predicate: a token whose head lies outside the clause (a verb if any)."""
        tops = [t for t in range(s, e) if not (s <= a.heads[t] < e) or a.heads[t] == t]
        for t in tops:
            if a.pos[t] in (VERB, AUX):
                return t
        return tops[0] if tops else s

    def _core(self, a: _Arrays, head: int, children: dict[int, list[int]]) -> set[int]:
        core = {head}
        frontier = [head]
        for _ in range(3):
            nxt = []
            for t in frontier:
                for k in children.get(t, ()):
                    if a.deps[k] in self.ids.core or (a.deps[k] in self.ids.split and a.pos[k] in (VERB, AUX, ADJ)):
                        core.add(k)
                        nxt.append(k)
            frontier = nxt
        return core

    def _imperative(self, a: _Arrays, head: int, children: dict[int, list[int]]) -> bool:
        ids = self.ids
        if a.tags[head] != ids.vb or a.deps[head] != ids.root:
            return False
        if a.lemmas[head] and (a.lowers[head] != a.lemmas[head] or a.lemmas[head] == ids.let):
            return False  # not the bare form ("Helps maintain ..."), or "let's" (no directive)
        kids = children.get(head, ())
        if any(a.deps[k] in ids.subject for k in kids):
            return False
        # "to ..." is an infinitive, "May help ..." a subjectless statement, not a directive
        return not any(a.deps[k] == ids.aux and (a.lowers[k] == ids.to or a.tags[k] == ids.md) for k in kids)

    def _relabel(
        self, a: _Arrays, sig: Signal, rule: Rule, head: int, children: dict[int, list[int]], start: int,
        context_labels: set[str],
    ) -> str:
        """A harm that is denied ("no discomfort") takes ``negated_label``; one that a reducing
        verb governs or just precedes ("reduces the risk", "Relieves swelling"), that a reducing
        modifier qualifies ("lower risk") or that a benefit list names ("indicated for: acne")
        takes ``reversed_label``."""
        if not (rule.negated_label or rule.reversed_label):
            return rule.label
        ids = self.ids
        reversers = self.reversers.get(rule.id, frozenset())
        if rule.reversed_label and (
            rule.reversed_label in context_labels
            or any(a.lowers[t] in reversers for t in range(max(start, sig.start - 4), sig.start))
            or any(a.lowers[k] in ids.lessening for k in children.get(sig.end - 1, ()))
        ):
            return rule.reversed_label
        if not children:
            return rule.label
        tok = sig.end - 1
        if rule.negated_label:
            first = tok  # the first item of a list shares its "no" ("no swelling, bruising or redness")
            for _ in range(12):
                if a.deps[first] != ids.conj or a.heads[first] == first:
                    break
                first = a.heads[first]
            if self._negated(a, tok, children) or self._negated(a, first, children):
                return rule.negated_label
        t = tok
        steps = 0
        for _ in range(12):  # four steps up the tree; steps along a list ("x, y and z") are free
            if a.heads[t] == t or steps >= 4:
                break
            if a.deps[t] != ids.conj:
                steps += 1
            t = a.heads[t]
            if rule.negated_label and a.lowers[t] in ids.negating:
                return rule.negated_label
            if rule.negated_label and a.lemmas[t] in ids.evidence and self._negated(a, t, children):
                return rule.negated_label  # "there is no evidence that it is harmful"
            if a.lowers[t] in reversers:
                return rule.reversed_label
            if rule.reversed_label and any(a.lowers[k] in ids.lessening for k in children.get(t, ())):
                return rule.reversed_label  # "a low risk of death", "less likely to develop dementia"
            if t == head:
                break
        return rule.label

    def _score(self, claim_type: str, strength: float, cues: dict[str, list[str]], has_quantity: bool,
               has_verb: bool, conditional: bool, consequence: bool, lead_in: bool) -> float:
        sc = self.scoring
        score = float(sc["base"][claim_type])
        if consequence:
            score += sc["consequence_advice"]  # advice with a health consequence
        if cues["absolutes"] and claim_type in sc["absolute_types"]:
            score += sc["absolute"]
        if has_quantity:
            score += sc["quantity"]
        score += sc["strength"] * min(sc["strength_cap"], max(0.0, strength - 2))
        if cues["hedges"]:
            score += sc["hedge"]
        if not has_verb:
            score += sc["verbless_item"]
        if conditional:
            score += sc["conditional"]
        if lead_in:
            score += sc["lead_in"]  # a list introduction: its items carry the claims
        return round(min(0.99, max(0.01, score)), 3)


def _up_to(a: _Arrays, t: int, head: int, steps: int) -> Iterator[int]:
    """Token ``t`` and its ancestors below ``head`` (at most ``steps`` of them; none past the root)."""
    for _ in range(steps):
        if t == head or a.heads[t] == t:
            return
        yield t
        t = a.heads[t]


def _subtree(children: dict[int, list[int]], t: int) -> list[int]:
    """Token ``t`` and every token below it."""
    out, stack = [], [t]
    while stack:
        x = stack.pop()
        out.append(x)
        stack.extend(children.get(x, ()))
    return out


def _left_edge(children: dict[int, list[int]], t: int) -> int:
    return min(_subtree(children, t))


def _right_edge(children: dict[int, list[int]], t: int) -> int:
    return max(_subtree(children, t))


def _within(items: Sequence[Any], starts: list[int], s: int, e: int) -> list[Any]:
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


def _within_index(items: Sequence[tuple[int, int, str, str]], starts: list[int], s: int, e: int) -> list[int]:
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

