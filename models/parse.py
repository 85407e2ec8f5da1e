"""A parsed Doc as plain lists, and the questions the claim steps ask of it, by name.

:class:`Parse` reads the columns of one Doc with ``Doc.to_array`` (no Token object is made)
and answers questions such as ``p.is_subject(t)`` or ``p.is_lessening_word(t)``, so that the
steps in :mod:`models.clauses`, :mod:`models.signals`, :mod:`models.statements` and
:mod:`models.claim_typing` read as what they check, not as hash lookups. :class:`Tree` holds
the dependency edges inside one sentence. The words that the questions compare against are
lexicons (``models/lexicons/*.txt``); the dependency labels and tags are those of the English
models' parser and tagger.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from spacy.attrs import DEP, HEAD, IDX, LEMMA, LENGTH, LOWER, POS, SENT_START, TAG
from spacy.strings import StringStore
from spacy.symbols import ADJ, AUX, DET, PRON, PUNCT, SPACE, SYM, VERB
from spacy.tokens import Doc

from models.resources import expand_forms, lexicon

SUBJECT_DEPS = ("nsubj", "nsubjpass", "expl", "csubj", "csubjpass")
SPLIT_DEPS = ("conj", "parataxis")
CORE_DEPS = ("acomp", "attr", "xcomp", "ccomp", "dobj", "oprd", "auxpass", "aux", "neg", "prt", "agent", "acl")
# clauses whose words say less about the claim's type than the predicate's own words
SUBORDINATE_DEPS = ("advcl", "relcl", "acl")
DASHES = ("-", "–", "—")


class Ids:
    """Hash ids of the labels and words the claim steps compare against."""

    def __init__(self, strings: StringStore) -> None:
        def ids(words: Iterable[str]) -> frozenset[int]:
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
        self.dashes = ids(DASHES)
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


def among(column: np.ndarray, values: Iterable[int]) -> np.ndarray:
    """Which entries of ``column`` are one of a handful of ``values`` (for so few values a
    comparison per value costs a fraction of ``np.isin``)."""
    mask = np.zeros(len(column), dtype=bool)
    for value in values:
        mask |= column == value
    return mask


class Parse:
    """The tokens of one Doc as lists (hash ids for labels and words), with running counts of
    predicates and words, and the questions the claim steps ask about a token."""

    def __init__(self, doc: Doc, text: str, ids: Ids, discourse: Sequence[tuple[int, int]] = ()) -> None:
        arr = doc.to_array([HEAD, DEP, POS, TAG, LOWER, IDX, LENGTH, LEMMA, SENT_START])  # uint64: hashes stay exact
        heads = np.arange(len(doc), dtype=np.int64) + arr[:, 0].astype(np.int64)
        deps, pos, lowers = arr[:, 1], arr[:, 2], arr[:, 4]
        verbal = among(pos, (VERB, AUX))
        self.ids = ids
        self.text = text
        self.heads: list[int] = heads.tolist()
        self.deps: list[int] = deps.tolist()
        self.pos: list[int] = pos.tolist()
        self.tags: list[int] = arr[:, 3].tolist()
        self.lowers: list[int] = lowers.tolist()
        self.lemmas: list[int] = arr[:, 7].tolist()
        self.idx: list[int] = arr[:, 5].tolist()
        self.length: list[int] = arr[:, 6].tolist()
        self.sent_starts: list[int] = arr[:, 8].tolist()  # 1 where a sentence starts
        # running counts: predicate tokens (verbs not used as modifiers) and word tokens
        self.predicates: list[int] = np.concatenate(([0], np.cumsum(verbal & ~among(deps, ids.modifier)))).tolist()
        self.words: list[int] = np.concatenate(([0], np.cumsum(~among(pos, (PUNCT, SPACE, SYM))))).tolist()
        # coordinated or paratactic verbs (where a clause may start); semicolons and dashes
        self.splits: list[int] = np.flatnonzero(verbal & among(deps, ids.split)).tolist()
        self.marks: list[int] = np.flatnonzero(among(lowers, ids.marks)).tolist()
        # where some clause questions can only be true: adverbial and relative clauses, verbs
        # that rule out what they govern
        self.adverbial_clauses: list[int] = np.flatnonzero(deps == ids.advcl).tolist()
        self.relative_clauses: list[int] = np.flatnonzero(deps == ids.relcl).tolist()
        self.negating_verbs: list[int] = np.flatnonzero(among(lowers, ids.negating) & (pos == VERB)).tolist()
        self.discourse = list(discourse)  # character spans of discourse phrases
        self.parsed = any(self.deps)  # what Doc.has_annotation("DEP") answers

    # -------------------------------------------------------------------------- text

    def word(self, t: int) -> str:
        """The text of token ``t`` (sliced from the text: no Token object is made)."""
        return self.text[self.idx[t] : self.idx[t] + self.length[t]]

    def end_char(self, t: int) -> int:
        """The character offset just after token ``t``."""
        return self.idx[t] + self.length[t]

    def text_of(self, s: int, e: int) -> str:
        """The text of tokens ``s:e``."""
        return self.text[self.idx[s] : self.end_char(e - 1)]

    @staticmethod
    def between(positions: list[int], s: int, e: int) -> list[int]:
        """The ``positions`` (token indexes, ascending) that lie in ``s:e``."""
        return positions[bisect_left(positions, s) : bisect_left(positions, e)]

    def has_predicate(self, s: int, e: int) -> bool:
        """Whether tokens ``s:e`` hold a verb that is not a modifier."""
        return self.predicates[e] > self.predicates[s]

    def word_count(self, s: int, e: int) -> int:
        """The tokens of ``s:e`` that are words (not punctuation, spaces or symbols)."""
        return self.words[e] - self.words[s]

    # ------------------------------------------------------------------- parts of speech

    def is_space(self, t: int) -> bool:
        return self.pos[t] == SPACE

    def is_punct_or_space(self, t: int) -> bool:
        return self.pos[t] in (PUNCT, SPACE)

    def is_verbal(self, t: int) -> bool:
        """A verb or an auxiliary."""
        return self.pos[t] in (VERB, AUX)

    def is_adjective(self, t: int) -> bool:
        return self.pos[t] == ADJ

    def is_pronoun_or_determiner(self, t: int) -> bool:
        return self.pos[t] in (PRON, DET)

    def is_bare_verb(self, t: int) -> bool:
        """Tagged as a verb in its base form (``VB``)."""
        return self.tags[t] == self.ids.vb

    def is_inflected(self, t: int) -> bool:
        """Whether the word differs from its lemma ("Helps" from "help"); false without a lemma."""
        return bool(self.lemmas[t]) and self.lowers[t] != self.lemmas[t]

    def is_modal(self, t: int) -> bool:
        return self.tags[t] == self.ids.md

    def is_wh_word(self, t: int) -> bool:
        """"what", "how", "which"..."""
        return self.tags[t] in self.ids.wh

    # ------------------------------------------------------------------- dependencies

    def is_top(self, t: int) -> bool:
        """The root of its sentence (its own head)."""
        return self.heads[t] == t

    def is_root(self, t: int) -> bool:
        """Labelled ``ROOT`` by the parser."""
        return self.deps[t] == self.ids.root

    def is_subject(self, t: int) -> bool:
        return self.deps[t] in self.ids.subject

    def is_conj(self, t: int) -> bool:
        """The second or a later member of a coordination ("y" and "z" in "x, y and z")."""
        return self.deps[t] == self.ids.conj

    def is_coordinated(self, t: int) -> bool:
        """Coordinated with its head or set beside it (``conj``, ``parataxis``)."""
        return self.deps[t] in self.ids.split

    def is_core(self, t: int) -> bool:
        """A complement, auxiliary or particle of its head: part of the predicate."""
        return self.deps[t] in self.ids.core

    def is_adverbial_clause(self, t: int) -> bool:
        return self.deps[t] == self.ids.advcl

    def is_subordinate_clause(self, t: int) -> bool:
        """An adverbial, relative or adnominal clause (``advcl``, ``relcl``, ``acl``)."""
        return self.deps[t] in self.ids.subordinate

    def is_clause_complement(self, t: int) -> bool:
        """A clause that its verb embeds (``ccomp``, ``xcomp``): "said *that it works*"."""
        return self.deps[t] in self.ids.complement

    def is_predicative(self, t: int) -> bool:
        """The complement of a copula (``acomp``, ``attr``): "is *painful*"."""
        return self.deps[t] in self.ids.acomp_attr

    def is_negation(self, t: int) -> bool:
        """"not", "n't", "never" attached as ``neg``."""
        return self.deps[t] == self.ids.neg

    def is_auxiliary(self, t: int) -> bool:
        return self.deps[t] == self.ids.aux

    def is_nominal(self, t: int) -> bool:
        """A subject, compound, adjective or noun-phrase adverbial."""
        return self.deps[t] in self.ids.nominal

    def is_determiner_or_preposition(self, t: int) -> bool:
        """A determiner, preposition, possessive or number attached to a noun."""
        return self.deps[t] in self.ids.det_prep

    def ancestors_below(self, t: int, head: int, steps: int) -> Iterator[int]:
        """Token ``t`` and its ancestors below ``head`` (at most ``steps`` of them; none past the root)."""
        for _ in range(steps):
            if t == head or self.heads[t] == t:
                return
            yield t
            t = self.heads[t]

    def predicate(self, s: int, e: int) -> int:
        """The predicate of tokens ``s:e``: a token whose head lies outside them (a verb if any)."""
        tops = [t for t in range(s, e) if not (s <= self.heads[t] < e) or self.heads[t] == t]
        for t in tops:
            if self.pos[t] in (VERB, AUX):
                return t
        return tops[0] if tops else s

    # --------------------------------------------------------------- words (lexicons)

    def is_one_of(self, t: int, words: frozenset[int]) -> bool:
        """Whether the lower-case word of token ``t`` is one of ``words`` (hash ids)."""
        return self.lowers[t] in words

    def is_leading_word(self, t: int) -> bool:
        """A conjunction that joins clauses ("and", "but", "although"): trimmed off a clause."""
        return self.lowers[t] in self.ids.leading

    def is_conditional_word(self, t: int) -> bool:
        """"if", "when", "unless"."""
        return self.lowers[t] in self.ids.conditional

    def is_concessive_mark(self, t: int) -> bool:
        """"although", "though", "whereas", "while" as the mark of a clause."""
        return self.deps[t] == self.ids.mark and self.lowers[t] in self.ids.concessive

    def is_negating_word(self, t: int) -> bool:
        """A word that rules out what it governs ("without", "free", "excluded")."""
        return self.lowers[t] in self.ids.negating

    def is_no(self, t: int) -> bool:
        return self.lowers[t] in self.ids.no

    def is_evidence_noun(self, t: int) -> bool:
        """"evidence", "proof", "data"... (by lemma)."""
        return self.lemmas[t] in self.ids.evidence

    def is_lessening_word(self, t: int) -> bool:
        """A word that makes what it modifies smaller ("low", "less", "reduced")."""
        return self.lowers[t] in self.ids.lessening

    def is_reporting_verb(self, t: int) -> bool:
        """"say", "report", "complain"... in any form."""
        return self.lowers[t] in self.ids.reporting

    def is_to(self, t: int) -> bool:
        return self.lowers[t] == self.ids.to

    def is_let(self, t: int) -> bool:
        """The verb "let" (as in "let's"), by lemma."""
        return self.lemmas[t] == self.ids.let

    def is_while(self, t: int) -> bool:
        return self.lowers[t] == self.ids.while_

    def is_semicolon(self, t: int) -> bool:
        return self.lowers[t] == self.ids.semicolon

    def is_dash(self, t: int) -> bool:
        return self.lowers[t] in self.ids.dashes


class Tree:
    """The dependency edges inside one sentence, tokens ``s:e`` (none when the Doc has no
    parse): each token's children, in token order."""

    __slots__ = ("children",)

    def __init__(self, p: Parse, s: int, e: int) -> None:
        children: dict[int, list[int]] = {}
        if p.parsed:
            heads = p.heads
            for t in range(s, e):
                h = heads[t]
                if h != t:
                    children.setdefault(h, []).append(t)
        self.children = children

    @property
    def has_edges(self) -> bool:
        """Whether any token of the sentence governs another (false without a parse)."""
        return bool(self.children)

    def kids(self, t: int) -> Sequence[int]:
        """The children of token ``t`` inside the sentence."""
        return self.children.get(t, ())

    def subtree(self, t: int) -> list[int]:
        """Token ``t`` and every token below it."""
        out, stack = [], [t]
        while stack:
            x = stack.pop()
            out.append(x)
            stack.extend(self.children.get(x, ()))
        return out

    def left_edge(self, t: int) -> int:
        return min(self.subtree(t))

    def right_edge(self, t: int) -> int:
        return max(self.subtree(t))


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
