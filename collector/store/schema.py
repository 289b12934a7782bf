"""The collector's tables (SQLAlchemy Core). Migrations in migrations/versions/ create them.

Times are float seconds since the epoch (UTC), the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
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

metadata = MetaData()

CODE = 32

units = Table(
    "units",
    metadata,
    Column("code", String(CODE), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("level", String(32), nullable=False),
    Column("parent_code", String(CODE), ForeignKey("units.code"), nullable=True, index=True),
    Column("staff", Integer, nullable=True),
    Column("offices", Integer, nullable=True),
    Column("valid_from", Date, nullable=True),
    Column("valid_to", Date, nullable=True),
    Column("updated_at", Float, nullable=False),
    # max(updated_at) is the registry's change marker (a new level name is reserved at once)
    Index("ix_units_updated_at", "updated_at"),
)

unit_successors = Table(
    "unit_successors",
    metadata,
    Column("old_code", String(CODE), ForeignKey("units.code"), primary_key=True),
    Column("new_code", String(CODE), ForeignKey("units.code"), primary_key=True),
)

tokens = Table(
    "tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_code", String(CODE), ForeignKey("units.code"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", Float, nullable=False),
    Column("revoked_at", Float, nullable=True),
    Column("last_used_at", Float, nullable=True),
    Column("scope", String(16), nullable=False, server_default="site"),  # site | reader
)

inventory_snapshots = Table(
    "inventory_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_code", String(CODE), ForeignKey("units.code"), nullable=False),
    Column("agent", String(255), nullable=False),
    Column("collected_at", Float, nullable=False),
    Column("received_at", Float, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("body", Text, nullable=False),
    Index("ix_inventory_snapshots_site_time", "site_code", "collected_at"),
)

devices = Table(
    "devices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_code", String(CODE), ForeignKey("units.code"), nullable=False),
    Column("agent", String(255), nullable=False),
    Column("device_key", String(512), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("vendor", String(255), nullable=True),
    Column("model", String(255), nullable=True),
    Column("serial", String(255), nullable=True),
    Column("firmware", String(255), nullable=True),
    Column("first_seen", Float, nullable=False),
    Column("last_seen", Float, nullable=False),
    Column("vanished_at", Float, nullable=True),
    UniqueConstraint("site_code", "agent", "device_key", name="uq_devices_site_agent_key"),
)

device_events = Table(
    "device_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("device_id", Integer, ForeignKey("devices.id"), nullable=False),
    Column("snapshot_id", Integer, ForeignKey("inventory_snapshots.id"), nullable=True),
    Column("at", Float, nullable=False),
    Column("event", String(16), nullable=False),  # appeared | changed | vanished | reappeared
    Column("field", String(32), nullable=True),
    Column("old_value", Text, nullable=True),
    Column("new_value", Text, nullable=True),
    Index("ix_device_events_device_time", "device_id", "at"),
)

asset_register = Table(
    "asset_register",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site_code", String(CODE), ForeignKey("units.code"), nullable=False, index=True),
    Column("device_class", String(16), nullable=False),
    Column("serial", String(255), nullable=True, unique=True),
    Column("mac", String(17), nullable=True, unique=True),
    Column("vendor", String(255), nullable=True),
    Column("model", String(255), nullable=True),
    Column("purchase_date", Date, nullable=True),
    Column("purchase_precision", String(8), nullable=True),  # day | month | year
    Column("line", Integer, nullable=True),
    Column("extra", Text, nullable=True),  # JSON of the columns after the contract's
    Column("imported_at", Float, nullable=False),
)

ranking_snapshots = Table(
    "ranking_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(64), nullable=False),
    Column("period_start", Float, nullable=False),
    Column("period_end", Float, nullable=False),
    Column("methodology_id", String(128), nullable=False),
    Column("methodology_version", String(64), nullable=False),
    Column("methodology_sha256", String(64), nullable=False),
    Column("methodology_text", Text, nullable=False),  # the exact file, to reproduce the run
    Column("result_sha256", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("inputs", Text, nullable=False),  # JSON: every query, its result, every device read
    Column("result", Text, nullable=False),  # JSON: the ranking as `rank --format json` prints it
    Index("ix_ranking_snapshots_period", "period", "created_at"),
)

web_accounts = Table(
    "web_accounts",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("unit_code", String(CODE), ForeignKey("units.code"), nullable=False),
    Column("password_hash", String(255), nullable=False),  # scrypt (collector/web/accounts.py)
    Column("created_at", Float, nullable=False),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("session_hash", String(64), primary_key=True),  # SHA-256 of the cookie's value
    Column("username", String(64), ForeignKey("web_accounts.username"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)
