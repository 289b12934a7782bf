"""A real PostgreSQL 15 (Debian) in a temp dir on a loopback port, started once per session.

PostgreSQL refuses to run as root: as root, the fixture runs it as the `postgres` system user
(created by the Debian package) in a temp dir that user owns. `database_url(name)` creates a
fresh database per test so tests never see each other's rows.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.peers.common import free_port, peer_unavailable, stop, tcp_open, wait_until

BIN = Path("/usr/lib/postgresql/15/bin")


class PostgresServer:
    def __init__(self, root: Path, port: int, prefix: list[str]) -> None:
        self.root = root
        self.port = port
        self.prefix = prefix
        self.process: subprocess.Popen[bytes] | None = None
        self.created = 0

    def run(self, *args: str) -> None:
        subprocess.run([*self.prefix, *args], check=True, capture_output=True, timeout=120)

    def database_url(self, name: str | None = None) -> str:
        """A new, empty database; its SQLAlchemy URL (postgresql://, psycopg 3 driver)."""
        self.created += 1
        name = name or f"test{self.created}"
        self.run(
            str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "ictinfra", name
        )
        return f"postgresql://ictinfra@127.0.0.1:{self.port}/{name}"


def _user_prefix(root: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        peer_unavailable("running as root and there is no `postgres` user to run PostgreSQL as")
        raise
    os.chown(root, user.pw_uid, user.pw_gid)
    return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups"]


@contextmanager
def running_postgres(*settings: str) -> Iterator[PostgresServer]:
    """A PostgreSQL server for the duration of the block; `settings` are extra `-c` options
    (`shared_preload_libraries=pg_stat_statements`, ...). Benchmarks use this directly."""
    if not (BIN / "initdb").exists():
        peer_unavailable("PostgreSQL 15 is not installed (apt-get install postgresql)")
    # not pytest's tmp dir: its parents are private to root, and postgres must reach this one
    root = Path(tempfile.mkdtemp(prefix="ictinfra-pg-"))
    root.chmod(0o700)
    prefix = _user_prefix(root)
    data = root / "data"
    port = free_port()
    server = PostgresServer(root, port, prefix)
    try:
        server.run(str(BIN / "initdb"), "-D", str(data), "-U", "ictinfra", "--auth=trust",
                   "--encoding=UTF8", "--locale=C.UTF-8")  # fmt: skip
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(root, ignore_errors=True)
        peer_unavailable(f"initdb failed: {exc.stderr.decode(errors='replace')[-500:]}")
    options = [f"-c{setting}" for setting in settings]
    log = (root / "postgres.log").open("wb")
    server.process = subprocess.Popen(
        [*prefix, str(BIN / "postgres"), "-D", str(data), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={root}",
         "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
         *options],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    log.close()
    try:
        wait_until(lambda: tcp_open(port), 60, f"postgres on port {port}")
        yield server
    finally:
        stop(server.process)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server
