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
``StoreBase._authorise``), whatever the page showed.

``Store`` is put together from one class per concern, each in its own module:

* ``engine``: connecting, migrations, transactions, the role check, the history log;
* ``accounts``: project settings and reviewer accounts;
* ``sessions``: signed-in sessions, the server's keys, and slowing down failed sign-ins;
* ``claims``: documents and claims, the review queue and claim lists;
* ``reviews``: reviews, final verdicts, the history and the ratings;
* ``bundles``: export (claim bundles streamed from one snapshot) and import;
* ``queries``: the filters and result types, and the SQL that applies the filters;
* ``mapping``: records to rows and back, derived from the records' fields.

The rules that are not storage (a claim's final verdict and status, what a setting may hold) are
in ``annotations.domain``.
"""

from __future__ import annotations

from annotations.domain import (
    DEFAULT_SETTINGS,
    MAX_REVIEWS_PER_CLAIM,
    FinalVerdict,
    claim_status,
    final_and_status,
    resolve_final,
)
from annotations.storage.accounts import Accounts
from annotations.storage.bundles import Bundles
from annotations.storage.claims import MIN_ID_PREFIX, Claims
from annotations.storage.engine import MIGRATIONS, default_sqlite_url
from annotations.storage.queries import (
    ClaimBundle,
    ClaimDetail,
    ClaimFilter,
    DeletedDocument,
    DocumentSummary,
    ExportFilter,
    ImportCounts,
    Progress,
)
from annotations.storage.reviews import Reviews
from annotations.storage.sessions import Sessions

__all__ = [
    "DEFAULT_SETTINGS", "MAX_REVIEWS_PER_CLAIM", "MIGRATIONS", "MIN_ID_PREFIX", "ClaimBundle", "ClaimDetail",
    "ClaimFilter", "DeletedDocument", "DocumentSummary", "ExportFilter", "FinalVerdict", "ImportCounts", "Progress", "Store",
    "claim_status", "default_sqlite_url", "final_and_status", "resolve_final",
]


class Store(Accounts, Claims, Reviews, Bundles, Sessions):
    """The one interface to stored documents, claims, reviews, verdicts, users and history."""
