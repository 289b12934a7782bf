"""What a probe run costs the agent: CPU seconds and RSS for N targets x M packets, loopback only.

    python3 bench/probes_cost.py [--targets 50] [--count 10] [--method tcp|icmp]

TCP targets are closed loopback ports (each connect is answered by an RST); ICMP needs root or a
ping socket. Prints one line of figures.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time

from agent.collectors.probes.collector import ProbesCollector
from agent.config.probes import ProbesConfig
from agent.validation import validate


def rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--count", type=int, default=10)
    parser.add_argument("--method", choices=["tcp", "icmp"], default="tcp")
    args = parser.parse_args()
    address = "127.0.0.1:9" if args.method == "tcp" else "127.0.0.1"
    config = validate(ProbesConfig, {
        "enabled": True, "count": args.count, "spacing": "10ms", "timeout": "1s",
        "gateway": {"enabled": False},
        "wan": [{"name": f"t{i}", "address": address} for i in range(args.targets)],
    })  # fmt: skip
    collector = ProbesCollector(config)
    before_rss = rss_mib()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    wall0 = time.perf_counter()
    collection = asyncio.run(collector.collect())
    wall = time.perf_counter() - wall0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    packets = args.targets * args.count
    up = next(f for f in collection.families if f.name == "ictinfra_probe_up")
    print(
        f"{args.method}: {args.targets} targets x {args.count} packets: wall {wall:.2f}s, "
        f"CPU {cpu:.3f}s ({cpu / packets * 1e6:.0f} us/packet), RSS {before_rss:.1f} -> "
        f"{rss_mib():.1f} MiB, up {sum(v for _, v in up.samples)}/{args.targets}"
    )


if __name__ == "__main__":
    main()
