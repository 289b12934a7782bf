"""Initial schema: units, successors, tokens, inventory snapshots, devices and their history.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("parent_code", sa.String(32), sa.ForeignKey("units.code"), nullable=True),
        sa.Column("staff", sa.Integer, nullable=True),
        sa.Column("offices", sa.Integer, nullable=True),
        sa.Column("valid_from", sa.Date, nullable=True),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("updated_at", sa.Float, nullable=False),
    )
    op.create_index("ix_units_parent_code", "units", ["parent_code"])
    op.create_table(
        "unit_successors",
        sa.Column("old_code", sa.String(32), sa.ForeignKey("units.code"), primary_key=True),
        sa.Column("new_code", sa.String(32), sa.ForeignKey("units.code"), primary_key=True),
    )
    op.create_table(
        "tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_code", sa.String(32), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True),
        sa.Column("last_used_at", sa.Float, nullable=True),
    )
    op.create_index("ix_tokens_site_code", "tokens", ["site_code"])
    op.create_table(
        "inventory_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_code", sa.String(32), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("agent", sa.String(255), nullable=False),
        sa.Column("collected_at", sa.Float, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
        sa.Column("schema_version", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_inventory_snapshots_site_time", "inventory_snapshots", ["site_code", "collected_at"]
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_code", sa.String(32), sa.ForeignKey("units.code"), nullable=False),
        sa.Column("agent", sa.String(255), nullable=False),
        sa.Column("device_key", sa.String(512), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("vendor", sa.String(255), nullable=True),
        sa.Column("model", sa.String(255), nullable=True),
        sa.Column("serial", sa.String(255), nullable=True),
        sa.Column("firmware", sa.String(255), nullable=True),
        sa.Column("first_seen", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("vanished_at", sa.Float, nullable=True),
        sa.UniqueConstraint("site_code", "agent", "device_key", name="uq_devices_site_agent_key"),
    )
    op.create_table(
        "device_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("device_id", sa.Integer, sa.ForeignKey("devices.id"), nullable=False),
        sa.Column(
            "snapshot_id", sa.Integer, sa.ForeignKey("inventory_snapshots.id"), nullable=True
        ),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("field", sa.String(32), nullable=True),
        sa.Column("old_value", sa.Text, nullable=True),
        sa.Column("new_value", sa.Text, nullable=True),
    )
    op.create_index("ix_device_events_device_time", "device_events", ["device_id", "at"])


def downgrade() -> None:
    for table in ("device_events", "devices", "inventory_snapshots", "tokens"):
        op.drop_table(table)
    op.drop_table("unit_successors")
    op.drop_table("units")
