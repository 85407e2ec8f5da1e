"""document source map: documents.source_map says what a document's text was rendered from
(plain text, Markdown, HTML) and maps its offsets back to the source file

Revision ID: 0004_document_source_map
Revises: 0003_document_order_index
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_document_source_map"
down_revision = "0003_document_order_index"
branch_labels = None
depends_on = None

# What every document stored so far holds: its text as read, so the map is the identity.
# (Markdown files were stored raw until now.)
PLAIN_TEXT = '{"kind": "text", "text_starts": [], "source_starts": [], "lengths": []}'


def upgrade() -> None:
    # Nullable: SQLite cannot make an added column NOT NULL without copying the table, which the
    # claims' foreign keys forbid inside a migration. Every document written holds a map.
    op.add_column("documents", sa.Column("source_map", sa.JSON(), nullable=True))
    documents = sa.table("documents", sa.column("source_map", sa.JSON()))
    op.execute(documents.update().values(source_map=sa.text(f"'{PLAIN_TEXT}'")))


def downgrade() -> None:
    op.drop_column("documents", "source_map")
