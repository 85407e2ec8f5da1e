"""The named steps that type a clause, each on its own: collect signals (relabelling denied
and removed harms, structure tests), drop non-statements (one check each), type. Sentences
of our own writing, parsed with the real model (the session's ``nlp`` fixture)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from spacy.language import Language

from annotations.errors import ValidationError
from models import signals as signals_module
from models.claims import layout_lines
from models.clauses import trim
from models.components import LAYOUT_KEY, QUANTITY_KEY, SIGNAL_KEY, doc_text
from models.parse import Parse, Tree
from models.rules import load_rules
from models.signals import Clause, Hit, Signal, SignalCollector, is_imperative
from models.statements import not_a_statement


def clause(nlp: Language, text: str, line_no: int = 0, tokens: int | None = None) -> Clause:
    """The clause over the content of the ``line_no``-th non-blank line of ``text`` (a sentence
    of its first ``tokens`` tokens when given), with its signals collected as the pipeline does."""
    doc = nlp(text)
    builder = nlp.get_pipe("claim_candidates").builder
    text = doc_text(doc)
    p = Parse(doc, text, builder.ids, [m.span() for m in builder.discourse.finditer(text)])
    line = [ln for ln in layout_lines(doc, LAYOUT_KEY, text) if ln.kind != "blank"][line_no]
    s = next(i for i in range(len(doc)) if p.idx[i] >= line.content_start)
    e = next((i for i in range(len(doc)) if p.idx[i] >= line.content_end), len(doc))
    s, e = trim(p, s, s + tokens if tokens else e)
    sentence = (p.idx[s], p.end_char(e - 1))  # as if the parser ended a sentence there
    found = [Signal(x.start, x.end, x.label_, x.id_) for x in doc.spans[SIGNAL_KEY] if s <= x.start and x.end <= e]
    quantities = [(q.start, q.end, q.label_, q._.qty_unit or "") for q in doc.spans[QUANTITY_KEY]]
    inside = [i for i, q in enumerate(quantities) if s <= q[0] and q[1] <= e]
    return builder.signals.collect(p, Tree(p, s, e), line, sentence, s, e, found, inside, quantities)


# ------------------------------------------------------------------------ non-statements


@pytest.mark.parametrize(
    ("text", "line_no", "tokens", "check"),
    [
        ("Copper kettles and wooden spoons.", 0, None, "unsignalled_noun_phrase"),
        ("Finished!", 0, None, "lone_word"),
        ("Redness The wrap feels warm.", 0, 1, "label_inside_longer_line"),
        ("Side effects", 0, None, "uncategorised_short_item"),
        ("You will need:\n- 2 cups of water, boiled\n", 1, None, "recipe_ingredient"),
        ("The kit contains the following parts:\n- a lid\n", 0, None, "bare_lead_in"),
        ("These steps are described below.", 0, None, "text_about_itself"),
        ("Copper present in nuts and in pills containing copper.", 0, None, "no_verbal_predicate"),
        ("Rosehip extracts", 0, None, "noun_phrase_read_as_clause"),
        ("What is hammam, history", 0, None, "question_without_mark"),
        ("Several buyers wrote about the jar.", 0, None, "bare_report"),
        # statements stay
        ("The kettle boils water in two minutes.", 0, None, None),
        ("Several buyers wrote that the jar leaks.", 0, None, None),  # a report that embeds a statement
        ("You will need:\n- 3 tablespoons of honey that is raw\n", 1, None, None),  # defines something
    ],
)
def test_each_check_names_what_is_not_a_statement(
    nlp: Language, text: str, line_no: int, tokens: int | None, check: str | None
) -> None:
    assert not_a_statement(clause(nlp, text, line_no, tokens)) == check


# --------------------------------------------------------------------------- relabelling


@pytest.mark.parametrize(
    ("text", "line_no", "labels"),
    [
        ("Hikers get blisters.", 0, ["risk"]),  # a harm stated
        ("There is no itching after the wrap.", 0, ["safety"]),  # denied
        ("No blisters, soreness or redness after the hike.", 0, ["safety"] * 3),  # the list shares its "no"
        ("The wrap goes on without any itching.", 0, ["safety"]),  # a governor rules it out
        ("Blisters and soreness are excluded.", 0, ["safety"] * 2),  # the clause's verb rules them out
        ("There is no proof that the wrap causes rashes.", 0, ["safety"] * 2),  # no evidence shows it
        ("There is proof that the wrap causes rashes.", 0, ["risk"] * 2),
        ("Walkers had fewer blisters.", 0, ["efficacy"]),  # a lessening word
        ("The boots help against blisters.", 0, ["efficacy"]),  # a word that takes it away
        ("Benefits of the balm:\n- rashes\n", 1, ["efficacy"]),  # a list of benefits names it
    ],
)
def test_a_harm_is_relabelled_when_denied_or_taken_away(nlp: Language, text: str, line_no: int, labels: list[str]) -> None:
    c = clause(nlp, text, line_no)
    assert [hit.label for hit in c.hits if hit.rule_id.startswith("risk-")] == labels


# ----------------------------------------------------------------------- structure tests


@pytest.mark.parametrize(
    ("text", "directive"),
    [
        ("Rinse the jar with hot water.", True),
        ("You rinse the jar.", False),  # a subject
        ("May soothe the skin.", False),  # a subjectless statement
        ("Let's rinse the jar.", False),  # no directive
    ],
)
def test_an_imperative_is_a_bare_verb_without_subject(nlp: Language, text: str, directive: bool) -> None:
    assert is_imperative(clause(nlp, text)) is directive


def test_a_structure_rule_needs_a_clause_test(nlp: Language, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(signals_module, "STRUCTURES", ("imperative", "rhyme"))
    with pytest.raises(ValidationError, match="no clause test for the structure.s. rhyme; tests exist for imperative"):
        SignalCollector(nlp.vocab.strings, load_rules(), ["risk"])


# --------------------------------------------------------------------------------- type


def test_the_heaviest_type_wins_and_ties_go_to_the_type_listed_first(nlp: Language) -> None:
    typer = nlp.get_pipe("claim_candidates").builder.typer
    c = clause(nlp, "The kettle boils water.")
    tie = replace(c, hits=[Hit("efficacy", "a", 2.0, True), Hit("risk", "b", 1.0, True), Hit("risk", "c", 1.0, True)])
    heavier = replace(c, hits=[Hit("efficacy", "a", 2.5, True), Hit("risk", "b", 2.0, True)])
    assert typer.choose(tie)[:2] == ("risk", "b")  # scoring.json lists risk before efficacy
    assert typer.choose(heavier) == ("efficacy", "a", 2.5)
    assert typer.choose(replace(c, hits=[])) == ("other", "clause", 0.0)


def test_a_bare_item_takes_the_type_of_its_lead_in(nlp: Language) -> None:
    typer = nlp.get_pipe("claim_candidates").builder.typer
    c = clause(nlp, "The balm is not suitable for:\n- burns\n", 1)
    assert [hit.label for hit in c.hits] == ["risk", "contraindication"]  # the word, then its list
    assert typer.choose(c)[:2] == ("contraindication", "list-contraindication")


def test_a_verb_the_tagger_reads_as_a_name_still_signals(nlp: Language) -> None:
    """Why verb rules match generated word forms, not lemmas: the tagger reads a verb that
    opens a list item as a proper noun, whose lemma is the word itself."""
    c = clause(nlp, "What the balm does:\n- Soothes redness\n", 1)
    assert c.p.lemmas[c.start] == nlp.vocab.strings["Soothes"]
    assert [(hit.label, hit.rule_id) for hit in c.hits] == [("efficacy", "efficacy-reducing-verb"), ("efficacy", "risk-term")]
