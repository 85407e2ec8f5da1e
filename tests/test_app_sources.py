"""The Sources page, driven through Streamlit's AppTest; widgets are found by key."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from annotations.auth import Actor, local_actor
from annotations.storage import Store

APP = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")

ARTICLE = (
    "Green tea extract and weight\n\n"
    "Green tea extract burns 30% more fat in 2 weeks. Drinking three cups a day completely prevents "
    "heart disease. Take 500 mg twice a day with meals.\n"
)
SECOND = "Collagen drinks\n\nCollagen drinks remove wrinkles in 10 days and are safe for everyone.\n"


@pytest.fixture
def store(tmp_path, monkeypatch, load_nlp_once):
    """The app's store; the page extracts with the session's spaCy pipeline."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("CLAIMCHECK_DB", url)
    monkeypatch.setenv("CLAIMCHECK_DEMO", "0")
    monkeypatch.delenv("CLAIMCHECK_MAX_BYTES", raising=False)
    s = Store.open(url)
    yield s
    s.close()


def _sources() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/sources.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _plain(elements) -> list[str]:
    """Message bodies with Markdown escapes removed."""
    return [e.value.replace("\\", "") for e in elements]


def _paste(at: AppTest, text: str, name: str = "") -> AppTest:
    at.text_area(key="sources_paste_text").input(text)
    at.text_input(key="sources_paste_name").input(name)
    at.button(key="sources_paste_load").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_smoke_states_the_size_limit(store):
    at = _sources()
    assert any("up to **5 MB**" in c and "CLAIMCHECK_MAX_BYTES" in c for c in _plain(at.main.caption))
    assert "Nothing stored yet." in _plain(at.main.caption)


def test_size_limit_comes_from_config(store, monkeypatch):
    monkeypatch.setenv("CLAIMCHECK_MAX_BYTES", "2048")
    at = _sources()
    assert any("up to **2 KB**" in c for c in _plain(at.main.caption))
    _paste(at, "x" * 3000)
    assert any("is too large" in e and "the limit is 2 KB" in e for e in _plain(at.main.error))
    assert store.list_documents() == []


def test_paste_stores_document_with_claims(store):
    at = _paste(_sources(), ARTICLE, "Green tea")
    [doc] = store.list_documents()
    assert (doc.name, doc.origin, doc.n_claims) == ("Green tea", "paste", store.count_claims())
    assert doc.n_claims >= 2
    assert _plain(at.main.success) == [f"Added **Green tea** with {doc.n_claims} candidate claim(s)."]
    table = at.dataframe[0].value
    assert list(table["name"]) == ["Green tea"] and list(table["claims"]) == [doc.n_claims]


def test_paste_without_name_takes_first_line(store):
    _paste(_sources(), SECOND)
    assert [d.name for d in store.list_documents()] == ["Collagen drinks"]


def test_duplicate_paste_is_already_stored(store):
    at = _paste(_sources(), ARTICLE, "Green tea")
    _paste(at, ARTICLE, "Same text, other name")
    assert len(store.list_documents()) == 1
    [message] = _plain(at.main.info)
    assert message.startswith("**Green tea** is already stored") and "no duplicate was created" in message


def test_empty_paste_is_refused(store):
    at = _paste(_sources(), "   \n ")
    assert any("is empty: paste some text first" in e for e in _plain(at.main.error))


def test_upload_refuses_bad_files_one_by_one_and_loads_the_rest(store):
    at = _sources()
    at.file_uploader(key="sources_upload").set_value([
        ("green-tea.txt", ARTICLE.encode("utf-8"), "text/plain"),
        ("scan.pdf", b"%PDF-1.4 binary", "application/pdf"),
        ("empty.md", b"", "text/markdown"),
        ("collagen.md", SECOND.replace("safe", "safe \u2013 caf\u00e9").encode("cp1252"), "text/markdown"),
    ]).run()
    at.button(key="sources_upload_load").click().run()
    assert not at.exception
    assert sorted(d.name for d in store.list_documents()) == ["collagen", "green-tea"]
    errors = _plain(at.main.error)
    assert errors == ["Refused **scan.pdf**: unsupported file type '.pdf'; supported: .txt, .md, .markdown, "
                      ".html, .htm", "Refused **empty.md**: is empty (0 bytes)"]
    assert any(s.startswith("Added **green-tea** with") for s in _plain(at.main.success))
    assert any("**collagen** is not UTF-8: decoded as cp1252" in w for w in _plain(at.main.warning))


def test_folder_loads_files_and_names_missing_folder(store, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "tea.txt").write_text(ARTICLE, encoding="utf-8")
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    store.set_setting(local_actor("ann"), "server_folders", [str(tmp_path)])
    at = _sources()
    at.text_input(key="sources_folder").input(str(folder)).run()
    at.button(key="sources_folder_load").click().run()
    assert [d.name for d in store.list_documents()] == ["tea"]
    assert any("notes.docx" in e and "unsupported file type '.docx'" in e for e in _plain(at.main.error))
    at.text_input(key="sources_folder").input(str(tmp_path / "nowhere")).run()
    at.button(key="sources_folder_load").click().run()
    assert any("nowhere" in e and "does not exist" in e for e in _plain(at.main.error))


def test_an_admin_deletes_a_document_after_typing_its_name(store):
    at = _paste(_sources(), ARTICLE, "Green tea")
    _paste(at, SECOND, "Collagen")
    green = next(d for d in store.list_documents() if d.name == "Green tea")
    at.selectbox(key="sources_delete_doc").set_value(green.id).run()
    assert any("Delete **Green tea**" in w and f"{green.n_claims} claim(s)" in w for w in _plain(at.main.warning))
    at.text_input(key="sources_delete_name").input("Green").run()
    assert at.button(key="sources_delete_submit").disabled
    at.text_input(key="sources_delete_name").input("Green tea").run()
    at.button(key="sources_delete_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [d.name for d in store.list_documents()] == ["Collagen"]
    assert any(s.startswith("Deleted **Green tea**") for s in _plain(at.main.success))
    assert at.selectbox(key="sources_delete_doc").value is None and list(at.dataframe[0].value["name"]) == ["Collagen"]
    entry = store.history(entity_id=green.id)[-1]
    assert (entry.action, entry.before["document"]["name"]) == ("delete", "Green tea")


def test_a_reviewer_is_not_offered_to_delete(store):
    from annotations.auth import Actor

    at = _paste(_sources(), ARTICLE, "Green tea")
    at.session_state["actor"] = Actor("rita", "reviewer")
    at.run()
    assert "sources_delete_doc" not in {w.key for w in at.selectbox}
def test_folder_outside_the_server_folders_is_refused(store, tmp_path):
    """Issue 15, item 2: server paths load only from the configured folders, symlinks and ``..``
    resolved first."""
    allowed, secret = tmp_path / "allowed", tmp_path / "secret"
    allowed.mkdir()
    secret.mkdir()
    (secret / "private.txt").write_text(SECOND, encoding="utf-8")
    (allowed / "shortcut").symlink_to(secret)
    store.set_setting(local_actor("ann"), "server_folders", [str(allowed)])
    at = _sources()
    assert str(allowed) in " ".join(c.value for c in at.main.caption)
    for path in (secret, allowed / ".." / "secret", allowed / "shortcut", Path(__file__).parents[1] / "docs"):
        at.text_input(key="sources_folder").input(str(path)).run()
        at.button(key="sources_folder_load").click().run()
        assert any("is outside the folders the server allows loading from" in e for e in _plain(at.main.error)), path
    assert store.list_documents() == []


def test_a_reviewer_has_no_server_folder_to_load_from(store, tmp_path):
    """Uploads and paste stay open to reviewers; a folder on the server is for admins."""
    store.add_user(local_actor("seed"), "ada", "admin", "ada's password")
    store.add_user(Actor("ada", "admin"), "rita", "reviewer", "rita's password")
    store.set_setting(Actor("ada", "admin"), "server_folders", [str(tmp_path)])
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = Actor("rita", "reviewer")
    at.run()
    at.switch_page("app_pages/sources.py").run()
    assert [t.label for t in at.tabs] == ["Paste text", "Upload files"]
    with pytest.raises(KeyError):
        at.text_input(key="sources_folder")
    _paste(at, ARTICLE, "Rita's paste")
    assert [d.name for d in store.list_documents()] == ["Rita's paste"]
