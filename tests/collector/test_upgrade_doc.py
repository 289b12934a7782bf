"""docs/upgrade.md's rollback and backup snippets work on a real SQLite store: the downgrade
drops the newest migration's tables, the next start upgrades again, the backup is a store."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from collector.store import open_store
from tests.peers.common import REPO, subprocess_env

UPGRADE = (REPO / "docs" / "upgrade.md").read_text(encoding="utf-8")


def _heredoc_python() -> str:
    match = re.search(r"python - <<'EOF'\n(.*?)\nEOF\n", UPGRADE, re.S)
    assert match, "docs/upgrade.md lost its downgrade snippet"
    return match.group(1)


def _backup_one_liner() -> str:
    match = re.search(r"python -c '(import sqlite3.*?)'", UPGRADE)
    assert match, "docs/upgrade.md lost its SQLite backup line"
    return match.group(1)


def _head_and_parent() -> tuple[str, str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from collector.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_revision("head")
    assert head is not None and isinstance(head.down_revision, str)
    return head.revision, head.down_revision


def _version(path: Path) -> tuple[str, set[str]]:
    with sqlite3.connect(path) as db:
        version = db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return version, tables


def test_the_documented_downgrade_and_backup_work(tmp_path: Path) -> None:
    head, parent = _head_and_parent()  # today 0005_webpage and 0004_ranking, as in the doc
    database = tmp_path / "collector.db"
    url = f"sqlite:///{database}"
    open_store(url, init=True).close()
    version, all_tables = _version(database)
    assert version == head

    backup = tmp_path / "backup.db"
    subprocess.run([sys.executable, "-c", _backup_one_liner(), str(database), str(backup)],
                   check=True, timeout=60)  # fmt: skip
    assert _version(backup) == (head, all_tables)

    env = subprocess_env(ICTINFRA_DB=url, ICTINFRA_TO=parent)
    subprocess.run([sys.executable, "-"], input=_heredoc_python(), text=True, env=env,
                   check=True, timeout=60, cwd=os.fspath(tmp_path))  # fmt: skip
    version, tables = _version(database)
    assert version == parent
    assert tables <= all_tables
    if head == "0005_webpage":
        assert all_tables - tables == {"web_accounts", "web_sessions"}

    open_store(url).close()  # the next start upgrades again
    assert _version(database) == (head, all_tables)
