"""The database tables, as SQLAlchemy Core metadata.

The migrations in ``annotations/migrations/versions`` create these tables; a test checks that
a migrated database matches this metadata. Only ``annotations.storage`` queries them.

A table's columns are keyed by the fields of the record it stores (``annotations.records``), so
the storage mapping is derived from the record: a new record field needs a column here of the
same name (and a migration), nothing in storage.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# SQLite has no BIGINT autoincrement; INTEGER PRIMARY KEY is its rowid.
SeqType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], datetime | None] | None:
        # One call per value, where the impl's processor and process_result_value make two or
        # three: exports read a million of these. SQLite returns the stored text (UTC, without
        # a zone); PostgreSQL an aware datetime in the session's zone.
        return _sqlite_utc if dialect.name == "sqlite" else _aware_utc


def _sqlite_utc(value: str | None) -> datetime | None:
    # The text is UTC without a zone; naming the zone in the text is faster than replace().
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# raw_decode: the stored text was written by json.dumps and starts with its value, so there is no
# whitespace to skip.
_decode_json = json.JSONDecoder().raw_decode


class JSONValue(TypeDecorator[Any]):
    """JSON, read on SQLite with one call per value instead of a chain of wrappers."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Any, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _sqlite_json
        return super().result_processor(dialect, coltype)


def _sqlite_json(value: Any) -> Any:
    # A column declared JSON has NUMERIC affinity in SQLite, so a stored number comes back a number.
    return _decode_json(value)[0] if isinstance(value, str) else value


def json_from_bytes(data: bytes) -> Any:
    """A JSON value from the UTF-8 bytes PostgreSQL sends (the text json.dumps stored)."""
    return _decode_json(data.decode("utf-8"))[0]


documents = Table(
    "documents",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("origin", Text, nullable=False),
    Column("url", Text, nullable=True),
    Column("encoding", String(40), nullable=False),
    Column("text", Text, nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    # The SourceMap record: what the text was rendered from, and where its characters came from.
    # Always written; nullable only because SQLite cannot add a NOT NULL column in place.
    Column("source_map", JSONValue, nullable=True),
)

claims = Table(
    "claims",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("document_id", String(36), ForeignKey("documents.id"), nullable=False),
    # Keyed by the Claim fields they hold (``claims.c.start``), as every other column is named.
    Column("start_offset", Integer, key="start", nullable=False),
    Column("end_offset", Integer, key="end", nullable=False),
    Column("text", Text, nullable=False),
    Column("claim_type", String(32), nullable=False),
    Column("score", Float, nullable=False),
    Column("rule_id", String(128), nullable=False),
    Column("sentence_start", Integer, nullable=True),
    Column("sentence_end", Integer, nullable=True),
    Column("context", Text, nullable=False),
    Column("cues", JSONValue, nullable=False),
    Column("quantities", JSONValue, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    # Active (not withdrawn) reviews of this claim, kept in step by every review write in the
    # same transaction: the review queue filters on it without counting reviews per claim.
    Column("review_count", Integer, nullable=False),
    # Document order: exports and Store.iter_claims page through claims by this key (keyset
    # pagination), and a document's claims are one range of it.
    Index("ix_claims_document_id_start_offset_id", "document_id", "start", "id"),
    # The review queue walks this index from the top once per review count below
    # reviews_per_claim (Store.next_claim); progress counts open claims from it alone.
    Index("ix_claims_withdrawn_review_count_score_id", "withdrawn", "review_count", "score", "id"),
    Index("ix_claims_score_id", "score", "id"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), ForeignKey("claims.id"), nullable=False),
    Column("reviewer", String(64), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("citations", JSONValue, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    Column("withdrawn", Boolean, nullable=False),
    UniqueConstraint("claim_id", "reviewer"),
    # A reviewer's own reviews, read from the index alone (Store.progress).
    Index("ix_reviews_reviewer_withdrawn_claim_id", "reviewer", "withdrawn", "claim_id"),
)

verdicts = Table(
    "verdicts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("claim_id", String(36), ForeignKey("claims.id"), nullable=False, unique=True),
    Column("adjudicator", String(64), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("rationale", Text, nullable=False),
    Column("citations", JSONValue, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("password_hash", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

history = Table(
    "history",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=True),
    Column("id", String(36), nullable=False, unique=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("entity", String(16), nullable=False),
    Column("entity_id", String(64), nullable=False),
    # The claim a change concerns (for claims, reviews and verdicts), so a claim's whole
    # history is one indexed lookup.
    Column("claim_id", String(36), nullable=True),
    Column("action", String(32), nullable=False),
    Column("before", JSONValue, nullable=True),
    Column("after", JSONValue, nullable=True),
    Index("ix_history_claim_id", "claim_id"),
    Index("ix_history_entity_id", "entity_id"),
)

settings = Table(
    "settings",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSONValue, nullable=False),
    Column("version", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

# Signed-in sessions: the session token lives only in the browser's cookie (signed and expiring);
# the store keeps its SHA-256, so reading the database gives no one a session, and ending a
# session (signing out) deletes its row.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_name", String(64), nullable=False),
    Column("local", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_sessions_user_name", "user_name"),
)

# Failed sign-ins per account name and per client address, so that repeated failures wait.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
)

# Keys the server makes once and keeps, such as the one that signs session cookies.
server_keys = Table(
    "server_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
