"""app.sources_logic: the plain functions behind the Sources page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from annotations.auth import Actor
from annotations.domain import DEFAULT_SETTINGS
from annotations.errors import IngestError, PermissionDeniedError
from annotations.records import Document
from annotations.sources import human_size
from annotations.storage import DocumentSummary
from app import sources_logic as logic
from app.config import DEMO_CORPUS
from app.workflow import IngestOutcome


def test_intro_states_the_size_limit_and_how_to_change_it():
    intro = logic.intro(2048)
    assert "up to **2 KB**" in intro and "CLAIMCHECK_MAX_BYTES" in intro and ".html" in intro


@pytest.mark.parametrize(
    ("size", "shown"), [(10, "10 bytes"), (1536, "1.5 KB"), (5 * 1024 * 1024, "5 MB"), (1024 * 1024 + 1, "1 MB")]
)
def test_sizes_read_as_people_read_them(size, shown):
    assert human_size(size) == shown


def test_ingest_messages_one_per_file():
    added = Document(name="Good_one", text="t", encoding="utf-8")
    latin = Document(name="old page", text="café", encoding="cp1252")
    dup = Document(name="same", text="s", added_by="ann", added_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    outcome = IngestOutcome(
        added=[(added, 3), (latin, 0)], duplicates=[dup],
        refused=[IngestError("bad.pdf", "unsupported file type '.pdf'")],
    )
    assert logic.ingest_messages(outcome) == [
        ("success", r"Added **Good\_one** with 3 candidate claim(s)."),
        ("success", "Added **old page** with 0 candidate claim(s)."),
        ("warning", "**old page** is not UTF-8: decoded as cp1252. "
                    "Check that accented letters and quotes look right."),
        ("info", "**same** is already stored (added 2026-01-02 03:04 UTC by ann); no duplicate was created."),
        ("error", r"Refused **bad\.pdf**: unsupported file type '\.pdf'"),
    ]


def test_document_rows():
    summary = DocumentSummary(id="d1", name="n", origin="paste", url=None, encoding="utf-8",
                              added_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), added_by="ann", n_claims=4,
                              n_reviewed=1)
    assert logic.document_rows([summary]) == [
        {"name": "n", "origin": "paste", "added": "2026-01-02 03:04 UTC", "added by": "ann", "claims": 4,
         "reviewed": 1, "encoding": "utf-8", "url": ""}]


def test_a_load_that_held_nothing_says_so():
    assert logic.ingest_messages(IngestOutcome()) == [("info", "Nothing to load.")]


def test_a_deletion_needs_the_documents_exact_name(memory_store):
    from annotations.auth import local_actor
    from annotations.errors import ValidationError

    admin = local_actor("ann")
    document, _ = memory_store.add_document(admin, Document(name="Green tea", text="Green tea calms the mind."))
    with pytest.raises(ValidationError, match="type its name 'Green tea' exactly; got 'green tea'"):
        logic.delete_confirmed(memory_store, admin, document.id, "green tea")
    assert memory_store.list_documents() != []
    deleted = logic.delete_confirmed(memory_store, admin, document.id, " Green tea ")
    assert memory_store.list_documents() == []
    assert logic.deleted_message(deleted) == ("Deleted **Green tea** with 0 claim(s), 0 review(s) and 0 final "
                                              "verdict(s). The history keeps a copy.")
# ------------------------------------------------------------------------- server folders


def test_only_admins_load_from_server_folders(tmp_path):
    (tmp_path / "tea.txt").write_text("Green tea burns fat.\n", encoding="utf-8")
    settings = {"server_folders": [str(tmp_path)]}
    with pytest.raises(PermissionDeniedError, match=r"rita \(reviewer\) may not load files from folders on the "
                                                    r"server \(upload or paste them instead\)"):
        logic.load_server_folder(Actor("rita", "reviewer"), str(tmp_path), settings, max_bytes=1000)
    loaded = logic.load_server_folder(Actor("ada", "admin"), f" {tmp_path} ", settings, max_bytes=1000)
    assert [(d.name, d.added_by) for d in loaded.documents] == [("tea", "ada")]


def test_server_folders_hold_only_the_demo_corpus_by_default(tmp_path):
    (tmp_path / "tea.txt").write_text("Green tea burns fat.\n", encoding="utf-8")
    ada = Actor("ada", "admin")
    assert logic.server_folders(DEFAULT_SETTINGS) == [DEMO_CORPUS]
    with pytest.raises(PermissionDeniedError, match="is outside the folders the server allows loading from"):
        logic.load_server_folder(ada, str(tmp_path), DEFAULT_SETTINGS, max_bytes=1000)
    with pytest.raises(PermissionDeniedError, match="is outside the folders"):
        logic.load_server_folder(ada, str(DEMO_CORPUS / ".." / ".." / "docs"), DEFAULT_SETTINGS, max_bytes=10**6)
    assert logic.load_server_folder(ada, str(DEMO_CORPUS), DEFAULT_SETTINGS, max_bytes=10**6).documents
