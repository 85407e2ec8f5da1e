"""app/workflow.py (loading, the demo corpus, reviewer-added claims, agreement) and app/config.py."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from annotations.auth import Actor, local_actor
from annotations.errors import IngestError, ValidationError
from annotations.records import Document
from annotations.sources import DEFAULT_MAX_BYTES, LoadResult, load_pasted, load_uploads
from annotations.storage import default_sqlite_url
from app import config, workflow

ARTICLE = (
    "Sunscreen basics\n\n"
    "Applying SPF 30 sunscreen every day reduces the risk of melanoma by 50%. "
    "Reapply it every two hours when you swim.\n\n"
    "Some people say sunscreen is toxic, but there is no evidence for that."
)
TWICE = "Drink water. Drink water before meals to lose weight. Drink water."


# -------------------------------------------------------------------------------- ingest


def test_ingest_stores_documents_with_their_claims(memory_store, ann, nlp):
    loaded = load_uploads([("sun.txt", ARTICLE.encode("utf-8")), ("empty.txt", b"   ")])
    outcome = workflow.ingest(memory_store, ann, nlp, loaded)
    assert [doc.name for doc, _ in outcome.added] == ["sun"]  # a file's name without its extension
    assert [e.name for e in outcome.refused] == ["empty.txt"]
    document, n_claims = outcome.added[0]
    assert document.added_by == "ann"
    claims = memory_store.list_claims()
    assert n_claims == len(claims) == outcome.n_claims > 0
    for claim in claims:
        assert ARTICLE[claim.start:claim.end] == claim.text
    assert any("melanoma" in c.text for c in claims)
    assert outcome.summary() == f"1 document(s) added with {n_claims} candidate claim(s), 1 refused"


def test_ingest_twice_reports_the_duplicate(memory_store, ann, nlp):
    first = workflow.ingest(memory_store, ann, nlp, [load_pasted(ARTICLE, "sun.txt")])
    again = workflow.ingest(memory_store, ann, nlp, [load_pasted(ARTICLE, "sun again.txt")])
    assert again.added == []
    assert [d.id for d in again.duplicates] == [first.added[0][0].id]
    assert again.summary() == "0 document(s) added with 0 candidate claim(s), 1 already stored"
    assert memory_store.count_claims() == first.n_claims


def test_outcome_summary_counts():
    doc = Document(name="a.txt", text="x")
    outcome = workflow.IngestOutcome(added=[(doc, 3), (doc, 2)], refused=[IngestError("b.pdf", "not text")])
    assert (outcome.n_claims, outcome.summary()) == (5, "2 document(s) added with 5 candidate claim(s), 1 refused")


def test_a_reviewer_account_loads_documents_under_its_name(memory_store, nlp):
    memory_store.add_user(local_actor("setup"), "ada", "admin", None)
    memory_store.add_user(Actor("ada", "admin"), "rita", "reviewer", None)
    outcome = workflow.ingest(memory_store, Actor("rita", "reviewer"), nlp, LoadResult([load_pasted(ARTICLE)]))
    assert outcome.added[0][0].added_by == "rita"


def test_seed_demo_corpus_fills_an_empty_store_once(memory_store, nlp):
    demo = local_actor("demo")
    outcome = workflow.seed_demo_corpus(memory_store, demo, nlp, config.DEMO_CORPUS)
    names = sorted(p.stem for p in config.DEMO_CORPUS.iterdir())
    assert sorted(doc.name for doc, _ in outcome.added) == names
    assert outcome.refused == [] and outcome.n_claims > 0
    assert workflow.seed_demo_corpus(memory_store, demo, nlp, config.DEMO_CORPUS) is None
    assert len(memory_store.list_documents()) == len(names)


# ---------------------------------------------------------------------- reviewer-added claims


@pytest.fixture
def twice_doc(memory_store, ann) -> Document:
    stored, _ = memory_store.add_document(ann, Document(name="water.txt", text=TWICE))
    return stored


@pytest.mark.parametrize(("occurrence", "start"), [(0, 0), (1, 54)])
def test_add_claim_by_text_picks_the_occurrence(memory_store, ann, twice_doc, occurrence, start):
    claim = workflow.add_claim_by_text(memory_store, ann, twice_doc.id, "Drink water.", occurrence=occurrence,
                                       claim_type="advice")
    assert (claim.start, claim.end, claim.claim_type, claim.origin) == (start, start + 12, "advice", "reviewer")
    assert TWICE[claim.start:claim.end] == "Drink water."


@pytest.mark.parametrize(
    ("text", "occurrence", "message"),
    [
        ("drink water", 0, "the text 'drink water' does not occur in 'water.txt'; copy it exactly"),
        ("Drink water.", 2, r"'Drink water\.' occurs 2 time\(s\) in 'water.txt'; occurrence must be 0 to 1; got 2"),
        ("", 0, "the claim text to find must be non-empty"),
    ],
)
def test_add_claim_by_text_refusals(memory_store, ann, twice_doc, text, occurrence, message):
    with pytest.raises(ValidationError, match=message):
        workflow.add_claim_by_text(memory_store, ann, twice_doc.id, text, occurrence=occurrence)
    assert memory_store.list_claims() == []


def test_the_same_span_cannot_be_added_twice(memory_store, ann, twice_doc):
    first = workflow.add_claim_by_text(memory_store, ann, twice_doc.id, "Drink water before meals")
    with pytest.raises(ValidationError, match=f"already claim {first.id}"):
        workflow.add_claim_by_text(memory_store, ann, twice_doc.id, "Drink water before meals")


def test_occurrence_contexts_tell_occurrences_apart(twice_doc):
    snippets = workflow.occurrence_contexts(twice_doc, "Drink water.", width=10)
    assert snippets == ["…[Drink water.] Drink wat…", "…e weight. [Drink water.]…"]


# ----------------------------------------------------------------------------- agreement


def test_agreement_counts_only_active_reviews(memory_store, ann, twice_doc):
    a = workflow.add_claim_by_text(memory_store, ann, twice_doc.id, "Drink water before meals")
    b = workflow.add_claim_by_text(memory_store, ann, twice_doc.id, "to lose weight")
    rita, raj = Actor("rita", "reviewer"), Actor("raj", "reviewer")
    memory_store.save_review(rita, a.id, "supported")
    memory_store.save_review(raj, a.id, "supported")
    memory_store.save_review(rita, b.id, "risky")
    withdrawn = memory_store.save_review(raj, b.id, "supported")
    assert workflow.agreement(memory_store).n_claims == 2
    memory_store.withdraw_review(raj, withdrawn.id, withdrawn.version)
    report = workflow.agreement(memory_store)
    assert (report.n_claims, report.n_ratings, report.percent_agreement) == (1, 3, 1.0)
    assert [(p.a, p.b, p.n) for p in report.pairs] == [("raj", "rita", 1)]


# -------------------------------------------------------------------------------- config


def test_config_defaults():
    cfg = config.load_config({})
    assert cfg.db_url == default_sqlite_url(config.DEFAULT_DB_PATH)
    assert cfg.db_url.endswith("/data/claimcheck.db")
    assert (cfg.max_bytes, cfg.model, cfg.demo) == (DEFAULT_MAX_BYTES, None, True)
    assert cfg.session_lifetime == timedelta(days=7)


def test_config_from_the_environment_and_flags(tmp_path):
    env = {"CLAIMCHECK_DB": "sqlite:///from-env.db", "CLAIMCHECK_MAX_BYTES": "1000",
           "CLAIMCHECK_MODEL": "en_core_web_sm", "CLAIMCHECK_DEMO": "off"}
    cfg = config.load_config(env)
    assert (cfg.db_url, cfg.max_bytes, cfg.model, cfg.demo) == ("sqlite:///from-env.db", 1000, "en_core_web_sm", False)
    assert config.load_config(env, db="sqlite:///flag.db").db_url == "sqlite:///flag.db"
    assert config.load_config({"CLAIMCHECK_SESSION_DAYS": "0.5"}).session_lifetime == timedelta(hours=12)


@pytest.mark.parametrize(("value", "demo"), [("1", True), ("yes", True), ("ON", True), ("0", False),
                                             ("false", False), ("", False)])
def test_demo_flag_values(value, demo):
    assert config.load_config({"CLAIMCHECK_DEMO": value}).demo is demo


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"CLAIMCHECK_DEMO": "maybe"}, r"CLAIMCHECK_DEMO must be on or off \(true/false, yes/no, 1/0\); got 'maybe'"),
        ({"CLAIMCHECK_MAX_BYTES": "10MB"}, "CLAIMCHECK_MAX_BYTES must be a positive whole number of bytes"),
        ({"CLAIMCHECK_MAX_BYTES": "-5"}, "CLAIMCHECK_MAX_BYTES must be a positive whole number of bytes"),
        ({"CLAIMCHECK_SESSION_DAYS": "a week"}, "CLAIMCHECK_SESSION_DAYS must be a number of days .*got 'a week'"),
        ({"CLAIMCHECK_SESSION_DAYS": "0"}, "CLAIMCHECK_SESSION_DAYS must be a number of days"),
    ],
)
def test_config_refuses_bad_values(env, message):
    with pytest.raises(ValidationError, match=message):
        config.load_config(env)


def test_demo_corpus_ships_with_the_app():
    assert Path(config.__file__).parent / "demo_corpus" == config.DEMO_CORPUS
    assert sorted(p.suffix for p in config.DEMO_CORPUS.iterdir()) == [".html", ".md", ".txt", ".txt"]
