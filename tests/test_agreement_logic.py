"""app.agreement_logic: the agreement figures as the Agreement page shows them."""

from __future__ import annotations

import pytest
from team_seed import ADMIN, RAJ, RITA, seed

from annotations.storage import Store
from app import agreement_logic as logic
from app import workflow


@pytest.fixture
def seeded(memory_store: Store) -> tuple[Store, list[str]]:
    return memory_store, seed(memory_store)


def test_agreement_figures_for_two_reviewers(seeded):
    store, ids = seeded
    store.set_setting(ADMIN, "reviews_per_claim", 2)
    for claim_id, (a, b) in zip(ids, [("supported", "supported"), ("risky", "risky"),
                                      ("supported", "not_a_claim")], strict=True):
        store.save_review(RITA, claim_id, a)
        store.save_review(RAJ, claim_id, b)
    report = workflow.agreement(store)
    metrics = {m.label: m for m in logic.agreement_metrics(report)}
    assert metrics["Percent agreement"].value == "66.7%"
    # p_o = 2/3; p_e = (2/3*1/3) + (1/3*1/3) = 1/3; kappa = (2/3 - 1/3) / (2/3) = 0.5
    assert logic.pair_rows(report) == [
        {"reviewer A": "raj", "reviewer B": "rita", "n": 3, "agreement": "66.7%", "Cohen's kappa": "0.500"}]
    assert "m=2" in metrics["Fleiss' kappa"].help and "n=3" in metrics["Fleiss' kappa"].help
    scopes = {row["scope"]: row for row in logic.scope_rows(report)}
    assert list(scopes) == ["all verdicts", "is a claim (yes/no)", "type: efficacy", "type: safety"]
    assert scopes["type: efficacy"]["agreement"] == "100.0%"
    assert scopes["type: efficacy"]["Fleiss' kappa"] == "1.000"
    assert scopes["type: safety"]["claims (n)"] == 1
    assert scopes["is a claim (yes/no)"]["Fleiss m, n"] == "m=2, n=3"


def test_agreement_rows_when_nothing_to_compare(memory_store):
    report = workflow.agreement(memory_store)
    assert report.n_claims == 0
    assert logic.pair_rows(report) == []
    assert logic.scope_rows(report)[0]["Fleiss m, n"] == "n/a"
    assert {m.value for m in logic.agreement_metrics(report)} == {"n/a", "0"}
