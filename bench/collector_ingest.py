"""Ingest CPU: the collector (C fast path, and pure Python) against Prometheus's own receiver.

One run, the same pre-encoded remote_write bodies to three paths: (a) straight to a fresh
Prometheus 2.42, (b) through an `ictinfra-collector serve` process with its C fast path, and
(c) through one forced onto the pure-Python path (ICTINFRA_INGEST_FASTPATH=0), each collector
forwarding to its own fresh Prometheus. The requests are sent in rounds, the paths' order rotated
every round so a change in the machine's load falls on all three. CPU-seconds are read from
/proc for each process (wall-clock throughput hides where the CPU goes), and every store is
counted: a figure is only reported for samples that landed.

Two shapes, each on fresh peers: `live` (an agent's push: SERIES series x 1 sample, 9 labels,
the same series every request, so the TSDB knows them after the first round) and `backlog`
(a replay after an outage: 40 samples per series).

    python3 bench/collector_ingest.py [--shape live|backlog|both] [--series 2000]
        [--requests N] [--rounds 4] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request  # noqa: E402
from tests.peers.collector import CollectorProcess, start_collector  # noqa: E402
from tests.peers.prometheus import PrometheusServer, start_prometheus  # noqa: E402

METRIC = "bench_ifHCInOctets"
SHAPES = {"live": (60, 1), "backlog": (20, 40)}  # requests, samples per series


def _labels(index: int) -> dict[str, str]:
    """9 labels, as an agent's interface counter has them (`site` spoofed: replaced)."""
    port = index % 48
    return {
        "__name__": METRIC,
        "device": f"sw{index // 48}",
        "ifAlias": f"uplink to office {port}",
        "ifIndex": str(port + 1),
        "ifName": f"GigabitEthernet0/{port}",
        "instance": f"10.0.{index // 48 // 250}.{index // 48 % 250 + 1}:161",
        "job": "ictinfra_snmp",
        "site": "spoofed",
        "vendor": "cisco",
    }


def payloads(series: int, requests: int, per_series: int, start_ms: int) -> list[bytes]:
    """Request r carries samples r*per_series .. (r+1)*per_series-1 of every series, 15 s
    apart."""
    labels = [_labels(i) for i in range(series)]
    bodies = []
    for r in range(requests):
        timestamps = [start_ms + (r * per_series + n) * 15_000 for n in range(per_series)]
        bodies.append(
            encode_write_request(
                (labels[i], [(ts, float(r * 1000 + i + n)) for n, ts in enumerate(timestamps)])
                for i in range(series)
            )
        )
    return bodies


async def send_all(url: str, bodies: list[bytes], concurrency: int, token: str | None) -> None:
    headers = dict(WRITE_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            answer = await client.post(url, content=body, headers=headers)
            if answer.status_code != 204:
                raise RuntimeError(f"{url}: {answer.status_code} {answer.text}")

    async with httpx.AsyncClient(timeout=120) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


@dataclass
class Route:
    name: str
    url: str
    token: str | None
    prometheus: PrometheusServer
    collector: CollectorProcess | None = None
    collector_cpu: list[float] = field(default_factory=list)  # per round
    prometheus_cpu: list[float] = field(default_factory=list)

    def pids(self) -> tuple[int, int]:
        prom = self.prometheus.process
        assert prom is not None
        return (self.collector.process.pid if self.collector else 0), prom.pid

    def send(self, bodies: list[bytes], concurrency: int) -> None:
        collector, prom = self.pids()
        before = (cpu_seconds(collector) if collector else 0.0, cpu_seconds(prom))
        asyncio.run(send_all(self.url, bodies, concurrency, self.token))
        after = (cpu_seconds(collector) if collector else 0.0, cpu_seconds(prom))
        self.collector_cpu.append(after[0] - before[0])
        self.prometheus_cpu.append(after[1] - before[1])

    def stored(self) -> int:
        query = f"sum(count_over_time({METRIC}[3d]))"
        for _ in range(10):  # 2.42 sometimes fails a query racing its head compaction
            answer = self.prometheus.client.get(
                "/api/v1/query", params={"query": query, "time": time.time()}
            )
            body = answer.json()
            if body.get("status") == "success":
                break
            time.sleep(2)
        else:
            raise RuntimeError(f"{self.name}: {answer.status_code} {body}")
        result = body["data"]["result"]
        return int(float(result[0]["value"][1])) if result else 0


def _collector(root: Path, name: str, prometheus: PrometheusServer, fast: bool) -> Route:
    sites = root / "sites.csv"
    sites.write_text(
        "code,name,level,parent_code,staff,offices\n01,Hà Nội,province,,1,1\n00001,Phúc Xá,"
        "commune,01,1,1\n",
        encoding="utf-8",
    )
    saved = os.environ.get("ICTINFRA_INGEST_FASTPATH")
    os.environ["ICTINFRA_INGEST_FASTPATH"] = "1" if fast else "0"
    try:
        running = start_collector(root / name, [{"url": prometheus.write_url}], sites)
    finally:
        os.environ.pop("ICTINFRA_INGEST_FASTPATH")
        if saved is not None:
            os.environ["ICTINFRA_INGEST_FASTPATH"] = saved
    url = f"{running.url}/api/v1/write"
    return Route(name, url, running.token("00001"), prometheus, running)


def run_shape(shape: str, args: argparse.Namespace) -> bool:
    requests, per = SHAPES[shape]
    requests = args.requests or requests
    total = args.series * requests * per
    start_ms = int(time.time() * 1000) - (requests * per + 1) * 15_000
    bodies = payloads(args.series, requests, per, start_ms)
    mib = sum(map(len, bodies)) / 2**20
    print(f"\n{shape}: {requests} requests x {args.series} series x {per} samples x 9 labels = "
          f"{total} samples, {mib:.1f} MiB snappy, {args.rounds} rounds, "
          f"concurrency {args.concurrency}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ictinfra-bench-") as tmp:
        root = Path(tmp)
        direct = start_prometheus(root / "direct")
        paths = [Route("prometheus receiver, direct", direct.write_url, None, direct)]
        try:
            for name, fast in (("collector, C fast path", True), ("collector, pure Python", False)):
                paths.append(_collector(root, name, start_prometheus(root / f"p-{fast}"), fast))
            size = -(-requests // args.rounds)
            for number, start in enumerate(range(0, requests, size)):
                turn = paths[number % 3 :] + paths[: number % 3]
                for path in turn:
                    path.send(bodies[start : start + size], args.concurrency)
            stored = [path.stored() for path in paths]
        finally:
            for path in paths:
                if path.collector:
                    path.collector.stop()
                path.prometheus.close()
    _report(paths, total)
    ok = all(count == total for count in stored)
    print("all samples stored in every path" if ok else f"MISSING SAMPLES: {stored} of {total}")
    return ok


def _report(paths: list[Route], total: int) -> None:
    direct = paths[0]
    print(f"{'path':30} {'collector CPU s':>16} {'µs/sample':>10} {'its Prometheus CPU s':>21} "
          f"{'Prometheus ÷ collector':>23}")  # fmt: skip
    print(f"{direct.name:30} {'-':>16} {'-':>10} {sum(direct.prometheus_cpu):21.2f} {'-':>23}")
    for path in paths[1:]:
        cpu = sum(path.collector_cpu)
        rounds = [p / c for p, c in zip(direct.prometheus_cpu, path.collector_cpu, strict=True)]
        ratio = f"{sum(direct.prometheus_cpu) / cpu:.2f} ({min(rounds):.2f}-{max(rounds):.2f})"
        print(f"{path.name:30} {cpu:16.2f} {cpu / total * 1e6:10.2f} "
              f"{sum(path.prometheus_cpu):21.2f} {ratio:>23}")  # fmt: skip
    print(f"Prometheus direct: {sum(direct.prometheus_cpu) / total * 1e6:.2f} µs/sample; "
          "the ratio's range in brackets is over the rounds")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", choices=(*SHAPES, "both"), default="both")
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=0, help="default: 60 live, 20 backlog")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    shapes = list(SHAPES) if args.shape == "both" else [args.shape]
    return 0 if all([run_shape(shape, args) for shape in shapes]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
