"""Alembic environment: runs on the connection the collector hands over (see store/db.py)."""

from __future__ import annotations

from alembic import context

from collector.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True
)
with context.begin_transaction():  # under store/db.py's migration lock
    context.run_migrations()
