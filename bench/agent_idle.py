"""The agent's idle footprint (HTTP server + self metrics only) and the cost of one scrape.

    python3 bench/agent_idle.py [--seconds 60] [--scrapes 500] [--host]

Starts `ictinfra-agent run` with no collectors (or only the host collector, `--host`) on a
loopback port and lets it settle; reads its RSS and CPU time from /proc/PID over `--seconds`
without touching it; then scrapes /metrics `--scrapes` times over one keep-alive connection and
reports the agent's CPU per scrape and the client-side latency. Linux only (/proc).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("agent did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--scrapes", type=int, default=500)
    parser.add_argument("--host", action="store_true", help="run the host collector (15 s) too")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "agent.yaml"
        host = "true" if args.host else "false"
        config.write_text(f"listen: 127.0.0.1:{port}\nhost:\n  enabled: {host}\n")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        agent = subprocess.Popen(
            [sys.executable, "-m", "agent", "run", "--config", str(config)],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(port)
            time.sleep(2.0)
            cpu0, t0 = cpu_seconds(agent.pid), time.monotonic()
            rss = []
            while time.monotonic() - t0 < args.seconds:
                rss.append(rss_bytes(agent.pid))
                time.sleep(1.0)
            idle_cpu = (cpu_seconds(agent.pid) - cpu0) / (time.monotonic() - t0)

            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            latencies, size = [], 0
            cpu1 = cpu_seconds(agent.pid)
            for _ in range(args.scrapes):
                started = time.perf_counter()
                conn.request("GET", "/metrics")
                size = len(conn.getresponse().read())
                latencies.append(time.perf_counter() - started)
            per_scrape = (cpu_seconds(agent.pid) - cpu1) / args.scrapes
            conn.close()
            rss_after = rss_bytes(agent.pid)
        finally:
            agent.terminate()
            agent.wait(10)
    print(
        json.dumps(
            {
                "host_collector": args.host,
                "idle_seconds": args.seconds,
                "idle_rss_mib": round(statistics.median(rss) / 2**20, 1),
                "idle_rss_max_mib": round(max(rss) / 2**20, 1),
                "idle_cpu_percent": round(100 * idle_cpu, 3),
                "scrapes": args.scrapes,
                "scrape_body_bytes": size,
                "agent_cpu_ms_per_scrape": round(1000 * per_scrape, 3),
                "scrape_latency_ms_median": round(1000 * statistics.median(latencies), 3),
                "scrape_latency_ms_p99": round(
                    1000 * statistics.quantiles(latencies, n=100)[98], 3
                ),
                "rss_after_scrapes_mib": round(rss_after / 2**20, 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
