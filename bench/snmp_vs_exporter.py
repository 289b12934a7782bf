"""ictinfra-agent's SNMP poller against prometheus-snmp-exporter 0.21, same devices, one run.

    python3 bench/snmp_vs_exporter.py [--devices 24] [--max-interfaces 48] [--rounds 5]
        [--codecs lean pysnmp] [--out bench/results/snmp_vs_exporter]

One snmpsim process (loopback UDP) serves the IF-MIB part of real snmpsim-data recordings
(bench/snmpsite.py). Each round polls every device once with each contender, one contender at a
time so that they never compete for the CPU:

- `agent-<codec>`: the agent's `poll_targets()` (walks + parse into metric families) and the
  text exposition of the result, in a worker process of its own; its CPU is that process's
  getrusage() (user + system), so nothing of this script is counted.
- `snmp_exporter`: one HTTP scrape per device (`/snmp?target=...&module=if_mib_<device>`),
  16 in flight like the agent's concurrency; its CPU is the exporter process's utime + stime
  from /proc (which includes building the exposition, as the agent's figure does).

snmpsim's own CPU during each contender's round is reported apart (it serves both). A warm-up
round per contender is not counted (imports, sessions, Go runtime start). Results: a markdown
table on stdout and `<out>.json` / `<out>.md`.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snmpsite import REPO, Device, Site, cpu_seconds

EXPORTER = "snmp_exporter"


# --- the agent worker (a process of its own) ---------------------------------------------------


def _rusage_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def worker(config_path: str, codec: str) -> None:
    """Poll on each `poll` line from stdin; print one JSON line of figures per round."""
    from agent.collectors.snmp.client import SnmpClient
    from agent.collectors.snmp.poller import DeviceState, poll_targets
    from agent.config.snmp import SnmpConfig
    from agent.exposition import merge_families, render
    from agent.validation import validate

    config = validate(SnmpConfig, json.loads(Path(config_path).read_text()))
    client = SnmpClient(codec)  # type: ignore[arg-type]
    states: dict[str, DeviceState] = {}
    loop = asyncio.new_event_loop()
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.strip() != "poll":
            break
        cpu0, wall0 = _rusage_cpu(), time.perf_counter()
        results = loop.run_until_complete(poll_targets(client, config, config.targets, states))
        cpu1, wall1 = _rusage_cpu(), time.perf_counter()
        text = render(merge_families(f for r in results for f in r.families))
        cpu2 = _rusage_cpu()
        figures = {
            "cpu_poll": cpu1 - cpu0,
            "cpu_render": cpu2 - cpu1,
            "cpu": cpu2 - cpu0,
            "wall": wall1 - wall0,
            "varbinds": sum(r.stats.varbinds for r in results),
            "requests": sum(r.stats.requests for r in results),
            "up": sum(r.up for r in results),
            "timeouts": sum(r.stats.timeouts for r in results),
            "samples": sum(1 for ln in text.splitlines() if ln and not ln.startswith("#")),
            "rss_mib": _status_kib("VmRSS") / 1024,
            "rss_peak_mib": _status_kib("VmHWM") / 1024,
        }
        print(json.dumps(figures), flush=True)
    client.close()
    loop.run_until_complete(asyncio.sleep(0.2))  # let pysnmp's cancelled timer end
    loop.close()


class AgentWorker:
    def __init__(self, site: Site, codec: str, workdir: Path) -> None:
        self.name = f"agent-{codec}"
        config = workdir / f"agent-{codec}.json"
        config.write_text(
            json.dumps({"targets": site.agent_targets(), "concurrency": 16, "codec": codec})
        )
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(config), "--codec", codec],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        self._read()  # ready: imports done

    def _read(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"{self.name} worker died")
        result: dict[str, Any] = json.loads(line)
        return result

    def round(self) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write("poll\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(30)


# --- snmp_exporter ------------------------------------------------------------------------------


def _scrape(url: str) -> tuple[int, int, int, bool]:
    """(pdus returned, packets sent, samples, ok) of one snmp_exporter scrape."""
    body = urllib.request.urlopen(url, timeout=120).read().decode()
    pdus = sent = samples = 0
    for line in body.splitlines():
        if line.startswith("snmp_scrape_pdus_returned "):
            pdus = int(float(line.split()[1]))
        elif line.startswith("snmp_scrape_packets_sent "):
            sent = int(float(line.split()[1]))
        elif line and not line.startswith(("#", "snmp_scrape_")):
            samples += 1
    return pdus, sent, samples, pdus > 0


class ExporterRound:
    name = EXPORTER

    def __init__(self, site: Site, concurrency: int = 16) -> None:
        self.site = site
        site.start_exporter()
        assert site.exporter is not None
        self.pid = site.exporter.pid
        self.pool = concurrent.futures.ThreadPoolExecutor(concurrency)

    def round(self) -> dict[str, Any]:
        urls = [self.site.exporter_target_url(d) for d in self.site.devices]
        cpu0, wall0 = cpu_seconds(self.pid), time.perf_counter()
        results = list(self.pool.map(_scrape, urls))
        wall = time.perf_counter() - wall0
        cpu = cpu_seconds(self.pid) - cpu0
        return {
            "cpu": cpu,
            "wall": wall,
            "varbinds": sum(r[0] for r in results),
            "requests": sum(r[1] for r in results),
            "samples": sum(r[2] for r in results),
            "up": sum(r[3] for r in results),
        }

    def close(self) -> None:
        self.pool.shutdown()


# --- the run and the report ---------------------------------------------------------------------


Figures = dict[str, list[dict[str, Any]]]


def run(site: Site, codecs: list[str], rounds: int, workdir: Path) -> Figures:
    assert site.snmpsim is not None
    contenders: list[Any] = [AgentWorker(site, codec, workdir) for codec in codecs]
    contenders.append(ExporterRound(site))
    figures: Figures = {c.name: [] for c in contenders}
    try:
        for number in range(rounds + 1):
            for contender in contenders:
                sim0 = cpu_seconds(site.snmpsim.pid)
                result = contender.round()
                result["snmpsim_cpu"] = cpu_seconds(site.snmpsim.pid) - sim0
                if number:  # round 0 warms up
                    figures[contender.name].append(result)
                print(
                    f"round {number}{' (warm-up)' if not number else ''} {contender.name}: "
                    f"CPU {result['cpu']:.3f} s, wall {result['wall']:.3f} s, "
                    f"{result['varbinds']} varbinds, {result['up']} up",
                    file=sys.stderr,
                )
    finally:
        for contender in contenders:
            contender.close()
    return figures


def summarize(
    figures: dict[str, list[dict[str, Any]]], devices: int, values: int
) -> dict[str, dict[str, Any]]:
    """Medians over the rounds. Per-value figures divide by the values both pollers must bring
    back (from the recordings); varbinds fetched also count GETBULK overshoot past a column."""
    summary = {}
    for name, rounds in figures.items():

        def median(key: str, rounds: list[dict[str, Any]] = rounds) -> float:
            return statistics.median(r[key] for r in rounds)

        cpu = statistics.median(r["cpu"] for r in rounds)
        varbinds = statistics.median_low(r["varbinds"] for r in rounds)
        entry = {
            "rounds": len(rounds),
            "cpu_s_per_round": round(cpu, 4),
            "cpu_s_per_round_min": round(min(r["cpu"] for r in rounds), 4),
            "cpu_s_per_round_max": round(max(r["cpu"] for r in rounds), 4),
            "wall_s_per_round": round(statistics.median(r["wall"] for r in rounds), 3),
            "varbinds_per_round": varbinds,
            "requests_per_round": statistics.median_low(r["requests"] for r in rounds),
            "samples_per_round": statistics.median_low(r["samples"] for r in rounds),
            "devices_up": min(r["up"] for r in rounds),
            "values_per_round": values,
            "cpu_us_per_value": round(1e6 * cpu / values, 2),
            "cpu_us_per_varbind_fetched": round(1e6 * cpu / max(varbinds, 1), 2),
            "cpu_ms_per_device_poll": round(1e3 * cpu / devices, 3),
            "snmpsim_cpu_s_per_round": round(median("snmpsim_cpu"), 3),
        }
        if "cpu_poll" in rounds[0]:
            entry["cpu_s_poll_only"] = round(median("cpu_poll"), 4)
            entry["cpu_s_render_only"] = round(median("cpu_render"), 4)
            entry["rss_mib"] = round(rounds[-1]["rss_mib"], 1)
            entry["rss_peak_mib"] = round(max(r["rss_peak_mib"] for r in rounds), 1)
        summary[name] = entry
    base = summary[EXPORTER]
    for entry in summary.values():
        entry["ratio_cpu_per_device_poll_vs_exporter"] = round(
            entry["cpu_s_per_round"] / max(base["cpu_s_per_round"], 1e-9), 2
        )
        entry["ratio_cpu_per_varbind_fetched_vs_exporter"] = round(
            entry["cpu_us_per_varbind_fetched"] / max(base["cpu_us_per_varbind_fetched"], 1e-9), 2
        )
    return summary


ROWS = (
    ("CPU s per round (median)", "cpu_s_per_round"),
    ("CPU s per round (min–max)", None),
    ("wall s per round (median)", "wall_s_per_round"),
    ("varbinds fetched per round (with bulk overshoot)", "varbinds_per_round"),
    ("SNMP requests per round", "requests_per_round"),
    ("samples exposed per round", "samples_per_round"),
    ("devices up", "devices_up"),
    ("values in the polled columns", "values_per_round"),
    ("CPU µs per value", "cpu_us_per_value"),
    ("CPU µs per varbind fetched", "cpu_us_per_varbind_fetched"),
    ("CPU ms per device poll", "cpu_ms_per_device_poll"),
    ("ratio CPU per device poll / snmp_exporter", "ratio_cpu_per_device_poll_vs_exporter"),
    ("ratio CPU per varbind fetched / snmp_exporter", "ratio_cpu_per_varbind_fetched_vs_exporter"),
    ("  of which poll + parse, CPU s", "cpu_s_poll_only"),
    ("  of which text exposition, CPU s", "cpu_s_render_only"),
    ("poller RSS MiB after the last round (peak)", "rss"),
    ("snmpsim CPU s per round (not counted)", "snmpsim_cpu_s_per_round"),
)


def markdown(summary: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    names = list(summary)
    lines = [
        f"{meta['devices']} devices ({meta['interfaces']} interfaces), {meta['rounds']} rounds "
        f"after a warm-up; {meta['when']}, {meta['machine']}",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for label, key in ROWS:
        if key == "rss":
            cells = [
                f"{summary[n]['rss_mib']} ({summary[n]['rss_peak_mib']})"
                if "rss_mib" in summary[n]
                else ""
                for n in names
            ]
        elif key is None:
            cells = [
                f"{summary[n]['cpu_s_per_round_min']:.3f}–{summary[n]['cpu_s_per_round_max']:.3f}"
                for n in names
            ]
        else:
            cells = [str(summary[n].get(key, "")) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--devices", type=int, default=24)
    parser.add_argument("--max-interfaces", type=int, default=48)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--codecs", nargs="+", default=["lean", "pysnmp"])
    parser.add_argument("--out", help="write <out>.json and <out>.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--codec", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.codec)
        return 0
    with Site(args.devices, args.max_interfaces) as site, tempfile.TemporaryDirectory() as tmp:
        figures = run(site, args.codecs, args.rounds, Path(tmp))
        devices = site.devices
    summary = summarize(figures, len(devices), sum(d.values for d in devices))
    meta = {
        "devices": len(devices),
        "interfaces": sum(d.interfaces for d in devices),
        "rounds": args.rounds,
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, "
        f"load {os.getloadavg()[0]:.1f}",
        "command": "python3 " + " ".join(sys.argv),
        "device_list": [_device_row(d) for d in devices],
    }
    table = markdown(summary, meta)
    print(table)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        body = {"meta": meta, "summary": summary, "rounds": figures}
        out.with_suffix(".json").write_text(json.dumps(body, indent=1) + "\n")
        out.with_suffix(".md").write_text(table)
    return 0


def _device_row(device: Device) -> dict[str, Any]:
    return {
        "name": device.name,
        "source": device.source,
        "interfaces": device.interfaces,
        "values": device.values,
    }


if __name__ == "__main__":
    raise SystemExit(main())
