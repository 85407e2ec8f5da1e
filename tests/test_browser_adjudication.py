"""Double review and adjudication in a real browser: two reviewers disagree on a claim, an
adjudicator settles it. Accounts and claims are made through the Store API, so the test does not
depend on the extractor's choices."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from annotations.auth import Actor
from annotations.records import Document, claim_from_span
from annotations.storage import Store

pytestmark = pytest.mark.browser

ARTICLE = (
    "Cold plunges and your immune system\n\n"
    "Daily cold plunges prevent all winter infections in adults. "
    "A short plunge may also lift your mood for a few hours.\n\n"
    "People with heart conditions should ask a doctor before trying cold water immersion."
)
CLAIM_X = "Daily cold plunges prevent all winter infections in adults"
OTHERS = ("A short plunge may also lift your mood for a few hours",
          "People with heart conditions should ask a doctor before trying cold water immersion")
PASSWORDS = {"ada": "ada's password", "rita": "rita's password", "raj": "raj's password",
             "judy": "judy's password"}
TIMEOUT = 30_000


def seed(db_url: str) -> str:
    """Accounts (admin, two reviewers, an adjudicator), double review, one document with three
    hand-made claims; returns the id of claim X, the highest-scoring one."""
    with Store.open(db_url) as store:
        store.add_user(Actor("setup", "admin", local=True), "ada", "admin", PASSWORDS["ada"])
        ada = Actor("ada", "admin")
        for name, role in (("rita", "reviewer"), ("raj", "reviewer"), ("judy", "adjudicator")):
            store.add_user(ada, name, role, PASSWORDS[name])
        store.set_setting(ada, "reviews_per_claim", 2)
        doc = Document(name="cold-plunge.txt", text=ARTICLE)

        def claim(text: str, score: float, claim_type: str):
            start = ARTICLE.index(text)
            return claim_from_span(doc, start, start + len(text), claim_type=claim_type, score=score)

        x = claim(CLAIM_X, 0.97, "efficacy")
        store.add_document(ada, doc, [x, claim(OTHERS[0], 0.6, "efficacy"), claim(OTHERS[1], 0.4, "advice")])
    return x.id


def sign_in(page, base_url: str, name: str) -> None:
    page.goto(base_url)
    page.locator(".st-key-signin_name input").fill(name)
    page.locator(".st-key-signin_password input").fill(PASSWORDS[name])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text(f"Signed in as {name}", exact=False).first).to_be_visible(timeout=TIMEOUT)


def sign_out(page) -> None:
    page.locator(".st-key-shell_sign_out button").click()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=TIMEOUT)


# Set up before an action: window.__reran turns true once the app has started a script run and
# finished it. (The app's data-test-script-state may still read "notRunning" just after a click.)
# A rerun so quick that the page never shows "running" is caught by the second condition in
# rerun_by: idle again a while after the action.
ARM_RERUN = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  let started = false;
  window.__reran = false;
  window.__armedAt = Date.now();
  const observer = new MutationObserver(() => {
    const state = app.getAttribute('data-test-script-state');
    if (state === 'running' || state === 'rerunRequested') {
      started = true;
    } else if (started && state === 'notRunning') {
      window.__reran = true;
      observer.disconnect();
    }
  });
  observer.observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
RERUN_DONE = """() => window.__reran === true || (Date.now() - window.__armedAt > 2500 &&
  document.querySelector('[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning')"""


def rerun_by(page, action) -> None:
    """Do ``action`` (which reruns the app) and wait until that rerun has finished. Typing during
    a rerun can be lost: when the rerun drops an element above the form (a one-time notice), the
    form's widgets are mounted anew."""
    page.evaluate(ARM_RERUN)
    action()
    page.wait_for_function(RERUN_DONE, timeout=TIMEOUT)


def fill_text_area(page, key: str, text: str) -> None:
    area = page.locator(f".st-key-{key} textarea")
    area.fill(text)
    rerun_by(page, lambda: area.press("Control+Enter"))  # commit the value before the next click
    expect(area).to_have_value(text, timeout=TIMEOUT)


def choose(page, key: str, label: str) -> None:
    rerun_by(page, page.locator(f".st-key-{key}").get_by_text(label, exact=True).click)


def review_claim_x(page, verdict_label: str, rationale: str) -> None:
    form = page.locator(".st-key-review_form")
    expect(form).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("mark").filter(has_text=CLAIM_X).first).to_be_visible(timeout=TIMEOUT)
    choose(page, "review_verdict", verdict_label)
    fill_text_area(page, "review_rationale", rationale)
    page.locator(".st-key-review_save button").click()
    expect(page.get_by_text("Saved your review of").first).to_be_visible(timeout=TIMEOUT)


def test_two_reviewers_disagree_and_the_adjudicator_settles(browser, app_factory, tmp_path, open_nav_page):
    db_url = f"sqlite:///{tmp_path / 'adjudication.db'}"
    claim_x = seed(db_url)
    app = app_factory(db_url)
    page = browser.new_page()
    page.set_default_timeout(TIMEOUT)

    sign_in(page, app.url, "rita")
    review_claim_x(page, "Supported", "A trial in adults found fewer infections.")
    sign_out(page)

    sign_in(page, app.url, "raj")
    review_claim_x(page, "Risky", "One small trial; 'all infections' overstates it.")
    sign_out(page)

    with Store.open(db_url) as store:
        assert store.claim_detail(claim_x).status == "disputed"

    sign_in(page, app.url, "judy")
    open_nav_page(page, "Adjudicate")
    expect(page.get_by_role("heading", name="Adjudicate")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("mark").filter(has_text=CLAIM_X).first).to_be_visible(timeout=TIMEOUT)
    columns = page.locator('[data-testid="stColumn"]')
    rita = columns.filter(has_text="rita").filter(has_text="A trial in adults found fewer infections.")
    raj = columns.filter(has_text="raj").filter(has_text="'all infections' overstates it.")
    expect(rita.filter(has_text="Supported")).to_have_count(1, timeout=TIMEOUT)
    expect(raj.filter(has_text="Risky")).to_have_count(1, timeout=TIMEOUT)
    rita_box, raj_box = rita.bounding_box(), raj.bounding_box()
    assert abs(rita_box["y"] - raj_box["y"]) < 5 and rita_box["x"] != raj_box["x"]  # side by side

    choose(page, "adjudicate_verdict", "Risky")
    fill_text_area(page, "adjudicate_rationale", "The single trial does not support 'all infections'.")
    page.locator(".st-key-adjudicate_save button").click()
    recorded = page.get_by_text(re.compile(r"Final verdict recorded: Risky .*The claim is settled"))
    expect(recorded).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("No claim has reviews that disagree.")).to_be_visible(timeout=TIMEOUT)

    page.locator(".st-key-adjudicate_include_settled").get_by_text("Also show settled claims").click()
    expect(page.get_by_text(re.compile(r"Settled: Risky, by judy"))).to_be_visible(timeout=TIMEOUT)

    with Store.open(db_url) as store:
        detail = store.claim_detail(claim_x)
    assert detail.status == "settled"
    assert (detail.verdict.verdict, detail.verdict.adjudicator) == ("risky", "judy")
    assert detail.verdict.rationale == "The single trial does not support 'all infections'."
    assert sorted((r.reviewer, r.verdict) for r in detail.reviews) == [("raj", "risky"), ("rita", "supported")]
    page.close()
