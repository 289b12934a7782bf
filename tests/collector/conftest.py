"""Collector fixtures: a store on each backend (SQLite file, real PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.sites_csv import parse_sites_csv
from collector.store import Store, open_store
from tests.peers.postgres import PostgresServer

CASES = Path(__file__).with_name("cases")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.peer)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'collector.db'}"
    postgres: PostgresServer = request.getfixturevalue("postgres")
    return postgres.database_url()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    opened = open_store(database_url, init=True)
    yield opened
    opened.close()


def load_sites(store: Store, name: str) -> None:
    path = CASES / "sites_good" / name
    store.registry.import_units(parse_sites_csv(path.read_text(encoding="utf-8")), path.name)
