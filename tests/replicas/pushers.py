"""Agents' push clients in threads: the agent's own PushService (durable queue, sender, HTTP
transport), each site with its token, queuing one cycle of `series` samples at a time.

Each cycle's samples are stamped `start_ms + cycle * 1000`, so every (series, timestamp) is
known: a TSDB that holds each exactly once counts `cycles` samples per series.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from agent.config.push import PushConfig
from agent.push.service import PushService
from agent.wire.remote_write import build_write_request

METRIC = "ictinfra_replica_test_value"


@dataclass
class Pusher:
    site: str
    service: PushService
    test_id: str
    series: int
    cycles: int
    start_ms: int
    interval: float
    queued: int = 0
    error: BaseException | None = None
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, name=f"push-{self.site}", daemon=True)

    def cycle_body(self, cycle: int) -> bytes:
        timestamp = self.start_ms + cycle * 1000
        series = [
            ({"__name__": METRIC, "test": self.test_id, "agent": self.site, "n": str(n)},
             [(timestamp, float(cycle * 1000 + n))])
            for n in range(self.series)
        ]  # fmt: skip
        request = build_write_request(series)
        return bytes(request.SerializeToString())

    def _run(self) -> None:
        try:
            for cycle in range(self.cycles):
                self.service.put(self.cycle_body(cycle), self.series, self.start_ms + cycle * 1000)
                self.queued = cycle + 1
                self.drain(deadline=time.monotonic() + self.interval)
            self.drain(deadline=time.monotonic() + 120)
        except BaseException as exc:  # reported by join()
            self.error = exc

    def drain(self, deadline: float) -> None:
        """Send until the queue is empty, retrying every 0.1 s (not the service's backoff: the
        test wants resends soon), or until `deadline`."""
        while self.service.queue.stats().batches and time.monotonic() < deadline:
            if not self.service.sender.pump():
                time.sleep(0.1)
        time.sleep(max(0.0, min(self.interval, deadline - time.monotonic())))

    def sent(self) -> int:
        """Cycles the collector has answered 2xx for."""
        return self.queued - self.service.queue.stats().batches

    def join(self) -> None:
        self.thread.join(180)
        assert not self.thread.is_alive(), f"{self.site}: still pushing"
        if self.error is not None:
            raise self.error
        assert self.service.queue.stats().batches == 0, f"{self.site}: samples left unsent"


def make_pusher(  # noqa: PLR0917 (one agent's whole set-up)
    root: Path, url: str, site: str, token: str, test_id: str, series: int, cycles: int,
    start_ms: int, interval: float,
) -> Pusher:  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    token_file = root / "token"
    token_file.write_text(token + "\n", encoding="utf-8")
    config = PushConfig(url=url, token_file=str(token_file), queue_path=str(root / "queue"),
                        interval=interval, timeout=30)  # fmt: skip
    service = PushService.from_config(config, extra_labels={})
    return Pusher(site, service, test_id, series, cycles, start_ms, interval)
