"""Reader tokens (a `scope` on tokens) and the asset register.

Revision ID: 0002_devices
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_devices"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tokens") as batch:
        batch.add_column(sa.Column("scope", sa.String(16), nullable=False, server_default="site"))
    op.create_table(
        "asset_register",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_code", sa.String(32), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("device_class", sa.String(16), nullable=False),
        sa.Column("serial", sa.String(255), nullable=True, unique=True),
        sa.Column("mac", sa.String(17), nullable=True, unique=True),
        sa.Column("vendor", sa.String(255), nullable=True),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("purchase_date", sa.Date, nullable=True),
        sa.Column("purchase_precision", sa.String(8), nullable=True),
        sa.Column("line", sa.Integer, nullable=True),
        sa.Column("extra", sa.Text, nullable=True),
        sa.Column("imported_at", sa.Float, nullable=False),
    )
    op.create_index("ix_asset_register_site_code", "asset_register", ["site_code"])


def downgrade() -> None:
    op.drop_table("asset_register")
    with op.batch_alter_table("tokens") as batch:
        batch.drop_column("scope")
