"""app.sources_logic: the plain functions behind the Sources page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from annotations.errors import IngestError
from annotations.records import Document
from annotations.sources import human_size
from annotations.storage import DocumentSummary
from app import sources_logic as logic
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
