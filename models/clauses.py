"""Sentences into clauses: the token ranges that can each be one claim.

A sentence is first cut to the content of each line it falls in (:func:`line_parts`), trimmed
of list markers, edge punctuation and joining words (:func:`trim`), and dropped when it is a
question (:func:`is_question`). :func:`clauses` then cuts it

- before every clause coordinated at the top level that has a subject of its own, as its
  partner has ("The procedure is painless, | and the effect lasts ...");
- after semicolons, and after a spaced dash that opens such a clause (:func:`dash_cuts`);
- around a clause of concession or contrast with its own subject ("..., | although it has a
  lifting effect") (:func:`concessive_cuts`).

Once the clauses are typed, :func:`split_predicates` cuts a clause between predicates that
share a subject but make claims of different types, and :func:`merge_unsignalled` gives a
cut-off clause without any signal back to its neighbour.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from models.layout import Line
from models.parse import Parse, Tree

EDGE_PUNCT = frozenset(".,;:!…-–—*•·_|/")
CLOSING_MARKS = ("”", '"', "’", "'", ")", "*")  # may follow a question's "?"


class Typed(Protocol):
    """What the clause steps need to know of a typed clause."""

    @property
    def claim_type(self) -> str: ...

    @property
    def rule_id(self) -> str: ...


C = TypeVar("C", bound=Typed)


def signalled(claim: Typed | None) -> bool:
    """Whether a clause is a candidate that some rule typed (not the fallback ``clause``)."""
    return claim is not None and claim.rule_id != "clause"


def line_parts(p: Parse, content: Sequence[Line], starts: list[int], s: int, e: int) -> list[tuple[Line, tuple[int, int]]]:
    """The tokens of sentence ``s:e``, cut to the content of each line they fall in
    (``content``: the non-blank lines; ``starts``: their content offsets)."""
    parts: list[tuple[Line, tuple[int, int]]] = []
    i = s
    while i < e:
        while i < e and p.is_space(i):
            i += 1
        if i >= e:
            break
        k = bisect_left(starts, p.idx[i] + 1) - 1
        if k < 0:
            i += 1
            continue
        line = content[k]
        if p.idx[i] < line.content_start or p.idx[i] >= line.content_end:
            i += 1  # a list marker or markup outside the content
            continue
        j = min(e, bisect_left(p.idx, line.content_end, i))
        parts.append((line, (i, j)))
        i = j
    return parts


def _edge(p: Parse, t: int) -> bool:
    word = p.word(t)
    return p.is_space(t) or word in EDGE_PUNCT or p.is_leading_word(t) or set(word) <= EDGE_PUNCT


def trim(p: Parse, s: int, e: int) -> tuple[int, int]:
    """Tokens ``s:e`` without spaces, punctuation, markup and joining words at either edge."""
    while s < e and _edge(p, s):
        s += 1
    while e > s and _edge(p, e - 1):
        e -= 1
    return s, e


def is_question(p: Parse, s: int, e: int) -> bool:
    """Whether tokens ``s:e`` end with a question mark (before closing quotes or brackets)."""
    while e > s and (p.is_space(e - 1) or p.word(e - 1) in CLOSING_MARKS):
        e -= 1
    return e > s and p.word(e - 1).endswith("?")


def clauses(p: Parse, tree: Tree, s: int, e: int) -> list[tuple[int, int]]:
    """Sentence ``s:e`` cut before each coordinated clause with its own subject, at
    semicolons and dashes that open a clause, and around a clause of concession."""
    cuts = set()
    candidates = p.between(p.splits, s + 1, e)
    marks = p.between(p.marks, s + 1, e)
    cuts.update(t + 1 for t in marks if p.is_semicolon(t))
    tops = {t for t in range(s, e) if not (s <= p.heads[t] < e) or p.heads[t] == t} if candidates else set()
    for t in candidates:
        if p.heads[t] not in tops:
            continue  # only clauses coordinated at the top, not inside an "if ..." clause
        subjects = [k for k in tree.kids(t) if p.is_subject(k)]
        if not subjects or not any(p.is_subject(k) for k in tree.kids(p.heads[t])):
            continue  # both clauses need a subject of their own
        left = min([t, *(tree.left_edge(k) for k in subjects)])
        tops.add(t)
        if left > s:
            cuts.add(left)
    if marks:
        cuts.update(dash_cuts(p, tree, [t for t in marks if t < e - 1 and p.is_dash(t)], e))
    cuts.update(concessive_cuts(p, tree, s, e))
    if not cuts:
        return [(s, e)]
    bounds = [s, *sorted(cuts), e]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1) if bounds[i] < bounds[i + 1]]


def dash_cuts(p: Parse, tree: Tree, dashes: list[int], e: int) -> list[int]:
    """Cut after a spaced dash when what follows is a clause with its own subject
    ("... to adapt - the frequency should not exceed ...")."""
    dashes = [t for t in dashes if p.idx[t] > p.end_char(t - 1) and p.idx[t + 1] > p.end_char(t)]
    cuts = []
    for n, t in enumerate(dashes):
        stop = dashes[n + 1] if n + 1 < len(dashes) else e
        head = p.predicate(t + 1, stop)
        if p.is_verbal(head) and any(p.is_subject(k) and t < k < stop for k in tree.kids(head)):
            cuts.append(t + 1)
    return cuts


def concessive_cuts(p: Parse, tree: Tree, s: int, e: int) -> list[int]:
    """Cut around an adverbial clause of concession or contrast that has a subject of its
    own ("..., although it has a rejuvenating effect"): it asserts a second thing."""
    cuts = []
    for t in p.between(p.adverbial_clauses, s, e):
        if not p.is_verbal(t) or not s <= p.heads[t] < e:
            continue
        kids = tree.kids(t)
        if not any(p.is_concessive_mark(k) for k in kids):
            continue
        if not any(p.is_subject(k) for k in kids):
            continue
        if t > p.heads[t]:
            left = tree.left_edge(t)
            if p.is_while(left) and p.word(left - 1) != ",":
                continue  # "... a tight feeling while the cups are on": a time, not a contrast
            if left > s:
                cuts.append(left)
        else:
            right = tree.right_edge(t) + 1
            if right < e:
                cuts.append(right)
    return cuts


def split_predicates(
    p: Parse, tree: Tree, spans: list[tuple[int, int]], claims: list[C | None],
    claim_at: Callable[[int, int], C | None],
) -> tuple[list[tuple[int, int]], list[C | None]]:
    """Cut a clause before each predicate coordinated with its own ("Women who took it
    showed fewer bone problems | and had more strength than those who did not") when the
    predicates make claims of different types, none of them a dose: the sentence asserts
    two things. (A study's dose and its result stay together.)"""
    out_spans: list[tuple[int, int]] = []
    out_claims: list[C | None] = []
    for (cs, ce), claim in zip(spans, claims, strict=True):
        parts: list[tuple[int, int]] = []
        head = p.predicate(cs, ce) if signalled(claim) else -1
        if head >= 0 and p.is_verbal(head):
            cuts = sorted(tree.left_edge(k) for k in tree.kids(head)
                          if cs < k < ce and p.is_conj(k) and p.is_verbal(k)
                          and not any(p.is_subject(j) for j in tree.kids(k)))
            bounds = [cs, *(c for c in cuts if cs < c < ce), ce]
            parts = [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]
        if len(parts) > 1:
            split = [claim_at(ps, pe) for ps, pe in parts]
            kinds = {c.claim_type for c in split if c is not None and signalled(c)}
            # a study's dose and its result stay one claim: the result decides its type
            if len(kinds) > 1 and "dosage" not in kinds and all(signalled(c) for c in split):
                out_spans.extend(parts)
                out_claims.extend(split)
                continue
        out_spans.append((cs, ce))
        out_claims.append(claim)
    return out_spans, out_claims


def merge_unsignalled(
    spans: list[tuple[int, int]], claims: list[C | None], claim_at: Callable[[int, int], C | None]
) -> list[C | None]:
    """A clause cut off a sentence that carries no claim signal of its own ("At home you
    can save a little, | but you will end up with serious problems") is not a claim alone:
    it goes back to its neighbour that carries one (the next, or else the previous)."""
    owner = list(range(len(spans)))
    for i, claim in enumerate(claims):
        if claim is None or claim.rule_id != "clause":
            continue
        if i + 1 < len(spans) and signalled(claims[i + 1]):
            owner[i] = i + 1
        elif i > 0 and signalled(claims[i - 1]):
            owner[i] = i - 1
    if owner == list(range(len(spans))):
        return claims
    out = []
    for j in range(len(spans)):
        members = [i for i in range(len(spans)) if owner[i] == j]
        if not members:
            continue
        if len(members) == 1:
            out.append(claims[j])
        else:
            merged = claim_at(spans[members[0]][0], spans[members[-1]][1])
            out.extend([merged] if merged is not None else [claims[i] for i in members])
    return out
