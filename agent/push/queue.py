"""The durable on-disk push queue: SQLite in WAL mode, one row per collection cycle.

Why SQLite (stdlib `sqlite3`): its WAL is checksummed frame by frame, so after kill -9 or a power
cut the database opens at the last committed transaction, never half-written. We run it with
`synchronous=FULL`: every commit fsyncs the WAL, so a batch that `put()` returned for is on disk
and a `delete()` after a successful send is too. NORMAL would be just as free of corruption but
may forget the last commits after a power cut: lost samples (a put rolled back) or duplicate sends
(a delete rolled back). The agent commits about four times a minute, so the fsyncs cost nothing.

A row holds one cycle's samples as a remote_write `WriteRequest` protobuf, zstd-compressed: the
sender merges rows into one request by concatenating the protobufs (a repeated field concatenates)
and snappy-compressing once, so a catch-up never decodes a sample in Python. The inventory has its
own one-row table: only the latest snapshot matters.

The bound is on payload bytes (what the rows hold); the file itself is a little larger (pages,
WAL up to its checkpoint size) and does not shrink: SQLite reuses freed pages.

A write that fails (the disk full, an I/O error) is rolled back whole and raises QueueWriteError;
the queue stays usable and the next write tries again, so the agent recovers by itself once space
returns. The failure is logged once when it starts and once when it ends, not at every write.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import cramjam

from agent.errors import IctinfraError

log = logging.getLogger(__name__)

FILE_NAME = "push.sqlite3"
SCHEMA_VERSION = 1
ZSTD_LEVEL = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    oldest_ms INTEGER NOT NULL,
    newest_ms INTEGER NOT NULL,
    samples INTEGER NOT NULL,
    raw_bytes INTEGER NOT NULL,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_by_newest ON batches (newest_ms);
CREATE TABLE IF NOT EXISTS inventory (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    generation INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    body BLOB NOT NULL
);
"""


class QueueError(IctinfraError):
    """The push queue cannot be opened (permissions, disk full, a newer schema)."""


class QueueWriteError(QueueError):
    """A write to the open queue failed and was rolled back: nothing of it is stored."""

    def __init__(self, path: Path, problem: sqlite3.Error) -> None:
        full = getattr(problem, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
        self.reason = "disk_full" if full else "queue_unwritable"  # the drop metric's label
        super().__init__(f"cannot write the push queue {path}: {problem}")


class WriteHealth:
    """Whether the queue's writes succeed; logs each change, so a long outage logs twice."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failing: QueueWriteError | None = None
        self._lock = threading.Lock()

    def failed(self, problem: QueueWriteError) -> None:
        with self._lock:
            first, self.failing = self.failing is None, problem
        if first:
            log.error("%s; until it can be written, collections that cannot be stored are dropped"
                      " and counted (ictinfra_push_dropped_samples_total{reason=%r}), and what is"
                      " queued is still sent", problem, problem.reason)  # fmt: skip

    def succeeded(self) -> None:
        with self._lock:
            was, self.failing = self.failing, None
        if was is not None:
            log.warning("push queue %s can be written again", self.path)


@dataclass(frozen=True, slots=True)
class Batch:
    """One queued cycle: its samples' time range and count, and the compressed protobuf."""

    id: int
    oldest_ms: int
    newest_ms: int
    samples: int
    raw_bytes: int
    compressed: bytes

    def protobuf(self) -> bytes:
        return bytes(cramjam.zstd.decompress(self.compressed))


@dataclass(frozen=True, slots=True)
class QueueStats:
    batches: int
    bytes: int
    samples: int
    oldest_ms: int | None


@dataclass(frozen=True, slots=True)
class InventorySnapshot:
    generation: int
    created_ms: int
    body: bytes


class PushQueue:
    """Thread-safe: the service's event loop puts, the sender's thread reads and deletes."""

    def __init__(self, directory: str | Path, max_bytes: int) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = self.directory / FILE_NAME
        self.max_bytes = max_bytes
        self.health = WriteHealth(self.path)
        self._lock = threading.Lock()
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):  # locked, unreadable, disk full, ...
                raise QueueError(f"cannot open the push queue {self.path}: {exc}") from None
            self._db = self._open_fresh(exc)
        self._stats = self._load_stats()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA busy_timeout=10000")
            self._db = db
            with self._transaction():
                self._create_schema()
        except BaseException:
            db.close()
            raise
        return db

    def _open_fresh(self, problem: Exception) -> sqlite3.Connection:
        """A file that is not a queue (overwritten, or a disk that lost sectors): keep it aside
        for inspection and start an empty queue, so the agent goes on collecting."""
        aside = self.path.with_name(f"{FILE_NAME}.corrupt-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                part.rename(f"{aside}{suffix}")
        log.error("push queue %s is unreadable (%s): moved to %s, starting empty",
                  self.path, problem, aside)  # fmt: skip
        return self._open()

    def _create_schema(self) -> None:
        for statement in filter(str.strip, _SCHEMA.split(";")):
            self._db.execute(statement)
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        elif version != SCHEMA_VERSION:
            raise QueueError(f"{self.path}: queue schema {version}, expected {SCHEMA_VERSION}")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._rollback()  # one an earlier failure left open would refuse this BEGIN for good
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            self._db.execute("COMMIT")  # may fail too (disk full): then roll back as well
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        if self._db.in_transaction:  # SQLite may have rolled back already (SQLITE_FULL)
            with suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction of the open queue: QueueWriteError when it fails."""
        try:
            with self._transaction() as db:
                yield db
        except sqlite3.Error as exc:
            problem = QueueWriteError(self.path, exc)
            self.health.failed(problem)
            raise problem from None
        self.health.succeeded()

    def _load_stats(self) -> QueueStats:
        """Totals by a full scan: once at open; afterwards kept up to date by each change."""
        row = self._db.execute(
            "SELECT count(*), coalesce(sum(length(payload)), 0), coalesce(sum(samples), 0)"
            " FROM batches"
        ).fetchone()
        return QueueStats(row[0], row[1], row[2], self._oldest_ms())

    def _oldest_ms(self) -> int | None:
        row = self._db.execute("SELECT oldest_ms FROM batches ORDER BY id LIMIT 1").fetchone()
        return None if row is None else int(row[0])

    def _changed(self, batches: int, size: int, samples: int) -> None:
        old = self._stats
        self._stats = QueueStats(
            old.batches + batches, old.bytes + size, old.samples + samples, self._oldest_ms()
        )

    def stats(self) -> QueueStats:
        return self._stats

    def put(self, protobuf: bytes, samples: int, oldest_ms: int, newest_ms: int) -> int:
        """Queue one cycle; returns how many queued samples were dropped to stay in bounds."""
        compressed = bytes(cramjam.zstd.compress(protobuf, level=ZSTD_LEVEL))
        with self._lock:
            if len(compressed) > self.max_bytes:
                return samples  # larger than the whole queue: nothing else is worth dropping
            try:
                with self._writing() as db:
                    evicted = self._evict(len(compressed))
                    db.execute(
                        "INSERT INTO batches (oldest_ms, newest_ms, samples, raw_bytes, payload)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (oldest_ms, newest_ms, samples, len(protobuf), compressed),
                    )
            except BaseException:
                self._stats = self._load_stats()
                raise
            self._changed(1 - evicted[0], len(compressed) - evicted[1], samples - evicted[2])
            return evicted[2]

    def _evict(self, incoming: int) -> tuple[int, int, int]:
        """Delete the oldest rows until `incoming` more bytes fit, inside put's transaction;
        returns the (batches, bytes, samples) deleted."""
        excess = self._stats.bytes + incoming - self.max_bytes
        batches = freed = dropped = 0
        if excess <= 0:
            return batches, freed, dropped
        last_id = None
        rows = self._db.execute("SELECT id, length(payload), samples FROM batches ORDER BY id")
        for row_id, size, samples in rows:
            batches, freed, dropped, last_id = batches + 1, freed + size, dropped + samples, row_id
            if freed >= excess:
                break
        if last_id is not None:
            self._db.execute("DELETE FROM batches WHERE id <= ?", (last_id,))
        return batches, freed, dropped

    def oldest(
        self,
        max_raw_bytes: int,
        exclude: frozenset[int] = frozenset(),
        max_samples: int = 2**62,
    ) -> list[Batch]:
        """The oldest batches, in order, up to `max_raw_bytes` of protobuf and `max_samples`
        samples (but at least one batch)."""
        query = "SELECT * FROM batches ORDER BY id"
        return self._select(query, (), max_raw_bytes, max_samples, exclude)

    def since(
        self,
        newest_ms: int,
        max_raw_bytes: int,
        max_samples: int = 2**62,
        exclude: frozenset[int] = frozenset(),
    ) -> list[Batch]:
        """Batches whose newest sample is at or after `newest_ms` (the fresh lane), in order."""
        query = "SELECT * FROM batches WHERE newest_ms >= ? ORDER BY id"
        return self._select(query, (newest_ms,), max_raw_bytes, max_samples, exclude)

    def _select(
        self,
        query: str,
        args: tuple[int, ...],
        max_raw_bytes: int,
        max_samples: int,
        exclude: frozenset[int],
    ) -> list[Batch]:
        batches: list[Batch] = []
        raw_bytes = samples = 0
        with self._lock:
            for row in self._db.execute(query, args):
                batch = Batch(*row)
                if batch.id in exclude:
                    continue
                too_big = raw_bytes + batch.raw_bytes > max_raw_bytes
                if batches and (too_big or samples + batch.samples > max_samples):
                    break
                batches.append(batch)
                raw_bytes += batch.raw_bytes
                samples += batch.samples
        return batches

    def older_than(self, newest_ms: int) -> list[Batch]:
        """Batches whose newest sample is before `newest_ms`: too old to be worth sending."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, oldest_ms, newest_ms, samples, raw_bytes, x'' FROM batches"
                " WHERE newest_ms < ? ORDER BY id",
                (newest_ms,),
            ).fetchall()
        return [Batch(*row) for row in rows]

    def delete(self, ids: list[int]) -> None:
        if not ids:
            return
        with self._lock:
            batches = size = samples = 0
            try:
                with self._writing() as db:
                    for batch_id in ids:
                        for row in db.execute(
                            "DELETE FROM batches WHERE id = ? RETURNING length(payload), samples",
                            (batch_id,),
                        ).fetchall():
                            batches, size, samples = batches + 1, size + row[0], samples + row[1]
            except BaseException:
                self._stats = self._load_stats()
                raise
            self._changed(-batches, -size, -samples)

    def put_inventory(self, body: bytes, created_ms: int | None = None) -> int:
        """Replace the inventory slot (latest wins); returns the snapshot's generation."""
        created = created_ms if created_ms is not None else int(time.time() * 1000)
        with self._lock, self._writing() as db:
            row = db.execute("SELECT max(generation) FROM inventory").fetchone()
            generation = (row[0] or 0) + 1
            db.execute(
                "INSERT OR REPLACE INTO inventory (slot, generation, created_ms, body)"
                " VALUES (1, ?, ?, ?)",
                (generation, created, body),
            )
        return generation

    def inventory(self) -> InventorySnapshot | None:
        with self._lock:
            row = self._db.execute(
                "SELECT generation, created_ms, body FROM inventory WHERE slot = 1"
            ).fetchone()
        return InventorySnapshot(row[0], row[1], bytes(row[2])) if row else None

    def delete_inventory(self, generation: int) -> None:
        """Forget the snapshot once sent, unless a newer one replaced it meanwhile."""
        with self._lock, self._writing() as db:
            db.execute("DELETE FROM inventory WHERE generation = ?", (generation,))

    def integrity_problems(self) -> list[str]:
        """SQLite's own check: an empty list means the file is consistent."""
        with self._lock:
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        return [] if rows == [("ok",)] else [r[0] for r in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
