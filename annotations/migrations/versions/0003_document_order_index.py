"""document order index: claims (document_id, start_offset, id) replaces (document_id,
start_offset), so exports page through claims in document order from the index alone

Revision ID: 0003_document_order_index
Revises: 0002_queue_indexes
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0003_document_order_index"
down_revision = "0002_queue_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_claims_document_id_start_offset", table_name="claims")
    op.create_index(
        "ix_claims_document_id_start_offset_id", "claims", ["document_id", "start_offset", "id"])


def downgrade() -> None:
    op.drop_index("ix_claims_document_id_start_offset_id", table_name="claims")
    op.create_index("ix_claims_document_id_start_offset", "claims", ["document_id", "start_offset"])
