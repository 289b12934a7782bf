"""The active throughput test: download N bytes from the collector, at most once per
`min_interval`, the last run's time kept on disk so a restart never defeats the limit.

Contract with the collector (docs/bandwidth.md): `GET {base}/api/v1/speedtest?bytes=N` with
`Authorization: Bearer <site token>` answers 200 with `Content-Length: N` and N incompressible
bytes, or 429 with `Retry-After` when the collector's own limit is reached.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.collectors.probes import (
    HttpTarget,
    open_timed,
    parse_status_line,
    request_bytes,
    resolve,
)
from agent.collectors.probes import tls_context as make_tls_context
from agent.config.bandwidth import SpeedTestConfig
from agent.errors import CollectError

log = logging.getLogger(__name__)

PATH = "/api/v1/speedtest"
_CHUNK = 256 * 1024
_FAILURES = (OSError, TimeoutError, CollectError, ValueError, asyncio.IncompleteReadError)


@dataclass(frozen=True, slots=True)
class SpeedTestResult:
    started_at: float  # Unix time
    success: bool
    bytes: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def bytes_per_second(self) -> float | None:
        return self.bytes / self.seconds if self.success and self.seconds > 0 else None


class RunLedger:
    """The last run, persisted as JSON. A missing file means "never ran"; an unreadable or
    corrupt one stops the test (the limit could not be proven)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def load(self) -> SpeedTestResult | None:
        try:
            data = json.loads(self.path.read_text())
            return SpeedTestResult(**data)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise CollectError(f"speed test state {self.path} is unreadable: {exc}") from None

    def save(self, result: SpeedTestResult) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(asdict(result)))
        os.replace(temporary, self.path)


def is_due(last: SpeedTestResult | None, now: float, min_interval: float) -> bool:
    """Never ran, or ran at least `min_interval` ago. A clock set backwards (negative age)
    waits: running early is the one thing the limit forbids."""
    return last is None or now - last.started_at >= min_interval


def _parse_headers(block: bytes) -> tuple[int, dict[str, str]]:
    lines = block.split(b"\r\n")
    status = parse_status_line(lines[0])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def download(
    url: str, size: int, token: str | None, ca_file: str | None
) -> tuple[int, float]:
    """GET the test body; returns (bytes received, seconds from first to last body byte)."""
    target = HttpTarget.from_url(f"{url}?bytes={size}")
    to = await resolve(target.host, 10.0)
    context = make_tls_context(True, ca_file) if target.scheme == "https" else None
    reader, writer, _, _ = await open_timed(target, to.address, to.family, context)
    try:
        writer.write(request_bytes(target, token=token))
        status, headers = _parse_headers((await reader.readuntil(b"\r\n\r\n"))[:-4])
        if status != 200:
            retry = headers.get("retry-after")
            hint = f" (Retry-After: {retry[:20]} s)" if status == 429 and retry else ""
            raise CollectError(f"speed test endpoint answered {status}{hint}")
        expected = int(headers.get("content-length", "-1"))
        if expected != size:
            raise CollectError(f"speed test endpoint sent Content-Length {expected}, not {size}")
        received, started = 0, time.perf_counter()
        while received < size:
            chunk = await reader.read(min(_CHUNK, size - received))
            if not chunk:
                raise CollectError(f"speed test body ended after {received} of {size} bytes")
            received += len(chunk)
        return received, time.perf_counter() - started
    finally:
        writer.transport.abort()


class SpeedTest:
    """Runs the test in the background when due; reports the last result."""

    def __init__(self, config: SpeedTestConfig, url: str, token: str | None) -> None:
        self.url, self.size, self._token = url, config.bytes, token
        self.min_interval, self.timeout = config.min_interval, config.timeout
        self.ca_file = config.ca_file
        self.ledger = RunLedger(config.state_file)
        self._task: asyncio.Task[None] | None = None

    def poll(self, now: float | None = None) -> SpeedTestResult | None:
        """Start a run if due and none is running; return the last finished (or started) run."""
        now = time.time() if now is None else now
        last = self.ledger.load()
        running = self._task is not None and not self._task.done()
        if not running and is_due(last, now, self.min_interval):
            # saved before the run: a crash or a restart mid-test still counts as a run
            self.ledger.save(SpeedTestResult(started_at=now, success=False, error="running"))
            self._task = asyncio.create_task(self._run(now))
        return last

    async def _run(self, started_at: float) -> None:
        try:
            received, seconds = await asyncio.wait_for(
                download(self.url, self.size, self._token, self.ca_file), self.timeout
            )
            result = SpeedTestResult(started_at, True, received, seconds)
            log.info("speed test: %d bytes in %.2fs", received, seconds)
        except _FAILURES as exc:
            error = str(exc) or type(exc).__name__
            result = SpeedTestResult(started_at, False, error=error)
            log.warning("speed test failed: %s", error)
        self.ledger.save(result)

    async def wait(self) -> None:
        """For tests and shutdown: wait for a running test to finish."""
        if self._task is not None:
            await self._task


def read_token(path: str | None) -> str | None:
    if path is None:
        return None
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise CollectError(f"cannot read the token file {path}: {exc.strerror}") from None
