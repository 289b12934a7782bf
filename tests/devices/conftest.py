"""The collector's store fixtures (SQLite and a real PostgreSQL), for the device view's tests."""

from tests.collector.conftest import database_url, store

__all__ = ["database_url", "store"]
