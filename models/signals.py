"""Step 1 of typing a clause: collect its signals.

:meth:`SignalCollector.collect` gathers, for the clause over tokens ``s:e``, every rule that
speaks for a claim type, as :class:`Hit` objects with a weight, and returns them in a
:class:`Clause` with the facts the later steps read (:mod:`models.statements` drops clauses
that state nothing; :mod:`models.claim_typing` picks the type and the score):

1. **word rules** (phrase, token and dependency rules that ``claim_signals`` matched): a harm
   that is denied or taken away is relabelled first (:meth:`SignalCollector.relabel`); a
   signal on the clause's predicate or its complements weighs one more, one inside an
   adverbial clause or a clause that modifies the subject half;
2. **structure rules**: a built-in test of the clause (``STRUCTURE_TESTS``, e.g. an
   imperative);
3. **quantity rules**: parsed quantities of a kind or unit; a dose in the subject of a
   predicate that states an outcome weighs half;
4. **list context**: the lead-in of a list item names a category ("Contraindications:");
5. "when" rules are kept only next to the label or quantity kind they need.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from spacy.strings import StringStore

from annotations.errors import ValidationError
from models.layout import Line
from models.parse import Parse, Tree
from models.rules import STRUCTURES, Rule

QuantityMark = tuple[int, int, str, str]  # tokens start, end; kind; unit


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule match: tokens ``start:end``, the rule's label and id."""

    start: int
    end: int
    label: str
    rule_id: str


class Hit(NamedTuple):
    """A rule that speaks for a claim type in a clause, with the weight it carries there."""

    label: str
    rule_id: str
    weight: float
    lexical: bool  # found in the words (or the list's lead-in), not only in a quantity


@dataclass(slots=True)
class Clause:
    """A clause, tokens ``start:end`` of a sentence, with what the typing steps read."""

    p: Parse
    tree: Tree
    line: Line
    start: int
    end: int
    sentence: tuple[int, int]  # character offsets of the sentence or list item
    head: int  # the predicate (see Parse.predicate)
    has_verb: bool
    words: int
    quantities: list[int]  # indexes into the Doc's quantities
    quantity_marks: list[QuantityMark]  # those quantities
    context_rules: list[Rule]  # list-context rules that the item's lead-in holds
    hits: list[Hit]  # every signal kept, in order: words, structure, quantities, context

    @property
    def end_char(self) -> int:
        return self.p.end_char(self.end - 1)


# ----------------------------------------------------------------------- structure tests


def is_imperative(c: Clause) -> bool:
    """A directive to the reader: the root is a bare verb without subject ("Apply the mask
    twice a week"), not "to ..." nor a subjectless statement ("May help ...", "Helps ...")."""
    p, head = c.p, c.head
    if not p.is_bare_verb(head) or not p.is_root(head):
        return False
    if p.is_inflected(head) or p.is_let(head):
        return False  # not the bare form ("Helps maintain ..."), or "let's" (no directive)
    kids = c.tree.kids(head)
    if any(p.is_subject(k) for k in kids):
        return False
    # "to ..." is an infinitive, "May help ..." a subjectless statement, not a directive
    return not any(p.is_auxiliary(k) and (p.is_to(k) or p.is_modal(k)) for k in kids)


# The built-in clause tests that a rule names with "structure" (rules.STRUCTURES). A test reads
# the clause (its parse, tree, predicate, quantities and the word signals found so far); a new
# one is a function here, its name in rules.STRUCTURES, and a line in the rule file.
STRUCTURE_TESTS: dict[str, Callable[[Clause], bool]] = {"imperative": is_imperative}


# ---------------------------------------------------------------------------- collecting


class SignalCollector:
    """Gathers and weighs the signals of a clause (see the module's steps)."""

    def __init__(self, strings: StringStore, rules: Sequence[Rule], outcome_labels: Sequence[str]) -> None:
        missing = [name for name in STRUCTURES if name not in STRUCTURE_TESTS]
        if missing:
            raise ValidationError(f"no clause test for the structure(s) {', '.join(missing)}; "
                                  f"tests exist for {', '.join(STRUCTURE_TESTS)}")
        self.rules = {rule.id: rule for rule in rules}
        self.structure_rules = [r for r in rules if r.structure]
        self.quantity_rules = [r for r in rules if r.quantity_kinds or r.quantity_units]
        self.context_rules = [r for r in rules if r.context is not None]
        self.reversers = {r.id: frozenset(strings.add(w) for w in r.reversed_by) for r in rules if r.reversed_by}
        self.outcome_labels = frozenset(outcome_labels)

    def collect(
        self, p: Parse, tree: Tree, line: Line, sentence: tuple[int, int], s: int, e: int,
        signals: Sequence[Signal], q_index: list[int], quantities: Sequence[QuantityMark],
    ) -> Clause:
        """The clause over tokens ``s:e`` with its signals weighed (``signals``: the rule
        matches inside it; ``q_index``: its quantities, indexes into ``quantities``)."""
        head = p.predicate(s, e)
        context = self._context_rules(line.context) if line.kind == "item" and line.context else []
        c = Clause(p, tree, line, s, e, sentence, head, p.has_predicate(s, e), p.word_count(s, e), q_index,
                   [quantities[i] for i in q_index], context, [])
        core = predicate_core(p, tree, head) if tree.has_edges else set()
        c.hits = self._word_hits(p, tree, s, e, head, core, signals, {r.label for r in context})
        # the structure tests may read the word signals
        hits = [*c.hits, *(Hit(r.label, r.id, r.weight, True) for r in self.structure_rules
                           if STRUCTURE_TESTS[r.structure](c))]
        outcome = any(h.label in self.outcome_labels for h in hits)
        if q_index:
            hits.extend(self._quantity_hits(p, head, core, c.quantity_marks, outcome))
        hits.extend(Hit(r.label, r.id, r.weight, True) for r in context)
        c.hits = self._conditions_met(hits, {kind for _, _, kind, _ in c.quantity_marks})
        return c

    def _word_hits(
        self, p: Parse, tree: Tree, s: int, e: int, head: int, core: set[int], signals: Sequence[Signal],
        context_labels: set[str],
    ) -> list[Hit]:
        """The word rules' signals, relabelled and weighed; one per span and label (the
        heaviest)."""
        if not signals:
            return []
        clause_text = p.text_of(s, e)
        denied = denies_harms(p, s, e)
        best: dict[tuple[int, int, str], tuple[float, str]] = {}
        for sig in signals:
            rule = self.rules[sig.rule_id]
            if rule.unless is not None and rule.unless.search(clause_text):
                continue
            if denied and rule.negated_label:
                label = rule.negated_label
            else:
                label = self.relabel(p, tree, sig, rule, head, s, context_labels)
            weight = rule.weight + (1.0 if any(t in core for t in range(sig.start, sig.end)) else 0.0)
            if in_subordinate_clause(p, sig.end - 1, head):
                weight /= 2
            key = (sig.start, sig.end, label)
            if key not in best or best[key][0] < weight:
                best[key] = (weight, rule.id)
        return [Hit(label, rule_id, weight, True) for (_, _, label), (weight, rule_id) in best.items()]

    def _quantity_hits(
        self, p: Parse, head: int, core: set[int], quantities: list[QuantityMark], outcome: bool,
    ) -> list[Hit]:
        """The quantity rules that some quantity of the clause fits."""
        out = []
        for rule in self.quantity_rules:
            fits = [q for q in quantities if quantity_fits(rule, q)]
            if fits:
                on_core = any(t in core for start, end, _, _ in fits for t in range(start, end))
                weight = rule.weight + (1.0 if on_core else 0.0)
                if outcome and all(in_subject(p, end - 1, head) for _, end, _, _ in fits):
                    weight /= 2  # "women who took 5 g a day were less likely to ...": the outcome is the claim
                out.append(Hit(rule.label, rule.id, weight, False))
        return out

    def _conditions_met(self, hits: list[Hit], q_kinds: set[str]) -> list[Hit]:
        """The hits without the "when" rules that lack the label or quantity kind they need
        beside them."""
        plain = {h.label for h in hits if not self._conditional(h.rule_id)}
        kept = []
        for hit in hits:
            rule = self.rules[hit.rule_id]
            if rule.when_labels and not (rule.when_labels & plain):
                continue
            if rule.when_quantities and not (rule.when_quantities & q_kinds):
                continue
            kept.append(hit)
        return kept

    def _conditional(self, rule_id: str) -> bool:
        rule = self.rules[rule_id]
        return bool(rule.when_labels or rule.when_quantities)

    @lru_cache(maxsize=256)  # noqa: B019 (a collector lives as long as its pipeline; lead-ins repeat per item)
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

    # ----------------------------------------------------------------------- relabelling

    def relabel(
        self, p: Parse, tree: Tree, sig: Signal, rule: Rule, head: int, start: int, context_labels: set[str],
    ) -> str:
        """A harm that is denied ("no discomfort") takes ``negated_label``; one that a reducing
        verb governs or just precedes ("reduces the risk", "Relieves swelling"), that a reducing
        modifier qualifies ("lower risk") or that a benefit list names ("indicated for: acne")
        takes ``reversed_label``."""
        if not (rule.negated_label or rule.reversed_label):
            return rule.label
        reversers = self.reversers.get(rule.id, frozenset())
        word = sig.end - 1
        if rule.reversed_label and (
            rule.reversed_label in context_labels
            or any(p.is_one_of(t, reversers) for t in range(max(start, sig.start - 4), sig.start))
            or lessened(p, tree, word)
        ):
            return rule.reversed_label
        if not tree.has_edges:
            return rule.label
        if rule.negated_label and (is_denied(p, tree, word) or is_denied(p, tree, first_of_list(p, word))):
            return rule.negated_label
        return self._label_from_governors(p, tree, word, rule, head, reversers)

    @staticmethod
    def _label_from_governors(p: Parse, tree: Tree, word: int, rule: Rule, head: int, reversers: frozenset[int]) -> str:
        """The label that the words governing a harm give it, up to four steps up the tree
        (steps along a list, "x, y and z", are free): a word that rules it out ("without
        pain"), a denied evidence noun ("no evidence that it is harmful"), a reducing verb
        ("helps against pain") or a lessening modifier ("less likely to develop dementia")."""
        t = word
        steps = 0
        for _ in range(12):
            if p.is_top(t) or steps >= 4:
                break
            if not p.is_conj(t):
                steps += 1
            t = p.heads[t]
            if rule.negated_label and p.is_negating_word(t):
                return rule.negated_label
            if rule.negated_label and p.is_evidence_noun(t) and is_denied(p, tree, t):
                return rule.negated_label  # "there is no evidence that it is harmful"
            if p.is_one_of(t, reversers):
                return rule.reversed_label
            if rule.reversed_label and lessened(p, tree, t):
                return rule.reversed_label  # "a low risk of death", "less likely to develop dementia"
            if t == head:
                break
        return rule.label


# ------------------------------------------------------------------------ clause questions


def predicate_core(p: Parse, tree: Tree, head: int) -> set[int]:
    """The predicate and, three levels down, its complements, auxiliaries and the verbs or
    adjectives coordinated with it: where a signal weighs one more."""
    core = {head}
    frontier = [head]
    for _ in range(3):
        nxt = []
        for t in frontier:
            for k in tree.kids(t):
                if p.is_core(k) or (p.is_coordinated(k) and (p.is_verbal(k) or p.is_adjective(k))):
                    core.add(k)
                    nxt.append(k)
        frontier = nxt
    return core


def denies_harms(p: Parse, s: int, e: int) -> bool:
    """Whether the clause's verb rules harms out ("swelling and bruising are excluded"): it
    denies them all, however the parser attached the list."""
    return bool(p.between(p.negating_verbs, s, e))


def in_subordinate_clause(p: Parse, t: int, head: int) -> bool:
    """Whether token ``t`` sits in an adverbial clause of the predicate ("to lose weight,
    ...", "if ...") or in a clause that modifies its subject ("women who took 5 g ...",
    "a study involving 70 adults ..."), whose words say less about the claim's type than
    the predicate's own."""
    return any(p.is_adverbial_clause(x) or (p.is_subordinate_clause(x) and p.is_subject(p.heads[x]))
               for x in p.ancestors_below(t, head, 8))


def in_subject(p: Parse, t: int, head: int) -> bool:
    """Whether token ``t`` lies in the subject of the predicate: who took what, rather
    than what it did."""
    return any(p.is_subject(x) for x in p.ancestors_below(t, head, 12))


def is_denied(p: Parse, tree: Tree, t: int) -> bool:
    """Whether token ``t`` is denied: "no swelling", "is not painful", "isn't any evidence"."""
    if any(p.is_negation(k) or p.is_no(k) for k in tree.kids(t)):
        return True
    return p.is_predicative(t) and any(p.is_negation(k) for k in tree.kids(p.heads[t]))


def lessened(p: Parse, tree: Tree, t: int) -> bool:
    """Whether a lessening word modifies token ``t`` ("lower risk", "less likely")."""
    return any(p.is_lessening_word(k) for k in tree.kids(t))


def first_of_list(p: Parse, t: int) -> int:
    """The first item of the list that token ``t`` ends ("swelling" for "redness" in "no
    swelling, bruising or redness"): it carries the list's "no"."""
    for _ in range(12):
        if not p.is_conj(t) or p.is_top(t):
            break
        t = p.heads[t]
    return t


def quantity_fits(rule: Rule, quantity: QuantityMark) -> bool:
    """Whether a quantity has a kind and unit the quantity rule asks for (a rate's amount
    unit counts too: "cup per day" is a number of cups)."""
    _, _, kind, unit = quantity
    return (not rule.quantity_kinds or kind in rule.quantity_kinds) and (
        not rule.quantity_units or unit in rule.quantity_units or unit.split(" per ")[0] in rule.quantity_units
    )
