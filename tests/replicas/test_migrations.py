"""Replicas started at the same moment with `serve --init` on an empty SQLite store (a small
centre's replicas on one host): one of them runs the migrations (each migration's "Running
upgrade" line appears once over all their logs), the others wait for its lock, find nothing to
do, and none logs an error. PostgreSQL: tests/replicas/test_replicas.py's replica set."""

from __future__ import annotations

from pathlib import Path

from collector.store import open_store
from collector.store.db import MIGRATIONS
from tests.replicas.harness import ReplicaSet

MIGRATION_COUNT = len(list((MIGRATIONS / "versions").glob("0*.py")))


def check_one_run(logs: str) -> None:
    assert logs.count("Running upgrade") == MIGRATION_COUNT, logs
    assert "Running upgrade  -> 0001" in logs, logs
    assert "Traceback" not in logs and '"level": "error"' not in logs, logs


def test_three_replicas_on_sqlite_migrate_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store' / 'collector.db'}"
    replicas = ReplicaSet(tmp_path, url, [{"url": "http://127.0.0.1:9/api/v1/write"}])
    replicas.start_all("--init")
    try:
        replicas.wait_healthy()
    finally:
        replicas.stop_all()
    check_one_run(replicas.logs())
    open_store(url).close()  # a migrated store: it opens without --init
