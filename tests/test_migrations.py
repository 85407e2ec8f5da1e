"""The schema comes from named, ordered Alembic migrations that build the same tables on SQLite
and PostgreSQL as ``annotations.schema`` describes.

Every test runs on SQLite (a file in tmp_path) and, with TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from annotations import schema
from annotations.auth import Actor
from annotations.records import Document, claim_from_span
from annotations.storage import MIGRATIONS, Store, mapping

HEAD = "0005_sign_in_sessions"
TABLES = {"documents", "claims", "reviews", "verdicts", "users", "history", "settings", "sessions", "sign_in_failures",
          "server_keys"}


def differences(store: Store) -> list:
    """What alembic autogenerate would change to make the database match ``schema.metadata``."""
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, schema.metadata)


def tables(store: Store) -> set[str]:
    return set(inspect(store.engine).get_table_names())


def index_names(store: Store, table: str) -> set[str]:
    return {ix["name"] for ix in inspect(store.engine).get_indexes(table)}


def test_migrations_are_named_and_ordered() -> None:
    scripts = ScriptDirectory(str(MIGRATIONS))
    revisions = list(reversed(list(scripts.walk_revisions())))
    assert revisions[0].revision == "0001_initial" and revisions[-1].revision == HEAD
    for number, rev in enumerate(revisions, start=1):
        assert re.fullmatch(rf"{number:04d}_[a-z_]+", rev.revision)
        assert Path(rev.path).name == f"{rev.revision}.py"
        assert rev.doc, f"{rev.revision} needs a one-line description"
    # One line of history: each migration follows the one numbered before it.
    assert [r.down_revision for r in revisions] == [None, *(r.revision for r in revisions[:-1])]


def test_a_new_store_is_migrated_to_the_head(store: Store) -> None:
    assert store.schema_revision() == (HEAD, HEAD)
    assert tables(store) == TABLES | {"alembic_version"}


def test_a_migrated_database_matches_the_schema(store: Store) -> None:
    assert differences(store) == []


def test_downgrade_to_base_and_up_again(store: Store) -> None:
    store.downgrade("base")
    assert store.schema_revision() == (None, HEAD)
    assert tables(store) == {"alembic_version"}
    store.migrate()
    assert store.schema_revision() == (HEAD, HEAD)
    assert differences(store) == []


def test_upgrading_keeps_the_data(db_url: str, ann: Actor) -> None:
    with Store.open(db_url, migrate=False) as store:
        store.migrate("0001_initial")
        assert "ix_claims_review_count_score" in index_names(store, "claims")
        doc = Document(name="a.txt", text="Zinc shortens colds. Vitamin D prevents flu.")
        claims = [claim_from_span(doc, 0, 19, score=0.4), claim_from_span(doc, 21, 43, score=0.8)]
        # Stored as the code of 0001 stored them: the documents table had no source map yet.
        with store.engine.begin() as conn:
            conn.execute(insert(schema.documents).values(
                {k: v for k, v in mapping.document_values(doc).items() if k != "source_map"}))
            conn.execute(insert(schema.claims), [{**mapping.claim_values(c), "review_count": 0} for c in claims])
        review = store.save_review(ann, claims[1].id, "unsupported")
        store.migrate()
        assert {"ix_claims_withdrawn_review_count_score_id", "ix_claims_document_id_start_offset_id"} <= index_names(
            store, "claims")
        assert "ix_claims_document_id_start_offset" not in index_names(store, "claims")
        assert store.review_of(claims[1].id, "ann") == review
        assert store.get_document(doc.id) == doc  # its source map: the text as read
        assert store.next_claim("ann").id == claims[0].id
        assert [c.id for c in store.iter_claims()] == [claims[0].id, claims[1].id]
        store.downgrade("0001_initial")
        assert store.review_of(claims[1].id, "ann") == review
        assert {"ix_claims_review_count_score", "ix_claims_document_id_start_offset"} <= index_names(store, "claims")


def test_a_failed_migration_leaves_the_database_as_it_was(db_url: str) -> None:
    with Store.open(db_url, migrate=False) as store:
        store.migrate("0001_initial")
        with store.engine.begin() as conn:  # 0002 will fail at its second step
            conn.execute(text("DROP INDEX ix_reviews_reviewer_claim_id"))
        with pytest.raises(SQLAlchemyError, match="ix_reviews_reviewer_claim_id"):
            store.migrate()
        assert store.schema_revision() == ("0001_initial", HEAD)
        # 0002's first step (replacing the claims index) was rolled back with the rest.
        assert "ix_claims_review_count_score" in index_names(store, "claims")
        assert "ix_claims_withdrawn_review_count_score_id" not in index_names(store, "claims")


def test_processes_starting_together_on_an_empty_database_migrate_once(db_url: str) -> None:
    """Each thread stands for an app process opening the same new database at the same moment."""
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def open_store() -> None:
        start.wait()
        try:
            Store.open(db_url).close()
        except SQLAlchemyError as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Store.open(db_url) as store:
        assert store.schema_revision() == (HEAD, HEAD)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        assert differences(store) == []
