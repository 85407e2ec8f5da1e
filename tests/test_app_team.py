"""AppTests of the team pages: sign-in, users & settings, adjudicate, agreement and export.

Each test points the app at its own SQLite file (CLAIMCHECK_DB), seeds it through the Store API
and drives the pages through widgets found by key."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from jsonl_export import claim_rows
from streamlit.testing.v1 import AppTest

from annotations.auth import Actor, local_actor
from annotations.errors import PermissionDeniedError
from annotations.records import Document, claim_from_span
from annotations.storage import Store
from app.exporting import FORMATS, format_names

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

APP = Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py"
TEXT = (
    "Ice baths double your metabolism within a week.\n\n"
    "Vitamin C serum may brighten skin after 8 weeks of daily use.\n\n"
    "Fasting for 16 hours is safe for everyone, including diabetics."
)
CLAIMS = [
    ("Ice baths double your metabolism within a week", "efficacy"),
    ("Vitamin C serum may brighten skin after 8 weeks of daily use", "duration"),
    ("Fasting for 16 hours is safe for everyone, including diabetics", "safety"),
]
ADA = Actor("ada", "admin")
JUDY = Actor("judy", "adjudicator")
RITA = Actor("rita", "reviewer")
RAJ = Actor("raj", "reviewer")


@pytest.fixture
def app_store(tmp_path, monkeypatch) -> Store:
    """The app's store: a fresh SQLite file named by CLAIMCHECK_DB, demo corpus off."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("CLAIMCHECK_DB", url)
    monkeypatch.setenv("CLAIMCHECK_DEMO", "0")
    s = Store.open(url)
    yield s
    s.close()


def seed_claims(store: Store) -> list[str]:
    doc = Document(name="team-page-test.txt", text=TEXT)
    claims = [claim_from_span(doc, TEXT.index(t), TEXT.index(t) + len(t), claim_type=k) for t, k in CLAIMS]
    store.add_document(ADA, doc, claims)
    return [c.id for c in claims]


def seed_team(store: Store) -> None:
    """Accounts without passwords: an admin, an adjudicator and two reviewers; double review."""
    store.add_user(local_actor("seed"), "ada", "admin", None)
    for name, role in (("judy", "adjudicator"), ("rita", "reviewer"), ("raj", "reviewer")):
        store.add_user(ADA, name, role, None)
    store.set_setting(ADA, "reviews_per_claim", 2)


def dispute(store: Store, claim_id: str) -> None:
    store.save_review(RITA, claim_id, "supported", "the label says so")
    store.save_review(RAJ, claim_id, "risky", "no evidence for everyone")


@pytest.fixture
def open_page(app_store) -> Callable[..., AppTest]:
    def _open(page: str | None, who: Actor | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=30)
        at.session_state["actor"] = who
        at.run()
        if page:
            at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, at.exception
        return at

    return _open


def sign_in_form(at: AppTest, name: str, password: str) -> AppTest:
    """Fill in and submit the Sign-in page's form."""
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    return at.button(key="signin_submit").click().run()


def texts(at: AppTest, kind: str) -> list[str]:
    """The texts of the main area's elements of one kind (the sidebar is left out)."""
    return [element.value for element in getattr(at.main, kind)]


# --------------------------------------------------------------------------------- smoke


@pytest.mark.parametrize(
    ("page", "title"),
    [("adjudicate", "Adjudicate"), ("agreement", "Agreement"), ("export", "Export"), ("users", "Users & settings")],
)
def test_page_smoke_local_mode(open_page, page, title):
    at = open_page(page, local_actor("ann"))
    assert at.title[0].value == title
    assert not at.error


def test_signin_is_the_only_page_once_accounts_exist(app_store, open_page):
    app_store.add_user(local_actor("seed"), "ada", "admin", "correct horse")
    at = open_page(None)
    assert at.title[0].value == "Sign in"
    assert at.text_input(key="signin_name") and at.text_input(key="signin_password")


# ------------------------------------------------------------------------------- sign-in


def test_signin_success_and_failure(app_store, open_page):
    app_store.add_user(local_actor("seed"), "ada", "admin", "correct horse")
    at = sign_in_form(open_page(None), "ada", "wrong horse")
    assert texts(at, "error") == ["wrong name or password, or the account is disabled"]
    assert at.session_state["actor"] is None

    sign_in_form(at, "ada", "correct horse")
    assert not at.exception
    assert at.session_state["actor"] == Actor("ada", "admin")
    assert [t.value for t in at.title] != ["Sign in"]  # the sign-in page is gone; the review page opens
    with pytest.raises(KeyError):
        at.text_input(key="signin_name")
    assert "Signed in as ada (admin)." in texts(at, "success")


def test_an_account_without_a_password_is_refused_without_single_sign_on(app_store, open_page):
    seed_team(app_store)  # rita has no password
    at = sign_in_form(open_page(None), "rita", "")
    assert at.session_state["actor"] is None
    assert texts(at, "error") == [
        "the account rita has no password, so it signs in only through single sign-on, when the app has it set "
        "up. To sign in with a password, an admin sets one on the Users & settings page or with: "
        "python -m app users set rita --password --as ADMIN"]
    sign_in_form(at, "rita", "anything at all")
    assert at.session_state["actor"] is None


def _new_tab(cookie: str | None) -> AppTest:
    """Another browser session (a reload, a new tab) that sends ``cookie``; the shell reads the
    browser's cookie into session state on its first run, and here it is put there."""
    at = AppTest.from_file(str(APP), default_timeout=30)
    at.session_state["session_cookie"] = cookie
    at.run()
    assert not at.exception, at.exception
    return at


def test_signing_in_lasts_across_reloads_until_signing_out_ends_it_everywhere(app_store, open_page):
    """Issue 15, item 4: a signed, expiring cookie for the browser, a session on the server."""
    app_store.add_user(local_actor("seed"), "ada", "admin", "correct horse")
    at = sign_in_form(open_page(None), "ada", "correct horse")
    cookie = at.session_state["cookie_write"]
    assert cookie and at.session_state["session_cookie"] == cookie and "correct horse" not in cookie
    tab = _new_tab(cookie)
    assert tab.session_state["actor"] == Actor("ada", "admin") and tab.title[0].value == "Review claims"
    assert _new_tab(cookie[:-2] + "xx").title[0].value == "Sign in"  # a changed cookie signs nobody in

    at.button(key="shell_sign_out").click().run()
    assert at.title[0].value == "Sign in" and at.session_state["cookie_write"] == ""
    tab.run()  # the other tab's next run finds its session ended
    assert tab.session_state["actor"] is None and tab.title[0].value == "Sign in"
    assert _new_tab(cookie).title[0].value == "Sign in"


def test_repeated_failed_sign_ins_are_slowed_down(app_store, open_page):
    app_store.add_user(local_actor("seed"), "ada", "admin", "correct horse")
    at = open_page(None)
    for _ in range(5):
        sign_in_form(at, "ada", "wrong horse")
        assert texts(at, "error") == ["wrong name or password, or the account is disabled"]
    sign_in_form(at, "ada", "correct horse")
    assert texts(at, "error")[0].startswith("too many failed sign-ins for this account: try again in")
    assert at.session_state["actor"] is None


# ------------------------------------------------------------------------ users & settings


def test_local_admin_creates_the_first_account_which_must_be_admin(app_store, open_page):
    at = open_page("users", local_actor("ann"))
    assert "Local mode" in at.markdown[0].value
    assert at.selectbox(key="users_add_role").value == "admin"

    at.text_input(key="users_add_name").input("rita")
    at.selectbox(key="users_add_role").set_value("reviewer")
    at.checkbox(key="users_add_no_password").check()
    at.button(key="users_add_submit").click().run()
    assert texts(at, "error") == ["the first account turns sign-in on, so it must be an admin; got role 'reviewer'"]
    assert not app_store.accounts_enabled()

    at.text_input(key="users_add_name").input("ada")
    at.selectbox(key="users_add_role").set_value("admin")
    at.text_input(key="users_add_password").input("correct horse")
    at.button(key="users_add_submit").click().run()
    assert not at.exception
    assert [(u.name, u.role) for u in app_store.list_users()] == [("ada", "admin")]
    # Sign-in is on now: the local session ends and the sign-in page says why.
    assert at.title[0].value == "Sign in"
    assert at.session_state["actor"] is None
    assert "Sign-in is now on" in texts(at, "success")[0]


def test_admin_manages_accounts_and_settings(app_store, open_page):
    seed_team(app_store)
    at = open_page("users", ADA)
    at.text_input(key="users_add_name").input("sam")
    at.selectbox(key="users_add_role").set_value("adjudicator")
    at.text_input(key="users_add_password").input("sam's password")
    at.button(key="users_add_submit").click().run()
    assert texts(at, "success") == ["Added sam (adjudicator)."]
    assert app_store.authenticate("sam", "sam's password") == Actor("sam", "adjudicator")

    at.selectbox(key="users_edit_name").set_value("rita").run()
    assert at.selectbox(key="users_edit_role").value == "reviewer"
    at.selectbox(key="users_edit_role").set_value("adjudicator")
    at.checkbox(key="users_edit_active").uncheck()
    at.button(key="users_edit_submit").click().run()
    assert texts(at, "success") == ["rita: changed active, role."]
    rita = app_store.get_user("rita")
    assert (rita.role, rita.active) == ("adjudicator", False)

    at.number_input(key="users_reviews_per_claim").set_value(3)
    at.text_input(key="users_organisation").input("Health Desk")
    at.text_input(key="users_organisation_url").input("javascript:alert(1)")
    at.button(key="users_settings_submit").click().run()
    assert "only http and https links are accepted" in texts(at, "error")[0]
    assert app_store.settings()["organisation"] == ""

    at.text_input(key="users_organisation_url").input("https://desk.example.org")
    at.button(key="users_settings_submit").click().run()
    assert app_store.settings() == {"reviews_per_claim": 3, "blind_review": True, "organisation": "Health Desk",
                                "organisation_url": "https://desk.example.org", "server_folders": []}

    at.checkbox(key="users_blind_review").uncheck()
    at.button(key="users_settings_submit").click().run()
    assert texts(at, "success") == ["Saved blind_review."]
    assert app_store.setting("blind_review") is False


def test_reviewer_sees_accounts_read_only(app_store, open_page):
    seed_team(app_store)
    at = open_page("users", RITA)
    assert "read-only" in at.markdown[0].value
    for key in ("users_add_submit", "users_edit_submit", "users_settings_submit"):
        with pytest.raises(KeyError):
            at.button(key=key)
    assert [row["name"] for row in at.dataframe[0].value.to_dict("records")] == ["ada", "judy", "raj", "rita"]


def test_demoted_admin_is_refused_by_the_store(app_store, open_page):
    seed_team(app_store)
    at = open_page("users", Actor("raj", "admin"))  # the session still believes raj is an admin
    at.text_input(key="users_add_name").input("sam")
    at.checkbox(key="users_add_no_password").check()
    at.button(key="users_add_submit").click().run()
    assert texts(at, "error") == ["raj (reviewer) may not manage accounts and settings; that needs the role admin"]
    assert "sam" not in [u.name for u in app_store.list_users()]


# ---------------------------------------------------------------------------- adjudication


def test_reviewer_cannot_adjudicate_and_the_store_refuses_anyway(app_store, open_page):
    seed_team(app_store)
    ids = seed_claims(app_store)
    dispute(app_store, ids[0])
    at = open_page("adjudicate", RITA)
    assert "role reviewer" in texts(at, "warning")[0]
    assert "adjudicator or admin" in texts(at, "warning")[0]
    with pytest.raises(KeyError):
        at.button(key="adjudicate_save")
    with pytest.raises(PermissionDeniedError, match=r"rita \(reviewer\) may not record final verdicts"):
        app_store.save_verdict(RITA, ids[0], "risky")


def test_adjudicator_records_a_final_verdict(app_store, open_page):
    seed_team(app_store)
    ids = seed_claims(app_store)
    dispute(app_store, ids[2])
    app_store.save_review(RITA, ids[0], "supported")
    app_store.save_review(RAJ, ids[0], "supported")  # agreed: not disputed
    at = open_page("adjudicate", JUDY)
    assert at.selectbox(key="adjudicate_claim").options == [
        "Fasting for 16 hours is safe for everyone, including diabetics — team-page-test.txt (safety)"]
    markdown = texts(at, "markdown")
    assert "**rita**: :green-badge[Supported]" in markdown and "**raj**: :orange-badge[Risky]" in markdown
    assert texts(at, "text") == ["the label says so", "no evidence for everyone"]

    assert at.radio(key="adjudicate_verdict").value is None  # nothing is chosen for the adjudicator
    at.button(key="adjudicate_save").click().run()
    assert texts(at, "error") == ["choose a final verdict among supported, unsupported, risky, not_a_claim; got None"]
    assert app_store.verdict_for(ids[2]) is None

    at.radio(key="adjudicate_verdict").set_value("risky")
    at.text_area(key="adjudicate_rationale").input("Not safe for diabetics.")
    at.button(key="adjudicate_save").click().run()
    assert not at.exception and not at.error
    assert texts(at, "success")[0].startswith("Final verdict recorded: Risky")
    verdict = app_store.verdict_for(ids[2])
    assert (verdict.verdict, verdict.adjudicator, verdict.rationale) == ("risky", "judy", "Not safe for diabetics.")
    assert app_store.claim_detail(ids[2]).status == "settled"
    assert texts(at, "info") == ["No claim has reviews that disagree."]

    at.toggle(key="adjudicate_include_settled").set_value(True).run()
    assert any(s.startswith("Settled: **Risky**, by judy") for s in texts(at, "success"))
    assert at.radio(key="adjudicate_verdict").value == "risky"


def test_adjudicator_sees_a_newer_verdict_instead_of_overwriting_it(app_store, open_page):
    seed_team(app_store)
    ids = seed_claims(app_store)
    dispute(app_store, ids[1])
    at = open_page("adjudicate", JUDY)
    app_store.save_verdict(ADA, ids[1], "unsupported", "ada got there first")

    at.radio(key="adjudicate_verdict").set_value("risky")
    at.button(key="adjudicate_save").click().run()
    warning = texts(at, "warning")[0]
    assert "recorded by ada since you opened it: 'unsupported'" in warning
    assert app_store.verdict_for(ids[1]).verdict == "unsupported"
    assert at.radio(key="adjudicate_verdict").value == "risky"  # the unsaved choice stays

    at.button(key="adjudicate_save").click().run()  # saving again, having seen it, revises it
    assert (app_store.verdict_for(ids[1]).verdict, app_store.verdict_for(ids[1]).version) == ("risky", 2)


def test_session_adjudicator_demoted_in_the_store_is_refused(app_store, open_page):
    seed_team(app_store)
    ids = seed_claims(app_store)
    dispute(app_store, ids[0])
    at = open_page("adjudicate", Actor("raj", "adjudicator"))  # stale session role
    at.radio(key="adjudicate_verdict").set_value("supported")
    at.button(key="adjudicate_save").click().run()
    assert texts(at, "error") == ["raj (reviewer) may not record final verdicts; that needs the role adjudicator or admin"]
    assert app_store.verdict_for(ids[0]) is None


# ------------------------------------------------------------------------------- agreement


def test_agreement_page_says_when_nothing_to_compare(app_store, open_page):
    ids = seed_claims(app_store)
    app_store.save_review(RITA, ids[0], "supported")
    at = open_page("agreement", local_actor("ann"))
    assert texts(at, "info")[0].startswith("No claim has two reviews yet (1 review(s) so far)")
    assert not at.metric


def test_agreement_page_shows_kappa(app_store, open_page):
    seed_team(app_store)
    ids = seed_claims(app_store)
    for claim_id, (a, b) in zip(ids, [("supported", "supported"), ("risky", "risky"),
                                      ("supported", "not_a_claim")], strict=True):
        app_store.save_review(RITA, claim_id, a)
        app_store.save_review(RAJ, claim_id, b)
    at = open_page("agreement", ADA)
    metrics = {m.label: m.value for m in at.metric[:4]}
    assert metrics["Percent agreement"] == "66.7%"
    assert metrics["Ratings"] == "6"
    pairs = at.dataframe[0].value.to_dict("records")
    assert pairs == [{"reviewer A": "raj", "reviewer B": "rita", "n": 3, "agreement": "66.7%",
                      "Cohen's kappa": "0.500", "note": "fewer than 10 claims: provisional"}]
    assert any("computed over only 3 claims" in w for w in (x.value for x in at.warning))
    scopes = [row["scope"] for row in at.dataframe[1].value.to_dict("records")]
    assert scopes == ["all verdicts", "is a claim (yes/no)", "type: efficacy", "type: safety", "type: duration"]


# ---------------------------------------------------------------------------------- export


def test_export_page_offers_jsonl_and_csv_downloads(app_store, open_page):
    ids = seed_claims(app_store)
    app_store.save_review(RITA, ids[0], "risky", "doubles? no")
    app_store.save_review(RITA, ids[1], "supported")
    at = open_page("export", local_actor("ann"))
    assert "jsonl" in at.selectbox(key="export_format").options[0]
    with pytest.raises(KeyError):
        at.get_by_key("export_download")

    at.button(key="export_build").click().run()
    assert not at.error
    exported = at.session_state["export_result"][1]
    assert at.download_button[0].label == f"Download {exported.file_name}"
    assert exported.file_name.endswith(".jsonl")
    header, *lines = [json.loads(line) for line in exported.data.decode("utf-8").splitlines()]
    assert header["header"]["settings"] == {"reviews_per_claim": 1}
    assert {row["id"] for row in lines} == {ids[0], ids[1]}

    at.selectbox(key="export_format").set_value("csv").run()
    assert not at.download_button  # the choices changed: build again
    at.multiselect(key="export_verdicts").set_value(["risky"])
    at.checkbox(key="export_option_csv_bom").check()
    at.button(key="export_build").click().run()
    exported = at.session_state["export_result"][1]
    assert exported.file_name.endswith(".csv") and exported.data.startswith(b"\xef\xbb\xbf")
    assert "Ice baths double your metabolism" in exported.data.decode("utf-8-sig")
    assert "Vitamin C serum" not in exported.data.decode("utf-8-sig")
    assert texts(at, "success") == ["1 claim(s) with 1 review(s) from 1 document(s)."]


@pytest.mark.parametrize("fmt", format_names())
def test_export_page_builds_every_format(app_store, open_page, fmt):
    ids = seed_claims(app_store)
    app_store.save_review(RITA, ids[0], "risky")
    app_store.save_verdict(JUDY, ids[0], "risky")
    at = open_page("export", local_actor("ann"))
    at.selectbox(key="export_format").set_value(fmt).run()
    at.button(key="export_build").click().run()
    assert not at.exception and not at.error
    exported = at.session_state["export_result"][1]
    extension = FORMATS[fmt].extension or ".zip"
    assert exported.file_name.endswith(extension) and exported.data
    assert at.download_button[0].label == f"Download {exported.file_name}"


# ---------------------------------------------------------------------------- blind review


def _blind_setup(store: Store) -> str:
    """Double review with rita's review of the first claim saved; returns that claim's id."""
    seed_team(store)
    claim_id = seed_claims(store)[0]
    store.save_review(RITA, claim_id, "supported", "rita's reasons")
    return claim_id


def _review_page(open_page, who: Actor, claim_id: str) -> AppTest:
    at = open_page("review", who)
    at.session_state["review_claim_id"] = claim_id
    return at.run()


def test_blind_review_hides_the_other_reviews_until_the_reviewer_saves(app_store, open_page):
    claim_id = _blind_setup(app_store)
    at = _review_page(open_page, RAJ, claim_id)
    shown = " ".join(texts(at, "markdown")) + " ".join(texts(at, "text")) + " ".join(texts(at, "caption"))
    assert "Blind review" in shown
    assert "rita" not in shown and "Supported" not in shown and "in review" not in shown
    assert not any(e.label.startswith("Other reviews") for e in at.expander)
    assert list(at.table[0].value["who"]) == ["ada"]  # the claim's creation, not rita's review

    at.radio(key="review_verdict").set_value("risky")
    at.button(key="review_save").click().run()
    at.session_state["review_claim_id"] = claim_id
    at.run()
    shown = " ".join(texts(at, "markdown")) + " ".join(texts(at, "text"))
    assert "by **rita**" in shown and "rita's reasons" in shown and ":orange-badge[disputed]" in shown
    assert list(at.table[0].value["who"]) == ["ada", "rita", "raj"]


def test_adjudicators_see_the_reviews_and_blind_review_can_be_turned_off(app_store, open_page):
    claim_id = _blind_setup(app_store)
    assert "by **rita**" in " ".join(texts(_review_page(open_page, JUDY, claim_id), "markdown"))
    app_store.set_setting(ADA, "blind_review", False)
    assert "by **rita**" in " ".join(texts(_review_page(open_page, RAJ, claim_id), "markdown"))


def test_a_blind_reviewers_status_filter_and_export_hold_nothing_of_the_others(app_store, open_page):
    """Issue 15, item 1: the status filter that lists disputed claims, and the Export page, follow
    the review page's rule."""
    claim_id = _blind_setup(app_store)
    app_store.save_review(ADA, claim_id, "risky", "ada's reasons")  # rita and ada disagree
    at = open_page("review", RAJ)
    at.multiselect(key="review_filter_statuses").set_value(["disputed"]).run()
    assert "No claim matches these filters." in texts(at, "info")
    assert "Ice baths" not in " ".join(texts(at, "markdown"))
    judy = open_page("review", JUDY)
    judy.multiselect(key="review_filter_statuses").set_value(["disputed"]).run()
    assert judy.session_state["review_claim_id"] == claim_id

    at = open_page("export", RAJ)
    assert at.multiselect(key="export_reviewers").options == ["raj"]
    assert "Your exports hold your own reviews" in texts(at, "info")[0]
    at.checkbox(key="export_include_unreviewed").check()
    at.button(key="export_build").click().run()
    data = at.session_state["export_result"][1].data
    assert claim_rows(data) == [] and texts(at, "success") == ["0 claim(s) with 0 review(s) from 0 document(s)."]
    app_store.save_review(RAJ, claim_id, "unsupported", "raj's reasons")
    at.button(key="export_build").click().run()
    [row] = claim_rows(at.session_state["export_result"][1].data)
    assert (row["id"], [r["rationale"] for r in row["reviews"]]) == (claim_id, ["raj's reasons"])
    assert not any(e["actor"] in ("rita", "ada") for e in row["history"] if e["entity"] == "review")


# --------------------------------------------------------------------------- single sign-on

AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "a long random secret",
        "client_id": "claimcheck", "client_secret": "s3cret",
        "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}


def _signin_app(auth: dict | None, user: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=30)
    if auth is not None:
        at.secrets["auth"] = auth
    if user is not None:
        at.user = user
    at.run()
    assert not at.exception, at.exception
    return at


def test_single_sign_on_is_offered_only_when_auth_is_configured(app_store):
    seed_team(app_store)
    at = _signin_app(AUTH, {"is_logged_in": False})
    assert [b.label for b in at.button if b.key == "signin_oidc_default"] == ["Sign in with single sign-on"]
    at = _signin_app(None)
    assert at.title[0].value == "Sign in" and not any(b.key.startswith("signin_oidc") for b in at.button)
    assert not at.error


def test_single_sign_on_signs_in_the_account_named_by_the_email(app_store):
    seed_team(app_store)
    app_store.add_user(ADA, "rita@desk.example.org", "reviewer", None)
    at = _signin_app(AUTH, {"is_logged_in": True, "email": "rita@desk.example.org", "email_verified": True})
    assert at.session_state["actor"] == Actor("rita@desk.example.org", "reviewer")
    assert at.title[0].value == "Review claims"


def test_single_sign_on_without_an_account_says_how_to_add_one(app_store):
    seed_team(app_store)
    at = _signin_app(AUTH, {"is_logged_in": True, "email": "eve@elsewhere.example"})
    assert at.session_state["actor"] is None
    assert "python -m app users add eve@elsewhere.example --role reviewer --no-password" in texts(at, "error")[0]
    assert at.button(key="signin_oidc_logout").label == "Sign out of the identity provider"
