"""Steady-state RSS and CPU% of `ictinfra-agent run` (host metrics + N SNMP devices) beside
node_exporter + snmp_exporter doing the same, at the same interval, in one run.

    python3 bench/agent_footprint.py [--devices 20] [--interval 15] [--warmup 35]
        [--seconds 180] [--repo DIR] [--out bench/results/agent_footprint]

One snmpsim (loopback) serves the IF-MIB part of real recordings (bench/snmpsite.py) to
both sides. The agent runs with `host` on and `snmp.interval` = `--interval` (IF-MIB only, like
snmp_exporter's if_mib module). A Prometheus-like loop scrapes, every `--interval` seconds, the
agent's /metrics, node_exporter's /metrics and snmp_exporter's /snmp once per device (16 in
flight). After `--warmup` seconds, RSS is sampled every second and CPU time (utime + stime
from /proc) is taken over `--seconds`. snmpsim's own CPU is reported apart. Linux only.
"""

from __future__ import annotations

import collections
import concurrent.futures
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snmpsite import REPO, Site, cpu_seconds, rss_bytes, save, site_parser

from tests.peers.common import free_port, stop, tcp_open, wait_until

MIB = 2**20


def start_agent(
    site: Site,
    interval: float,
    workdir: Path,
    host_interval: float | None = None,
    repo: Path = REPO,
) -> tuple[subprocess.Popen[bytes], int]:
    """`ictinfra-agent run`: host metrics every `host_interval` (default `interval`) and the
    site's devices (IF-MIB) every `interval` seconds."""
    port = free_port()
    config = {
        "listen": f"127.0.0.1:{port}",
        "log": {"level": "warning", "format": "text"},
        "host": {"enabled": True, "interval": f"{host_interval or interval:g}s"},
        "snmp": {
            "interval": f"{interval:g}s",
            "concurrency": 16,
            "targets": site.agent_targets(),
        },
    }
    path = workdir / "agent.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    env = dict(os.environ, PYTHONPATH=str(repo))
    process = subprocess.Popen(
        [sys.executable, "-m", "agent", "run", "--config", str(path)],
        env=env,
        cwd=repo,  # `-m` looks in the working directory first
        stdout=subprocess.DEVNULL,
        stderr=open(workdir / "agent.log", "wb"),  # noqa: SIM115 (lives as long as the agent)
    )
    wait_until(lambda: tcp_open(port) or process.poll() is not None, 60, "ictinfra-agent")
    if process.poll() is not None:
        raise SystemExit(f"agent exited: {(workdir / 'agent.log').read_text()[-2000:]}")
    return process, port


def start_node_exporter() -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("prometheus-node-exporter")
    if binary is None:
        raise SystemExit("prometheus-node-exporter is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=error",
            "--no-collector.systemd",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: tcp_open(port), 30, "node_exporter")
    return process, port


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as reply:
        body: bytes = reply.read()
        return body


def agent_progress(body: bytes) -> tuple[str | None, int]:
    """(a fingerprint of the devices' last polls, devices up) from the agent's own metrics.

    The fingerprint (every device's last poll duration) changes whenever devices were polled."""
    durations, up = [], 0
    for line in body.decode().splitlines():
        if line.startswith("ictinfra_snmp_poll_duration_seconds{"):
            durations.append(line.rsplit(" ", 1)[1])
        elif line.startswith("ictinfra_snmp_up{"):
            up += int(float(line.rsplit(" ", 1)[1]))
    return (",".join(durations) or None), up


class Scraper(threading.Thread):
    """Every `interval` s: agent, node_exporter, and snmp_exporter once per device."""

    def __init__(self, urls: dict[str, list[str]], interval: float) -> None:
        super().__init__(daemon=True)
        self.urls, self.interval = urls, interval
        self.stopped = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(16)
        self.rounds: list[dict[str, float]] = []
        self.failures = 0
        self.failed: collections.Counter[str] = collections.Counter()  # failures by endpoint
        self.snmp_cycles: set[str] = set()  # distinct poll fingerprints the agent showed
        self.agent_devices_up = 0

    def run(self) -> None:
        while not self.stopped.is_set():
            started = time.monotonic()
            figures = {}
            for name, urls in self.urls.items():
                t0 = time.monotonic()
                try:
                    bodies = list(self.pool.map(fetch, urls))
                    figures[f"{name}_bytes"] = float(sum(map(len, bodies)))
                    if name == "agent":
                        last, self.agent_devices_up = agent_progress(bodies[0])
                        if last:
                            self.snmp_cycles.add(last)
                except OSError:
                    self.failures += 1
                    self.failed[name] += 1
                figures[f"{name}_seconds"] = time.monotonic() - t0
            self.rounds.append(figures)
            self.stopped.wait(max(0.0, self.interval - (time.monotonic() - started)))


def measure(pids: dict[str, int], seconds: float) -> dict[str, dict[str, float]]:
    """CPU% over `seconds` and RSS sampled every second, per process."""
    cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
    rss: dict[str, list[int]] = {name: [] for name in pids}
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        for name, pid in pids.items():
            rss[name].append(rss_bytes(pid))
        time.sleep(1.0)
    elapsed = time.monotonic() - t0
    return {
        name: {
            "cpu_percent": round(100 * (cpu_seconds(pid) - cpu0[name]) / elapsed, 2),
            "cpu_seconds": round(cpu_seconds(pid) - cpu0[name], 2),
            "rss_mib_median": round(statistics.median(rss[name]) / MIB, 1),
            "rss_mib_max": round(max(rss[name]) / MIB, 1),
        }
        for name, pid in pids.items()
    }


def markdown(result: dict[str, Any]) -> str:
    procs = result["processes"]
    pair = {
        "cpu_percent": procs["node_exporter"]["cpu_percent"]
        + procs["snmp_exporter"]["cpu_percent"],
        "rss_mib_median": procs["node_exporter"]["rss_mib_median"]
        + procs["snmp_exporter"]["rss_mib_median"],
        "rss_mib_max": procs["node_exporter"]["rss_mib_max"]
        + procs["snmp_exporter"]["rss_mib_max"],
    }
    meta = result["meta"]
    lines = [
        f"host metrics + {meta['devices']} SNMP devices ({meta['interfaces']} interfaces, IF-MIB) "
        f"every {meta['interval']:g} s, measured over {meta['seconds']:g} s after "
        f"{meta['warmup']:g} s warm-up; {meta['when']}, {meta['machine']}",
        "",
        "| | ictinfra-agent | node_exporter + snmp_exporter | node_exporter | snmp_exporter |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, key in (
        ("CPU %", "cpu_percent"),
        ("RSS MiB (median)", "rss_mib_median"),
        ("RSS MiB (max)", "rss_mib_max"),
    ):
        cells = [
            procs["agent"][key],
            round(pair[key], 2),
            procs["node_exporter"][key],
            procs["snmp_exporter"][key],
        ]
        lines.append(f"| {label} | " + " | ".join(str(c) for c in cells) + " |")
    lines.append("")
    lines.append(
        f"snmpsim (serves both, not counted): {procs['snmpsim']['cpu_percent']} % CPU. "
        f"Scrape rounds: {meta['scrape_rounds']}, failures: {meta['scrape_failures']} "
        f"{meta.get('scrape_failures_by_endpoint') or ''}; the agent "
        f"showed {meta['agent_snmp_cycles_in_window']} new rounds of device polls in the window, "
        f"{meta['agent_devices_up']}/{meta['devices']} devices up."
    )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = site_parser(__doc__)
    parser.add_argument("--interval", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=35.0)
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--repo", type=Path, default=REPO, help="the agent code to run")
    args = parser.parse_args()
    with Site(args.devices, args.max_interfaces) as site:
        site.start_exporter()
        assert site.exporter is not None and site.snmpsim is not None
        agent, agent_port = start_agent(site, args.interval, site.root, repo=args.repo)
        node, node_port = start_node_exporter()
        scraper = Scraper(
            {
                "agent": [f"http://127.0.0.1:{agent_port}/metrics"],
                "node_exporter": [f"http://127.0.0.1:{node_port}/metrics"],
                "snmp_exporter": [site.exporter_target_url(d) for d in site.devices],
            },
            args.interval,
        )
        try:
            scraper.start()
            time.sleep(args.warmup)
            pids = {
                "agent": agent.pid,
                "node_exporter": node.pid,
                "snmp_exporter": site.exporter.pid,
                "snmpsim": site.snmpsim.pid,
            }
            cycles_before = len(scraper.snmp_cycles)
            processes = measure(pids, args.seconds)
            snmp_cycles = len(scraper.snmp_cycles) - cycles_before
        finally:
            scraper.stopped.set()
            scraper.join(60)
            stop(agent)
            stop(node)
        last = scraper.rounds[-1] if scraper.rounds else {}
        meta = {
            "devices": len(site.devices),
            "interfaces": sum(d.interfaces for d in site.devices),
            "interval": args.interval,
            "warmup": args.warmup,
            "seconds": args.seconds,
            "scrape_rounds": len(scraper.rounds),
            "scrape_failures": scraper.failures,
            "scrape_failures_by_endpoint": dict(scraper.failed),
            "agent_snmp_cycles_in_window": snmp_cycles,
            "agent_devices_up": scraper.agent_devices_up,
            "last_scrape": {k: round(v, 3) for k, v in last.items()},
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, "
            f"load {os.getloadavg()[0]:.1f}",
            "command": "python3 " + " ".join(sys.argv),
        }
    result = {"meta": meta, "processes": processes}
    print(json.dumps(result, indent=1))
    save(args.out, result, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
