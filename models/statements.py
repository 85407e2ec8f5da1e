"""Step 2 of typing a clause: drop what is not a statement a reviewer could check.

Each check is a function of a :class:`~models.signals.Clause` that says whether to drop it;
:func:`not_a_statement` names the first check that holds (None: the clause is a candidate).
A bare noun phrase is a candidate only when a rule or its list's lead-in makes it one
("Contraindications: - epilepsy"), and a lead-in without a signal of its own is not one. The
text talking about itself ("Here are 10 benefits of ...") is never a candidate, and a clause
without any signal is none when it states nothing: no verbal predicate, a noun phrase the
tagger read as a clause ("Aloe extract"), a question without its mark or a bare report ("many
people complained").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from models.resources import lexicon, with_apostrophes
from models.rules import phrase_regex
from models.signals import Clause


@cache
def _recipe_lead_ins() -> re.Pattern[str]:
    return phrase_regex(with_apostrophes(lexicon("recipe_lead_ins")))


def _has_relative_clause(c: Clause) -> bool:
    return bool(c.p.between(c.p.relative_clauses, c.start, c.end))


def _short_and_verbless(c: Clause) -> bool:
    return not c.has_verb and c.words <= 2


# ------------------------------------------------------------------- what no rule makes a claim


def unsignalled_noun_phrase(c: Clause) -> bool:
    """A noun phrase ("Neck;") that no word rule or list lead-in makes a claim."""
    return not c.has_verb and not any(hit.lexical for hit in c.hits)


def lone_word(c: Clause) -> bool:
    """A single word without any signal."""
    return c.words < 2 and not c.hits


def label_inside_longer_line(c: Clause) -> bool:
    """A verbless word or two inside a longer line ("Efficiency The effect ..."): a label."""
    line = c.line
    return _short_and_verbless(c) and (c.sentence[0] > line.content_start + 1 or c.sentence[1] < line.content_end - 1)


def uncategorised_short_item(c: Clause) -> bool:
    """A verbless word or two that no list lead-in names as a category ("Side effects")."""
    return _short_and_verbless(c) and not c.context_rules


def recipe_ingredient(c: Clause) -> bool:
    """An item of an ingredient or equipment list ("Ingredients: - 3 cups filtered water"):
    verbless or opening with its amount, and not defining anything."""
    line = c.line
    return bool(
        line.kind == "item" and line.context
        and (not c.has_verb or any(start == c.start for start, _, _, _ in c.quantity_marks))
        and not _has_relative_clause(c) and _recipe_lead_ins().search(line.context)
    )


def bare_lead_in(c: Clause) -> bool:
    """A lead-in without a signal that only introduces its list ("... the following lines:")."""
    return c.line.lead_in and not c.hits and c.end_char >= c.line.content_end - 2


def text_about_itself(c: Clause) -> bool:
    """The text talking about itself or to its reader ("Here are 10 benefits of ...",
    lexicons/discourse_terms.txt), whatever its signals."""
    start, end = c.p.idx[c.start], c.end_char
    return any(start <= d_start and d_end <= end for d_start, d_end in c.p.discourse)


# -------------------------------------------------- a parsed clause without signal stating nothing


def _unsignalled_parse(c: Clause) -> bool:
    return not c.hits and c.tree.has_edges


def _predicate_kids(c: Clause) -> list[int]:
    p = c.p
    return [k for k in c.tree.kids(c.head) if c.start <= k < c.end and not p.is_punct_or_space(k)]


def no_verbal_predicate(c: Clause) -> bool:
    """At most participles that modify nouns ("oxygen supplied under pressure",
    "collagen present in foods"); a relative clause, though, defines something ("a method
    in which ...")."""
    return _unsignalled_parse(c) and not c.p.is_verbal(c.head) and not _has_relative_clause(c)


def noun_phrase_read_as_clause(c: Clause) -> bool:
    """A bare noun before the clause's last word, taken for subject and verb ("Aloe
    extract", "plant extracts")."""
    if not _unsignalled_parse(c) or not c.p.is_verbal(c.head) or c.head != c.end - 1:
        return False
    p, kids = c.p, _predicate_kids(c)
    return bool(kids) and all(p.is_nominal(k) and _bare_noun(c, k) for k in kids)


def _bare_noun(c: Clause, t: int) -> bool:
    """A word without determiner or prepositional phrase ("Aloe" in "Aloe extract")."""
    p = c.p
    return not p.is_pronoun_or_determiner(t) and not any(p.is_determiner_or_preposition(k) for k in c.tree.kids(t))


def question_without_mark(c: Clause) -> bool:
    """A question whose mark is missing ("what is it, indications")."""
    if not _unsignalled_parse(c) or not c.p.is_verbal(c.head):
        return False
    p = c.p
    return p.is_wh_word(c.start) and any(p.is_subject(k) and k > c.head for k in _predicate_kids(c))


def bare_report(c: Clause) -> bool:
    """A verb of saying that embeds no statement ("many people have complained about it")."""
    if not _unsignalled_parse(c) or not c.p.is_verbal(c.head):
        return False
    p = c.p
    return p.is_reporting_verb(c.head) and not any(p.is_clause_complement(k) for k in _predicate_kids(c))


# A clause is dropped when any check holds (so their order only decides the name reported).
CHECKS: tuple[Callable[[Clause], bool], ...] = (
    unsignalled_noun_phrase,
    lone_word,
    label_inside_longer_line,
    uncategorised_short_item,
    recipe_ingredient,
    bare_lead_in,
    text_about_itself,
    no_verbal_predicate,
    noun_phrase_read_as_clause,
    question_without_mark,
    bare_report,
)


def not_a_statement(c: Clause) -> str | None:
    """The name of the first check that drops the clause, or None when it is a candidate."""
    for check in CHECKS:
        if check(c):
            return check.__name__
    return None
