"""Agreement statistics: textbook examples worked by hand, comparisons with scikit-learn and the
krippendorff package on seeded random ratings, and the report built from Rating records."""

from __future__ import annotations

import json
import random
from collections import Counter

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from annotations.agreement import (
    Rating,
    cohen_kappa,
    compute_agreement,
    fleiss_kappa,
    format_report,
    krippendorff_alpha_nominal,
    ratings_from_reviews,
)
from annotations.errors import ValidationError
from annotations.records import Claim, Review
from annotations.vocab import VERDICTS


def ratings(rows: list[tuple[str, str, str]], claim_type: str = "efficacy") -> list[Rating]:
    return [Rating(claim, reviewer, verdict, claim_type) for claim, reviewer, verdict in rows]


def random_ratings(seed: int, n_claims: int = 40, reviewers: str = "abcd") -> list[Rating]:
    """Each reviewer rates a claim with probability 0.75; 60% of ratings follow a shared
    'true' verdict, the rest are random, so agreement is moderate and never degenerate."""
    rng = random.Random(seed)
    out = []
    for i in range(n_claims):
        truth = rng.choice(VERDICTS)
        for reviewer in reviewers:
            if rng.random() < 0.75:
                verdict = truth if rng.random() < 0.6 else rng.choice(VERDICTS)
                out.append(Rating(f"c{i}", reviewer, verdict, "efficacy" if i % 2 else "safety"))
    return out


# ------------------------------------------------------------------------------- Cohen


def test_cohen_textbook_2x2() -> None:
    # 50 items: both yes 20, A yes/B no 5, A no/B yes 10, both no 15.
    # p_o = 35/50 = 0.7; A says yes 25/50, B says yes 30/50;
    # p_e = 0.5 * 0.6 + 0.5 * 0.4 = 0.5; kappa = (0.7 - 0.5) / (1 - 0.5) = 0.4.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["x", "y", "x"], ["x", "y", "x"], 1.0),  # perfect agreement over two categories
        (["x", "x", "x"], ["x", "x", "x"], None),  # one category only: p_e = 1, kappa 0/0
        ([], [], None),  # nothing to compare
        (["x", "y"], ["y", "x"], -1.0),  # p_o = 0, p_e = 1/2
    ],
)
def test_cohen_degenerate(a: list[str], b: list[str], expected: float | None) -> None:
    assert cohen_kappa(a, b) == expected


def test_cohen_unequal_lengths() -> None:
    with pytest.raises(ValidationError, match="equal length; got 2 and 3"):
        cohen_kappa(["x", "y"], ["x", "y", "x"])


@pytest.mark.parametrize("seed", range(5))
def test_cohen_matches_sklearn(seed: int) -> None:
    report = compute_agreement(random_ratings(seed))
    by_claim: dict[str, dict[str, str]] = {}
    for r in random_ratings(seed):
        by_claim.setdefault(r.claim_id, {})[r.reviewer] = r.verdict
    assert len(report.pairs) == 6
    for pair in report.pairs:
        shared = [(u[pair.a], u[pair.b]) for u in by_claim.values() if pair.a in u and pair.b in u]
        a, b = zip(*shared, strict=True)
        assert pair.n == len(shared)
        assert pair.observed == pytest.approx(sum(x == y for x, y in shared) / len(shared))
        assert pair.cohen_kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


# ------------------------------------------------------------------------------- Fleiss


def test_fleiss_small_table_by_hand() -> None:
    # m = 3 reviewers, 4 claims. Per-claim agreement P_i = (sum n_ij^2 - m) / (m (m - 1)):
    #   s s s -> (9 - 3) / 6 = 1;  s s u -> (4 + 1 - 3) / 6 = 1/3
    #   u u r -> 1/3;              r r r -> 1
    # P_bar = (8/3) / 4 = 2/3. Pooled: s 5/12, u 3/12, r 4/12; P_e = (25 + 9 + 16) / 144 = 25/72.
    # kappa = (2/3 - 25/72) / (1 - 25/72) = (23/72) / (47/72) = 23/47.
    table = [["s", "s", "s"], ["s", "s", "u"], ["u", "u", "r"], ["r", "r", "r"]]
    assert fleiss_kappa(table) == pytest.approx(23 / 47)


def test_fleiss_1971_style_table() -> None:
    # The widely reproduced 10 subjects x 14 raters x 5 categories example: counts per category.
    # P_bar = 0.378, P_e = 0.2128, kappa = (0.378 - 0.2128) / (1 - 0.2128) = 0.2099.
    counts = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
    table = [[str(cat) for cat, c in enumerate(row) for _ in range(c)] for row in counts]
    assert fleiss_kappa(table) == pytest.approx(0.2099, abs=1e-4)


def scotts_pi(a: list[str], b: list[str]) -> float:
    """Scott's pi: chance agreement from the two reviewers' pooled label distribution."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pooled = Counter(a) + Counter(b)
    expected = sum((c / (2 * n)) ** 2 for c in pooled.values())
    return (observed - expected) / (1 - expected)


@pytest.mark.parametrize("seed", range(5))
def test_fleiss_with_two_reviewers_is_scotts_pi(seed: int) -> None:
    rng = random.Random(seed)
    a = [rng.choice(VERDICTS) for _ in range(30)]
    b = [x if rng.random() < 0.5 else rng.choice(VERDICTS) for x in a]
    assert fleiss_kappa([[x, y] for x, y in zip(a, b, strict=True)]) == pytest.approx(scotts_pi(a, b))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([["x", "y"], ["x"]], "same number of labels on every row; got 2 and 1"),
        ([["x"], ["y"]], "at least 2 labels per row; got 1"),
    ],
)
def test_fleiss_refuses_ragged_or_single_label_rows(table: list[list[str]], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        fleiss_kappa(table)


@pytest.mark.parametrize(("table", "expected"), [([], None), ([["x", "x"], ["x", "x"]], None),
                                                 ([["x", "x"], ["y", "y"]], 1.0)])
def test_fleiss_degenerate(table: list[list[str]], expected: float | None) -> None:
    assert fleiss_kappa(table) == expected


# ------------------------------------------------------------------------------- Krippendorff


def test_krippendorff_paper_example_with_missing_values() -> None:
    # Krippendorff's worked example: 4 coders, 12 units, '.' = missing. Unit 12 has one value
    # and is not pairable. Nominal alpha = 0.743.
    coders = [
        "1 2 3 3 2 1 4 1 2 . . .",
        "1 2 3 3 2 2 4 1 2 5 . 3",
        ". 3 3 3 2 3 4 2 2 5 1 .",
        "1 2 3 3 2 4 4 1 2 5 1 .",
    ]
    units = [[v for v in unit if v != "."] for unit in zip(*(c.split() for c in coders), strict=True)]
    assert krippendorff_alpha_nominal(units) == pytest.approx(0.743, abs=5e-4)


@pytest.mark.parametrize(
    ("units", "expected"),
    [
        ([], None),
        ([["x"], ["y"]], None),  # no unit is pairable
        ([["x", "x"], ["x", "x", "x"]], None),  # one category only
        ([["x", "x"], ["y", "y"]], 1.0),
        # o_xy = o_yx = 2 (each unit adds 1 per ordered pair); n = 4, n_x = n_y = 2:
        # alpha = 1 - 3 * 4 / (2*2 + 2*2) = -0.5
        ([["x", "y"], ["y", "x"]], -0.5),
    ],
)
def test_krippendorff_degenerate(units: list[list[str]], expected: float | None) -> None:
    assert krippendorff_alpha_nominal(units) == expected


@pytest.mark.parametrize("seed", range(5))
def test_krippendorff_matches_package(seed: int) -> None:
    rows = random_ratings(seed)
    report = compute_agreement(rows)
    claims = sorted({r.claim_id for r in rows})
    data = np.full((4, len(claims)), np.nan)
    for r in rows:
        data["abcd".index(r.reviewer), claims.index(r.claim_id)] = VERDICTS.index(r.verdict)
    expected = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert report.krippendorff_alpha == pytest.approx(expected, abs=1e-12)


# ------------------------------------------------------------------------------- report


def test_report_on_small_set() -> None:
    rows = ratings([
        ("c1", "ann", "supported"), ("c1", "bob", "supported"),
        ("c2", "ann", "risky"), ("c2", "bob", "unsupported"),
        ("c3", "ann", "not_a_claim"), ("c3", "bob", "not_a_claim"),
        ("c4", "ann", "unsupported"), ("c4", "bob", "unsupported"),
        ("c5", "ann", "supported"),  # single review: counted as a rating, not compared
    ])
    report = compute_agreement(rows)
    assert (report.n_claims, report.n_reviewers, report.n_ratings) == (4, 2, 9)
    assert report.percent_agreement == 0.75
    [pair] = report.pairs
    # ann: s r n u, bob: s u n u. p_o = 3/4; p_e = (1*1 + 1*0 + 1*1 + 1*2) / 16 = 1/4;
    # kappa = (3/4 - 1/4) / (3/4) = 2/3.
    assert (pair.a, pair.b, pair.n, pair.observed) == ("ann", "bob", 4, 0.75)
    assert pair.cohen_kappa == pytest.approx(2 / 3)
    assert (report.fleiss_claims, report.fleiss_raters) == (4, 2)
    # is_claim: both say "no" on c3 only and agree everywhere.
    assert report.is_claim.percent_agreement == 1.0
    assert report.is_claim.pairs[0].cohen_kappa == 1.0
    assert report.is_claim.krippendorff_alpha == 1.0


def test_is_claim_binary_disagreement() -> None:
    rows = ratings([
        ("c1", "ann", "supported"), ("c1", "bob", "not_a_claim"),
        ("c2", "ann", "risky"), ("c2", "bob", "unsupported"),
        ("c3", "ann", "not_a_claim"), ("c3", "bob", "not_a_claim"),
        ("c4", "ann", "supported"), ("c4", "bob", "risky"),
    ])
    report = compute_agreement(rows)
    # Verdicts: ann s r n s, bob n u n r: agree only on c3.
    assert report.percent_agreement == 0.25
    # Is a claim: ann Y Y N Y, bob N Y N Y: p_o = 3/4; p_e = (3*2 + 1*2) / 16 = 1/2; kappa = 1/2.
    assert report.is_claim.percent_agreement == 0.75
    assert report.is_claim.pairs[0].cohen_kappa == pytest.approx(0.5)
    assert report.is_claim.pairs[0].cohen_kappa == pytest.approx(
        cohen_kappa_score(["Y", "Y", "N", "Y"], ["N", "Y", "N", "Y"])
    )


def test_per_type_split_lists_only_types_present() -> None:
    rows = ratings([("e1", "ann", "supported"), ("e1", "bob", "supported"),
                    ("e2", "ann", "risky"), ("e2", "bob", "risky")], "efficacy")
    rows += ratings([("s1", "ann", "supported"), ("s1", "bob", "risky"),
                     ("s2", "ann", "risky"), ("s2", "bob", "supported")], "safety")
    rows += ratings([("d1", "ann", "supported")], "dosage")
    report = compute_agreement(rows)
    assert list(report.by_type) == ["efficacy", "safety", "dosage"]  # in CLAIM_TYPES order
    assert report.by_type["efficacy"].pairs[0].cohen_kappa == 1.0
    assert report.by_type["safety"].pairs[0].cohen_kappa == -1.0
    assert report.by_type["dosage"].n_claims == 0
    assert report.by_type["dosage"].pairs == []
    assert report.n_claims == 4


@pytest.mark.parametrize(
    ("sizes", "m", "used"),
    [
        ({2: 3, 3: 1}, 2, 3),  # most common number of reviews
        ({2: 2, 3: 2}, 3, 2),  # tie -> the larger m
    ],
)
def test_fleiss_uses_most_common_number_of_reviews(sizes: dict[int, int], m: int, used: int) -> None:
    rows = []
    for size, count in sizes.items():
        for i in range(count):
            rows += [(f"m{size}-{i}", f"r{j}", VERDICTS[(i + j) % 2]) for j in range(size)]
    report = compute_agreement(ratings(rows))
    assert (report.fleiss_raters, report.fleiss_claims) == (m, used)


def test_perfect_agreement() -> None:
    rows = ratings([(c, r, v) for c, v in [("c1", "supported"), ("c2", "risky")] for r in "abc"])
    report = compute_agreement(rows)
    assert report.percent_agreement == 1.0
    assert [p.cohen_kappa for p in report.pairs] == [1.0, 1.0, 1.0]
    assert (report.fleiss_kappa, report.krippendorff_alpha) == (1.0, 1.0)
    # Everyone said it is a claim every time: one category, so kappa and alpha are undefined.
    assert report.is_claim.percent_agreement == 1.0
    assert (report.is_claim.fleiss_kappa, report.is_claim.krippendorff_alpha) == (None, None)
    assert report.is_claim.pairs[0].cohen_kappa is None


def test_no_overlap_gives_nothing_to_compare() -> None:
    report = compute_agreement(ratings([("c1", "ann", "supported"), ("c2", "bob", "risky")]))
    assert (report.n_claims, report.n_reviewers, report.n_ratings) == (0, 2, 2)
    assert report.pairs == []
    assert report.percent_agreement is None
    assert (report.fleiss_kappa, report.fleiss_claims, report.fleiss_raters) == (None, 0, None)
    assert report.krippendorff_alpha is None
    assert "no claim has two reviews yet" in format_report(report)


def test_empty_input() -> None:
    report = compute_agreement([])
    assert (report.n_claims, report.n_ratings, report.by_type) == (0, 0, {})


def test_duplicate_rating_names_the_pair() -> None:
    rows = ratings([("c1", "ann", "supported"), ("c1", "ann", "risky")])
    with pytest.raises(ValidationError, match="got two for claim 'c1' by reviewer 'ann'"):
        compute_agreement(rows)


def test_claim_with_two_types_is_refused() -> None:
    rows = [Rating("c1", "ann", "supported", "efficacy"), Rating("c1", "bob", "supported", "safety")]
    with pytest.raises(ValidationError, match="claim 'c1' must have one claim type; got 'efficacy' and 'safety'"):
        compute_agreement(rows)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"verdict": "maybe"}, "verdict must be one of supported, unsupported, risky, not_a_claim; got 'maybe'"),
        ({"claim_type": "vibes"}, "claim type must be one of efficacy, .*; got 'vibes'"),
        ({"reviewer": " "}, "reviewer must be a non-empty string; got ' '"),
        ({"claim_id": ""}, "claim_id must be a non-empty string; got ''"),
    ],
)
def test_rating_checks_itself(kwargs: dict[str, str], message: str) -> None:
    fields = {"claim_id": "c1", "reviewer": "ann", "verdict": "supported", "claim_type": "efficacy"} | kwargs
    with pytest.raises(ValidationError, match=message):
        Rating(**fields)


def test_to_dict_is_json_ready() -> None:
    report = compute_agreement(random_ratings(1))
    data = json.loads(json.dumps(report.to_dict()))
    assert {"pairs", "fleiss_kappa", "krippendorff_alpha", "is_claim", "by_type"} <= set(data)
    assert set(data["pairs"][0]) >= {"a", "b", "n", "cohen_kappa"}
    assert data["krippendorff_alpha"] == round(report.krippendorff_alpha, 4)
    assert set(data["by_type"]) == {"efficacy", "safety"}
    assert compute_agreement([]).to_dict()["fleiss_kappa"] is None


def test_format_report_shows_figures_with_n() -> None:
    rows = ratings([("c1", "ann", "supported"), ("c1", "bob", "supported"),
                    ("c2", "ann", "risky"), ("c2", "bob", "unsupported")])
    rows += ratings([("d1", "ann", "risky")], "dosage")
    text = format_report(compute_agreement(rows))
    assert "5 ratings by 2 reviewers; 2 claims with two or more reviews" in text
    assert "all verdicts" in text and "50.0% (n=2" in text
    assert "is a claim (yes/no)" in text
    assert "type: efficacy" in text
    assert "type: dosage" in text and "no claim has two reviews yet" in text
    assert "ann / bob: n=2, agree 50.0%, kappa 0.333" in text
    assert "is-a-claim kappa n/a" in text


def test_agreement_over_few_claims_comes_with_a_caveat() -> None:
    one = format_report(compute_agreement(ratings([("c1", "ann", "supported"), ("c1", "bob", "supported")])))
    assert "caveat: computed over only 1 claim: with fewer than 10, one review more or less swings kappa" in " ".join(
        one.split())
    assert "ann / bob: n=1, agree 100.0%, kappa n/a, is-a-claim kappa n/a (too few claims to go by)" in one
    rows = [(f"c{i}", reviewer, "supported" if i % 3 else "risky") for i in range(12) for reviewer in ("ann", "bob")]
    many = format_report(compute_agreement(ratings(rows)))
    assert "caveat" not in many and "too few claims" not in many


def test_ratings_from_reviews_skips_withdrawn() -> None:
    claim = Claim(document_id="d1", start=0, end=4, text="Zinc", claim_type="dosage")
    reviews = [
        Review(claim_id=claim.id, reviewer="ann", verdict="risky"),
        Review(claim_id=claim.id, reviewer="bob", verdict="supported", withdrawn=True),
    ]
    assert ratings_from_reviews(reviews, [claim]) == [Rating(claim.id, "ann", "risky", "dosage")]
    with pytest.raises(ValidationError, match="which is not given"):
        ratings_from_reviews(reviews, [])

