"""The queue when SQLite cannot write (its own page limit reached, a read-only database): the
write fails whole, is logged once per outage, and the next write after recovery succeeds; batches
the receiver accepted but the queue could not delete are never sent again, and are deleted later.
(The real full disk, with a real agent, collector and Prometheus: test_queue_disk_full.py.)"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agent.push.metrics import PushMetrics
from agent.push.queue import PushQueue, QueueWriteError
from tests.push.queue_writer import payload, verify
from tests.push.receiver import running_receiver
from tests.push.test_sender import NOW, make_sender, queue_cycles

FULL = "cannot write the push queue"
WRITABLE = "can be written again"


def test_a_full_database_fails_each_write_whole_logs_once_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    queue = PushQueue(tmp_path, max_bytes=2**30)
    queue.put(payload(1), samples=10, oldest_ms=1000, newest_ms=1000)
    pages = queue._db.execute("PRAGMA page_count").fetchone()[0]
    queue._db.execute(f"PRAGMA max_page_count={pages}")  # SQLITE_FULL, as on a full disk
    with caplog.at_level(logging.WARNING, logger="agent.push.queue"):
        for seq in range(2, 6):
            with pytest.raises(QueueWriteError) as failure:
                queue.put(payload(seq), samples=10, oldest_ms=seq * 1000, newest_ms=seq * 1000)
            assert failure.value.reason == "disk_full"
        with pytest.raises(QueueWriteError):
            queue.put_inventory(b"{}" * 100_000)
        assert queue.stats().batches == 1 and queue.stats().samples == 10
        queue._db.execute("PRAGMA max_page_count=1073741823")
        queue.put(payload(6), samples=10, oldest_ms=6000, newest_ms=6000)
    assert caplog.text.count(FULL) == 1 and caplog.text.count(WRITABLE) == 1
    assert [verify(b.protobuf()) for b in queue.oldest(2**30)] == [1, 6]
    queue.close()
    assert PushQueue(tmp_path, max_bytes=2**30).stats().batches == 2


def test_batches_sent_but_not_deletable_are_not_sent_again_and_deleted_later(
    tmp_path: Path,
) -> None:
    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue_cycles(queue, [NOW - 60 + 15 * i for i in range(4)])
        queue._db.execute("PRAGMA query_only=1")  # every write now fails: SQLITE_READONLY
        assert sender.pump()
        sent = [s for path, batch, _ in receiver.requests if path.endswith("write") for s in batch]
        assert sum(len(s.samples) for s in sent) == 12  # 4 cycles of 3 series, each once
        assert queue.stats().batches == 4 and len(sender.acknowledged) == 4
        requests = len(receiver.requests)
        assert sender.pump()  # nothing new: the acknowledged batches are not sent again
        queue._db.execute("PRAGMA query_only=0")
        assert sender.pump()
        assert queue.stats().batches == 0 and not sender.acknowledged
        assert len(receiver.requests) == requests
        sender.transport.close()
        queue.close()


def test_the_service_counts_what_it_could_not_store(tmp_path: Path) -> None:
    from agent.push.backoff import Backoff
    from agent.push.service import PushService

    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        push = PushService(queue, sender, Backoff(1, 2), interval=15, extra_labels={})
        queue._db.execute("PRAGMA query_only=1")
        push.put(payload(1), samples=7, timestamp_ms=1000)  # does not raise
        metrics: PushMetrics = push.metrics
        assert metrics.dropped["queue_unwritable"] == 7
        queue._db.execute("PRAGMA query_only=0")
        push.put(payload(2), samples=7, timestamp_ms=2000)
        assert queue.stats().samples == 7 and metrics.dropped["queue_unwritable"] == 7
        text = "".join(f.name + str(f.samples) for f in push.families())
        assert "('queue_unwritable',), 7)" in text
        sender.transport.close()
        queue.close()
