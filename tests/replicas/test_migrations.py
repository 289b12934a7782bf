"""Replicas started at the same moment with `serve --init` on an empty store: one of them runs the
migrations (each migration's "Running upgrade" line appears once over all their logs), the others
wait for it and find nothing to do, and none logs an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.store import open_store
from collector.store.db import MIGRATIONS
from tests.peers.postgres import PostgresServer
from tests.replicas.harness import ReplicaSet

MIGRATION_COUNT = len(list((MIGRATIONS / "versions").glob("0*.py")))


def start_together(root: Path, database_url: str) -> str:
    replicas = ReplicaSet(root, database_url, [{"url": "http://127.0.0.1:9/api/v1/write"}])
    replicas.start_all("--init")
    try:
        replicas.wait_healthy()
    finally:
        replicas.stop_all()
    return replicas.logs()


def check_one_run(logs: str, database_url: str) -> None:
    assert logs.count("Running upgrade") == MIGRATION_COUNT, logs
    assert "Running upgrade  -> 0001" in logs, logs
    assert "Traceback" not in logs and '"level": "error"' not in logs.lower(), logs
    store = open_store(database_url)  # a migrated store: it opens without --init
    store.close()


@pytest.mark.peer
def test_three_replicas_on_postgresql_migrate_once(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.database_url()
    check_one_run(start_together(tmp_path, url), url)


def test_three_replicas_on_sqlite_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store' / 'collector.db'}"
    check_one_run(start_together(tmp_path, url), url)
