"""Collector memory under hostile and maximal remote_write bodies, read from /proc/PID/status.

A real `ictinfra-collector serve` (default limits) forwarding to a fresh Prometheus 2.42:

1. compression bombs: a ~6 MiB body whose snappy header says 128 MiB, `--concurrency` at once,
   three rounds (413 expected, from the header alone);
2. the largest bodies the limits accept (just under `max_decompressed_bytes`, within
   `max_series_per_request` and `max_labels_per_series`), `--concurrency` at once, two rounds:
   agent-like series (7 labels) and the worst shape for memory (37 one-letter labels per series).

For each phase: VmHWM growth over the idle VmRSS, VmRSS after, and the slowest `/healthz` while it
ran. python3 bench/collector_rss.py [--concurrency 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.wire.remote_write import build_write_request, compress  # noqa: E402
from tests.peers.collector import CollectorProcess, start_collector  # noqa: E402
from tests.peers.prometheus import start_prometheus  # noqa: E402

MIB = 2**20
SITES = REPO / "tests" / "collector" / "cases" / "sites_good" / "pre2025.csv"


def bomb() -> bytes:
    request = build_write_request([({"__name__": "bomb", "filler": "a" * (128 * MIB)}, [])])
    return compress(request.SerializeToString())


def largest(
    labels_of: Callable[[int], dict[str, str]], ago_ms: int, limit: int = 16 * MIB
) -> bytes:
    """As many series of this shape as fit under `limit` uncompressed bytes, at now - ago_ms."""
    now = int(time.time() * 1000) - ago_ms
    probe = len(build_write_request([(labels_of(49_999), [(now, 1.0)])]).SerializeToString())
    count = min(50_000, int(limit * 0.99) // probe)
    series = [(labels_of(i), [(now, float(i))]) for i in range(count)]
    raw = build_write_request(series).SerializeToString()
    assert len(raw) <= limit, len(raw)
    return compress(raw)


def agent_like(i: int) -> dict[str, str]:
    return {
        "__name__": "bench_ifHCInOctets", "device": f"switch-{i // 48:05d}.example.gov.vn",
        "ifIndex": str(i % 48), "ifName": f"GigabitEthernet0/{i % 48}",
        "ifAlias": f"uplink to office {i:06d} of the people's committee", "job": "ictinfra",
        "instance": f"agent-{i // 5000}",
    }  # fmt: skip


def tiny_labels(i: int) -> dict[str, str]:
    labels = {chr(97 + n % 26) * (1 + n // 26): "v" for n in range(35)}
    return {"__name__": f"m{i % 97}", "i": str(i), **labels}


def phase(running: CollectorProcess, token: str, bodies: list[bytes], at_once: int) -> str:
    """Each body `at_once` times concurrently (a repeated body is a duplicate: still stored)."""
    idle = running.memory()["VmRSS"]
    slowest = [0.0]
    done = threading.Event()

    def probe() -> None:
        while not done.is_set():
            started = time.perf_counter()
            httpx.get(f"{running.url}/healthz", timeout=120)
            slowest[0] = max(slowest[0], time.perf_counter() - started)
            time.sleep(0.05)

    watcher = threading.Thread(target=probe)
    watcher.start()
    codes: dict[int, int] = {}
    try:
        with ThreadPoolExecutor(at_once) as pool:
            for body in bodies:
                for answer in pool.map(running.write, [token] * at_once, [body] * at_once):
                    codes[answer.status_code] = codes.get(answer.status_code, 0) + 1
    finally:
        done.set()
        watcher.join()
    memory = running.memory()
    return (
        f"answers {codes}; VmHWM +{(memory['VmHWM'] - idle) / MIB:.0f} MiB over the idle "
        f"{idle / MIB:.0f} MiB, VmRSS after {memory['VmRSS'] / MIB:.0f} MiB; "
        f"slowest /healthz {slowest[0]:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    bodies = {
        "bomb": [bomb()] * 3,
        "agent-like": [largest(agent_like, ago) for ago in (60_000, 30_000)],
        "tiny": [largest(tiny_labels, ago) for ago in (60_000, 30_000)],
    }
    for name, sent in bodies.items():
        print(f"{name}: {len(sent[0]) / MIB:.1f} MiB compressed")
    with tempfile.TemporaryDirectory(prefix="ictinfra-rss-") as tmp:
        prometheus = start_prometheus(Path(tmp) / "prometheus")
        running = start_collector(Path(tmp) / "collector", [{"url": prometheus.write_url}], SITES)
        try:
            token = running.token("00001")
            print(f"idle: {running.memory()}")
            print("bombs:", phase(running, token, bodies["bomb"], args.concurrency))
            for name in ("agent-like", "tiny"):
                print(f"largest {name}:", phase(running, token, bodies[name], args.concurrency))
        finally:
            running.stop()
            prometheus.close()


if __name__ == "__main__":
    main()
