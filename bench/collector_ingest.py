"""Ingest throughput: the collector forwarding to Prometheus vs Prometheus's own receiver.

Side by side in one run: the same pre-encoded remote_write bodies (SERIES series x 1 sample
each, like an agent's push) go (a) straight to a fresh Prometheus 2.42 and (b) through a real
`ictinfra-collector serve` process (token check, limits, relabelling, forward) to a second fresh
Prometheus. Both stores are then counted, so a figure is only reported for samples that landed.

    python3 bench/collector_ingest.py [--series 2000] [--requests 60] [--concurrency 4]
        [--samples-per-series 1]      # e.g. 40: a replayed backlog, 40 samples per series
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request  # noqa: E402
from tests.peers.collector import CollectorProcess, start_collector  # noqa: E402
from tests.peers.prometheus import PrometheusServer, start_prometheus  # noqa: E402


def _series(
    index: int, request: int, timestamps: list[int]
) -> tuple[dict[str, str], list[tuple[int, float]]]:
    labels = {
        "__name__": "bench_ifHCInOctets",
        "device": f"sw{index // 48}",
        "ifIndex": str(index % 48),
        "site": "spoofed",  # the collector must replace it
    }
    return labels, [(ts, float(request * 1000 + index + n)) for n, ts in enumerate(timestamps)]


def payloads(series: int, requests: int, per_series: int, start_ms: int) -> list[bytes]:
    """Request r carries samples r*per_series .. (r+1)*per_series-1, 15 s apart (a backlog
    when per_series > 1, as an agent replays after an outage)."""
    bodies = []
    for r in range(requests):
        timestamps = [start_ms + (r * per_series + n) * 15_000 for n in range(per_series)]
        bodies.append(encode_write_request(_series(i, r, timestamps) for i in range(series)))
    return bodies


async def send_all(url: str, bodies: list[bytes], concurrency: int, token: str | None) -> float:
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
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return time.perf_counter() - started


def stored_samples(prometheus: PrometheusServer, end_s: float) -> int:
    result = prometheus.query("sum(count_over_time(bench_ifHCInOctets[3d]))", at=end_s)
    return int(float(result[0]["value"][1])) if result else 0


def cpu_seconds(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def start_bench_collector(root: Path, forward_url: str) -> tuple[CollectorProcess, str, str]:
    sites = root / "sites.csv"
    sites.write_text(
        "code,name,level,parent_code,staff,offices\n01,Hà Nội,province,,1,1\n00001,Phúc Xá,"
        "commune,01,1,1\n",
        encoding="utf-8",
    )
    running = start_collector(
        root / "collector", [{"url": forward_url, "name": "prometheus"}], sites
    )
    return running, f"{running.url}/api/v1/write", running.token("00001")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--samples-per-series", type=int, default=1)
    args = parser.parse_args()
    per = args.samples_per_series
    total = args.series * args.requests * per
    start_ms = int(time.time() * 1000) - (args.requests * per + 1) * 15_000
    bodies = payloads(args.series, args.requests, per, start_ms)
    mib = sum(map(len, bodies)) / 2**20
    print(f"payload: {args.requests} requests x {args.series} series x {per} samples = "
          f"{total} samples, {mib:.1f} MiB snappy, concurrency {args.concurrency}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ictinfra-bench-") as tmp:
        root = Path(tmp)
        direct = start_prometheus(root / "direct")
        behind = start_prometheus(root / "behind")
        collector, collector_url, token = start_bench_collector(root, behind.write_url)
        try:
            results = []
            for name, url, tok, prom, pid in (
                ("prometheus receiver, direct", direct.write_url, None, direct, None),
                ("collector -> prometheus", collector_url, token, behind, collector.process.pid),
            ):
                prom_pid = prom.process.pid if prom.process else 0
                cpu0 = (cpu_seconds(pid) if pid else 0.0, cpu_seconds(prom_pid))
                seconds = asyncio.run(send_all(url, bodies, args.concurrency, tok))
                cpu1 = (cpu_seconds(pid) if pid else 0.0, cpu_seconds(prom_pid))
                stored = stored_samples(prom, time.time())
                results.append((name, seconds, stored, cpu1[0] - cpu0[0], cpu1[1] - cpu0[1]))
        finally:
            collector.stop()
            direct.close()
            behind.close()
    print(f"{'path':30} {'seconds':>8} {'samples/s':>10} {'stored':>8} "
          f"{'collector CPU µs/sample':>24} {'prometheus CPU µs/sample':>25}")  # fmt: skip
    for name, seconds, stored, cpu_c, cpu_p in results:
        print(f"{name:30} {seconds:8.2f} {total / seconds:10.0f} {stored:8d} "
              f"{cpu_c / total * 1e6:24.1f} {cpu_p / total * 1e6:25.1f}")  # fmt: skip
    ok = all(stored == total for _, _, stored, _, _ in results)
    print("all samples stored" if ok else "MISSING SAMPLES")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
