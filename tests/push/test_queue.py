"""The durable push queue: order, byte bound, inventory slot, and crash safety under SIGKILL."""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agent.push.queue import PushQueue, QueueError, QueueStats
from tests.peers.common import subprocess_env
from tests.push.queue_writer import payload, verify


def test_batches_come_back_in_order_intact_and_are_deleted(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=2**30)
    for seq in range(1, 6):
        queue.put(payload(seq), samples=10, oldest_ms=seq * 1000, newest_ms=seq * 1000)
    batches = queue.oldest(max_raw_bytes=2**30)
    assert [verify(b.protobuf()) for b in batches] == [1, 2, 3, 4, 5]
    assert queue.stats().batches == 5 and queue.stats().samples == 50
    assert queue.stats().oldest_ms == 1000
    queue.delete([batches[0].id, batches[2].id])
    assert [verify(b.protobuf()) for b in queue.oldest(2**30)] == [2, 4, 5]
    assert [verify(b.protobuf()) for b in queue.since(4000, 2**30)] == [4, 5]
    queue.close()
    reopened = PushQueue(tmp_path, max_bytes=2**30)
    assert reopened.stats().batches == 3 and reopened.stats().samples == 30


def test_requests_are_limited_by_raw_bytes_but_hold_at_least_one_batch(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=2**30)
    for seq in range(1, 11):
        queue.put(b"x" * 1000, samples=1, oldest_ms=seq, newest_ms=seq)
    assert len(queue.oldest(max_raw_bytes=3500)) == 3
    assert len(queue.oldest(max_raw_bytes=10)) == 1
    assert len(queue.oldest(max_raw_bytes=2**20, max_samples=4)) == 4


def test_a_full_queue_drops_the_oldest_first_and_counts_their_samples(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=60_000)
    dropped = 0
    for seq in range(1, 41):  # payloads have an incompressible part of 10-20 kB
        dropped += queue.put(payload(seq), samples=seq, oldest_ms=seq, newest_ms=seq)
        assert queue.stats().bytes <= 60_000
    kept = [verify(b.protobuf()) for b in queue.oldest(2**40)]
    assert kept == list(range(kept[0], 41)), "only the oldest were dropped, newest kept in order"
    assert kept[0] > 1
    assert dropped == sum(range(1, kept[0])), "every dropped sample counted"
    assert queue.stats().samples == sum(kept)


def test_a_batch_larger_than_the_whole_queue_is_refused_and_counted(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=1000)
    queue.put(b"small", samples=1, oldest_ms=1, newest_ms=1)
    assert queue.put(os.urandom(5000), samples=77, oldest_ms=2, newest_ms=2) == 77
    assert queue.stats().batches == 1


def test_inventory_slot_keeps_only_the_latest_and_survives_a_race(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=2**20)
    assert queue.inventory() is None
    queue.put_inventory(b'{"n": 1}')
    first = queue.inventory()
    assert first is not None and first.body == b'{"n": 1}'
    queue.put_inventory(b'{"n": 2}')  # replaced while the first was being sent
    queue.delete_inventory(first.generation)  # the sender's delete must not lose the newer one
    second = queue.inventory()
    assert second is not None and second.body == b'{"n": 2}'
    queue.delete_inventory(second.generation)
    assert queue.inventory() is None


def test_the_database_is_wal_with_full_sync(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=2**20)
    db = queue._db
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_threads_putting_and_deleting_at_once_lose_nothing(tmp_path: Path) -> None:
    queue = PushQueue(tmp_path, max_bytes=2**30)
    seen: list[int] = []

    def consume() -> None:
        while len(seen) < 200:
            for batch in queue.oldest(2**20):
                seen.append(verify(batch.protobuf()))
                queue.delete([batch.id])

    consumer = threading.Thread(target=consume)
    consumer.start()
    for seq in range(200):
        queue.put(payload(seq), samples=1, oldest_ms=seq, newest_ms=seq)
    consumer.join(60)
    assert seen == list(range(200))


def _read_events(stream: list[str]) -> tuple[set[int], set[int]]:
    puts = {int(line.split()[1]) for line in stream if line.startswith("put ")}
    dels = {int(line.split()[1]) for line in stream if line.startswith("del ")}
    return puts, dels


def test_sigkill_at_random_points_never_corrupts_or_loses_a_committed_batch(
    tmp_path: Path,
) -> None:
    """A real writer process killed with SIGKILL 30 times at random points (during start-up,
    inside a put, inside a delete); after each kill the queue opens consistent, every batch in
    it is intact, and it holds exactly the committed batches (±1 in-flight operation)."""
    rng = random.Random(20261121)
    expected: set[int] = set()
    next_seq = 1
    kills = 0
    total_commits = 0
    for _ in range(30):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.push.queue_writer", str(tmp_path), str(next_seq)],
            stdout=subprocess.PIPE,
            text=True,
            env=subprocess_env(),
        )
        time.sleep(rng.uniform(0.05, 0.8))
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate(timeout=30)
        kills += child.returncode == -signal.SIGKILL
        puts, dels = _read_events(out.splitlines())
        total_commits += len(puts) + len(dels)

        queue = PushQueue(tmp_path, max_bytes=2**40)
        assert queue.integrity_problems() == []
        present = [verify(b.protobuf()) for b in queue.oldest(2**62)]  # raises if torn
        assert present == sorted(present), "order kept"
        stats = queue.stats()
        assert stats.batches == len(present) and stats.samples == sum(present)
        queue.close()

        want = (expected | puts) - dels
        unexpected = set(present) - want
        missing = want - set(present)
        # The one operation in flight at the kill may or may not have committed.
        assert unexpected <= {max(puts | {next_seq - 1}) + 1}, unexpected
        assert missing <= {min(want, default=0)}, missing
        assert len(missing) + len(unexpected) <= 1
        expected = set(present)
        next_seq = max([next_seq - 1, *puts, *present]) + 1
    assert kills == 30
    assert total_commits > 100, "the writer got far enough to be killed mid-work"


def test_running_totals_match_a_full_recount_after_puts_evictions_and_deletes(
    tmp_path: Path,
) -> None:
    rng = random.Random(3)
    queue = PushQueue(tmp_path, max_bytes=150_000)
    for seq in range(300):
        queue.put(payload(seq), samples=rng.randrange(1, 100), oldest_ms=seq, newest_ms=seq)
        if rng.random() < 0.3:
            batches = queue.oldest(2**20)
            queue.delete([b.id for b in rng.sample(batches, k=min(3, len(batches)))] + [10**9])
        assert queue.stats() == queue._load_stats()
    queue.delete([b.id for b in queue.oldest(2**62)])
    assert queue.stats() == queue._load_stats() == QueueStats(0, 0, 0, None)


def test_a_torn_wal_tail_as_after_a_power_cut_opens_at_an_earlier_commit(tmp_path: Path) -> None:
    """Power loss model: the last, unsynced part of the WAL is lost or garbage. Whatever the
    cut, the queue opens consistent, at some earlier commit: a contiguous run of intact batches."""
    writer_dir = tmp_path / "writer"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.push.queue_writer", str(writer_dir), "1"],
        stdout=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    )
    assert child.stdout is not None
    for _ in range(60):  # enough commits for a WAL of a few hundred kB
        child.stdout.readline()
    child.send_signal(signal.SIGKILL)  # no checkpoint: the commits are in the WAL
    child.communicate(timeout=30)
    wal = (writer_dir / "push.sqlite3-wal").read_bytes()
    assert len(wal) > 50_000
    rng = random.Random(11)
    states = set()
    for trial in range(25):
        copy = tmp_path / f"cut{trial}"
        copy.mkdir()
        (copy / "push.sqlite3").write_bytes((writer_dir / "push.sqlite3").read_bytes())
        cut = rng.randrange(32, len(wal))
        tail = rng.randbytes(rng.randrange(0, 5000)) if trial % 2 else b""
        (copy / "push.sqlite3-wal").write_bytes(wal[:cut] + tail)
        queue = PushQueue(copy, max_bytes=2**40)
        assert queue.integrity_problems() == []
        present = [verify(b.protobuf()) for b in queue.oldest(2**62)]
        if present:
            assert present == list(range(present[0], present[-1] + 1)), "one commit's state"
        assert queue.stats() == queue._load_stats()
        states.add(tuple(present))
        queue.close()
    assert len(states) > 5, "the cuts landed at many different commits"


def test_a_file_that_is_not_a_queue_is_moved_aside_and_a_fresh_queue_starts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "push.sqlite3").write_bytes(b"this is not a database, it was overwritten" * 100)
    with caplog.at_level(logging.ERROR):
        queue = PushQueue(tmp_path, max_bytes=2**20)
    queue.put(b"x", samples=1, oldest_ms=1, newest_ms=1)
    assert queue.stats().batches == 1
    assert [p.name for p in tmp_path.glob("push.sqlite3.corrupt-*")]
    assert "moved to" in caplog.text


def test_an_unopenable_queue_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "push.sqlite3").mkdir()  # a directory where the file belongs
    with pytest.raises(QueueError, match="cannot open the push queue"):
        PushQueue(tmp_path, max_bytes=2**20)
