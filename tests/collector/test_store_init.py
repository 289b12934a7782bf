"""No store is created by accident: `serve` and `sites` refuse a database that does not exist, or
holds no collector schema, naming it (never its password) and what to run; `--init` creates it."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import pytest

from collector.store import StoreMissingError, open_store
from tests.collector.conftest import CASES
from tests.peers.common import collector_command, subprocess_env
from tests.peers.postgres import PostgresServer

SITES = CASES / "sites_good" / "pre2025.csv"


def cli(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        collector_command(*args, "--config", str(config)), env=subprocess_env(),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def config_for(tmp_path: Path, database_url: str) -> Path:
    path = tmp_path / "collector.yml"
    path.write_text(f"database_url: {database_url}\n", encoding="utf-8")
    return path


def test_a_missing_sqlite_file_is_refused_until_init(tmp_path: Path) -> None:
    database = tmp_path / "typo" / "collector.db"
    config = config_for(tmp_path, f"sqlite:///{database}")
    for args in (["sites", "export"], ["sites", "token", "00001"], ["serve"]):
        refused = cli(config, *args)
        assert refused.returncode == 3, refused.stderr
        assert f"no collector database at {database}" in refused.stderr
        assert "--init" in refused.stderr
    assert not database.parent.exists()
    assert cli(config, "sites", "import", "--init", str(SITES)).returncode == 0
    assert database.exists()
    exported = cli(config, "sites", "export")
    assert exported.returncode == 0 and "00001" in exported.stdout


def test_an_empty_config_does_not_make_an_empty_registry(tmp_path: Path) -> None:
    config = tmp_path / "empty.yml"
    config.write_text("", encoding="utf-8")
    refused = cli(config, "serve")
    assert refused.returncode == 3
    assert "no collector database at /var/lib/ictinfra/collector.db" in refused.stderr


def test_a_file_that_is_not_a_store_names_the_missing_tables(tmp_path: Path) -> None:
    database = tmp_path / "collector.db"
    database.touch()
    with pytest.raises(StoreMissingError, match="missing tables: alembic_version, units"):
        open_store(f"sqlite:///{database}")
    open_store(f"sqlite:///{database}", init=True).close()
    open_store(f"sqlite:///{database}").close()


@pytest.mark.peer
def test_postgresql_without_the_schema_says_what_is_missing(
    postgres: PostgresServer, tmp_path: Path
) -> None:
    url = postgres.database_url().replace("ictinfra@", "ictinfra:hunter2@")
    config = config_for(tmp_path, url)
    refused = cli(config, "sites", "export")
    assert refused.returncode == 3, refused.stderr
    assert "holds no collector schema (missing tables: alembic_version, units" in refused.stderr
    assert "ictinfra:***@127.0.0.1" in refused.stderr and "hunter2" not in refused.stderr
    assert cli(config, "serve", "--init", "--help").returncode == 0
    assert cli(config, "sites", "import", "--init", str(SITES)).returncode == 0
    assert cli(config, "sites", "export").returncode == 0


def test_a_store_from_a_newer_collector_is_refused_without_a_traceback(tmp_path: Path) -> None:
    database = tmp_path / "collector.db"
    config = config_for(tmp_path, f"sqlite:///{database}")
    assert cli(config, "sites", "import", "--init", str(SITES)).returncode == 0
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099_future'")
    refused = cli(config, "sites", "export")
    assert refused.returncode == 3, refused.stderr
    assert "schema revision 0099_future" in refused.stderr
    assert "docs/upgrade.md" in refused.stderr
    assert "Traceback" not in refused.stderr
