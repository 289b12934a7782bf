"""LAN sweep benchmark: the agent's RSS with and without a sweep having run, and sweep times for
a /24 and a /22, on LANs of network namespaces (needs root).

    sudo python3 bench/lan_sweep.py [--hosts-24 40] [--hosts-22 200] [--repeat 3]

Each measurement runs in a fresh process inside the LAN's agent namespace. RSS: a process that
has loaded the agent and built the lan collector; then after one collect() with the sweep in a
thread of the agent (`isolate: false`) or in the worker child (`isolate: true`, the default).
Times: run_sweep() privileged (scapy, retries 0 and 1) and unprivileged (the neighbour-table
fallback, as nobody via setpriv).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

UNPRIVILEGED = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]  # fmt: skip


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure_rss(isolate: bool) -> dict[str, float]:
    """In the agent namespace: RSS before and after one lan collect()."""
    import asyncio

    from agent.collectors import build_registry
    from agent.config import AgentConfig
    from agent.cycle import run_all

    config = AgentConfig.model_validate(
        {"host": {"enabled": False},
         "lan": {"enabled": True, "interfaces": ["eth0"], "state_file": None, "isolate": isolate}}
    )  # fmt: skip
    registry = build_registry(config)
    before = _rss_mib()
    started = time.perf_counter()
    outcomes = asyncio.run(run_all(registry, timeout=300))
    elapsed = time.perf_counter() - started
    assert all(o.success for o in outcomes.values())
    hosts = len(outcomes["lan"].collection.inventory["lan_hosts"])  # type: ignore[index]
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_before_mib": before, "rss_after_mib": _rss_mib(), "worker_peak_mib": child,
            "collect_s": elapsed, "hosts": hosts}  # fmt: skip


def measure_time(timeout: float, retries: int) -> dict[str, float]:
    from agent.collectors.lan.job import SweepOptions, run_sweep
    from agent.collectors.lan.subnets import local_subnets

    subnets, _ = local_subnets(["eth0"], [], 16)
    started = time.perf_counter()
    report = run_sweep(subnets, SweepOptions(timeout=timeout, retries=retries))
    return {"sweep_s": time.perf_counter() - started, "hosts": len(report.hosts),
            "degraded": report.degraded}  # fmt: skip


def _in_agent_ns(lan: object, args: list[str], user: list[str] | None = None) -> dict[str, float]:
    from tests.peers.netns import NamespaceLan

    assert isinstance(lan, NamespaceLan)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = lan.command(lan.agent.ns, [*(user or []), sys.executable, __file__, *args])
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=300)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _median(runs: list[dict[str, float]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def bench(subnet: str, hosts: int, repeat: int) -> dict[str, object]:
    from tests.peers.netns import NamespaceLan

    with NamespaceLan(subnet=subnet) as lan:
        lan.add_hosts(hosts)
        result: dict[str, object] = {"subnet": subnet, "hosts": hosts}
        for label, args, user in (
            ("privileged_retries0", ["time", "--retries", "0"], None),
            ("privileged_retries1", ["time", "--retries", "1"], None),
            ("unprivileged_fallback", ["time", "--retries", "0"], UNPRIVILEGED),
        ):
            runs = [_in_agent_ns(lan, args, user) for _ in range(repeat)]
            result[label] = {
                "sweep_s": round(_median(runs, "sweep_s"), 3),
                "found": runs[0]["hosts"],
                "degraded": runs[0]["degraded"],
            }
        for isolate in (False, True):
            runs = [_in_agent_ns(lan, ["rss", f"--isolate={int(isolate)}"]) for _ in range(repeat)]
            result[f"rss_isolate_{str(isolate).lower()}"] = {
                key: round(_median(runs, key), 1)
                for key in ("rss_before_mib", "rss_after_mib", "worker_peak_mib", "collect_s")
            }
        return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="mode")
    rss = sub.add_parser("rss")
    rss.add_argument("--isolate", type=int, default=1)
    timing = sub.add_parser("time")
    timing.add_argument("--retries", type=int, default=0)
    timing.add_argument("--timeout", type=float, default=1.0)
    parser.add_argument("--hosts-24", type=int, default=40)
    parser.add_argument("--hosts-22", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.mode == "rss":
        print(json.dumps(measure_rss(bool(args.isolate))))
    elif args.mode == "time":
        print(json.dumps(measure_time(args.timeout, args.retries)))
    else:
        if os.geteuid() != 0:
            parser.error("needs root (network namespaces)")
        report = [bench("10.90.0.0/24", args.hosts_24, args.repeat),
                  bench("10.91.0.0/22", args.hosts_22, args.repeat)]  # fmt: skip
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
