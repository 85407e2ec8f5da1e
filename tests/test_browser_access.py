"""Access and privacy in a real browser (issue 15, items 1-4), as a reviewer meets them: blind
review holds in the status filter and the export, a reviewer has no server folder to load from,
an account without a password is refused when there is no single sign-on, and a reload keeps the
reviewer signed in, on the same claim. Accounts and claims are made through the Store API."""

from __future__ import annotations

import re

import pytest
from jsonl_export import claim_rows
from playwright.sync_api import expect

from annotations.auth import Actor
from annotations.records import Document, claim_from_span
from annotations.storage import Store

pytestmark = pytest.mark.browser

ARTICLE = (
    "Oat milk and your heart\n\n"
    "Oat milk lowers cholesterol by a third within a month. "
    "A glass a day may ease digestion for some adults.\n\n"
    "Children under two should not drink oat milk instead of formula. "
    "Oat milk cures eczema in every child who drinks it."
)
CLAIMS = {  # text: (score, type)
    "Oat milk lowers cholesterol by a third within a month": (0.95, "efficacy"),
    "A glass a day may ease digestion for some adults": (0.7, "efficacy"),
    "Children under two should not drink oat milk instead of formula": (0.5, "advice"),
    "Oat milk cures eczema in every child who drinks it": (0.3, "efficacy"),
}
DISPUTED, SHARED, THIRD, FOURTH = CLAIMS
PASSWORDS = {"ada": "ada's password", "rita": "rita's password", "raj": "raj's password"}
TIMEOUT = 30_000


def seed(db_url: str) -> dict[str, str]:
    """An admin, two reviewers and one password-less reviewer (meant for single sign-on); double,
    blind review. ada and raj disagree on the first claim, which rita has not reviewed; rita and
    raj both reviewed the second. Returns the claim ids by text."""
    with Store.open(db_url) as store:
        store.add_user(Actor("setup", "admin", local=True), "ada", "admin", PASSWORDS["ada"])
        ada = Actor("ada", "admin")
        store.add_user(ada, "rita", "reviewer", PASSWORDS["rita"])
        store.add_user(ada, "raj", "reviewer", PASSWORDS["raj"])
        store.add_user(ada, "sam", "reviewer", None)
        store.set_setting(ada, "reviews_per_claim", 2)
        doc = Document(name="oat-milk.txt", text=ARTICLE)
        claims = {text: claim_from_span(doc, ARTICLE.index(text), ARTICLE.index(text) + len(text),
                                        claim_type=kind, score=score) for text, (score, kind) in CLAIMS.items()}
        store.add_document(ada, doc, list(claims.values()))
        raj = Actor("raj", "reviewer")
        store.save_review(ada, claims[DISPUTED].id, "supported", "ada thinks the trial holds")
        store.save_review(raj, claims[DISPUTED].id, "unsupported", "raj found no such trial")
        store.save_review(Actor("rita", "reviewer"), claims[SHARED].id, "risky", "rita: 'may' hides a weak study")
        store.save_review(raj, claims[SHARED].id, "risky", "raj: one small study")
    return {text: claim.id for text, claim in claims.items()}


def sign_in(page, name: str, password: str) -> None:
    page.locator(".st-key-signin_name input").fill(name)
    page.locator(".st-key-signin_password input").fill(password)
    page.locator(".st-key-signin_submit button").click()


def shown_claim(page):
    return page.locator("mark.claim").first


def test_a_reviewer_meets_blind_review_closed_server_folders_and_a_lasting_sign_in(
        browser, app_factory, tmp_path, open_nav_page, download):
    db_url = f"sqlite:///{tmp_path / 'access.db'}"
    ids = seed(db_url)
    app = app_factory(db_url)
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.goto(app.url)

    # Item 3: an account without a password is refused when no single sign-on is set up.
    expect(page.locator(".st-key-signin_name input")).to_be_visible(timeout=TIMEOUT)
    sign_in(page, "sam", "")
    expect(page.get_by_text("the account sam has no password, so it signs in only through single sign-on")
           ).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("python -m app users set sam --password")).to_be_visible()
    sign_in(page, "sam", "anything at all")
    expect(page.get_by_text("the account sam has no password")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Signed in as")).to_have_count(0)

    sign_in(page, "rita", PASSWORDS["rita"])
    expect(page.get_by_text("Signed in as rita").first).to_be_visible(timeout=TIMEOUT)
    expect(shown_claim(page)).to_be_visible(timeout=TIMEOUT)

    # Item 1: the status filter finds no dispute rita took no part in ...
    page.locator(".st-key-review_filter_statuses").click()
    page.get_by_role("option", name="disputed").click()
    page.keyboard.press("Escape")
    expect(page.get_by_text("No claim matches these filters.")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text(DISPUTED)).to_have_count(0)

    # ... and her export, even with every claim asked for, holds nothing of the others'.
    open_nav_page(page, "Export")
    expect(page.get_by_text("Your exports hold your own reviews")).to_be_visible(timeout=TIMEOUT)
    page.locator(".st-key-export_include_unreviewed").get_by_text("Include claims nobody has reviewed yet").click()
    page.locator(".st-key-export_build button").click()
    path = download(page, page.locator(".st-key-export_download button"), tmp_path / "rita.jsonl")
    rows = claim_rows(path)
    assert [row["id"] for row in rows] == [ids[SHARED]]
    [row] = rows
    assert [(r["reviewer"], r["rationale"]) for r in row["reviews"]] == [("rita", "rita: 'may' hides a weak study")]
    assert row["reviewers"] == ["rita"]
    assert not any(e["actor"] in ("raj", "ada") for e in row["history"] if e["entity"] == "review")
    text = path.read_text(encoding="utf-8")
    assert "raj found no such trial" not in text and "ada thinks" not in text and "raj: one small" not in text

    # Item 2: a reviewer has no folder on the server to load from; paste and upload stay.
    open_nav_page(page, "Sources")
    expect(page.get_by_role("tab", name="Paste text")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("tab", name="Upload files")).to_be_visible()
    expect(page.get_by_role("tab", name="Folder on the server")).to_have_count(0)
    expect(page.locator(".st-key-sources_folder")).to_have_count(0)

    # Item 4: a reload keeps rita signed in, on the same claim and filter.
    open_nav_page(page, "Review")
    expect(shown_claim(page)).to_be_visible(timeout=TIMEOUT)
    page.locator(".st-key-review_filter_types").click()
    page.get_by_role("option", name="efficacy").click()
    page.keyboard.press("Escape")
    expect(shown_claim(page)).to_have_text(FOURTH, timeout=TIMEOUT)  # the efficacy claim waiting for her
    page.locator(".st-key-review_prev button").click()  # back to one she reviewed: not where a queue starts
    expect(shown_claim(page)).to_have_text(SHARED, timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(rf"[?&]claim={ids[SHARED]}"), timeout=TIMEOUT)
    assert "type=efficacy" in page.url
    assert "claimcheck_session" in {c["name"] for c in context.cookies()}

    page.reload()
    expect(page.get_by_text("Signed in as rita").first).to_be_visible(timeout=TIMEOUT)
    expect(shown_claim(page)).to_have_text(SHARED, timeout=TIMEOUT)
    expect(page.locator(".st-key-review_form")).to_contain_text("You reviewed this claim")
    expect(page.locator(".st-key-signin_name")).to_have_count(0)
    expect(page.locator(".st-key-review_filter_types")).to_contain_text("efficacy")

    # A new tab, and then a link to another claim, open signed in too.
    tab = context.new_page()
    tab.goto(f"{app.url}/?claim={ids[FOURTH]}")
    expect(tab.get_by_text("Signed in as rita").first).to_be_visible(timeout=TIMEOUT)
    expect(shown_claim(tab)).to_have_text(FOURTH, timeout=TIMEOUT)

    # Signing out ends the session on the server: the other tab is signed out at its next run.
    page.locator(".st-key-shell_sign_out button").click()
    expect(page.locator(".st-key-signin_name input")).to_be_visible(timeout=TIMEOUT)
    tab.locator(".st-key-review_prev button").click()
    expect(tab.locator(".st-key-signin_name input")).to_be_visible(timeout=TIMEOUT)
    page.reload()
    expect(page.locator(".st-key-signin_name input")).to_be_visible(timeout=TIMEOUT)
    context.close()
