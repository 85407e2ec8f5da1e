"""Take the README screenshot of the Review page: ``docs/review-page.png``.

Starts the app (``python -m app serve``) on a temporary SQLite file with the demo corpus, opens the
Review page in Debian's Chromium through Playwright, enters a reviewer name, fills a verdict, a
rationale and a DOI citation (not saved), and saves a 1400x1100 PNG.

    .venv/bin/python scripts/screenshot.py [--out docs/review-page.png] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1100}
TIMEOUT = 120_000  # ms: the first run loads the spaCy pipeline and the demo corpus

# What the screenshot shows being typed into the form.
DOCUMENT = "vitamin-c-serum"
CLAIM_START = "pigment spots"
RATIONALE = ("Vitamin C serums lighten pigment spots modestly over weeks to months; no trial shows spots "
             "disappearing completely.")
DOI = "10.1111/jocd.13029"
QUOTE = "Topical vitamin C gave a modest reduction of hyperpigmentation after 12 weeks."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(db_url: str, port: int, timeout: float = 120.0) -> subprocess.Popen:
    """``python -m app serve`` with the demo corpus on, the toolbar reduced; waits for health."""
    env = dict(os.environ, CLAIMCHECK_DB=db_url, CLAIMCHECK_DEMO="1", STREAMLIT_CLIENT_TOOLBAR_MODE="minimal")
    # A session of its own: `app serve` runs Streamlit as a child, and stop() ends both.
    process = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(port)], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the app exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"the app did not answer on port {port} within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """End the app and its Streamlit child (the whole process group started above)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def take(url: str, out: Path, chromium: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(url)
        name = page.locator(".st-key-review_name input")
        expect(name).to_be_visible(timeout=TIMEOUT)
        name.fill("Ann Reviewer")
        page.locator(".st-key-review_name_submit button").click()
        expect(page.locator("mark.claim").first).to_be_visible(timeout=TIMEOUT)

        # Show a claim of the vitamin C article: filter by document, then step to the claim.
        page.locator(".st-key-review_filter_docs").click()
        page.get_by_role("option", name=DOCUMENT).click()
        page.keyboard.press("Escape")
        main = page.locator("[data-testid='stMain']")
        expect(main.locator("strong", has_text=DOCUMENT).first).to_be_visible(timeout=TIMEOUT)
        mark = page.locator("mark.claim").first
        for _ in range(40):
            shown = mark.inner_text()
            if shown.startswith(CLAIM_START):
                break
            page.locator(".st-key-review_next button").click()
            expect(mark).not_to_have_text(shown, timeout=TIMEOUT)
        expect(mark).to_contain_text(CLAIM_START)

        verdict = page.locator(".st-key-review_verdict")
        verdict.get_by_text("Unsupported", exact=True).click()
        expect(verdict.get_by_role("radio", name="Unsupported")).to_be_checked(timeout=TIMEOUT)
        page.locator(".st-key-review_rationale textarea").fill(RATIONALE)
        page.locator(".st-key-review_cite_add button").click()
        identifier = page.locator("[class*='st-key-review_cite_identifier_'] input").first
        expect(identifier).to_be_visible(timeout=TIMEOUT)
        identifier.fill(DOI)
        identifier.press("Enter")
        quote = page.locator("[class*='st-key-review_cite_quote_'] textarea").first
        quote.fill(QUOTE)
        quote.press("Tab")
        expect(page.get_by_text(f"Links to https://doi.org/{DOI}")).to_be_visible(timeout=TIMEOUT)
        page.mouse.click(5, 990)  # move focus off the inputs, so no focus ring shows
        page.wait_for_timeout(1500)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "review-page.png")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="claimcheck-demo-") as tmp:
        port = _free_port()
        process = start_app(f"sqlite:///{Path(tmp) / 'claimcheck.db'}", port)
        try:
            take(f"http://127.0.0.1:{port}", args.out, args.chromium)
        finally:
            stop(process)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
