"""Alembic environment: runs on the connection the collector hands over (see store/db.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from collector.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # several replicas may start at once: one migrates, the others wait, then find nothing to do
        connection.execute(text("SELECT pg_advisory_xact_lock(74170001)"))
    context.run_migrations()
