"""`database_pool`: each collector process holds at most size + overflow PostgreSQL connections,
and a request that cannot get one within `timeout` fails as a database error (answered 503)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import text

from agent.errors import ConfigError
from collector.config import DatabasePool, load_config
from collector.store import open_store
from tests.collector.conftest import load_sites
from tests.peers.postgres import PostgresServer

pytestmark = pytest.mark.peer


def test_a_full_pool_makes_a_request_wait_then_fail(postgres: PostgresServer) -> None:
    store = open_store(
        postgres.database_url(), init=True, pool=DatabasePool(size=1, overflow=0, timeout=0.5)
    )
    try:
        load_sites(store, "pre2025.csv")
        token = store.registry.issue_token("00001")
        with store.engine.connect() as held:  # the pool's only connection
            held.execute(text("SELECT 1"))
            with pytest.raises(sqlalchemy.exc.TimeoutError):
                store.registry.authenticate(token)
        assert store.registry.authenticate(token) is not None  # given back: served again
    finally:
        store.close()


def test_overflow_connections_are_opened_under_load_and_bounded(postgres: PostgresServer) -> None:
    store = open_store(
        postgres.database_url(), init=True, pool=DatabasePool(size=1, overflow=2, timeout=0.5)
    )
    try:
        held = [store.engine.connect() for _ in range(3)]  # size + overflow
        with pytest.raises(sqlalchemy.exc.TimeoutError):
            store.engine.connect()
        for connection in held:
            connection.close()
    finally:
        store.close()


def test_the_config_keys_reach_the_pool(tmp_path: Path) -> None:
    path = tmp_path / "collector.yaml"
    path.write_text("database_pool:\n  size: 3\n  overflow: 0\n  timeout: 2s\n")
    pool = load_config(path).database_pool
    assert (pool.size, pool.overflow, pool.timeout) == (3, 0, 2.0)
    path.write_text("database_pool:\n  size: 0\n  overflw: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.problems == [
        "line 2: database_pool.size: Input should be greater than or equal to 1",
        "line 3: database_pool.overflw: unknown key; did you mean `overflow`?",
    ]
