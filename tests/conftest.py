"""Shared fixtures. Storage tests run on SQLite and, when TEST_DATABASE_URL is set, on
PostgreSQL, each PostgreSQL test in a fresh schema of its own (ids carry ``postgres``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, event, text

from annotations.auth import Actor, local_actor
from annotations.records import Claim, Document, claim_from_span
from annotations.storage import Store

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _pg_schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a brand-new schema, dropped afterwards."""
    if not PG_URL:
        pytest.skip("TEST_DATABASE_URL is not set; .ci/run sets it to the local PostgreSQL server")
    schema = f"claimcheck_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield _pg_schema_url(PG_URL, schema)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path) -> str:
    """A fresh, empty database URL: an SQLite file in tmp_path, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store.open(db_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def memory_store() -> Iterator[Store]:
    """An in-memory SQLite store, for tests that do not care about the backend."""
    s = Store.open("sqlite://")
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with its smallest cost, for tests that sign in often; test_auth covers the real one."""
    from argon2 import PasswordHasher

    from annotations import auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def ann() -> Actor:
    return local_actor("ann")


@pytest.fixture
def reviewer_actor() -> Actor:
    return Actor("rita", "reviewer")


# ------------------------------------------------------------------------------ spaCy model


@pytest.fixture(scope="session")
def nlp():
    """The English pipeline with the claim components, loaded once per test session (tests only
    read it; none adds or removes a component)."""
    from models.pipeline import load_nlp

    return load_nlp()


@pytest.fixture
def load_nlp_once(nlp, monkeypatch: pytest.MonkeyPatch):
    """Code under test that loads the default pipeline itself (the CLI, the app's resource cache)
    gets the session's ``nlp`` instead of loading the model again."""
    import models.pipeline

    load = models.pipeline.load_nlp
    monkeypatch.setattr(models.pipeline, "load_nlp", lambda model=None: nlp if model is None else load(model))
    return nlp


# ---------------------------------------------------------------------------------- browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never `playwright install`)."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)"
        if os.environ.get("CLAIMCHECK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class RunningApp:
    url: str
    db_url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_app(db_url: str, *, demo: bool = False, timeout: float = 90.0) -> RunningApp:
    """Start `python -m app serve` on a free port and wait until Streamlit answers."""
    port = _free_port()
    env = dict(os.environ, CLAIMCHECK_DB=db_url, CLAIMCHECK_DEMO="1" if demo else "0")
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "serve", "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app exited with {process.returncode}: {process.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return RunningApp(url, db_url, process)
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the app did not answer on {url} within {timeout:.0f} s")


@pytest.fixture
def app_factory(tmp_path):
    """Start (and restart) the app on a fresh SQLite file; every app is stopped afterwards."""
    started: list[RunningApp] = []

    def factory(db_url: str | None = None, *, demo: bool = False) -> RunningApp:
        app = start_app(db_url or f"sqlite:///{tmp_path / 'app.db'}", demo=demo)
        started.append(app)
        return app

    yield factory
    for app in started:
        app.stop()


# A short synthetic article for the storage tests: four sentences, each a candidate claim
# (sentence, claim type, score), in text order.
ARTICLE_CLAIMS = (
    ("Green clay masks remove all toxins from the skin.", "efficacy", 0.9),
    ("Drinking two litres of water a day may reduce headaches by 30%.", "quantity", 0.6),
    ("Daily sunscreen lowers the risk of melanoma.", "risk", 0.75),
    ("Turmeric cures arthritis completely.", "efficacy", 0.3),
)


@dataclass
class StoredArticle:
    """A store holding one document and its claims (in text order)."""

    store: Store
    document: Document
    claims: list[Claim]


@pytest.fixture
def article(store: Store, ann: Actor) -> StoredArticle:
    """``store`` (SQLite and PostgreSQL) with the synthetic article loaded by ann."""
    document = Document(name="clay.txt", text=" ".join(sentence for sentence, _, _ in ARTICLE_CLAIMS))
    claims = []
    for sentence, claim_type, score in ARTICLE_CLAIMS:
        start = document.text.index(sentence)
        claims.append(claim_from_span(document, start, start + len(sentence), claim_type=claim_type,
                                      score=score, rule_id="test"))
    stored, _ = store.add_document(ann, document, claims)
    return StoredArticle(store, stored, claims)


def _sent_statements(store: Store, run: Callable[[], object]) -> list[tuple[str, object]]:
    seen: list[tuple[str, object]] = []

    def record(conn: object, cursor: object, statement: str, parameters: object, context: object, many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(store.engine, "before_cursor_execute", record)
    return seen


@pytest.fixture
def sent_statements() -> Callable[[Store, Callable[[], object]], list[tuple[str, object]]]:
    """``sent_statements(store, run)``: the SQL statements, with their parameters, that ``run()``
    sends through the store."""
    return _sent_statements


def _download(page, button, path: Path) -> Path:
    from playwright.sync_api import expect

    expect(button).to_be_visible(timeout=60_000)
    with page.expect_download() as info:
        button.click()
    info.value.save_as(path)
    return path


@pytest.fixture
def download() -> Callable[..., Path]:
    """``download(page, button, path)``: click a download button, once it shows, and save the file
    it gives to ``path``."""
    return _download


def _open_nav_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNavItems").get_by_role("link", name=title, exact=True).click()


@pytest.fixture
def open_nav_page() -> Callable[..., None]:
    """``open_nav_page(page, title)``: click a page in the sidebar navigation, the link named
    exactly ``title`` (a page body may hold links with the same words: "Review the claims")."""
    return _open_nav_page
