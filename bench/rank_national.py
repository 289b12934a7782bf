"""Rank N sites over a year of daily-aggregated data in a real Prometheus; wall time and RSS.

    .venv/bin/python bench/rank_national.py [--sites 10000] [--days 365] [--workdir DIR]
        [--jobs 2] [--out bench/results/rank_national.json]

1. Writes what the recording rules (deploy/prometheus/rules/ranking.yml) would have recorded for
   every site and day of 2025 (one OpenMetrics file per evaluation: promtool's backfill re-reads
   its input once per 2-hour block, so a year in one file would be read 4,380 times), and
   backfills it with `promtool tsdb create-blocks-from openmetrics`.
2. Starts Prometheus 2.42 on those blocks and waits until its compaction settles.
3. Imports the registry (34 provinces over N communes) and runs
   `ictinfra-collector rank --period 2025 --format json` as a child process: wall time, the
   child's peak RSS (wait4), Prometheus' peak RSS (VmHWM), the number of queries sent.
4. Checks figures against what the synthetic data says (coverage, ranks, a site's WAN).

Synthetic day of site i (1-based): reporting 288 of 288 steps, except every 50th site (100:
35 % coverage, insufficient); internet up 288 (every 7th: 250), WAN 288 (every 3rd: 200),
gateway 288; CPU hot in 0 steps (every 11th: 30), memory hot 0 (every 13th: 30); a speed test
median of (10 + i mod 90) Mbit/s; one managed switch (every 4th: none), uplink 1 Gbit/s.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from collector.ranking.methodology import load_methodology
from collector.sites_csv import parse_sites_csv
from collector.store import open_store
from tests.peers.common import collector_command, require_binary, subprocess_env
from tests.peers.prometheus import PrometheusServer

DAY = 86400
START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=7))).timestamp()
PROVINCES = 34


def _day_values(i: int) -> dict[str, list[tuple[str, float]]]:
    """Recorded series name -> [(extra labels, value)] of site i for one day."""
    reporting = 100.0 if i % 50 == 0 else 288.0
    return {
        "site_reporting": [("", reporting)],
        "office_reporting": [(',instance="a"', reporting)],
        "probe_up": [
            (',instance="a",kind="internet"', 250.0 if i % 7 == 0 else 288.0),
            (',instance="a",kind="wan"', 200.0 if i % 3 == 0 else 288.0),
            (',instance="a",kind="gateway"', 288.0),
        ],
        "cpu_measured": [(',instance="a"', 288.0)],
        "cpu_hot": [(',instance="a"', 30.0 if i % 11 == 0 else 0.0)],
        "memory_measured": [(',instance="a"', 288.0)],
        "memory_hot": [(',instance="a"', 30.0 if i % 13 == 0 else 0.0)],
        "bandwidth_test": [(',instance="a"', (10 + i % 90) * 125_000.0)],
        "uplink_speed": [(',instance="a"', 12_500_000.0)],
        "lan_managed_switches": [(',instance="a"', 0.0 if i % 4 == 0 else 1.0)],
        "lan_uplink_speed": [(',instance="a"', 125e6)],
        "lan_fast_ethernet_only": [(',instance="a"', 0.0)],
    }


def write_day(path: Path, sites: int, day: int, recorded: dict[str, str], clock: str) -> None:
    """One evaluation of the daily rules: the day that ended 3 days before it."""
    day_end = START + (day + 1) * DAY
    at = int(day_end + 3 * DAY)
    values = [_day_values(i) for i in range(1, sites + 1)]
    with path.open("w", encoding="utf-8") as out:
        out.write(f"# TYPE {clock} gauge\n{clock} {day_end:.0f} {at}\n")
        for query, name in recorded.items():
            out.write(f"# TYPE {name} gauge\n")
            lines = [
                f'{name}{{site="C{i:05d}"{extra}}} {value:g} {at}\n'
                for i, found in enumerate(values, 1)
                for extra, value in found[query]
            ]
            out.write("".join(lines))
        out.write("# EOF\n")


def backfill(workdir: Path, sites: int, days: int, jobs: int) -> float:
    rules = load_methodology().rules
    recorded = {name: q.recorded for name, q in rules.queries if q.recorded}
    assert rules.recorded_clock
    tsdb = workdir / "tsdb"
    tsdb.mkdir(parents=True, exist_ok=True)
    promtool = require_binary("promtool")
    began = time.monotonic()

    def one(day: int) -> None:
        path = workdir / f"day-{day:03d}.om"
        write_day(path, sites, day, recorded, rules.recorded_clock or "")
        subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", "-q",
                        str(path), str(tsdb)], check=True, capture_output=True)  # fmt: skip
        path.unlink()

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        for done, _ in enumerate(pool.map(one, range(days)), 1):
            if done % 30 == 0:
                print(f"  backfilled {done}/{days} days", file=sys.stderr)
    return time.monotonic() - began


def registry(database: str, sites: int) -> None:
    rows = ["code,name,level,parent_code,staff,offices"]
    rows += [f"P{p:02d},Tỉnh {p},province,,0,0" for p in range(1, PROVINCES + 1)]
    rows += [f"C{i:05d},Xã {i},commune,P{i % PROVINCES + 1:02d},{20 + i % 30},1"
             for i in range(1, sites + 1)]  # fmt: skip
    store = open_store(database, init=True)
    store.registry.import_units(parse_sites_csv("\n".join(rows) + "\n"), "bench.csv")
    store.close()


def settle(prometheus: PrometheusServer, quiet_for: float = 150.0, limit: float = 3600) -> float:
    """Wait until compaction is done: the blocks loaded and compactions run unchanged for
    `quiet_for` (the compactor looks every minute). A Prometheus that has run for a year has
    compacted its daily blocks into a few; 365 fresh ones cost each query 365 index lookups."""
    began, last, since = time.monotonic(), None, time.monotonic()
    while time.monotonic() - since < quiet_for and time.monotonic() - began < limit:
        state = (own_metric(prometheus, "prometheus_tsdb_blocks_loaded"),
                 own_metric(prometheus, "prometheus_tsdb_compactions_total"))  # fmt: skip
        if state != last:
            last, since = state, time.monotonic()
        time.sleep(2)
    return time.monotonic() - began


def own_metric(prometheus: PrometheusServer, name: str) -> float:
    """A value from Prometheus' own /metrics (the bench's Prometheus scrapes nothing)."""
    text = prometheus.client.get("/metrics", timeout=120).text
    return next(
        float(line.split()[-1]) for line in text.splitlines() if line.startswith(name + " ")
    )


def vm(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    return 0


class PeakRss(threading.Thread):
    """Prometheus' largest RSS while the ranking runs (its own peak includes compaction)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.25):
            self.peak = max(self.peak, vm(self.pid))


def period_of(days: int) -> str:
    if days == 365:
        return "2025"
    last = dt.date(2025, 1, 1) + dt.timedelta(days=days - 1)
    return f"2025-01-01..{last.isoformat()}"


def rank(config: Path, out: Path, period: str) -> tuple[float, int, int]:
    began = time.monotonic()
    child = subprocess.Popen(
        collector_command("rank", "--config", str(config), "--period", period, "--format",
                          "json", "--out", str(out)),
        env=subprocess_env(), stderr=subprocess.PIPE,
    )  # fmt: skip
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - began
    assert child.stderr is not None
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"rank failed: {child.stderr.read().decode()}")
    return wall, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def check(body: dict[str, Any], sites: int, days: int) -> dict[str, Any]:
    units = {u["code"]: u for u in body["units"]}
    communes = [u for u in body["units"] if u["level"] == "commune"]
    insufficient = [u for u in communes if "insufficient_data" in u["flags"]]
    assert len(communes) == sites and len(insufficient) == sites // 50
    assert all(u["rank"] is None for u in insufficient)
    wan = units["C00003"]["indicators"]["wan_connected"]  # every 3rd site: 200/288 < 95 %
    assert (wan["numerator"], wan["denominator"]) == (0, 1), wan
    wan = units["C00001"]["indicators"]["wan_connected"]
    assert (wan["numerator"], wan["denominator"]) == (1, 1), wan
    assert units["C00050"]["coverage"] == round(100 / 288, 6)
    assert body["steps"] == days * 288
    best = max(communes, key=lambda u: u["total"] or 0)["code"]
    return {"communes": len(communes), "insufficient": len(insufficient),
            "queries": body["queries"], "top": best}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/rank_national"))
    parser.add_argument("--out", type=Path, default=Path("bench/results/rank_national.json"))
    args = parser.parse_args()
    workdir: Path = args.workdir
    reuse = (workdir / "tsdb").exists() and (workdir / "backfilled").read_text() == (
        f"{args.sites} {args.days}") if (workdir / "backfilled").exists() else False  # fmt: skip
    backfill_s = None
    if not reuse:
        subprocess.run(["rm", "-rf", str(workdir)], check=True)
        print(f"backfilling {args.sites} sites x {args.days} days", file=sys.stderr)
        backfill_s = backfill(workdir, args.sites, args.days, args.jobs)
        (workdir / "backfilled").write_text(f"{args.sites} {args.days}")
    prometheus = PrometheusServer(workdir)
    prometheus.start()
    try:
        settled_s = settle(prometheus)
        database = f"sqlite:///{workdir / 'collector.db'}"
        (workdir / "collector.db").unlink(missing_ok=True)
        registry(database, args.sites)
        config = workdir / "collector.yml"
        config.write_text(f"database_url: {database}\nprometheus_url: {prometheus.url}\n")
        out = workdir / "rank.json"
        assert prometheus.process is not None
        blocks = own_metric(prometheus, "prometheus_tsdb_blocks_loaded")
        watch = PeakRss(prometheus.process.pid)
        watch.start()
        wall, rss, _ = rank(config, out, period_of(args.days))
        watch.done.set()
        prometheus_rss, prometheus_hwm = watch.peak, vm(prometheus.process.pid, "VmHWM")
        checked = check(json.loads(out.read_text()), args.sites, args.days)
    finally:
        prometheus.close()
    report = {
        "sites": args.sites, "days": args.days, "samples": (args.sites * 14 + 1) * args.days,
        "backfill_seconds": backfill_s, "settle_seconds": round(settled_s, 1),
        "rank_wall_seconds": round(wall, 2), "rank_max_rss_mib": round(rss / 2**20, 1),
        "prometheus_blocks": int(blocks),
        "prometheus_rss_during_rank_mib": round(prometheus_rss / 2**20, 1),
        "prometheus_peak_rss_since_start_mib": round(prometheus_hwm / 2**20, 1),
        "checked": checked,
        "command": " ".join(sys.argv), "machine": f"{os.cpu_count()} cores",
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
