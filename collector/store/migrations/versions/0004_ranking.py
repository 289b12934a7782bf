"""Ranking snapshots: every run with its methodology (version, sha256, text) and its inputs.

Revision ID: 0004_ranking
Revises: 0003_ingest
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ranking"
down_revision = "0003_ingest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ranking_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(64), nullable=False),
        sa.Column("period_start", sa.Float, nullable=False),
        sa.Column("period_end", sa.Float, nullable=False),
        sa.Column("methodology_id", sa.String(128), nullable=False),
        sa.Column("methodology_version", sa.String(64), nullable=False),
        sa.Column("methodology_sha256", sa.String(64), nullable=False),
        sa.Column("methodology_text", sa.Text, nullable=False),
        sa.Column("result_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("inputs", sa.Text, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
    )
    op.create_index("ix_ranking_snapshots_period", "ranking_snapshots", ["period", "created_at"])


def downgrade() -> None:
    op.drop_table("ranking_snapshots")
