"""The plain functions behind the team pages (app/team_logic.py), without Streamlit."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime

import pytest

from annotations.auth import Actor
from annotations.errors import PermissionDeniedError, StaleEditError, ValidationError
from annotations.records import Document, claim_from_span
from annotations.storage import Store
from app import team_logic, workflow

TEXT = (
    "Cold showers cure depression in two weeks.\n\n"
    "Drinking green tea may lower blood pressure slightly.\n\n"
    "This serum removes all wrinkles overnight."
)
SPANS = [
    ("Cold showers cure depression in two weeks", "efficacy"),
    ("green tea may lower blood pressure slightly", "efficacy"),
    ("This serum removes all wrinkles overnight", "safety"),
]

ADMIN = Actor("ada", "admin")
ADJ = Actor("judy", "adjudicator")
RITA = Actor("rita", "reviewer")
RAJ = Actor("raj", "reviewer")


def seed(store: Store) -> list[str]:
    """A document with three hand-made claims; returns the claim ids in text order."""
    doc = Document(name="team-test.txt", text=TEXT)
    claims = [claim_from_span(doc, TEXT.index(s), TEXT.index(s) + len(s), claim_type=t) for s, t in SPANS]
    store.add_document(ADMIN, doc, claims)
    return [c.id for c in claims]


@pytest.fixture
def seeded(memory_store: Store) -> tuple[Store, list[str]]:
    return memory_store, seed(memory_store)


def dispute(store: Store, claim_id: str) -> None:
    store.set_setting(ADMIN, "reviews_per_claim", 2)
    store.save_review(RITA, claim_id, "supported", "a trial says so")
    store.save_review(RAJ, claim_id, "risky", "no trial at all")


# ------------------------------------------------------------------------------- accounts


def test_mode_note_names_local_mode_and_admin_rule(ann):
    assert "Local mode" in team_logic.mode_note(False, ann)
    assert "first account" in team_logic.mode_note(False, None)
    assert "must be an admin" in team_logic.mode_note(False, None)
    assert "manage" in team_logic.mode_note(True, ADMIN)
    assert "read-only" in team_logic.mode_note(True, RITA)


def test_first_account_must_be_admin(memory_store, ann):
    with pytest.raises(ValidationError, match="first account turns sign-in on, so it must be an admin"):
        team_logic.add_account(memory_store, ann, "rita", "reviewer", "", no_password=True)
    assert not memory_store.accounts_enabled()
    user = team_logic.add_account(memory_store, ann, "ada", "admin", "correct horse", no_password=False)
    assert (user.name, user.role) == ("ada", "admin")
    assert memory_store.accounts_enabled()
    assert memory_store.authenticate("ada", "correct horse") == Actor("ada", "admin")


@pytest.mark.parametrize(
    ("password", "no_password", "message"),
    [
        ("", False, "a password is required"),
        ("secret-enough", True, "either type a password or tick 'no password'; got both"),
        ("short", False, "at least 8 characters; got 5"),
    ],
)
def test_add_account_password_rules(memory_store, ann, password, no_password, message):
    with pytest.raises(ValidationError, match=message):
        team_logic.add_account(memory_store, ann, "ada", "admin", password, no_password)
    assert memory_store.list_users() == []


def test_account_without_password_signs_in_without_one(memory_store, ann):
    team_logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    assert memory_store.authenticate("ada", None).role == "admin"


def test_user_rows_hide_password_hashes(memory_store, ann):
    team_logic.add_account(memory_store, ann, "ada", "admin", "correct horse", no_password=False)
    team_logic.add_account(memory_store, ADMIN, "rita", "reviewer", "", no_password=True)
    rows = team_logic.user_rows(memory_store.list_users())
    assert [(r["name"], r["role"], r["state"], r["password"]) for r in rows] == [
        ("ada", "admin", "active", "yes"), ("rita", "reviewer", "active", "no")]
    assert "argon2" not in json.dumps(rows)


def test_change_account_role_state_and_password(memory_store, ann):
    team_logic.add_account(memory_store, ann, "ada", "admin", "correct horse", no_password=False)
    team_logic.add_account(memory_store, ADMIN, "rita", "reviewer", "first password", no_password=False)

    user, changed = team_logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=True)
    assert (user.role, changed) == ("adjudicator", ["role"])
    user, changed = team_logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=True,
                                              new_password="second password")
    assert changed == ["password"]
    assert memory_store.authenticate("rita", "second password").role == "adjudicator"
    with pytest.raises(PermissionDeniedError, match="wrong name or password"):
        memory_store.authenticate("rita", "first password")

    user, changed = team_logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=False)
    assert (user.active, changed) == (False, ["active"])
    with pytest.raises(PermissionDeniedError, match="the account is disabled"):
        memory_store.authenticate("rita", "second password")
    assert team_logic.change_account(memory_store, ADMIN, "rita", role="adjudicator", active=False)[1] == []


def test_last_admin_cannot_be_demoted(memory_store, ann):
    team_logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    with pytest.raises(ValidationError, match="'ada' is the last active admin"):
        team_logic.change_account(memory_store, ADMIN, "ada", role="reviewer", active=True)


def test_reviewer_cannot_manage_accounts(memory_store, ann):
    team_logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    team_logic.add_account(memory_store, ADMIN, "rita", "reviewer", "", no_password=True)
    with pytest.raises(PermissionDeniedError, match=r"rita \(reviewer\) may not manage accounts"):
        team_logic.add_account(memory_store, RITA, "raj", "reviewer", "", no_password=True)


def test_save_settings_stores_only_what_changed(memory_store, ann):
    changed = team_logic.save_settings(memory_store, ann, {
        "reviews_per_claim": 2, "organisation": " Health Desk ", "organisation_url": ""})
    assert sorted(changed) == ["organisation", "reviews_per_claim"]
    assert memory_store.settings() == {"reviews_per_claim": 2, "blind_review": True, "organisation": "Health Desk",
                                       "organisation_url": ""}
    assert team_logic.save_settings(memory_store, ann, {"reviews_per_claim": 2, "organisation": "Health Desk"}) == []


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("organisation_url", "javascript:alert(1)", "only http and https links are accepted"),
        ("reviews_per_claim", 0, "reviews_per_claim must be a whole number from 1 to 10; got 0"),
    ],
)
def test_save_settings_refuses_bad_values(memory_store, ann, key, value, message):
    with pytest.raises(ValidationError, match=message):
        team_logic.save_settings(memory_store, ann, {"organisation": "Desk", key: value})
    assert memory_store.settings()["organisation"] == ""


def test_reviewer_cannot_change_settings(memory_store):
    with pytest.raises(PermissionDeniedError, match="may not manage accounts and settings"):
        team_logic.save_settings(memory_store, RITA, {"reviews_per_claim": 2})


# --------------------------------------------------------------------------- adjudication


def test_adjudication_refusal_explains_the_role():
    assert team_logic.adjudication_refusal(ADJ) is None
    assert team_logic.adjudication_refusal(ADMIN) is None
    message = team_logic.adjudication_refusal(RITA)
    assert "rita" in message and "role reviewer" in message and "adjudicator or admin" in message
    assert "sign in" in team_logic.adjudication_refusal(None)


def test_claim_label_shortens_long_claims():
    doc = Document(name="a.txt", text="x " * 200)
    claim = claim_from_span(doc, 0, 199, claim_type="risk")
    label = team_logic.claim_label(claim, {doc.id: "a.txt"}, width=20)
    assert label == "x x x x x x x x x x… — a.txt (risk)"


def test_record_verdict_settles_a_disputed_claim(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    assert [c.id for c in store.disputed_claims()] == [ids[0]]
    detail = store.claim_detail(ids[0])
    assert team_logic.final_summary(detail) is None

    rows = [{"kind": "doi", "identifier": "https://doi.org/10.1000/abc", "quote": "", "note": ""},
            {"kind": "", "identifier": "", "quote": "", "note": ""}]
    saved = team_logic.record_verdict(store, ADJ, ids[0], "risky", " overclaims ", rows, expected_version=None)
    assert (saved.verdict, saved.rationale, saved.adjudicator) == ("risky", "overclaims", "judy")
    assert [c.identifier for c in saved.citations] == ["10.1000/abc"]
    detail = store.claim_detail(ids[0])
    assert detail.status == "settled"
    assert team_logic.final_summary(detail).startswith("Settled: **Risky**, by judy (version 1")
    assert store.disputed_claims() == []
    assert [c.id for c in store.disputed_claims(include_settled=True)] == [ids[0]]


def test_record_verdict_on_an_older_version_is_stale(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    team_logic.record_verdict(store, ADJ, ids[0], "risky", "", [], expected_version=None)
    with pytest.raises(StaleEditError, match=r"recorded by judy since you opened it: 'risky' \(version 1\)") as exc:
        team_logic.record_verdict(store, ADMIN, ids[0], "supported", "", [], expected_version=None)
    assert exc.value.current.verdict == "risky"
    revised = team_logic.record_verdict(store, ADMIN, ids[0], "supported", "", [], expected_version=1)
    assert (revised.verdict, revised.version, revised.adjudicator) == ("supported", 2, "ada")


@pytest.mark.parametrize(
    ("actor", "verdict", "rows", "error", "message"),
    [
        (RITA, "risky", [], PermissionDeniedError, r"rita \(reviewer\) may not record final verdicts"),
        (ADJ, "maybe", [], ValidationError, "choose a final verdict among supported, .*; got 'maybe'"),
        (ADJ, "risky", [{"kind": "url", "identifier": "javascript:alert(1)"}], ValidationError,
         "citation 1: only http and https links are accepted"),
        (ADJ, "risky", [{"kind": "doi", "identifier": "11.2/x"}], ValidationError,
         "citation 1: a DOI looks like 10.1000/xyz123"),
    ],
)
def test_record_verdict_refusals_save_nothing(seeded, actor, verdict, rows, error, message):
    store, ids = seeded
    dispute(store, ids[0])
    with pytest.raises(error, match=message):
        team_logic.record_verdict(store, actor, ids[0], verdict, "", rows, expected_version=None)
    assert store.verdict_for(ids[0]) is None


# ------------------------------------------------------------------------------ agreement


def test_agreement_figures_for_two_reviewers(seeded):
    store, ids = seeded
    store.set_setting(ADMIN, "reviews_per_claim", 2)
    for claim_id, (a, b) in zip(ids, [("supported", "supported"), ("risky", "risky"),
                                      ("supported", "not_a_claim")], strict=True):
        store.save_review(RITA, claim_id, a)
        store.save_review(RAJ, claim_id, b)
    report = workflow.agreement(store)
    metrics = {m.label: m for m in team_logic.agreement_metrics(report)}
    assert metrics["Percent agreement"].value == "66.7%"
    # p_o = 2/3; p_e = (2/3*1/3) + (1/3*1/3) = 1/3; kappa = (2/3 - 1/3) / (2/3) = 0.5
    assert team_logic.pair_rows(report) == [
        {"reviewer A": "raj", "reviewer B": "rita", "n": 3, "agreement": "66.7%", "Cohen's kappa": "0.500"}]
    assert "m=2" in metrics["Fleiss' kappa"].help and "n=3" in metrics["Fleiss' kappa"].help
    scopes = {row["scope"]: row for row in team_logic.scope_rows(report)}
    assert list(scopes) == ["all verdicts", "is a claim (yes/no)", "type: efficacy", "type: safety"]
    assert scopes["type: efficacy"]["agreement"] == "100.0%"
    assert scopes["type: efficacy"]["Fleiss' kappa"] == "1.000"
    assert scopes["type: safety"]["claims (n)"] == 1
    assert scopes["is a claim (yes/no)"]["Fleiss m, n"] == "m=2, n=3"


def test_agreement_rows_when_nothing_to_compare(memory_store):
    report = workflow.agreement(memory_store)
    assert report.n_claims == 0
    assert team_logic.pair_rows(report) == []
    assert team_logic.scope_rows(report)[0]["Fleiss m, n"] == "n/a"
    assert {m.value for m in team_logic.agreement_metrics(report)} == {"n/a", "0"}


# --------------------------------------------------------------------------------- export


@pytest.mark.parametrize(
    ("dates", "since", "until"),
    [
        ((), None, None),
        (None, None, None),
        (date(2026, 3, 1), datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=UTC)),
        ((date(2026, 3, 1), date(2026, 3, 4)), datetime(2026, 3, 1, tzinfo=UTC),
         datetime(2026, 3, 4, 23, 59, 59, 999999, tzinfo=UTC)),
    ],
)
def test_date_bounds(dates, since, until):
    assert team_logic.date_bounds(dates) == (since, until)


def test_export_filter_from_page_choices():
    flt = team_logic.export_filter(claim_types=["risk"], verdicts=["risky"], reviewers=["rita"],
                                   dates=(date(2026, 3, 1),), final_only=True, include_unreviewed=True)
    assert (flt.claim_types, flt.verdicts, flt.reviewers, flt.final_only, flt.reviewed_only) == (
        ("risk",), ("risky",), ("rita",), True, False)
    with pytest.raises(ValidationError, match="claim_types must be among efficacy, .*; got 'cure'"):
        team_logic.export_filter(claim_types=["cure"])


def test_build_export_jsonl_and_csv(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    store.save_review(RITA, ids[1], "supported")
    jsonl = team_logic.build_export(store, "jsonl", team_logic.export_filter(), {}, today=date(2026, 3, 2))
    assert (jsonl.file_name, jsonl.mime) == ("claimcheck-jsonl-2026-03-02.jsonl", "application/x-ndjson")
    rows = [json.loads(line) for line in jsonl.data.decode("utf-8").splitlines()]
    assert {r["id"] for r in rows} == {ids[0], ids[1]}

    only_risky = team_logic.build_export(store, "csv", team_logic.export_filter(verdicts=["risky"]), {"bom": True})
    assert only_risky.file_name.endswith(".csv") and only_risky.mime == "text/csv"
    assert only_risky.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(only_risky.data.decode("utf-8-sig"))))
    assert len(table) == 1 and "Cold showers cure depression" in json.dumps(table[0])


def test_build_export_of_a_folder_format_is_a_zip(seeded):
    store, ids = seeded
    store.save_review(RITA, ids[2], "risky")
    exported = team_logic.build_export(store, "dataset", team_logic.export_filter(), {}, today=date(2026, 3, 2))
    assert exported.file_name == "claimcheck-dataset-2026-03-02.zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        names = archive.namelist()
    assert names and all(n.startswith("claimcheck-dataset-2026-03-02/") for n in names)


def test_adjudication_queue_keeps_the_claim_on_screen(seeded):
    store, ids = seeded
    dispute(store, ids[0])
    dispute(store, ids[1])
    assert {c.id for c in team_logic.adjudication_queue(store)} == {ids[0], ids[1]}
    store.save_verdict(ADJ, ids[0], "risky")
    assert [c.id for c in team_logic.adjudication_queue(store)] == [ids[1]]
    assert [c.id for c in team_logic.adjudication_queue(store, keep=ids[0])] == [ids[0], ids[1]]
    assert [c.id for c in team_logic.adjudication_queue(store, keep=ids[1])] == [ids[1]]
    assert {c.id for c in team_logic.adjudication_queue(store, include_settled=True)} == {ids[0], ids[1]}


# --------------------------------------------------------------------------- single sign-on


def test_oidc_providers_from_the_auth_secrets():
    shared = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x"}
    assert team_logic.oidc_providers({}) == []
    assert team_logic.oidc_providers({"client_id": "a"}) == []  # no redirect_uri / cookie_secret
    assert team_logic.oidc_providers({**shared, "client_id": "a"}) == [None]
    assert team_logic.oidc_providers({**shared, "google": {"client_id": "g"}, "okta": {"client_id": "o"},
                                      "broken": {"client_secret": "no id"}}) == ["google", "okta"]


def test_an_identity_signs_in_as_the_active_account_named_by_its_email(memory_store, ann):
    team_logic.add_account(memory_store, ann, "ada", "admin", "", no_password=True)
    team_logic.add_account(memory_store, ADMIN, "rita@desk.example.org", "adjudicator", "", no_password=True)
    who = team_logic.actor_from_identity(memory_store, {"email": "Rita@Desk.example.org", "email_verified": True})
    assert who == Actor("rita@desk.example.org", "adjudicator")
    with pytest.raises(PermissionDeniedError, match="has not verified rita@desk.example.org"):
        team_logic.actor_from_identity(memory_store, {"email": "rita@desk.example.org", "email_verified": False})
    with pytest.raises(PermissionDeniedError, match="gave no e-mail address"):
        team_logic.actor_from_identity(memory_store, {"name": "Rita"})
    with pytest.raises(PermissionDeniedError, match="no account with that name"):
        team_logic.actor_from_identity(memory_store, {"email": "eve@elsewhere.example"})
    memory_store.update_user(ADMIN, "rita@desk.example.org", active=False)
    with pytest.raises(PermissionDeniedError, match="is disabled"):
        team_logic.actor_from_identity(memory_store, {"email": "rita@desk.example.org"})
