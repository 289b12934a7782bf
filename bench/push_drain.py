"""How long the agent takes to drain a 24-hour backlog of 2,000 series at 15 s into Prometheus.

    python3 bench/push_drain.py [--hours 24] [--series 2000] [--step 15] [--via-collector]

Fills a real push queue (the agent's own PushQueue.put, one row per 15 s cycle, as the service
does) with a day of samples, starts a real Prometheus 2.42 with deploy/prometheus/prometheus.yml
(scraping itself, so its head is at "now" and the whole backlog is out-of-order, as after a real
outage), then times the agent's Sender draining the queue, and counts the samples in Prometheus
with PromQL (count_over_time) to check that every one arrived. With --via-collector the agent
sends to a real `ictinfra-collector serve` (SQLite store, one site, a token) that forwards to
the same Prometheus.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.push.metrics import PushMetrics  # noqa: E402
from agent.push.queue import PushQueue  # noqa: E402
from agent.push.sender import Sender  # noqa: E402
from agent.push.transport import HttpTransport, Response  # noqa: E402
from agent.wire.remote_write import WriteRequest, build_write_request  # noqa: E402
from tests.peers.common import free_port, subprocess_env, wait_until  # noqa: E402
from tests.peers.prometheus import PrometheusServer  # noqa: E402

DEVICES, INTERFACES = 20, 20
IF_METRICS = ("ifHCInOctets", "ifHCOutOctets", "ifInErrors", "ifOperStatus", "ifHighSpeed")


def series_labels(count: int, run: str) -> list[list[tuple[str, str]]]:
    """snmp_exporter-like IF-MIB series (device, ifIndex, ifName, ifDescr, ifAlias), sorted."""
    out: list[list[tuple[str, str]]] = []
    n = 0
    while len(out) < count:
        device, index = divmod(n, INTERFACES)
        for metric in IF_METRICS:
            labels = {
                "__name__": metric, "job": "ictinfra-agent", "instance": "ubnd-xa-bench",
                "device": f"switch-{device}", "ifIndex": str(index + 1),
                "ifName": f"Gi1/0/{index + 1}", "ifDescr": f"GigabitEthernet1/0/{index + 1}",
                "ifAlias": f"port {index + 1}", "bench": run,
            }  # fmt: skip
            out.append(sorted(labels.items()))
        n += 1
    return out[:count]


def fill_queue(queue: PushQueue, series: int, cycles: int, step_s: int, run: str) -> int:
    """One row per cycle, as the service writes them; values move like real counters/gauges."""
    rng = random.Random(1)
    request: Any = WriteRequest()
    for labels in series_labels(series, run):
        ts = request.timeseries.add()
        for name, value in labels:
            ts.labels.add(name=name, value=value)
        ts.samples.add()
    samples = [ts.samples[0] for ts in request.timeseries]
    counters = [rng.randrange(10**9) for _ in range(series)]
    start_ms = (int(time.time()) - cycles * step_s) * 1000
    for cycle in range(cycles):
        ms = start_ms + cycle * step_s * 1000
        for i, sample in enumerate(samples):
            if i % 5 < 3:  # counters: octets and errors
                counters[i] += rng.randrange(0, 50_000_000) if i % 5 < 2 else rng.randrange(2)
                sample.value = float(counters[i])
            else:
                sample.value = 1.0 if i % 5 == 3 else 1000.0
            sample.timestamp = ms
        queue.put(request.SerializeToString(), series, ms, ms)
    return start_ms


class CountingTransport(HttpTransport):
    """Counts requests and bytes; notes when each small request (a fresh cycle) went out."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requests = 0
        self.body_bytes = 0
        self.small_sent_at: list[float] = []

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Response:
        self.requests += 1
        self.body_bytes += len(body)
        answer = super().post(path, body, headers)
        if len(body) < 2048:
            self.small_sent_at.append(time.perf_counter())
        return answer


class FreshProbe(threading.Thread):
    """While the backlog drains, a live collector keeps queueing: one small cycle stamped now
    every `period` seconds. How long each waits to be sent shows whether fresh data starves."""

    def __init__(self, queue: PushQueue, run: str, period: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.queue, self.run_id, self.period = queue, run, period
        self.queued_at: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.period):
            ms = int(time.time() * 1000)
            rows = [((("__name__", "bench_fresh"), ("bench", self.run_id)), [(ms, 1.0)])]
            self.queue.put(build_write_request(rows).SerializeToString(), 1, ms, ms)
            self.queued_at.append(time.perf_counter())

    def latencies(self, sent_at: list[float]) -> list[float]:
        return [min((s for s in sent_at if s >= q), default=float("inf")) - q
                for q in self.queued_at]  # fmt: skip


def start_collector(root: Path, prometheus: PrometheusServer) -> tuple[str, str, Any]:
    port = free_port()
    config = root / "collector.yml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\n"
        f"database_url: sqlite:///{root / 'collector.db'}\n"
        f"prometheus_url: {prometheus.url}\n"
        f"forward:\n  - url: {prometheus.write_url}\n"
        "log:\n  level: warning\n"
    )
    sites = root / "sites.csv"
    sites.write_text("code,name,level,parent_code,staff,offices\n01,Hà Nội,province,,100,1\n")
    env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(config))

    def cli(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "collector", *args], env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        return done.stdout

    cli("sites", "import", "--init", str(sites))
    token = cli("sites", "token", "01").strip().splitlines()[-1]
    log = (root / "collector.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "collector", "serve"], env=env,
                               stdout=log, stderr=log)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    import httpx

    wait_until(lambda: _healthy(httpx, url), 60, "collector")
    return url, token, process


def _healthy(httpx: Any, url: str) -> bool:
    try:
        return bool(httpx.get(f"{url}/healthz", timeout=1).status_code == 200)
    except httpx.HTTPError:
        return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hours", type=float, default=24)
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--step", type=int, default=15)
    parser.add_argument("--max-request-bytes", type=int, default=8 * 2**20)
    parser.add_argument("--max-request-samples", type=int, default=40_000)
    parser.add_argument("--via-collector", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    cycles = int(args.hours * 3600 / args.step)
    total = cycles * args.series
    root = Path(tempfile.mkdtemp(prefix="push-drain-"))
    run = uuid.uuid4().hex[:8]
    print(f"backlog: {args.hours:g} h x {args.series} series at {args.step} s = {cycles} cycles,"
          f" {total:,} samples")  # fmt: skip

    queue = PushQueue(root / "queue", max_bytes=2**40)
    started = time.perf_counter()
    fill_queue(queue, args.series, cycles, args.step, run)
    stats = queue.stats()
    db_size = sum(f.stat().st_size for f in (root / "queue").iterdir())
    fill_seconds = time.perf_counter() - started
    print(
        f"queue filled in {fill_seconds:.1f} s: {stats.bytes / 2**20:.1f} MiB payload"
        f" ({stats.bytes / total:.2f} B/sample), {db_size / 2**20:.1f} MiB on disk"
    )

    prometheus = PrometheusServer(root / "prometheus", ooo_window="3d")
    shutil.copy(REPO / "deploy" / "prometheus" / "prometheus.yml", prometheus.config_file)
    prometheus.config_file.write_text(
        prometheus.config_file.read_text().replace("127.0.0.1:9090", f"127.0.0.1:{prometheus.port}")
    )
    prometheus.start()
    collector = None
    try:
        wait_until(lambda: bool(prometheus.query("up")), 60, "prometheus head at now")
        url, token = prometheus.url, "unused"
        if args.via_collector:
            url, token, collector = start_collector(root, prometheus)
        (root / "token").write_text(token)
        transport = CountingTransport(url, str(root / "token"), timeout=120)
        metrics = PushMetrics()
        sender = Sender(
            queue,
            transport,
            metrics,
            interval=15,
            max_request_bytes=args.max_request_bytes,
            max_request_samples=args.max_request_samples,
            max_sample_age=3 * 86400,
        )
        probe = FreshProbe(queue, run)
        probe.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        drained = sender.pump()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        probe.stopping.set()
        probe.join()
        sender.pump()  # a probe cycle queued after the drain's last look
        where = "agent -> collector -> Prometheus" if args.via_collector else "agent -> Prometheus"
        print(f"drain ({where}): {'complete' if drained else 'INCOMPLETE'} in {wall:.1f} s wall,"
              f" {cpu:.1f} s agent CPU; {metrics.sent_samples / wall:,.0f} samples/s;"
              f" {transport.requests} requests, {transport.body_bytes / 2**20:.1f} MiB on the"
              f" wire; retries {metrics.retries}, dropped {dict(metrics.dropped)}")  # fmt: skip
        waits = sorted(probe.latencies(transport.small_sent_at))
        if waits:
            print(f"fresh cycles queued during the drain: {len(waits)}, sent after"
                  f" median {waits[len(waits) // 2]:.2f} s, max {waits[-1]:.2f} s")  # fmt: skip
        total += len(probe.queued_at)
        window = f"{int(args.hours) + 1}h"
        counted = 0
        for metric in (
            *IF_METRICS,
            "bench_fresh",
        ):  # one query a name: count_over_time drops __name__
            found = prometheus.query(f'sum(count_over_time({metric}{{bench="{run}"}}[{window}]))')
            counted += int(float(found[0]["value"][1])) if found else 0
        print(f"PromQL count_over_time: {counted:,} of {total:,} samples"
              f" ({'all there' if counted == total else 'MISSING'})")  # fmt: skip
        print(f"agent max RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    finally:
        if collector is not None:
            collector.terminate()
            collector.wait(30)
        prometheus.close()
        queue.close()
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
