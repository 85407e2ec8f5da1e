"""All reading and writing of the annotation store goes through ``Store``.

SQLite is the default backend (one file, WAL mode); PostgreSQL serves teams (psycopg 3). Both run
the same SQLAlchemy Core queries, and the schema is made by the Alembic migrations in
``annotations/migrations``. Every write is one transaction that also appends to the history log.

Two guards keep concurrent saves from losing each other:

* each write locks the rows it changes before reading them (``SELECT ... FOR UPDATE`` on
  PostgreSQL; on SQLite every writer starts with ``BEGIN IMMEDIATE``, so writers take turns);
* edits carry the version they were based on, and a stale edit is refused with the newer record
  (``StaleEditError.current``), so no save overwrites another unseen.

Roles are checked inside each write's transaction against the stored account (see
``Store._authorise``), whatever the page showed.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    and_,
    any_,
    bindparam,
    case,
    create_engine,
    event,
    exists,
    false,
    func,
    insert,
    or_,
    select,
    text,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError
from sqlalchemy.pool import StaticPool

from annotations import schema
from annotations.auth import ACTION_NAMES, Actor, hash_password, verify_password
from annotations.errors import (
    AmbiguousIdError,
    NotFoundError,
    PermissionDeniedError,
    StaleEditError,
    ValidationError,
)
from annotations.records import (
    Citation,
    Claim,
    Cues,
    Document,
    HistoryEntry,
    Quantity,
    Review,
    User,
    Verdict,
    check_http_url,
    check_user_name,
    new_id,
    utcnow,
)
from annotations.vocab import CLAIM_STATUSES, CLAIM_TYPES, ROLES, VERDICTS

MIGRATIONS = Path(__file__).with_name("migrations")

DEFAULT_SETTINGS: dict[str, Any] = {
    # How many reviews each claim needs: 1, or 2 for double review.
    "reviews_per_claim": 1,
    # With more than one review per claim, a reviewer sees the others' reviews of a claim, its
    # final verdict and their history only once they saved their own: independent reviews.
    "blind_review": True,
    # The reviewing organisation, named as the author of ClaimReview exports.
    "organisation": "",
    "organisation_url": "",
}
MAX_REVIEWS_PER_CLAIM = 10

MIN_ID_PREFIX = 6

# Key of the PostgreSQL advisory lock that lets one process at a time run migrations.
MIGRATION_LOCK = 0x636C61696D  # "claim"


# ------------------------------------------------------------------------------ query types


@dataclass(frozen=True)
class ClaimFilter:
    """Which claims a queue, a list or an export covers. Empty tuples mean "all"."""

    document_ids: tuple[str, ...] = ()
    claim_types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, allowed in (("claim_types", CLAIM_TYPES), ("statuses", CLAIM_STATUSES)):
            bad = [v for v in getattr(self, name) if v not in allowed]
            if bad:
                raise ValidationError(
                    f"{name} must be among {', '.join(allowed)}; got {', '.join(map(repr, bad))}"
                )


@dataclass(frozen=True)
class ExportFilter(ClaimFilter):
    """Filters of an export: those of a queue, plus verdicts, reviewers and a date range. The store
    applies them all in SQL (see ``_export_clauses``).

    They look at a claim's active reviews, narrowed to those by ``reviewers`` when given, and at
    its adjudicated verdict:

    * ``reviewers``: one of them reviewed the claim (actively) or adjudicated it;
    * ``since``/``until``: one of those reviews, or the adjudication, was last saved in the range
      (both ends included; a time without a zone is taken as UTC);
    * ``verdicts``: with ``final_only``, the claim's final verdict (adjudicated, or agreed by
      enough reviews) is among them; without, one of those reviews' verdicts or the adjudicated
      verdict is;
    * ``final_only``: the claim has a final verdict;
    * ``reviewed_only``: one of those reviews, or an adjudication, exists.
    """

    verdicts: tuple[str, ...] = ()
    reviewers: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    final_only: bool = False
    reviewed_only: bool = True

    def __post_init__(self) -> None:
        ClaimFilter.__post_init__(self)
        bad = [v for v in self.verdicts if v not in VERDICTS]
        if bad:
            raise ValidationError(f"verdicts must be among {', '.join(VERDICTS)}; got {', '.join(map(repr, bad))}")
        for name in ("since", "until"):  # a time without a zone is taken as UTC, as storage does
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                object.__setattr__(self, name, value.replace(tzinfo=UTC))
        if self.since and self.until and self.since > self.until:
            raise ValidationError(f"the date range is empty: since {self.since} is after until {self.until}")


@dataclass(frozen=True, slots=True)
class FinalVerdict:
    verdict: str
    source: str  # "adjudication" or "consensus"
    by: tuple[str, ...]


def resolve_final(active_reviews: Sequence[Review], verdict: Verdict | None, needed: int) -> FinalVerdict | None:
    """A claim's final verdict: the adjudicator's, else the verdict all of at least ``needed``
    active reviews agree on, else none yet."""
    return final_and_status(active_reviews, verdict, needed)[0]


def claim_status(active_reviews: Sequence[Review], verdict: Verdict | None, needed: int) -> str:
    """One of ``vocab.CLAIM_STATUSES``, the same rule as the SQL filters below."""
    return final_and_status(active_reviews, verdict, needed)[1]


def final_and_status(
    active_reviews: Sequence[Review], verdict: Verdict | None, needed: int,
) -> tuple[FinalVerdict | None, str]:
    """A claim's final verdict (``resolve_final``) and status (``claim_status``), worked out
    together: settled by an adjudicator; else disputed when the active reviews disagree,
    unreviewed without any, in review with fewer than ``needed``, and reviewed (with their
    agreed verdict as the final one) with at least ``needed``."""
    if verdict is not None:
        return FinalVerdict(verdict.verdict, "adjudication", (verdict.adjudicator,)), "settled"
    if not active_reviews:
        return None, "unreviewed"
    verdicts = {r.verdict for r in active_reviews}
    if len(verdicts) > 1:
        return None, "disputed"
    if len(active_reviews) < needed:
        return None, "in_review"
    return FinalVerdict(verdicts.pop(), "consensus", tuple(sorted([r.reviewer for r in active_reviews]))), "reviewed"


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    name: str
    origin: str
    url: str | None
    encoding: str
    added_at: datetime
    added_by: str
    n_claims: int
    n_reviewed: int


@dataclass(frozen=True)
class ClaimDetail:
    """Everything the review page shows for one claim."""

    claim: Claim
    document: Document
    reviews: list[Review]
    verdict: Verdict | None
    history: list[HistoryEntry]
    status: str
    final: FinalVerdict | None


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0


@dataclass(slots=True)
class ClaimBundle:
    """A claim with its document, reviews, final verdict and history: one export record."""

    document: Document
    claim: Claim
    reviews: list[Review]
    verdict: Verdict | None
    history: list[HistoryEntry]
    document_history: list[HistoryEntry] = field(default_factory=list)
    final: FinalVerdict | None = None
    status: str = "unreviewed"


@dataclass
class ImportCounts:
    documents: int = 0
    claims: int = 0
    reviews: int = 0
    verdicts: int = 0
    history: int = 0
    skipped: int = 0


# ------------------------------------------------------------------------------- the engine


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


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _check_span(start: object, end: object, length: int) -> None:
    if (isinstance(start, bool) or isinstance(end, bool) or not isinstance(start, int)
            or not isinstance(end, int) or not 0 <= start < end <= length):
        raise ValidationError(f"a claim span must satisfy 0 <= start < end <= {length}; got {start!r}:{end!r}")


class Store:
    """The one interface to stored documents, claims, reviews, verdicts, users and history."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.engine = engine
        self.url = url
        self.backend = engine.dialect.name

    # ---- opening

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
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

    def __enter__(self) -> Store:
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
        conn.execute(insert(schema.history).values(**_history_values(entry)))

    # ---- settings

    def settings(self) -> dict[str, Any]:
        with self._read() as conn:
            rows = conn.execute(select(schema.settings.c.key, schema.settings.c.value)).all()
        values = dict(DEFAULT_SETTINGS)
        values.update({key: value for key, value in rows})
        return values

    def setting(self, key: str) -> Any:
        if key not in DEFAULT_SETTINGS:
            raise ValidationError(f"unknown setting {key!r}; known: {', '.join(DEFAULT_SETTINGS)}")
        return self.settings()[key]

    def set_setting(self, actor: Actor, key: str, value: Any) -> None:
        """Change a project setting (admins only); the change is logged with its old value."""
        s = schema.settings
        try:
            with self._write() as conn:
                actor = self._authorise(conn, actor, "manage")
                value = _check_setting(key, value)
                row = conn.execute(select(s).where(s.c.key == key).with_for_update()).first()
                before = {"value": row.value if row else DEFAULT_SETTINGS[key]}
                now = utcnow()
                if row is None:
                    conn.execute(insert(s).values(key=key, value=value, version=1, updated_at=now,
                                                  updated_by=actor.name))
                else:
                    conn.execute(update(s).where(s.c.key == key).values(
                        value=value, version=row.version + 1, updated_at=now, updated_by=actor.name))
                self._log(conn, actor.name, "setting", key, "set", before, {"value": value}, at=now)
        except IntegrityError:
            # Another admin stored this setting for the first time at the same moment.
            raise StaleEditError(f"setting {key} was just set by someone else; reload to see it",
                                 current=self.setting(key)) from None

    def reviews_per_claim(self) -> int:
        with self._read() as conn:
            return _needed(conn)

    # ---- users

    def accounts_enabled(self) -> bool:
        """Sign-in is required once any account exists; until then the store is in local mode."""
        with self._read() as conn:
            return conn.execute(select(schema.users.c.name).limit(1)).first() is not None

    def list_users(self) -> list[User]:
        with self._read() as conn:
            rows = conn.execute(select(*_USER_COLUMNS).order_by(schema.users.c.name)).all()
        return [_user(r) for r in rows]

    def get_user(self, name: str) -> User:
        with self._read() as conn:
            row = conn.execute(select(*_USER_COLUMNS).where(schema.users.c.name == name)).first()
        if row is None:
            raise NotFoundError(f"no account named {name!r}")
        return _user(row)

    def add_user(self, actor: Actor, name: str, role: str, password: str | None) -> User:
        """Create an account. The first account must be an admin, so nobody is locked out."""
        user = User(name=name, role=role, password_hash=hash_password(password) if password is not None else None)
        u = schema.users
        try:
            with self._write() as conn:
                self._authorise(conn, actor, "manage")
                if conn.execute(select(u.c.name).limit(1)).first() is None and role != "admin":
                    raise ValidationError(
                        f"the first account turns sign-in on, so it must be an admin; got role {role!r}")
                if conn.execute(select(u.c.name).where(u.c.name == user.name)).first():
                    raise ValidationError(f"an account named {user.name!r} already exists")
                conn.execute(insert(u).values(**_user_values(user)))
                self._log(conn, actor.name, "user", user.name, "create", None, _public_user(user))
        except IntegrityError:
            raise ValidationError(f"an account named {user.name!r} already exists") from None
        return user

    def update_user(
        self, actor: Actor, name: str, *, role: str | None = None, active: bool | None = None,
        password: str | None = None,
    ) -> User:
        """Change an account's role, password or active flag. The last active admin stays."""
        if role is not None and role not in ROLES:
            raise ValidationError(f"role must be one of {', '.join(ROLES)}; got {role!r}")
        password_hash = hash_password(password) if password is not None else None
        u = schema.users
        with self._write() as conn:
            actor = self._authorise(conn, actor, "manage")
            row = conn.execute(select(*_USER_COLUMNS).where(u.c.name == name).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no account named {name!r}")
            old = _user(row)
            new = old.replace(
                role=role if role is not None else old.role,
                active=active if active is not None else old.active,
                password_hash=password_hash or old.password_hash,
            )
            if old.role == "admin" and old.active and (new.role != "admin" or not new.active):
                # Lock every active admin, so two admins demoting each other cannot both pass.
                admins = conn.execute(select(u.c.name).where(
                    u.c.role == "admin", u.c.active.is_(True)).with_for_update()).scalars().all()
                if len(admins) <= 1:
                    raise ValidationError(f"{name!r} is the last active admin; make another admin first")
            conn.execute(update(u).where(u.c.name == name).values(**_user_values(new)))
            self._log(conn, actor.name, "user", name, "update", _public_user(old), _public_user(new))
        return new

    def authenticate(self, name: str, password: str | None) -> Actor:
        """The actor for a sign-in; refuses a wrong name or password with one message for both."""
        refused = PermissionDeniedError("wrong name or password, or the account is disabled")
        try:
            user = self.get_user(check_user_name(name))
        except (NotFoundError, ValidationError):
            raise refused from None
        if not user.active:
            raise refused
        if user.password_hash is not None and not verify_password(user.password_hash, password or ""):
            raise refused
        return Actor(name=user.name, role=user.role)

    # ---- documents

    def add_document(self, actor: Actor, document: Document, claims: Iterable[Claim] = ()) -> tuple[Document, bool]:
        """Store a document with its extracted claims, in one transaction.

        Loading a text that is already stored (same content hash) stores nothing and returns the
        stored document with ``False``."""
        d = schema.documents
        try:
            with self._write() as conn:
                actor = self._authorise(conn, actor, "load")
                row = conn.execute(select(*_DOCUMENT_COLUMNS).where(d.c.content_hash == document.content_hash)).first()
                if row is not None:
                    return _document(row), False
                document = document.replace(added_by=actor.name)
                conn.execute(insert(d).values(**_document_values(document)))
                self._log(conn, actor.name, "document", document.id, "create", None,
                          _document_summary_dict(document), at=document.added_at)
                rows, logs = [], []
                for claim in claims:
                    if claim.document_id != document.id:
                        raise ValidationError(
                            f"claim {claim.id} belongs to document {claim.document_id}, not {document.id}")
                    claim.check_against(document.text)
                    rows.append(_claim_values(claim))
                    logs.append(_history_values(HistoryEntry(
                        entity="claim", entity_id=claim.id, action="create", actor=actor.name,
                        before=None, after=_claim_state(claim), claim_id=claim.id, at=claim.created_at)))
                if rows:
                    conn.execute(insert(schema.claims), rows)
                    conn.execute(insert(schema.history), logs)
        except IntegrityError:
            # The same text was loaded elsewhere at the same moment: that copy stands.
            with self._read() as conn:
                row = conn.execute(select(*_DOCUMENT_COLUMNS).where(d.c.content_hash == document.content_hash)).first()
            if row is None:
                raise
            return _document(row), False
        return document, True

    def get_document(self, document_id: str) -> Document:
        with self._read() as conn:
            row = conn.execute(select(*_DOCUMENT_COLUMNS).where(schema.documents.c.id == document_id)).first()
        if row is None:
            raise NotFoundError(f"no document with id {document_id!r}")
        return _document(row)

    def list_documents(self) -> list[DocumentSummary]:
        d, c = schema.documents, schema.claims
        n_claims = (select(func.count()).where(c.c.document_id == d.c.id, c.c.withdrawn == false())
                    .correlate(d).scalar_subquery())
        n_reviewed = (select(func.count()).where(c.c.document_id == d.c.id, c.c.withdrawn == false(),
                                                 c.c.review_count > 0).correlate(d).scalar_subquery())
        query = select(d.c.id, d.c.name, d.c.origin, d.c.url, d.c.encoding, d.c.added_at, d.c.added_by,
                       n_claims.label("n_claims"), n_reviewed.label("n_reviewed")).order_by(d.c.added_at, d.c.name)
        with self._read() as conn:
            return [DocumentSummary(**row._mapping) for row in conn.execute(query)]

    # ---- claims

    def resolve_claim_id(self, ref: str) -> str:
        """A full claim id from an id or a unique prefix of at least six characters."""
        ref = (ref or "").strip()
        c = schema.claims
        with self._read() as conn:
            if conn.execute(select(c.c.id).where(c.c.id == ref)).first():
                return ref
            if len(ref) < MIN_ID_PREFIX:
                raise NotFoundError(f"no claim with id {ref!r} (a prefix needs {MIN_ID_PREFIX}+ characters)")
            found = conn.execute(select(c.c.id).where(c.c.id.startswith(ref, autoescape=True))
                                 .order_by(c.c.id).limit(3)).scalars().all()
        if not found:
            raise NotFoundError(f"no claim with id {ref!r}")
        if len(found) > 1:
            raise AmbiguousIdError(f"claim id prefix {ref!r} matches several claims: {', '.join(found)}")
        return found[0]

    def get_claim(self, claim_id: str) -> Claim:
        with self._read() as conn:
            return _claim(_claim_row(conn, claim_id))

    def add_claim(
        self, actor: Actor, document_id: str, start: int, end: int, *, claim_type: str = "other",
        score: float = 1.0, context: str = "",
    ) -> Claim:
        """A claim the pipeline missed, added by a reviewer: its span must lie in the document
        and must not be the span of another claim."""
        d = schema.documents
        with self._write() as conn:
            actor = self._authorise(conn, actor, "edit_claim")
            # Locking the document serialises claim edits per document (no duplicate spans).
            text_ = conn.execute(select(d.c.text).where(d.c.id == document_id).with_for_update()).scalar()
            if text_ is None:
                raise NotFoundError(f"no document with id {document_id!r}")
            _check_span(start, end, len(text_))
            claim = Claim(
                document_id=document_id, start=start, end=end, text=text_[start:end],
                claim_type=claim_type, score=score, rule_id="reviewer", context=context,
                origin="reviewer", created_by=actor.name,
            )
            _refuse_same_span(conn, claim)
            conn.execute(insert(schema.claims).values(**_claim_values(claim)))
            self._log(conn, actor.name, "claim", claim.id, "create", None, _claim_state(claim),
                      claim_id=claim.id, at=claim.created_at)
        return claim

    def update_claim(
        self, actor: Actor, claim_id: str, expected_version: int, *, start: int | None = None,
        end: int | None = None, claim_type: str | None = None,
    ) -> Claim:
        """Adjust a claim's span or type. ``expected_version`` is the version the edit started from."""
        c, d = schema.claims, schema.documents
        with self._write() as conn:
            actor = self._authorise(conn, actor, "edit_claim")
            document_id = conn.execute(select(c.c.document_id).where(c.c.id == claim_id)).scalar()
            if document_id is None:
                raise NotFoundError(f"no claim with id {claim_id!r}")
            text_ = conn.execute(select(d.c.text).where(d.c.id == document_id).with_for_update()).scalar_one()
            old = _claim(conn.execute(select(*_CLAIM_COLUMNS).where(c.c.id == claim_id).with_for_update()).one())
            if old.version != expected_version:
                raise StaleEditError(
                    f"claim {claim_id} changed since you opened it (you edited version {expected_version}, "
                    f"the stored one is version {old.version}: {old.start}:{old.end} {old.text!r})", current=old)
            if old.withdrawn:
                raise ValidationError(f"claim {claim_id} was withdrawn and cannot be edited")
            new_start = old.start if start is None else start
            new_end = old.end if end is None else end
            _check_span(new_start, new_end, len(text_))
            sentence_start, sentence_end = old.sentence_start, old.sentence_end
            if sentence_start is not None and sentence_end is not None:
                sentence_start, sentence_end = min(sentence_start, new_start), max(sentence_end, new_end)
            new = old.replace(
                start=new_start, end=new_end, text=text_[new_start:new_end],
                claim_type=claim_type or old.claim_type, sentence_start=sentence_start,
                sentence_end=sentence_end, updated_at=utcnow(), version=old.version + 1,
            )
            _refuse_same_span(conn, new)
            conn.execute(update(c).where(c.c.id == claim_id).values(
                **{k: v for k, v in _claim_values(new).items() if k not in ("id", "review_count")}))
            self._log(conn, actor.name, "claim", claim_id, "update", _claim_state(old), _claim_state(new),
                      claim_id=claim_id, at=new.updated_at)
        return new

    def _filter_clauses(self, flt: ClaimFilter | None, needed: int, *, document_order: bool = False) -> list[Any]:
        """SQL: the claim is not withdrawn and passes ``flt``'s queue filters.

        With ``document_order`` the withdrawn test takes a form no index serves
        (``withdrawn IS NOT true``), so that SQLite walks the (document_id, start_offset, id)
        index in the order asked for instead of searching the queue index on ``withdrawn`` and
        sorting every batch (see ``_ClaimPages``)."""
        c = schema.claims
        clauses: list[Any] = [c.c.withdrawn.is_not(True) if document_order else c.c.withdrawn == false()]
        if flt is None:
            return clauses
        if flt.document_ids:
            clauses.append(c.c.document_id.in_(flt.document_ids))
        if flt.claim_types:
            clauses.append(c.c.claim_type.in_(flt.claim_types))
        if flt.statuses:
            clauses.append(_status_sql(needed).in_(flt.statuses))
        return clauses

    def _queue_clauses(self, reviewer: str) -> list[Any]:
        """SQL: the claim has no active review by ``reviewer`` and no final verdict. With
        ``review_count < reviews_per_claim`` these make a reviewer's queue."""
        c, r = schema.claims, schema.reviews
        return [
            ~exists().where(r.c.claim_id == c.c.id, r.c.reviewer == reviewer, r.c.withdrawn == false()),
            ~_settled(),
        ]

    def next_claim(self, reviewer: str, flt: ClaimFilter | None = None) -> Claim | None:
        """The highest-scoring claim that still needs this reviewer's review.

        One branch per number of reviews a claim may have while it still needs more (0 ..
        reviews_per_claim - 1), each walking the (withdrawn, review_count, score, id) index from
        the top and stopping at its first claim; the best of those few heads wins."""
        c = schema.claims
        with self._read() as conn:
            needed = _needed(conn)
            where = [*self._filter_clauses(flt, needed), *self._queue_clauses(reviewer)]
            heads = [select(c.c.id, c.c.score).where(*where, c.c.review_count == n)
                     .order_by(*_QUEUE_ORDER).limit(1).subquery() for n in range(needed)]
            best = union_all(*(select(h.c.id, h.c.score) for h in heads)).subquery()
            row = conn.execute(select(*_CLAIM_COLUMNS).join(best, best.c.id == c.c.id)
                               .order_by(best.c.score.desc(), best.c.id.desc()).limit(1)).first()
        return _claim(row) if row else None

    def neighbour_claim(self, claim_id: str, step: int, flt: ClaimFilter | None = None) -> Claim | None:
        """The claim before (step -1) or after (step +1) ``claim_id`` in queue order (score, then
        id, both descending), among the claims ``flt`` selects."""
        if step not in (-1, 1):
            raise ValidationError(f"step must be -1 (previous) or 1 (next); got {step!r}")
        c = schema.claims
        with self._read() as conn:
            current = _claim_row(conn, claim_id)
            key, here = tuple_(c.c.score, c.c.id), tuple_(current.score, current.id)
            if step > 0:
                query = select(*_CLAIM_COLUMNS).where(key < here).order_by(*_QUEUE_ORDER)
            else:
                query = select(*_CLAIM_COLUMNS).where(key > here).order_by(c.c.score, c.c.id)
            row = conn.execute(query.where(*self._filter_clauses(flt, _needed(conn))).limit(1)).first()
        return _claim(row) if row else None

    def list_claims(self, flt: ClaimFilter | None = None, *, limit: int | None = None, offset: int = 0) -> list[Claim]:
        """Claims in queue order (highest score first)."""
        with self._read() as conn:
            query = (select(*_CLAIM_COLUMNS).where(*self._filter_clauses(flt, _needed(conn)))
                     .order_by(*_QUEUE_ORDER).offset(offset))
            if limit is not None:
                query = query.limit(limit)
            return [_claim(r) for r in conn.execute(query)]

    def iter_claims(self, flt: ClaimFilter | None = None, *, batch_size: int = 1000) -> Iterator[Claim]:
        """Every claim in document order, fetched in batches (keyset pagination over the
        (document_id, start_offset, id) index), so memory stays flat and no claim is read twice."""
        pages = _ClaimPages(self._filter_clauses(flt, self.reviews_per_claim(), document_order=True), batch_size)
        while True:
            with self._read() as conn:
                rows = pages.next(conn)
            yield from (_claim(row) for row in rows)
            if pages.done:
                return

    def count_claims(self, flt: ClaimFilter | None = None) -> int:
        with self._read() as conn:
            return conn.execute(select(func.count()).select_from(schema.claims).where(
                *self._filter_clauses(flt, _needed(conn)))).scalar_one()

    def progress(self, flt: ClaimFilter | None = None, reviewer: str | None = None) -> Progress:
        """Reviewed out of total. With a reviewer: claims they reviewed, out of those they reviewed
        plus those still waiting for them; without: claims with enough reviews (or settled)."""
        c, r = schema.claims, schema.reviews
        with self._read() as conn:
            needed = _needed(conn)
            base = self._filter_clauses(flt, needed)
            open_ = and_(c.c.review_count < needed, ~_settled())
            if reviewer is None:
                total, done = conn.execute(
                    select(func.count(), func.count(case((~open_, 1)))).select_from(c).where(*base)).one()
                return Progress(done, total)
            # Waiting for this reviewer = open claims minus the open ones they already reviewed;
            # their reviews are read through the reviewer index, the open claims through the queue index.
            n_open = conn.execute(select(func.count()).select_from(c).where(*base, open_)).scalar_one()
            done, done_open = conn.execute(
                select(func.count(), func.count(case((open_, 1)))).select_from(r)
                .join(c, c.c.id == r.c.claim_id).where(r.c.reviewer == reviewer, r.c.withdrawn == false(), *base)
            ).one()
        return Progress(done, done + n_open - done_open)

    def claim_detail(self, claim_id: str) -> ClaimDetail:
        """A claim with its document, every review (withdrawn ones too), final verdict, status and
        history, read in one transaction."""
        r, v, h = schema.reviews, schema.verdicts, schema.history
        with self._read() as conn:
            claim = _claim(_claim_row(conn, claim_id))
            document = _document(conn.execute(select(*_DOCUMENT_COLUMNS).where(
                schema.documents.c.id == claim.document_id)).one())
            reviews = [_review(x) for x in conn.execute(
                select(*_REVIEW_COLUMNS).where(r.c.claim_id == claim_id).order_by(r.c.created_at, r.c.id))]
            vrow = conn.execute(select(*_VERDICT_COLUMNS).where(v.c.claim_id == claim_id)).first()
            history = [_history(x) for x in conn.execute(
                select(*_HISTORY_COLUMNS).where(h.c.claim_id == claim_id).order_by(h.c.seq))]
            needed = _needed(conn)
        verdict = _verdict(vrow) if vrow else None
        active = [x for x in reviews if not x.withdrawn]
        return ClaimDetail(claim, document, reviews, verdict, history,
                           claim_status(active, verdict, needed), resolve_final(active, verdict, needed))

    # ---- reviews

    def review_of(self, claim_id: str, reviewer: str) -> Review | None:
        """This reviewer's review of the claim (withdrawn or not), or None."""
        r = schema.reviews
        with self._read() as conn:
            row = conn.execute(select(*_REVIEW_COLUMNS).where(r.c.claim_id == claim_id, r.c.reviewer == reviewer)).first()
        return _review(row) if row else None

    def reviews_for_claim(self, claim_id: str, *, include_withdrawn: bool = False) -> list[Review]:
        r = schema.reviews
        query = select(*_REVIEW_COLUMNS).where(r.c.claim_id == claim_id)
        if not include_withdrawn:
            query = query.where(r.c.withdrawn == false())
        with self._read() as conn:
            return [_review(x) for x in conn.execute(query.order_by(r.c.created_at, r.c.id))]

    def save_review(
        self, actor: Actor, claim_id: str, verdict: str, rationale: str = "",
        citations: Sequence[Citation] = (), expected_version: int | None = None,
    ) -> Review:
        """Save the acting reviewer's own review of a claim, in one transaction.

        ``expected_version`` is the version of this reviewer's review that the edit started from,
        None when they saw no review of theirs. If the stored review is newer (another tab saved
        it), the save is refused with ``StaleEditError`` carrying the stored review. Saving over
        one's own withdrawn review restores it."""
        now = utcnow()
        draft = Review(claim_id=claim_id, reviewer=actor.name, verdict=verdict, rationale=rationale,
                       citations=tuple(citations), created_at=now)
        r, c = schema.reviews, schema.claims
        try:
            with self._write() as conn:
                self._authorise(conn, actor, "review")
                if _claim_row(conn, claim_id).withdrawn:
                    raise ValidationError(f"claim {claim_id} was withdrawn and takes no reviews")
                row = conn.execute(select(*_REVIEW_COLUMNS).where(
                    r.c.claim_id == claim_id, r.c.reviewer == actor.name).with_for_update()).first()
                if row is None:
                    if expected_version is not None:
                        raise ValidationError(
                            f"there is no review of claim {claim_id} by {actor.name} at version {expected_version}")
                    conn.execute(insert(r).values(**_review_values(draft)))
                    conn.execute(update(c).where(c.c.id == claim_id).values(review_count=c.c.review_count + 1))
                    self._log(conn, actor.name, "review", draft.id, "create", None, _review_state(draft),
                              claim_id=claim_id, at=now)
                    return draft
                old = _review(row)
                if expected_version != old.version:
                    raise StaleEditError(
                        f"your review of this claim was changed elsewhere (another tab or session) "
                        f"since you opened it: you edited version {expected_version}, stored version "
                        f"{old.version} says {old.verdict!r}{' (withdrawn)' if old.withdrawn else ''}. "
                        "Reload to see it, then save again.", current=old)
                new = old.replace(verdict=verdict, rationale=draft.rationale, citations=draft.citations,
                                  updated_at=now, version=old.version + 1, withdrawn=False)
                conn.execute(update(r).where(r.c.id == old.id).values(
                    verdict=new.verdict, rationale=new.rationale, citations=_citations_json(new.citations),
                    updated_at=now, version=new.version, withdrawn=False))
                if old.withdrawn:
                    conn.execute(update(c).where(c.c.id == claim_id).values(review_count=c.c.review_count + 1))
                self._log(conn, actor.name, "review", old.id, "restore" if old.withdrawn else "update",
                          _review_state(old), _review_state(new), claim_id=claim_id, at=now)
                return new
        except IntegrityError:
            # Another tab of the same reviewer inserted the review between our read and write.
            raise StaleEditError(
                "this claim was just reviewed by you in another tab or session; reload to see that review",
                current=self.review_of(claim_id, actor.name)) from None

    def withdraw_review(self, actor: Actor, review_id: str, expected_version: int) -> Review:
        """Mark a review withdrawn (never deleted). Only its author or an admin may."""
        r, c = schema.reviews, schema.claims
        with self._write() as conn:
            actor = self._authorise(conn, actor, "review")
            row = conn.execute(select(*_REVIEW_COLUMNS).where(r.c.id == review_id).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no review with id {review_id!r}")
            old = _review(row)
            if old.reviewer != actor.name:
                actor.require("withdraw_any")
            if old.version != expected_version:
                raise StaleEditError(
                    f"review {review_id} changed since you opened it (you saw version {expected_version}, "
                    f"stored version {old.version} says {old.verdict!r})", current=old)
            if old.withdrawn:
                raise ValidationError(f"review {review_id} is already withdrawn")
            now = utcnow()
            new = old.replace(withdrawn=True, updated_at=now, version=old.version + 1)
            conn.execute(update(r).where(r.c.id == review_id).values(
                withdrawn=True, updated_at=now, version=new.version))
            conn.execute(update(c).where(c.c.id == old.claim_id).values(review_count=c.c.review_count - 1))
            self._log(conn, actor.name, "review", review_id, "withdraw", _review_state(old), _review_state(new),
                      claim_id=old.claim_id, at=now)
        return new

    # ---- adjudication

    def verdict_for(self, claim_id: str) -> Verdict | None:
        with self._read() as conn:
            row = conn.execute(select(*_VERDICT_COLUMNS).where(schema.verdicts.c.claim_id == claim_id)).first()
        return _verdict(row) if row else None

    def disputed_claims(self, flt: ClaimFilter | None = None, *, include_settled: bool = False) -> list[Claim]:
        """Claims whose active reviews disagree, highest score first; with ``include_settled``
        also those an adjudicator has since settled. ``flt.statuses`` is not used here."""
        flt = dataclasses.replace(flt or ClaimFilter(), statuses=())
        r = schema.reviews
        disagree = schema.claims.c.id.in_(
            select(r.c.claim_id).where(r.c.withdrawn == false()).group_by(r.c.claim_id)
            .having(func.count(r.c.verdict.distinct()) > 1))
        with self._read() as conn:
            clauses = [*self._filter_clauses(flt, _needed(conn)), disagree]
            if not include_settled:
                clauses.append(~_settled())
            return [_claim(row) for row in conn.execute(
                select(*_CLAIM_COLUMNS).where(*clauses).order_by(*_QUEUE_ORDER))]

    def save_verdict(
        self, actor: Actor, claim_id: str, verdict: str, rationale: str = "",
        citations: Sequence[Citation] = (), expected_version: int | None = None,
    ) -> Verdict:
        """Record (or revise) the final verdict on a claim. Needs the adjudicator role.

        ``expected_version`` is the version of the final verdict the adjudicator saw (None: none)."""
        now = utcnow()
        draft = Verdict(claim_id=claim_id, adjudicator=actor.name, verdict=verdict, rationale=rationale,
                        citations=tuple(citations), created_at=now)
        v = schema.verdicts
        try:
            with self._write() as conn:
                self._authorise(conn, actor, "adjudicate")
                _claim_row(conn, claim_id)
                row = conn.execute(select(*_VERDICT_COLUMNS).where(v.c.claim_id == claim_id).with_for_update()).first()
                if row is None:
                    if expected_version is not None:
                        raise ValidationError(f"claim {claim_id} has no final verdict at version {expected_version}")
                    conn.execute(insert(v).values(**_verdict_values(draft)))
                    self._log(conn, actor.name, "verdict", draft.id, "create", None, _verdict_state(draft),
                              claim_id=claim_id, at=now)
                    return draft
                old = _verdict(row)
                if expected_version != old.version:
                    raise StaleEditError(
                        f"the final verdict on this claim was recorded by {old.adjudicator} since you opened "
                        f"it: {old.verdict!r} (version {old.version}). Reload to see it.", current=old)
                new = old.replace(adjudicator=actor.name, verdict=verdict, rationale=draft.rationale,
                                  citations=draft.citations, updated_at=now, version=old.version + 1)
                conn.execute(update(v).where(v.c.id == old.id).values(
                    adjudicator=new.adjudicator, verdict=new.verdict, rationale=new.rationale,
                    citations=_citations_json(new.citations), updated_at=now, version=new.version))
                self._log(conn, actor.name, "verdict", old.id, "update", _verdict_state(old),
                          _verdict_state(new), claim_id=claim_id, at=now)
                return new
        except IntegrityError:
            raise StaleEditError("another adjudicator recorded a final verdict at the same moment; reload",
                                 current=self.verdict_for(claim_id)) from None

    # ---- history and analysis

    def history(self, *, claim_id: str | None = None, entity_id: str | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        """Logged changes, oldest first."""
        h = schema.history
        query = select(*_HISTORY_COLUMNS).order_by(h.c.seq)
        if claim_id is not None:
            query = query.where(h.c.claim_id == claim_id)
        if entity_id is not None:
            query = query.where(h.c.entity_id == entity_id)
        if limit is not None:
            query = query.limit(limit)
        with self._read() as conn:
            return [_history(r) for r in conn.execute(query)]

    def ratings(self) -> Iterator[tuple[str, str, str, str]]:
        """(claim_id, reviewer, verdict, claim_type) of every active review of an active claim."""
        r, c = schema.reviews, schema.claims
        query = (select(r.c.claim_id, r.c.reviewer, r.c.verdict, c.c.claim_type)
                 .join(c, c.c.id == r.c.claim_id)
                 .where(r.c.withdrawn == false(), c.c.withdrawn == false())
                 .order_by(r.c.claim_id, r.c.reviewer))
        with self._read() as conn:
            yield from (tuple(row) for row in conn.execute(query))

    def counts(self) -> dict[str, int]:
        with self._read() as conn:
            return {
                name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("documents", schema.documents), ("claims", schema.claims),
                                    ("reviews", schema.reviews), ("verdicts", schema.verdicts),
                                    ("history", schema.history), ("users", schema.users))
            }

    def reviewers(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(schema.reviews.c.reviewer).distinct()
                                     .order_by(schema.reviews.c.reviewer)).scalars())

    # ---- export and import

    def iter_bundles(
        self, flt: ExportFilter | None = None, *, batch_size: int = 200, include_history: bool = True,
    ) -> Iterator[ClaimBundle]:
        """Claims with their document, reviews, verdict and history, in document order, streamed
        in batches so memory stays flat however large the store is.

        The whole iteration reads one snapshot of the store (``_snapshot``): saves made while it
        runs are not in it, so an export is consistent. Each batch is a page of claims (keyset
        pagination over the (document_id, start_offset, id) index, ``flt`` applied in SQL), then
        the reviews, verdicts, history and documents of that page, one query each. A batch holds
        at most ``batch_size`` claims and the documents they belong to; small batches keep few
        objects alive at once, which keeps the garbage collector's full passes rare.

        Without ``include_history`` the history (the largest table) is not read, and the bundles'
        ``history`` and ``document_history`` are empty: for formats that do not write it. Close
        the iterator (or run it to its end) to end the read transaction."""
        flt = flt or ExportFilter()
        with self._snapshot() as conn:
            needed = _needed(conn)
            pages = _ClaimPages([*self._filter_clauses(flt, needed, document_order=True),
                                 *_export_clauses(flt, needed)], batch_size)
            queries = _bundle_queries(self.backend)
            # The last document of the previous batch, whose claims may go on in this one.
            carried: dict[str, tuple[Document, list[HistoryEntry]]] = {}
            while True:
                batch = _bundle_batch(conn, queries, pages.next(conn), carried, needed, include_history)
                yield from batch
                if pages.done:
                    return
                last = batch[-1]
                carried = {last.document.id: (last.document, last.document_history)}

    def import_bundles(
        self, actor: Actor, bundles: Iterable[ClaimBundle], *, batch_size: int = 500,
        import_id: str | None = None, source: str = "",
    ) -> ImportCounts:
        """Load exported claim bundles in one transaction: all or nothing. Needs the admin role,
        as it brings in other people's reviews and verdicts.

        Records already present (same id) are skipped, so importing twice adds nothing, and so is
        a second review of a claim by the same reviewer. A document whose text is already stored
        under another id is matched by its content hash. Rows are written in batches, so large
        imports stay fast.

        An import that adds anything is logged once, as a ``dataset`` ``import`` entry by
        ``actor``: its entity id is ``import_id`` (the file's SHA-256 when ``import_jsonl`` runs
        it; a new id by default), and ``after`` holds ``source`` (what was imported, such as the
        file name) and the counts. That entry concerns no document or claim, so no export
        carries it: an export imported into an empty store exports byte for byte the same."""
        counts = ImportCounts()
        doc_ids: dict[str, str] = {}
        seen_history: set[str] = set()
        with self._write() as conn:
            actor = self._authorise(conn, actor, "manage")
            for chunk in _chunks(bundles, batch_size):
                _import_chunk(conn, chunk, doc_ids, seen_history, counts)
            changed = bool(counts.documents or counts.claims or counts.reviews or counts.verdicts or counts.history)
            if changed:
                self._log(conn, actor.name, "dataset", import_id or new_id(), "import", None,
                          {"source": source, **dataclasses.asdict(counts)})
        if changed and self.backend == "postgresql":
            # PostgreSQL plans the export's lookups by claim id from table statistics; after a
            # bulk import they are stale until autovacuum gets round to it (if it runs at all),
            # and stale ones make it scan whole tables.
            with self.engine.connect() as conn:
                conn.execute(text(f"ANALYZE {', '.join(t.name for t in _IMPORTED_TABLES)}"))
                conn.commit()
        return counts


# --------------------------------------------------------------------------- query helpers

_IMPORTED_TABLES = (schema.documents, schema.claims, schema.reviews, schema.verdicts, schema.history)

_QUEUE_ORDER = (schema.claims.c.score.desc(), schema.claims.c.id.desc())
_DOCUMENT_ORDER = (schema.claims.c.document_id, schema.claims.c.start_offset, schema.claims.c.id)


class _ClaimPages:
    """Claim rows in document order, a page of up to ``size`` at a time (keyset pagination).

    The (document_id, start_offset, id) index serves both the order and the seek past the last
    row of the page before, so each page costs the same however deep into the table it is.
    ``where`` must test withdrawn in its unindexable form (``_filter_clauses(...,
    document_order=True)``): else SQLite takes the queue index for ``withdrawn = false`` and
    sorts the whole table for every page. The two queries are built once, for every page."""

    def __init__(self, where: list[Any], size: int) -> None:
        self._first = select(*_CLAIM_COLUMNS).where(*where).order_by(*_DOCUMENT_ORDER).limit(size)
        self._next = self._first.where(tuple_(*_DOCUMENT_ORDER) > tuple_(
            bindparam("after_document"), bindparam("after_start"), bindparam("after_id")))
        self._size = size
        self._after: dict[str, Any] | None = None
        self.done = False

    def next(self, conn: Connection) -> list[Any]:
        """The next page; ``done`` turns true once a page comes back short (the last one)."""
        if self._after is None:
            rows = conn.execute(self._first).all()
        else:
            rows = conn.execute(self._next, self._after).all()
        if len(rows) < self._size:
            self.done = True
        else:
            last = rows[-1]
            self._after = {"after_document": last.document_id, "after_start": last.start_offset,
                           "after_id": last.id}
        return rows


def _bundle_batch(
    conn: Connection, queries: _BundleQueries, rows: list[Any], carried: dict[str, tuple[Document, list[HistoryEntry]]], needed: int,
    include_history: bool,
) -> list[ClaimBundle]:
    """The bundles of a page of claim rows: their reviews, verdicts, history and the documents not
    ``carried`` over from the page before, read with one query each."""
    claims = [_claim(row) for row in rows]
    if not claims:
        return []
    ids = {"ids": [claim.id for claim in claims]}
    # Results are read with .all(): one fetch for the lot, where iterating fetches row by row.
    reviews_by: dict[str, list[Review]] = {}
    for row in conn.execute(queries.reviews, ids).all():
        review = _review(row)
        reviews_by.setdefault(review.claim_id, []).append(review)
    verdict_by = {v.claim_id: v for v in map(_verdict, conn.execute(queries.verdicts, ids).all())}
    documents = dict(carried)
    missing = {"ids": list(dict.fromkeys(c.document_id for c in claims if c.document_id not in documents))}
    if missing["ids"]:
        doc_history: dict[str, list[HistoryEntry]] = {doc_id: [] for doc_id in missing["ids"]}
        if include_history:
            for row in conn.execute(queries.document_history, missing).all():
                entry = _history(row)
                doc_history[entry.entity_id].append(entry)
        for row in conn.execute(queries.documents, missing).all():
            document = _document(row)
            documents[document.id] = (document, doc_history[document.id])
    history_by: dict[str, list[HistoryEntry]] = {}
    if include_history:
        for row in conn.execute(queries.history, ids).all():
            entry = _history(row)
            history_by.setdefault(entry.claim_id, []).append(entry)  # type: ignore[arg-type]
    bundles = []
    for claim in claims:
        document, document_history = documents[claim.document_id]
        reviews = reviews_by.get(claim.id, [])
        verdict = verdict_by.get(claim.id)
        final, status = final_and_status([x for x in reviews if not x.withdrawn], verdict, needed)
        bundles.append(ClaimBundle(document, claim, reviews, verdict, history_by.get(claim.id, []),
                                   document_history, final, status))
    return bundles


def _export_clauses(flt: ExportFilter, needed: int) -> list[Any]:
    """SQL: the claim passes the review filters of ``flt``, by the rules ``ExportFilter`` states."""
    c, r, v = schema.claims, schema.reviews, schema.verdicts

    def reviewed(*conditions: Any) -> Any:
        """An active review of the claim, by one of ``flt.reviewers`` when given, that meets ``conditions``."""
        if flt.reviewers:
            conditions = (*conditions, r.c.reviewer.in_(flt.reviewers))
        elif not conditions:  # kept in step with the active reviews by every write
            return c.c.review_count > 0
        return exists().where(r.c.claim_id == c.c.id, r.c.withdrawn == false(), *conditions).correlate(c)

    def adjudicated(*conditions: Any) -> Any:
        return exists().where(v.c.claim_id == c.c.id, *conditions).correlate(c)

    def in_range(stamp: Any) -> list[Any]:
        return [*([stamp >= flt.since] if flt.since else []), *([stamp <= flt.until] if flt.until else [])]

    clauses: list[Any] = []
    if flt.reviewers:
        clauses.append(or_(reviewed(), adjudicated(v.c.adjudicator.in_(flt.reviewers))))
    if flt.since or flt.until:
        clauses.append(or_(reviewed(*in_range(func.coalesce(r.c.updated_at, r.c.created_at))),
                           adjudicated(*in_range(func.coalesce(v.c.updated_at, v.c.created_at)))))
    if flt.final_only:
        # resolve_final: adjudicated, or enough active reviews that all agree.
        clauses.append(or_(_settled(), and_(c.c.review_count >= needed, _distinct_verdicts() == 1)))
        if flt.verdicts:
            # The final verdict is the adjudicated one, else the one verdict of all active reviews.
            agreed = exists().where(r.c.claim_id == c.c.id, r.c.withdrawn == false(),
                                    r.c.verdict.in_(flt.verdicts)).correlate(c)
            clauses.append(or_(adjudicated(v.c.verdict.in_(flt.verdicts)), and_(~_settled(), agreed)))
    elif flt.verdicts:
        clauses.append(or_(reviewed(r.c.verdict.in_(flt.verdicts)), adjudicated(v.c.verdict.in_(flt.verdicts))))
    if flt.reviewed_only:
        clauses.append(or_(reviewed(), adjudicated()))
    return clauses


def _needed(conn: Connection) -> int:
    """The ``reviews_per_claim`` setting, read in the caller's transaction."""
    s = schema.settings
    value = conn.execute(select(s.c.value).where(s.c.key == "reviews_per_claim")).scalar()
    return int(value) if value is not None else DEFAULT_SETTINGS["reviews_per_claim"]


def _claim_row(conn: Connection, claim_id: str) -> Any:
    row = conn.execute(select(*_CLAIM_COLUMNS).where(schema.claims.c.id == claim_id)).first()
    if row is None:
        raise NotFoundError(f"no claim with id {claim_id!r}")
    return row


def _settled() -> Any:
    """SQL: the claim has a final verdict."""
    v = schema.verdicts
    return exists().where(v.c.claim_id == schema.claims.c.id).correlate(schema.claims)


def _status_sql(needed: int) -> Any:
    """SQL: the claim's status, by the rule of ``claim_status``. Disagreement needs two active
    reviews, so the verdict subquery runs only for claims that have them."""
    c = schema.claims
    return case(
        (_settled(), "settled"),
        (and_(c.c.review_count > 1, _distinct_verdicts() > 1), "disputed"),
        (c.c.review_count == 0, "unreviewed"),
        (c.c.review_count < needed, "in_review"),
        else_="reviewed",
    )


def _distinct_verdicts() -> Any:
    """SQL: how many different verdicts the claim's active reviews give."""
    r = schema.reviews
    return (select(func.count(r.c.verdict.distinct()))
            .where(r.c.claim_id == schema.claims.c.id, r.c.withdrawn == false())
            .correlate(schema.claims).scalar_subquery())


def _refuse_same_span(conn: Connection, claim: Claim) -> None:
    c = schema.claims
    same = conn.execute(select(c.c.id).where(
        c.c.document_id == claim.document_id, c.c.start_offset == claim.start, c.c.end_offset == claim.end,
        c.c.withdrawn == false(), c.c.id != claim.id)).first()
    if same is not None:
        raise ValidationError(f"the span {claim.start}:{claim.end} is already claim {same.id}")


def _import_chunk(
    conn: Connection, chunk: list[ClaimBundle], doc_ids: dict[str, str], seen_history: set[str],
    counts: ImportCounts,
) -> None:
    """Write one batch of bundles: a few lookups for what is already stored, then bulk inserts."""
    d, c, r, v, h = schema.documents, schema.claims, schema.reviews, schema.verdicts, schema.history

    new_docs = {b.document.id: b.document for b in chunk if b.document.id not in doc_ids}
    inserted: list[Document] = []
    if new_docs:
        stored = conn.execute(select(d.c.id, d.c.content_hash).where(or_(
            d.c.id.in_(new_docs), d.c.content_hash.in_([x.content_hash for x in new_docs.values()])))).all()
        by_id = {row.id for row in stored}
        by_hash = {row.content_hash: row.id for row in stored}
        for doc in new_docs.values():
            if doc.id in by_id:
                doc_ids[doc.id] = doc.id
            elif doc.content_hash in by_hash:
                doc_ids[doc.id] = by_hash[doc.content_hash]
            else:
                doc_ids[doc.id] = by_hash[doc.content_hash] = doc.id
                inserted.append(doc)
        if inserted:
            conn.execute(insert(d), [_document_values(x) for x in inserted])
            counts.documents += len(inserted)

    claims: list[Claim] = []
    for bundle in chunk:
        claim = bundle.claim
        if claim.document_id != bundle.document.id:
            raise ValidationError(f"claim {claim.id} names document {claim.document_id}, not {bundle.document.id}")
        claim.check_against(bundle.document.text)
        for review in bundle.reviews:
            if review.claim_id != claim.id:
                raise ValidationError(f"review {review.id} names claim {review.claim_id}, not {claim.id}")
        claims.append(claim.replace(document_id=doc_ids[bundle.document.id]))
    stored_claims = set(conn.execute(select(c.c.id).where(c.c.id.in_([x.id for x in claims]))).scalars())
    new_claims = list({x.id: x for x in claims if x.id not in stored_claims}.values())
    counts.skipped += len(claims) - len(new_claims)

    reviews = [x for b in chunk for x in b.reviews]
    stored_reviews = conn.execute(select(r.c.id, r.c.claim_id, r.c.reviewer).where(
        or_(r.c.id.in_([x.id for x in reviews]), r.c.claim_id.in_([x.id for x in claims])))).all()
    taken_ids = {row.id for row in stored_reviews}
    taken_pairs = {(row.claim_id, row.reviewer) for row in stored_reviews}
    new_reviews: list[Review] = []
    added: dict[str, int] = {}  # active reviews added per claim
    for review in reviews:
        if review.id in taken_ids or (review.claim_id, review.reviewer) in taken_pairs:
            counts.skipped += 1
            continue
        taken_ids.add(review.id)
        taken_pairs.add((review.claim_id, review.reviewer))
        new_reviews.append(review)
        if not review.withdrawn:
            added[review.claim_id] = added.get(review.claim_id, 0) + 1

    if new_claims:
        conn.execute(insert(c), [{**_claim_values(x), "review_count": added.pop(x.id, 0)} for x in new_claims])
        counts.claims += len(new_claims)
    if new_reviews:
        conn.execute(insert(r), [_review_values(x) for x in new_reviews])
        counts.reviews += len(new_reviews)
    if added:  # reviews added to claims stored before
        conn.execute(update(c).where(c.c.id == bindparam("claim")).values(
            review_count=c.c.review_count + bindparam("added")),
            [{"claim": claim_id, "added": n} for claim_id, n in added.items()])

    verdicts = {b.claim.id: b.verdict for b in chunk if b.verdict is not None}
    if verdicts:
        settled = set(conn.execute(select(v.c.claim_id).where(v.c.claim_id.in_(verdicts))).scalars())
        counts.skipped += len(settled)
        fresh = [x for claim_id, x in verdicts.items() if claim_id not in settled]
        if fresh:
            conn.execute(insert(v), [_verdict_values(x) for x in fresh])
            counts.verdicts += len(fresh)

    entries: dict[str, HistoryEntry] = {}
    for bundle in chunk:
        for entry in [*bundle.document_history, *bundle.history]:
            if entry.id not in seen_history:
                seen_history.add(entry.id)
                entries[entry.id] = entry
    if entries:
        logged = set(conn.execute(select(h.c.id).where(h.c.id.in_(entries))).scalars())
        rows = []
        for entry in entries.values():
            if entry.id in logged:
                continue
            values = _history_values(entry)
            if entry.entity == "document":
                values["entity_id"] = doc_ids.get(entry.entity_id, entry.entity_id)
            rows.append(values)
        if rows:
            conn.execute(insert(h), rows)
            counts.history += len(rows)


# ------------------------------------------------------------------------------ row mapping


def _check_setting(key: str, value: Any) -> Any:
    if key not in DEFAULT_SETTINGS:
        raise ValidationError(f"unknown setting {key!r}; known: {', '.join(DEFAULT_SETTINGS)}")
    if key == "reviews_per_claim":
        text_ = str(value).strip()
        if isinstance(value, bool) or not text_.isdigit() or not 1 <= int(text_) <= MAX_REVIEWS_PER_CLAIM:
            raise ValidationError(
                f"reviews_per_claim must be a whole number from 1 to {MAX_REVIEWS_PER_CLAIM}; got {value!r}")
        return int(text_)
    if key == "blind_review":
        return _check_switch(key, value)
    if not isinstance(value, str):
        raise ValidationError(f"{key} must be text; got {value!r}")
    if key == "organisation_url" and value.strip():
        return check_http_url(value)
    return value.strip()


_SWITCH_WORDS = {"true": True, "on": True, "yes": True, "1": True, "false": False, "off": False, "no": False, "0": False}


def _check_switch(key: str, value: Any) -> bool:
    """An on/off setting from a bool or from the words the command line passes."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in _SWITCH_WORDS:
        raise ValidationError(f"{key} must be on or off (true/false, yes/no, 1/0); got {value!r}")
    return _SWITCH_WORDS[word]


def _citations_json(citations: Sequence[Citation]) -> list[dict[str, Any]]:
    return [c.to_dict() for c in citations]


def _document_values(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id, "name": doc.name, "origin": doc.origin, "url": doc.url, "encoding": doc.encoding,
        "text": doc.text, "content_hash": doc.content_hash, "added_by": doc.added_by,
        "added_at": doc.added_at, "version": doc.version,
    }


# Records are read back from rows this module wrote, with Record._from_row: they were checked
# when built, so reading them does not check them again. Each record is selected as the columns
# that hold its fields, in field order (_DOCUMENT_COLUMNS...), and built from the row's values by
# position: naming a row's values one by one costs more than everything else an export does.


def _field_names(record: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(record))


def _record_columns(record: type, table: Any, **stored_as: str) -> tuple[Any, ...]:
    """The columns of ``table`` that hold the fields of ``record``, in field order; ``stored_as``
    names the columns of fields stored under another name."""
    return tuple(table.c[stored_as.get(name, name)] for name in _field_names(record))


_DOCUMENT_COLUMNS = _record_columns(Document, schema.documents)
_CLAIM_COLUMNS = _record_columns(Claim, schema.claims, start="start_offset", end="end_offset")
_REVIEW_COLUMNS = _record_columns(Review, schema.reviews)
_VERDICT_COLUMNS = _record_columns(Verdict, schema.verdicts)
_USER_COLUMNS = _record_columns(User, schema.users)
_HISTORY_COLUMNS = _record_columns(HistoryEntry, schema.history)


@dataclass(frozen=True)
class _BundleQueries:
    """The queries of ``Store.iter_bundles`` for one batch, built once per backend. Each takes
    the list of claim (or document) ids of the batch as its ``ids`` parameter."""

    reviews: Any
    verdicts: Any
    history: Any
    documents: Any
    document_history: Any


@functools.cache
def _bundle_queries(backend: str) -> _BundleQueries:
    def by_ids(query: Any, column: Any) -> Any:
        if backend == "postgresql":
            # One array parameter, taken whole; an IN list is rendered, cast and parsed value by value.
            return query.where(column == any_(bindparam("ids", type_=ARRAY(column.type))))
        return query.where(column.in_(bindparam("ids", expanding=True)))

    r, v, h, d = schema.reviews, schema.verdicts, schema.history, schema.documents
    return _BundleQueries(
        reviews=by_ids(select(*_REVIEW_COLUMNS), r.c.claim_id).order_by(r.c.claim_id, r.c.created_at, r.c.id),
        verdicts=by_ids(select(*_VERDICT_COLUMNS), v.c.claim_id),
        # SQLite reads (claim_id, seq) off the claim_id index, without sorting.
        history=by_ids(select(*_HISTORY_COLUMNS), h.c.claim_id).order_by(h.c.claim_id, h.c.seq),
        documents=by_ids(select(*_DOCUMENT_COLUMNS), d.c.id),
        document_history=by_ids(select(*_HISTORY_COLUMNS).where(h.c.entity == "document"),
                                h.c.entity_id).order_by(h.c.seq),
    )


_CLAIM_CUES = _field_names(Claim).index("cues")
_CLAIM_QUANTITIES = _field_names(Claim).index("quantities")
_REVIEW_CITATIONS = _field_names(Review).index("citations")
_VERDICT_CITATIONS = _field_names(Verdict).index("citations")
_QUANTITY_FIELDS = _field_names(Quantity)
_CITATION_FIELDS = _field_names(Citation)


def _citations(value: list[dict[str, Any]]) -> tuple[Citation, ...]:
    return tuple(Citation._from_row([c[name] for name in _CITATION_FIELDS]) for c in value)


def _document(row: Any) -> Document:
    """The document of a row of ``select(*_DOCUMENT_COLUMNS)``."""
    return Document._from_row(row)


def _document_summary_dict(doc: Document) -> dict[str, Any]:
    return {"name": doc.name, "origin": doc.origin, "url": doc.url, "encoding": doc.encoding,
            "content_hash": doc.content_hash, "characters": len(doc.text)}


def _claim_values(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.id, "document_id": claim.document_id, "start_offset": claim.start, "end_offset": claim.end,
        "text": claim.text, "claim_type": claim.claim_type, "score": claim.score, "rule_id": claim.rule_id,
        "sentence_start": claim.sentence_start, "sentence_end": claim.sentence_end, "context": claim.context,
        "cues": claim.cues.to_dict(), "quantities": [q.to_dict() for q in claim.quantities],
        "origin": claim.origin, "created_by": claim.created_by, "created_at": claim.created_at,
        "updated_at": claim.updated_at, "version": claim.version, "withdrawn": claim.withdrawn,
        "review_count": 0,
    }


def _claim(row: Any) -> Claim:
    """The claim of a row of ``select(*_CLAIM_COLUMNS)``."""
    values = list(row)
    cues = values[_CLAIM_CUES]
    values[_CLAIM_CUES] = Cues._from_row(
        (tuple(cues["hedges"]), tuple(cues["absolutes"]), tuple(cues["negations"])))
    values[_CLAIM_QUANTITIES] = tuple(
        Quantity._from_row([q[name] for name in _QUANTITY_FIELDS]) for q in values[_CLAIM_QUANTITIES])
    return Claim._from_row(values)


def _claim_state(claim: Claim) -> dict[str, Any]:
    return {"start": claim.start, "end": claim.end, "text": claim.text, "claim_type": claim.claim_type,
            "score": claim.score, "rule_id": claim.rule_id, "version": claim.version, "withdrawn": claim.withdrawn}


def _review_values(review: Review) -> dict[str, Any]:
    return {
        "id": review.id, "claim_id": review.claim_id, "reviewer": review.reviewer, "verdict": review.verdict,
        "rationale": review.rationale, "citations": _citations_json(review.citations),
        "created_at": review.created_at, "updated_at": review.updated_at, "version": review.version,
        "withdrawn": review.withdrawn,
    }


def _review(row: Any) -> Review:
    """The review of a row of ``select(*_REVIEW_COLUMNS)``."""
    values = list(row)
    values[_REVIEW_CITATIONS] = _citations(values[_REVIEW_CITATIONS])
    return Review._from_row(values)


def _review_state(review: Review) -> dict[str, Any]:
    return {"reviewer": review.reviewer, "verdict": review.verdict, "rationale": review.rationale,
            "citations": _citations_json(review.citations), "version": review.version,
            "withdrawn": review.withdrawn}


def _verdict_values(verdict: Verdict) -> dict[str, Any]:
    return {
        "id": verdict.id, "claim_id": verdict.claim_id, "adjudicator": verdict.adjudicator,
        "verdict": verdict.verdict, "rationale": verdict.rationale,
        "citations": _citations_json(verdict.citations), "created_at": verdict.created_at,
        "updated_at": verdict.updated_at, "version": verdict.version,
    }


def _verdict(row: Any) -> Verdict:
    """The verdict of a row of ``select(*_VERDICT_COLUMNS)``."""
    values = list(row)
    values[_VERDICT_CITATIONS] = _citations(values[_VERDICT_CITATIONS])
    return Verdict._from_row(values)


def _verdict_state(verdict: Verdict) -> dict[str, Any]:
    return {"adjudicator": verdict.adjudicator, "verdict": verdict.verdict, "rationale": verdict.rationale,
            "citations": _citations_json(verdict.citations), "version": verdict.version}


def _user_values(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "password_hash": user.password_hash, "active": user.active,
            "created_at": user.created_at}


def _user(row: Any) -> User:
    """The account of a row of ``select(*_USER_COLUMNS)``."""
    return User._from_row(row)


def _public_user(user: User) -> dict[str, Any]:
    return {"name": user.name, "role": user.role, "active": user.active,
            "has_password": user.password_hash is not None}


def _history_values(entry: HistoryEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at, "actor": entry.actor, "entity": entry.entity,
            "entity_id": entry.entity_id, "claim_id": entry.claim_id, "action": entry.action,
            "before": entry.before, "after": entry.after}


def _history(row: Any) -> HistoryEntry:
    """The history entry of a row of ``select(*_HISTORY_COLUMNS)``."""
    return HistoryEntry._from_row(row)
