"""An index on units.updated_at: max(updated_at) tells every replica the registry changed.

Revision ID: 0003_ingest
Revises: 0002_devices
"""

from __future__ import annotations

from alembic import op

revision = "0003_ingest"
down_revision = "0002_devices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_units_updated_at", "units", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_units_updated_at", table_name="units")
