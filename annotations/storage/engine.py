"""The engine and the transactions under every ``Store`` method: connecting (SQLite in WAL mode,
or PostgreSQL), running the migrations, the read, write and snapshot transactions, the role
check inside a write, and the history log every write appends to."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, Self

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import StaticPool

from annotations import schema
from annotations.auth import ACTION_NAMES, Actor
from annotations.domain import DEFAULT_SETTINGS, check_setting
from annotations.errors import PermissionDeniedError, ValidationError
from annotations.records import HistoryEntry, utcnow
from annotations.storage import mapping

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"

# Key of the PostgreSQL advisory lock that lets one process at a time run migrations.
MIGRATION_LOCK = 0x636C61696D  # "claim"


def default_sqlite_url(path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # psycopg hands JSON over as bytes, which json.loads first sniffs for their encoding.
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20,
                             json_deserializer=schema.json_from_bytes)

    memory = parsed.database in (None, "", ":memory:")
    if not memory:
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 60},
        **({"poolclass": StaticPool} if memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module, so BEGIN is ours (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            _use_wal(cursor)
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: two writers never deadlock on a lock upgrade,
        # they queue behind busy_timeout instead.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _use_wal(cursor: Any, patience: float = 60.0) -> None:
    """Put the database in WAL mode (a setting of the file, kept once made).

    Switching a new database needs it to itself for a moment, and SQLite reports "database is
    locked" at once, without waiting, to a connection that asks while another one holds it
    (processes opening a new database together). That other connection is switching it or
    migrating it, so asking again shortly succeeds."""
    deadline = time.monotonic() + patience
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.5)


class StoreBase:
    """What every part of ``Store`` builds on: the engine, migrations, transactions, the role
    check and the history log."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.backend = engine.dialect.name

    # ---- opening

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Self:
        """Connect to ``url`` (an SQLAlchemy URL) and bring its schema up to date."""
        try:
            store = cls(_engine(url), url)
        except ArgumentError as exc:
            raise ValidationError(
                f"a database URL looks like sqlite:///path/to/file.db or "
                f"postgresql+psycopg://user@host/db; got {url!r} ({exc})"
            ) from None
        if migrate:
            current, head = store.schema_revision()
            if current != head:
                store.migrate()
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def location(self) -> str:
        """Where the data lives: the SQLite file path, or the URL without its password."""
        parsed = make_url(self.url)
        if parsed.get_backend_name() == "sqlite":
            return parsed.database or ":memory:"
        return parsed.render_as_string(hide_password=True)

    def _alembic(self, connection: Connection) -> Config:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        return cfg

    @contextmanager
    def _migrating(self) -> Iterator[Connection]:
        """A connection in one transaction for a whole migration run, holding a lock for its
        length (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction advisory lock), so two
        processes starting on the same empty database migrate one after the other, and a failed
        migration leaves the database as it was. Alembic runs inside this transaction."""
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            if self.backend == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            yield conn

    def migrate(self, revision: str = "head") -> None:
        """Run the named, ordered migrations up to ``revision``, in one transaction."""
        with self._migrating() as conn:
            command.upgrade(self._alembic(conn), revision)

    def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` ("base" empties the database), in one transaction."""
        with self._migrating() as conn:
            command.downgrade(self._alembic(conn), revision)

    def schema_revision(self) -> tuple[str | None, str]:
        """(revision of the database, newest revision available)."""
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
            head = ScriptDirectory.from_config(self._alembic(conn)).get_current_head()
        return current, head or ""

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(sqlite_begin="IMMEDIATE") as conn, conn.begin():
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A read transaction that sees one state of the store from its first query to its end,
        however long it stays open (an export) and whatever is saved meanwhile: a reader in
        SQLite's WAL mode does; PostgreSQL needs the REPEATABLE READ isolation level."""
        with self.engine.connect() as conn:
            if self.backend == "postgresql":
                conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    def _authorise(self, conn: Connection, actor: Actor, action: str) -> Actor:
        """The actor as this store knows them, allowed to do ``action``; checked inside the
        write's transaction.

        In local mode (no accounts yet) the actor is taken as given. Once an account exists, only
        an active account may write, and its stored role decides, not the role the page holds:
        a demoted or disabled account loses its rights at its next save."""
        u = schema.users
        row = conn.execute(select(u.c.role, u.c.active).where(u.c.name == actor.name)).first()
        if row is None and conn.execute(select(u.c.name).limit(1)).first() is None:
            actor.require(action)
            return actor
        if actor.local:
            raise PermissionDeniedError(
                f"this store has accounts, so {actor.name} must sign in to {ACTION_NAMES.get(action, action)}; "
                "got a local (not signed-in) session")
        if row is None or not row.active:
            raise PermissionDeniedError(f"there is no active account named {actor.name!r}")
        stored = Actor(name=actor.name, role=row.role)
        stored.require(action)
        return stored

    def _log(
        self,
        conn: Connection,
        actor: str,
        entity: str,
        entity_id: str,
        action: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        claim_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        entry = HistoryEntry(
            entity=entity, entity_id=entity_id, action=action, actor=actor, before=before,
            after=after, claim_id=claim_id, at=at or utcnow(),
        )
        conn.execute(insert(schema.history).values(**mapping.history_values(entry)))

    def _put_setting(self, conn: Connection, actor: Actor, key: str, value: Any) -> None:
        """Store setting ``key`` (checked) inside the write ``conn`` of an authorised ``actor``,
        logged with its old value."""
        s = schema.settings
        value = check_setting(key, value)
        row = conn.execute(select(s).where(s.c.key == key).with_for_update()).first()
        before = {"value": row.value if row else DEFAULT_SETTINGS[key]}
        now = utcnow()
        if row is None:
            conn.execute(insert(s).values(key=key, value=value, version=1, updated_at=now, updated_by=actor.name))
        else:
            conn.execute(update(s).where(s.c.key == key).values(
                value=value, version=row.version + 1, updated_at=now, updated_by=actor.name))
        self._log(conn, actor.name, "setting", key, "set", before, {"value": value}, at=now)
