"""LAN sweep benchmark: sweep times and CPU for a /24 and a /22, and the agent's RSS with and
without a sweep having run, on LANs of network namespaces (needs root).

    sudo .venv/bin/python bench/lan_sweep.py [--hosts-24 40] [--hosts-22 200] [--repeat 5]
                                             [--only-times]

Each measurement runs in a fresh process inside the LAN's agent namespace; every figure is the
median and the max of --repeat rounds, and the load average is printed with each (the machine
is shared: compare runs made at a low load). Times: run_sweep() privileged with discover's
defaults and the collector's, scapy's srp() as the sweep did it before (one pass, 1 s: to show
the same hosts are found), and unprivileged (the neighbour-table fallback, as nobody via
setpriv). CPU: user and system seconds of the process during run_sweep(); the system part is
mostly the namespace LAN itself (the kernel delivers each broadcast to every host namespace and
runs their ARP replies in the sender's context), which a real LAN does on its own machines.
RSS: a process that has loaded the agent and built the lan collector; then after one collect()
with the sweep in a thread of the agent (`isolate: false`) or in the worker child (`isolate:
true`, the default), with the worker's CPU.
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
from typing import Any

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


def _cpu(who: int = resource.RUSAGE_SELF) -> tuple[float, float]:
    usage = resource.getrusage(who)
    return usage.ru_utime, usage.ru_stime


def measure_rss(isolate: bool) -> dict[str, float]:
    """In the agent namespace: RSS before and after one lan collect()."""
    import asyncio

    from agent.collectors import build_registry
    from agent.config import AgentConfig
    from agent.cycle import run_all
    from agent.validation import validate

    config = validate(AgentConfig,
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
    child = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"rss_before_mib": before, "rss_after_mib": _rss_mib(),
            "worker_peak_mib": child.ru_maxrss / 1024, "collect_s": elapsed,
            "worker_cpu_s": child.ru_utime + child.ru_stime, "hosts": hosts}  # fmt: skip


def scapy_srp_sweep(timeout: float) -> set[tuple[str, str]]:
    """The sweep as it was before (agent/collectors/lan/arp.py up to e1fb9d7): scapy's srp()."""
    from scapy.config import conf
    from scapy.layers.l2 import ARP, Ether
    from scapy.sendrecv import srp

    from agent.collectors.lan.subnets import local_subnets

    (subnet,), _ = local_subnets(["eth0"], [], 16)
    conf.sniff_promisc = False
    requests = [Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=target, psrc=str(subnet.address))
                for target in subnet.targets()]  # fmt: skip
    answered, _ = srp(requests, iface=subnet.interface, timeout=timeout, verbose=False)
    return {(str(r[ARP].psrc), str(r[ARP].hwsrc)) for _, r in answered if r[ARP].op == 2}


def measure_time(timeout: float, retries: int, engine: str) -> dict[str, object]:
    from agent.collectors.lan.job import SweepOptions, run_sweep
    from agent.collectors.lan.subnets import local_subnets

    subnets, _ = local_subnets(["eth0"], [], 16)
    user, system = _cpu()
    started = time.perf_counter()
    degraded = False
    if engine == "scapy":
        found = scapy_srp_sweep(timeout)
    else:
        report = run_sweep(subnets, SweepOptions(timeout=timeout, retries=retries))
        found, degraded = {(h.ip, h.mac) for h in report.hosts}, report.degraded
    elapsed = time.perf_counter() - started
    user_after, system_after = _cpu()
    return {"sweep_s": elapsed, "user_s": user_after - user, "sys_s": system_after - system,
            "hosts": len(found), "found": sorted(found), "degraded": degraded}  # fmt: skip


def _in_agent_ns(lan: object, args: list[str], user: list[str] | None = None) -> dict[str, Any]:
    from tests.peers.netns import NamespaceLan

    assert isinstance(lan, NamespaceLan)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = lan.command(lan.agent.ns, [*(user or []), sys.executable, __file__, *args])
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True, timeout=300)
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _summary(runs: list[dict[str, Any]], keys: tuple[str, ...]) -> dict[str, object]:
    summary: dict[str, object] = {}
    for key in keys:
        values = [r[key] for r in runs]
        summary[key] = {"median": round(statistics.median(values), 3), "max": round(max(values), 3)}
    return summary


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _timings() -> tuple[tuple[str, list[str], list[str] | None], ...]:
    from agent.cli import DISCOVER_RETRIES, DISCOVER_TIMEOUT
    from agent.config.lan import LanConfig

    collector = LanConfig()
    discover = ["--timeout", str(DISCOVER_TIMEOUT), "--retries", str(DISCOVER_RETRIES)]
    return (
        ("discover_defaults", ["time", *discover], None),
        ("collector_defaults",
         ["time", "--timeout", str(collector.timeout), "--retries", str(collector.retries)], None),
        ("scapy_srp_before", ["time", "--engine", "scapy", "--timeout", "1.0"], None),
        ("unprivileged_fallback", ["time", *discover], UNPRIVILEGED),
    )  # fmt: skip


def bench_times(lan: object, repeat: int) -> dict[str, object]:
    result: dict[str, object] = {}
    expected: list[Any] | None = None
    for label, args, user in _timings():
        load = _load()
        runs = [_in_agent_ns(lan, args, user) for _ in range(repeat)]
        found = [r["found"] for r in runs]
        expected = expected or found[0]
        result[label] = {
            **_summary(runs, ("sweep_s", "user_s", "sys_s")),
            "hosts": sorted({r["hosts"] for r in runs}),
            "same_hosts_as_first": all(f == expected for f in found),
            "degraded": runs[0]["degraded"],
            "load_before": load,
        }
    return result


def bench(subnet: str, hosts: int, repeat: int, only_times: bool) -> dict[str, object]:
    from tests.peers.netns import NamespaceLan

    with NamespaceLan(subnet=subnet) as lan:
        lan.add_hosts(hosts)
        result: dict[str, object] = {"subnet": subnet, "hosts": hosts, "repeat": repeat}
        result.update(bench_times(lan, repeat))
        if only_times:
            return result
        for isolate in (False, True):
            load = _load()
            runs = [_in_agent_ns(lan, ["rss", f"--isolate={int(isolate)}"]) for _ in range(repeat)]
            keys = ("rss_before_mib", "rss_after_mib", "worker_peak_mib", "collect_s",
                    "worker_cpu_s")  # fmt: skip
            result[f"rss_isolate_{str(isolate).lower()}"] = {
                **_summary(runs, keys),
                "load_before": load,
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
    timing.add_argument("--engine", choices=("agent", "scapy"), default="agent")
    parser.add_argument("--hosts-24", type=int, default=40)
    parser.add_argument("--hosts-22", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only-times", action="store_true", help="skip the RSS measurements")
    args = parser.parse_args()
    if args.mode == "rss":
        print(json.dumps(measure_rss(bool(args.isolate))))
    elif args.mode == "time":
        print(json.dumps(measure_time(args.timeout, args.retries, args.engine)))
    else:
        if os.geteuid() != 0:
            parser.error("needs root (network namespaces)")
        print(f"load average at start: {_load()}", file=sys.stderr)
        report = [bench("10.90.0.0/24", args.hosts_24, args.repeat, args.only_times),
                  bench("10.91.0.0/22", args.hosts_22, args.repeat, args.only_times)]  # fmt: skip
        print(f"load average at end: {_load()}", file=sys.stderr)
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
