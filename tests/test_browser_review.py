"""The main flow in a real browser (Debian Chromium through Playwright): load a pasted article,
review a claim with a citation, see the review after a reload and after a restart (the reviewer's
name kept by the browser), export it."""

from __future__ import annotations

import csv
import json
import re
import urllib.request

import pytest

pytestmark = pytest.mark.browser

ARTICLE = (
    "Green tea extract and weight\n\n"
    "Green tea extract burns 30% more fat in 2 weeks. Drinking three cups a day completely prevents "
    "heart disease. Take 500 mg twice a day with meals.\n"
)
RATIONALE = "Trials show no lasting fat loss from green tea extract."
DOI = "10.1000/green.tea.2024"
TIMEOUT = 60_000  # ms: the first load starts the spaCy pipeline


def _sign_in(page, name: str = "Ann") -> None:
    """Local mode asks the reviewer's name once; the browser keeps it."""
    from playwright.sync_api import expect

    name_box = page.locator(".st-key-review_name input")
    expect(name_box).to_be_visible(timeout=TIMEOUT)
    name_box.fill(name)
    page.locator(".st-key-review_name_submit button").click()
    expect(page.locator("mark.claim").first).to_be_visible(timeout=TIMEOUT)


def _still_named(page, name: str = "Ann") -> None:
    """Local mode keeps the reviewer's name across reloads: no name is asked."""
    from playwright.sync_api import expect

    expect(page.get_by_text(f"Reviewing as {name}")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator("mark.claim").first).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".st-key-review_name")).to_have_count(0)


def _show_reviewed_claim(page, claim_text: str) -> None:
    """The page shows the claim after the reviewed one (the next claim waiting, which a new session
    opens on, or the address holds); the reviewed claim (the highest score) is the one before it,
    shown with the saved review in the form."""
    from playwright.sync_api import expect

    mark = page.locator("mark.claim").first
    expect(mark).not_to_have_text(claim_text, timeout=TIMEOUT)
    page.locator(".st-key-review_prev button").click()
    expect(mark).to_have_text(claim_text, timeout=TIMEOUT)
    expect(page.locator(".st-key-review_rationale textarea")).to_have_value(RATIONALE)
    expect(page.locator(".st-key-review_form")).to_contain_text("You reviewed this claim")
    checked = page.locator(".st-key-review_verdict label").filter(has=page.locator("input:checked"))
    expect(checked).to_have_text("Unsupported")
    expect(page.locator("[class*='st-key-review_cite_identifier_'] input").first).to_have_value(DOI)


def test_review_survives_reload_and_restart_and_is_exported(browser, app_factory, tmp_path, open_nav_page, download):
    from playwright.sync_api import expect

    app = app_factory()
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()

    # Sources: paste an article; its claims are extracted on load.
    page.goto(f"{app.url}/sources")
    page.locator(".st-key-sources_paste_text textarea").fill(ARTICLE)
    page.locator(".st-key-sources_paste_name input").fill("Green tea")
    page.locator(".st-key-sources_paste_load button").click()
    expect(page.get_by_text(re.compile(r"Added Green tea with [1-9]\d* candidate claim"))).to_be_visible(
        timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Deploy")).to_have_count(0)  # client.toolbarMode

    # Review: name, verdict, rationale, a DOI citation, save.
    open_nav_page(page, "Review")
    _sign_in(page)
    claim_text = page.locator("mark.claim").first.inner_text()
    page.locator(".st-key-review_verdict").get_by_text("Unsupported", exact=True).click()
    page.locator(".st-key-review_rationale textarea").fill(RATIONALE)
    page.locator(".st-key-review_cite_add button").click()
    identifier = page.locator("[class*='st-key-review_cite_identifier_'] input").first
    expect(identifier).to_be_visible(timeout=TIMEOUT)
    identifier.fill(DOI)
    identifier.press("Enter")
    expect(page.get_by_text(f"Links to https://doi.org/{DOI}")).to_be_visible(timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"[?&]claim="), timeout=TIMEOUT)
    reviewed_url = page.url  # ?claim=<the claim reviewed>
    page.locator(".st-key-review_save button").click()
    expect(page.get_by_text("Saved your review")).to_be_visible(timeout=TIMEOUT)
    expect(page).not_to_have_url(reviewed_url, timeout=TIMEOUT)  # the address follows to the next claim

    # A reload keeps the name (a cookie, and a session on the server) and the claim shown; the
    # review is still there.
    page.reload()
    _still_named(page)
    _show_reviewed_claim(page, claim_text)

    # Restart the app on the same database; the first server must really be gone.
    app.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{app.url}/_stcore/health", timeout=5)
    app = app_factory(app.db_url)
    page.goto(app.url)
    _still_named(page)  # the session is kept in the database, so it outlives the server
    _show_reviewed_claim(page, claim_text)

    # Export JSONL from the Export page and find the review in it.
    open_nav_page(page, "Export")
    page.locator(".st-key-export_format").click()
    page.get_by_role("option", name=re.compile(r"^jsonl")).click()
    page.locator(".st-key-export_build button").click()
    path = download(page, page.locator(".st-key-export_download button"), tmp_path / "export.jsonl")
    header, *records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert "settings" in header["header"]
    [record] = [r for r in records if r["claim"]["text"] == claim_text]
    [review] = record["reviews"]
    assert (review["reviewer"], review["verdict"], review["rationale"]) == ("Ann", "unsupported", RATIONALE)
    assert [(c["kind"], c["identifier"]) for c in review["citations"]] == [("doi", DOI)]

    # ... and in the CSV export.
    page.locator(".st-key-export_format").click()
    page.get_by_role("option", name=re.compile(r"^csv")).click()
    page.locator(".st-key-export_build button").click()
    expect(page.locator(".st-key-export_download button")).to_contain_text("csv", timeout=TIMEOUT)
    path = download(page, page.locator(".st-key-export_download button"), tmp_path / "export.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        [row] = [r for r in csv.DictReader(handle) if r["text"] == claim_text]
    assert (row["reviewers"], row["review_verdicts"]) == ("Ann", "Ann: unsupported")
    assert DOI in row["citations"]
    context.close()
