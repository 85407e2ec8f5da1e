"""The spaCy DocBin export: one Doc per document with the claims in doc.spans["claims"], labelled by
final verdict or claim type, their fields in user data that survives the DocBin, and a spancat
trained on it for a few steps."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from spacy.cli.init_config import init_config
from spacy.cli.train import train

from annotations.export import ExportContext, export_bundles
from annotations.records import Claim, Document, Review
from annotations.storage import ClaimBundle, FinalVerdict
from models.docbin import SPANS_KEY, claim_spans, document_fields, read_docbin
from scripts.make_samples import load_source, reviewed


@pytest.fixture(scope="module")
def bundles() -> list[ClaimBundle]:
    return reviewed(load_source()[1])


def test_one_doc_per_document_spans_labelled_by_final_verdict(bundles: list[ClaimBundle], tmp_path: Path) -> None:
    summary = export_bundles(bundles, "spacy", tmp_path / "c.spacy", ExportContext())
    docs = read_docbin(tmp_path / "c.spacy")
    assert [document_fields(doc)["name"] for doc in docs] == ["001_magnesium-sleep.txt", "002_dry-brushing.md"]
    assert [[(s.label_, s.text) for s in doc.spans[SPANS_KEY]] for doc in docs] == [
        [("unsupported", "Taking 300 mg of magnesium glycinate an hour before bed cures insomnia in most adults"),
         ("not_a_claim", "Many readers report falling asleep within 15 minutes"),
         ("risky", "Magnesium is completely safe at any dose"),
         ("supported", "People with kidney disease should not take magnesium supplements without medical advice")],
        [("unsupported", "It also detoxifies the lymphatic system")],  # 5 and 8 have no final verdict yet
    ]
    assert summary.n_records == 5
    span, claim = list(claim_spans(docs[0]))[2]
    assert claim["id"] == "c1000000-0000-4000-8000-000000000003"
    assert (claim["start"], claim["end"]) == (span.start_char, span.end_char) == (179, 219)
    assert claim["reviews"] == [{"reviewer": "ann", "verdict": "risky"}, {"reviewer": "bob", "verdict": "unsupported"}]
    assert (claim["verdict"], claim["final_source"], claim["claim_type"]) == ("risky", "adjudication", "safety")
    assert [c["identifier"] for c in claim["citations"]][-1] == "10.5555/sample.0002"
    assert document_fields(docs[1])["url"] is None


def test_label_by_claim_type_keeps_every_claim(bundles: list[ClaimBundle], tmp_path: Path) -> None:
    export_bundles(bundles, "spacy", tmp_path / "c.spacy", ExportContext(), label_by="claim_type")
    docs = read_docbin(tmp_path / "c.spacy")
    assert [s.label_ for doc in docs for s in doc.spans[SPANS_KEY]] == [
        "efficacy", "duration", "safety", "contraindication", "efficacy", "mechanism", "advice"]


def test_a_span_inside_tokens_is_expanded_to_whole_tokens(tmp_path: Path) -> None:
    doc = Document(name="plunge.txt", text="Cold plunges boost immunity overnight.")
    claim = Claim(document_id=doc.id, start=1, end=15, text=doc.text[1:15], claim_type="efficacy")
    review = Review(claim_id=claim.id, reviewer="ann", verdict="unsupported")
    bundle = ClaimBundle(document=doc, claim=claim, reviews=[review], verdict=None, history=[],
                         final=FinalVerdict("unsupported", "consensus", ("ann",)), status="reviewed")
    export_bundles([bundle], "spacy", tmp_path / "c.spacy", ExportContext())
    (span, fields), = claim_spans(read_docbin(tmp_path / "c.spacy")[0])
    assert span.text == "Cold plunges boost"
    assert (fields["start"], fields["end"], fields["text"]) == (1, 15, "old plunges bo")


@pytest.mark.slow
def test_spacy_train_runs_on_an_export(bundles: list[ClaimBundle], tmp_path: Path) -> None:
    data = tmp_path / "claims.spacy"
    export_bundles(bundles, "spacy", data, ExportContext())
    config = init_config(lang="en", pipeline=["spancat"], optimize="efficiency", gpu=False, silent=True)
    config["components"]["spancat"]["spans_key"] = "claims"
    config["components"]["spancat"]["suggester"]["sizes"] = list(range(1, 17))
    config["training"]["score_weights"] = {"spans_claims_f": 1.0, "spans_claims_p": 0.0, "spans_claims_r": 0.0}
    config["training"]["max_steps"] = 5
    config["training"]["eval_frequency"] = 5
    config.to_disk(tmp_path / "config.cfg")
    train(tmp_path / "config.cfg", tmp_path / "model",
          overrides={"paths.train": str(data), "paths.dev": str(data)})
    nlp = spacy.load(tmp_path / "model" / "model-last")
    assert set(nlp.get_pipe("spancat").labels) == {"supported", "unsupported", "risky", "not_a_claim"}
    assert SPANS_KEY in nlp("Magnesium is completely safe at any dose.").spans
