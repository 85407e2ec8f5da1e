"""queue indexes: the review queue reads its head and its size from claims (withdrawn,
review_count, score, id); a reviewer's progress reads their reviews from reviews (reviewer,
withdrawn, claim_id)

Revision ID: 0002_queue_indexes
Revises: 0001_initial
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "0002_queue_indexes"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_claims_review_count_score", table_name="claims")
    op.create_index(
        "ix_claims_withdrawn_review_count_score_id", "claims", ["withdrawn", "review_count", "score", "id"])
    op.drop_index("ix_reviews_reviewer_claim_id", table_name="reviews")
    op.create_index(
        "ix_reviews_reviewer_withdrawn_claim_id", "reviews", ["reviewer", "withdrawn", "claim_id"])


def downgrade() -> None:
    op.drop_index("ix_reviews_reviewer_withdrawn_claim_id", table_name="reviews")
    op.create_index("ix_reviews_reviewer_claim_id", "reviews", ["reviewer", "claim_id"])
    op.drop_index("ix_claims_withdrawn_review_count_score_id", table_name="claims")
    op.create_index("ix_claims_review_count_score", "claims", ["review_count", "score"])
