"""Steps 3 and 4 of typing a clause: its claim type, then its check-worthiness score.

**Type** (:meth:`ClaimTyper.choose`): the label with the highest summed weight of the
clause's signals (:mod:`models.signals`); ties go to the type listed first in
``lexicons/scoring.json`` "base". A bare list item ("Contraindications: - pregnancy") takes
the label of its list's lead-in. A clause without any signal is ``other``.

Where a claim gets a type, say *duration*: the rules labelled ``duration`` in
``models/rules/claim_rules.jsonl`` (one section per type; their weights set the precedence
between types), the relabelling of a denied or removed harm in
:meth:`models.signals.SignalCollector.relabel` (risk -> safety or efficacy), the structure
tests in :data:`models.signals.STRUCTURE_TESTS` (imperative -> advice), and the choice here.

**Score** (:meth:`ClaimTyper.score`): the type's base, plus or minus what
``lexicons/scoring.json`` gives for absolute words, hedges, quantities, the strength of the
signals, advice with a health consequence, a verbless item, a condition and a list lead-in;
clipped to 0.01..0.99.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from annotations.errors import ValidationError
from annotations.vocab import CLAIM_TYPES
from models.parse import Parse
from models.signals import Clause


class TypeChoice(NamedTuple):
    claim_type: str
    rule_id: str  # the heaviest rule of that type ("clause" for other)
    strength: float  # the summed weight of the type's signals


class ClaimTyper:
    """Chooses a clause's type and scores it, by ``scoring`` (``lexicons/scoring.json``)."""

    def __init__(self, scoring: dict[str, Any]) -> None:
        self.scoring = scoring
        self.priority = {label: i for i, label in enumerate(scoring["base"])}
        missing = [t for t in CLAIM_TYPES if t not in self.priority]
        if missing:
            raise ValidationError(f"scoring.json 'base' must name every claim type; missing {', '.join(missing)}")

    def choose(self, c: Clause) -> TypeChoice:
        """The clause's claim type, the rule that speaks loudest for it, and its strength."""
        totals: dict[str, float] = {}
        top_rule: dict[str, tuple[float, str]] = {}
        for hit in c.hits:
            totals[hit.label] = totals.get(hit.label, 0.0) + hit.weight
            if hit.label not in top_rule or top_rule[hit.label][0] < hit.weight:
                top_rule[hit.label] = (hit.weight, hit.rule_id)
        if c.context_rules and (not c.has_verb or not c.p.is_verbal(c.head)):
            # a bare item completes its lead-in ("Contraindications: - pregnancy"): the list decides
            lead = max(c.context_rules, key=lambda r: (r.weight, -self.priority[r.label]))
            return TypeChoice(lead.label, lead.id, totals[lead.label])
        if totals:
            claim_type = max(totals, key=lambda label: (totals[label], -self.priority[label]))
            return TypeChoice(claim_type, top_rule[claim_type][1], totals[claim_type])
        return TypeChoice("other", "clause", 0.0)

    def score(self, c: Clause, choice: TypeChoice, cues: dict[str, list[str]]) -> float:
        """The check-worthiness of the typed clause (``cues``: from :func:`cue_words`)."""
        sc = self.scoring
        claim_type = choice.claim_type
        score = float(sc["base"][claim_type])
        if claim_type == "advice" and any(hit.label in sc["consequence_labels"] for hit in c.hits):
            score += sc["consequence_advice"]  # advice with a health consequence
        if cues["absolutes"] and claim_type in sc["absolute_types"]:
            score += sc["absolute"]
        if c.quantities:
            score += sc["quantity"]
        score += sc["strength"] * min(sc["strength_cap"], max(0.0, choice.strength - 2))
        if cues["hedges"]:
            score += sc["hedge"]
        if not c.has_verb:
            score += sc["verbless_item"]
        if c.p.is_conditional_word(c.start):
            score += sc["conditional"]
        if c.line.lead_in and c.end_char >= c.line.content_end - 2:
            score += sc["lead_in"]  # a list introduction: its items carry the claims
        return round(min(0.99, max(0.01, score)), 3)


def cue_words(p: Parse, cues: Sequence[tuple[int, int, str]]) -> dict[str, list[str]]:
    """The hedges, absolutes and negations of a clause (``cues``: start, end, kind) as words,
    each once whatever its case."""
    out: dict[str, list[str]] = {"hedges": [], "absolutes": [], "negations": []}
    for c_start, c_end, kind in cues:
        text = p.text_of(c_start, c_end)
        bucket = out[f"{kind}s" if kind != "negation" else "negations"]
        if text.lower() not in (w.lower() for w in bucket):
            bucket.append(text)
    return out
