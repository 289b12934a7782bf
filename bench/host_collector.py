"""CPU time per host collection and the process's RSS around it.

    python3 bench/host_collector.py [--cycles 200]

Each figure is measured in a fresh interpreter (subprocess) so imports are not shared:
  - RSS of a bare interpreter, after importing the host collector, after its first collection
    (inventory cycle: DMI, disks, psutil for interface addresses), and after N steady cycles;
    `rss_after_agent_core_mib` is after config, model and the wire format, which every agent
    loads anyway (asyncio, ~6 MiB, comes with the host collector's import here);
  - CPU seconds (user+sys, time.process_time) of the first (inventory) collection and the mean
    of N steady-state collections (counters only; slow facts cached), without and with the
    text exposition;
  - `import psutil` alone: its wall time and RSS cost;
  - for scale, node_exporter 1.5 with the same collectors only: CPU per scrape (its own
    utime+stime over N scrapes, HTTP and exposition included) and RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PROBE = r"""
import json, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
out = {"rss_bare_mib": rss()}
import agent.config, agent.model, agent.wire.inventory  # what every agent loads anyway
out["rss_after_agent_core_mib"] = rss()
t = time.perf_counter()
from agent.collectors.host.collector import HostCollector
from agent.config.host import HostConfig
out["import_seconds"] = time.perf_counter() - t
out["rss_after_import_mib"] = rss()
collector = HostCollector(HostConfig())
c0 = time.process_time()
first = collector.collect_now()
out["inventory_cycle_cpu_ms"] = (time.process_time() - c0) * 1000
out["rss_after_first_mib"] = rss()
out["psutil_loaded_by_collector"] = "psutil" in sys.modules
n = int(sys.argv[1])
c0 = time.process_time(); w0 = time.perf_counter()
for _ in range(n):
    collector.collect_now()
out["steady_cycle_cpu_ms"] = (time.process_time() - c0) * 1000 / n
out["steady_cycle_wall_ms"] = (time.perf_counter() - w0) * 1000 / n
from agent.exposition import render
c0 = time.process_time()
for _ in range(n):
    render(collector.collect_now().families)
out["steady_cycle_render_cpu_ms"] = (time.process_time() - c0) * 1000 / n
out["rss_after_cycles_mib"] = rss()
out["samples_per_cycle"] = sum(len(f.samples) for f in first.families)
print(json.dumps(out))
"""

PSUTIL = r"""
import json, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss(); t = time.perf_counter()
import psutil
print(json.dumps({"psutil_import_ms": (time.perf_counter() - t) * 1000,
                  "psutil_rss_mib": rss() - before}))
"""


NODE_COLLECTORS = ("cpu", "meminfo", "filesystem", "netdev", "netclass", "stat", "uname", "dmi")


def node_exporter_figures(scrapes: int) -> dict[str, float]:
    """node_exporter 1.5 with the same collectors only: CPU per scrape and RSS."""
    binary = shutil.which("prometheus-node-exporter") or "/usr/bin/prometheus-node-exporter"
    if not Path(binary).exists():
        return {}
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    flags = [f"--collector.{c}" for c in (*NODE_COLLECTORS, "os")]
    process = subprocess.Popen(
        [binary, f"--web.listen-address=127.0.0.1:{port}", "--collector.disable-defaults", *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                time.sleep(0.05)
        ticks0 = _cpu_ticks(process.pid)
        for _ in range(scrapes):
            urllib.request.urlopen(url, timeout=5).read()
        ticks = _cpu_ticks(process.pid) - ticks0
        rss = _rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(10)
    hz = os.sysconf("SC_CLK_TCK")
    return {
        "node_exporter_scrape_cpu_ms": ticks / hz * 1000 / scrapes,
        "node_exporter_rss_mib": rss,
    }


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(code: str, *args: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    figures: dict[str, float] = json.loads(result.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=200)
    args = parser.parse_args()
    figures = {
        **run(PROBE, str(args.cycles)),
        **run(PSUTIL),
        **node_exporter_figures(args.cycles),
    }
    for key, value in figures.items():
        print(f"{key:28} {value:.2f}" if isinstance(value, float) else f"{key:28} {value}")


if __name__ == "__main__":
    main()
