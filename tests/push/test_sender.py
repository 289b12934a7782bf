"""The sender against a small local receiver: merging, lanes, verdicts, bisection, backoff."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from agent.model import MetricFamily
from agent.push.backoff import Backoff
from agent.push.metrics import PushMetrics
from agent.push.queue import PushQueue
from agent.push.sender import Sender, Verdict, classify
from agent.push.service import encode_cycle
from agent.push.transport import HttpTransport, Response
from agent.wire.remote_write import Series
from tests.push.receiver import Receiver, running_receiver

TOKEN = "s3cret-token-value"
NOW = 1_790_000_000.0


def cycle(value: float, *, series: int = 3, name: str = "push_unit") -> bytes:
    family = MetricFamily(name, "test", label_names=("idx",))
    for i in range(series):
        family.add((str(i),), value)
    return encode_cycle([family], 0, {})[0]


def queue_cycles(queue: PushQueue, timestamps_s: list[float], series: int = 3) -> None:
    from agent.wire.remote_write import build_write_request

    for ts in timestamps_s:
        ms = int(ts * 1000)
        rows = [((("__name__", "push_unit"), ("idx", str(i))), [(ms, ts)]) for i in range(series)]
        queue.put(build_write_request(rows).SerializeToString(), series, ms, ms)


def make_sender(
    tmp_path: Path,
    receiver: Receiver,
    *,
    max_request_bytes: int = 2**20,
    ca_file: str | None = None,
) -> tuple[PushQueue, Sender]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    queue = PushQueue(tmp_path / "queue", max_bytes=2**30)
    transport = HttpTransport(receiver.url, str(token_file), timeout=10, ca_file=ca_file)
    sender = Sender(
        queue,
        transport,
        PushMetrics(),
        interval=15,
        max_request_bytes=max_request_bytes,
        max_sample_age=86400,
        clock=lambda: NOW,
        token_file=str(token_file),
    )
    return queue, sender


def timestamps(series: list[Series]) -> list[int]:
    return sorted({t for s in series for t, _ in s.samples})


@pytest.mark.parametrize(
    ("status", "message", "verdict", "reason"),
    [
        (204, "", Verdict.SENT, ""),
        (200, "", Verdict.SENT, ""),
        (500, "internal error", Verdict.RETRY, ""),
        (503, "", Verdict.RETRY, ""),
        (429, "slow down", Verdict.RETRY, ""),
        (401, "bad token", Verdict.RETRY, ""),
        (400, "out of order sample", Verdict.REJECTED, "rejected"),
        (413, "too big", Verdict.REJECTED, "rejected"),
        (500, "too old sample", Verdict.REJECTED, "too_old"),
        (400, "out of bounds", Verdict.REJECTED, "too_old"),
    ],
)
def test_classify(status: int, message: str, verdict: Verdict, reason: str) -> None:
    assert classify(Response(status, message)) == (verdict, reason)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap() -> None:
    backoff = Backoff(1.0, 60.0, rng=random.Random(1))
    delays = [backoff.next_delay() for _ in range(12)]
    for n, delay in enumerate(delays):
        ceiling = min(60.0, 2.0**n)
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays[7:]}) > 1, "jittered, not in step"
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_backlog_is_merged_into_few_requests_with_original_timestamps(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        stamps = [NOW - 3600 + 15 * i for i in range(240)]
        queue_cycles(queue, stamps)
        assert sender.pump()
        assert queue.stats().batches == 0
        writes = [r for r in receiver.requests if r[0] == "/api/v1/write"]
        assert len(writes) <= 3
        got = timestamps(receiver.accepted_series())
        assert got == [int(t * 1000) for t in stamps]
        assert sender.metrics.sent_samples == 720
        headers = writes[0][2]
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["Content-Encoding"] == "snappy"
        assert headers["X-Prometheus-Remote-Write-Version"] == "0.1.0"


def test_fresh_samples_go_first_during_catch_up(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver, max_request_bytes=2000)
        queue_cycles(queue, [NOW - 86400 + 15 * i for i in range(50)])
        queue_cycles(queue, [NOW - 5])
        assert sender.pump()
        first = timestamps(receiver.requests[0][1])
        assert first == [int((NOW - 5) * 1000)], "the live cycle before the backlog"
        rest = [timestamps(r[1])[0] for r in receiver.requests[1:]]
        assert rest == sorted(rest), "backlog oldest first"
        assert len(receiver.requests) > 5


def test_retryable_errors_keep_everything_queued(tmp_path: Path) -> None:
    with running_receiver(lambda path, series: (503, "tsdb down")) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue_cycles(queue, [NOW - 60, NOW - 45, NOW - 30])
        assert not sender.pump()
        assert not sender.pump()
        assert queue.stats().batches == 3
        assert sender.metrics.retries == 2
        assert sender.metrics.dropped.total() == 0


def test_a_refused_token_names_the_file_and_the_command_once_then_resumption_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    answers = iter([(401, "unknown token"), (401, "unknown token"), (401, "unknown token")])
    with running_receiver(lambda path, series: next(answers, (204, ""))) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue_cycles(queue, [NOW - 60])
        with caplog.at_level(logging.INFO, logger="agent.push.sender"):
            assert not sender.pump()
            assert not sender.pump()
            assert not sender.pump()
            assert sender.pump()
    hints = [r for r in caplog.records if "sites token" in r.getMessage()]
    assert len(hints) == 1 and hints[0].levelno == logging.ERROR
    assert str(tmp_path / "token") in hints[0].getMessage()
    assert "push.token_file" in hints[0].getMessage()
    assert TOKEN not in caplog.text
    assert [r.getMessage() for r in caplog.records if "resumed" in r.getMessage()] == [
        "pushing resumed after 3 failed attempts"
    ]
    assert queue.stats().batches == 0


def test_network_errors_are_retryable(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        url = receiver.url
    # the receiver is gone: connection refused
    dead = Receiver(url, lambda p, s: (204, ""))
    queue, sender = make_sender(tmp_path, dead)
    queue_cycles(queue, [NOW - 60])
    assert not sender.pump()
    assert queue.stats().batches == 1 and sender.metrics.retries == 1


def test_a_rejected_batch_is_found_by_bisection_dropped_counted_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    poison_ms = int((NOW - 600) * 1000)

    def answer(path: str, series: list[Series]) -> tuple[int, str]:
        if poison_ms in timestamps(series):
            return 400, 'out of order sample for series push_unit{idx="0"}'
        return 204, ""

    with running_receiver(answer) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        stamps = [NOW - 900 + 15 * i for i in range(40)]
        queue_cycles(queue, stamps)
        with caplog.at_level(logging.ERROR):
            assert sender.pump()
        assert queue.stats().batches == 0
        delivered = timestamps(receiver.accepted_series())
        assert delivered == [int(t * 1000) for t in stamps if int(t * 1000) != poison_ms]
        assert sender.metrics.dropped["rejected"] == 3
        assert "push_unit" in caplog.text and "out of order sample" in caplog.text
        assert TOKEN not in caplog.text


def test_too_old_500_is_not_retried(tmp_path: Path) -> None:
    with running_receiver(lambda p, s: (500, "too old sample")) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue_cycles(queue, [NOW - 7200, NOW - 7185])
        assert sender.pump()
        assert queue.stats().batches == 0
        assert sender.metrics.dropped["too_old"] == 6 and sender.metrics.retries == 0


def test_samples_older_than_max_age_are_dropped_unsent(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue_cycles(queue, [NOW - 2 * 86400, NOW - 60])
        assert sender.pump()
        assert timestamps(receiver.accepted_series()) == [int((NOW - 60) * 1000)]
        assert sender.metrics.dropped["too_old"] == 3


def test_inventory_is_posted_as_json_latest_wins(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue.put_inventory(b'{"v": 1}')
        queue.put_inventory(b'{"v": 2}')
        assert sender.pump()
        assert receiver.inventories == [b'{"v": 2}']
        assert queue.inventory() is None
        inventory_headers = receiver.requests[0][2]
        assert inventory_headers["Content-Type"] == "application/json"


def test_self_metrics_describe_the_queue_and_never_the_token(tmp_path: Path) -> None:
    from agent.exposition import render

    with running_receiver(lambda p, s: (503, f"nope {TOKEN}")) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue_cycles(queue, [NOW - 120, NOW - 60])
        sender.pump()
        text = render(sender.metrics.families(queue.stats(), now=NOW))
    assert "ictinfra_push_queue_batches 2\n" in text
    assert "ictinfra_push_queue_samples 6\n" in text
    assert "ictinfra_push_queue_oldest_sample_age_seconds 120.0\n" in text
    assert "ictinfra_push_retries_total 1\n" in text
    assert 'ictinfra_push_dropped_samples_total{reason="queue_full"} 0\n' in text
    assert "bearer" not in text.lower()


def test_encode_cycle_stamps_every_sample_and_adds_instance_labels() -> None:
    from agent.wire.remote_write import parse_write_request, request_to_series

    family = MetricFamily("node_load1", "load")
    family.add((), 0.5)
    own = MetricFamily("x", "has its own instance", label_names=("instance",))
    own.add(("mine",), 1)
    raw, count = encode_cycle([family, own], 1234, {"job": "j", "instance": "h"})
    series = request_to_series(parse_write_request(raw))
    assert count == 2
    assert series[0].label_dict == {"__name__": "node_load1", "job": "j", "instance": "h"}
    assert series[1].label_dict == {"__name__": "x", "job": "j", "instance": "mine"}
    assert all(s.samples[0][0] == 1234 for s in series)


def test_tls_is_verified_against_the_ca_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.peers.tls import make_tls_files

    tls = make_tls_files(tmp_path / "tls")
    with running_receiver(tls=(str(tls.cert_file), str(tls.key_file))) as receiver:
        queue, sender = make_sender(tmp_path / "untrusting", receiver)
        queue_cycles(queue, [NOW - 30])
        with caplog.at_level(logging.WARNING):
            assert not sender.pump(), "an unknown CA is refused (and retried later, not dropped)"
        assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
        assert queue.stats().batches == 1 and receiver.requests == []

        queue, sender = make_sender(tmp_path / "trusting", receiver, ca_file=str(tls.ca_file))
        queue_cycles(queue, [NOW - 30])
        assert sender.pump()
        assert timestamps(receiver.accepted_series()) == [int((NOW - 30) * 1000)]


def test_an_unreadable_token_file_keeps_the_data_and_says_which_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running_receiver() as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        (tmp_path / "token").unlink()
        queue_cycles(queue, [NOW - 30])
        with caplog.at_level(logging.WARNING):
            assert not sender.pump()
        assert f"cannot read push.token_file {tmp_path / 'token'}" in caplog.text
        assert queue.stats().batches == 1


def test_a_keep_alive_connection_closed_by_the_server_is_reopened_not_a_failure(
    tmp_path: Path,
) -> None:
    with running_receiver(drop_idle_connections=True) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        for age in (60, 45, 30):
            queue_cycles(queue, [NOW - age])
            assert sender.pump()
        assert sender.metrics.retries == 0
        assert len(receiver.accepted_series()) == 9


def test_an_inventory_rejected_for_good_is_dropped_and_samples_still_go(tmp_path: Path) -> None:
    def answer(path: str, series: list[Series]) -> tuple[int, str]:
        return (400, "collected_at: bad") if path.endswith("inventory") else (204, "")

    with running_receiver(answer) as receiver:
        queue, sender = make_sender(tmp_path, receiver)
        queue.put_inventory(b"{}")
        queue_cycles(queue, [NOW - 30])
        assert sender.pump()
        assert queue.inventory() is None and sender.metrics.inventory_dropped == 1
        assert len(receiver.accepted_series()) == 3


def test_an_unreachable_collector_costs_one_attempt_per_round(tmp_path: Path) -> None:
    with running_receiver() as receiver:
        url = receiver.url
    queue, sender = make_sender(tmp_path, Receiver(url, lambda p, s: (204, "")))
    queue.put_inventory(b"{}")
    queue_cycles(queue, [NOW - 30])
    attempts: list[str] = []
    post = sender.transport.post

    def counting_post(path: str, body: bytes, headers: dict[str, str]) -> Response:
        attempts.append(path)
        return post(path, body, headers)

    sender.transport.post = counting_post  # type: ignore[method-assign]
    assert sender.pump() is False
    assert attempts == ["/api/v1/inventory"]
    assert queue.inventory() is not None and queue.stats().batches == 1
