"""CPU of `ictinfra-agent run` at a commune site: 10 devices x up to 30 ports polled every 60 s,
host metrics every 15 s, /metrics scraped every 15 s (as Prometheus would).

    python3 bench/agent_commune.py [--devices 10] [--max-interfaces 30] [--interval 60]
        [--host-interval 15] [--scrape-interval 15] [--cycles 3] [--repo DIR]
        [--out bench/results/agent_commune]

One snmpsim (loopback) serves the IF-MIB part of real recordings (bench/snmpsite.py). The
window starts once the agent has shown its first complete round of device polls (so start-up
and imports are not counted) and lasts `--cycles` SNMP intervals; the figure is the agent
process's CPU-seconds (utime + stime from /proc) over that window / its wall time: % of one
core. RSS is sampled every second meanwhile. Linux only.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agent_footprint import Scraper, measure, start_agent
from snmpsite import REPO, Site, save, site_parser

from tests.peers.common import stop, wait_until

GOAL_PERCENT = 1.0


def markdown(result: dict[str, Any]) -> str:
    meta, agent = result["meta"], result["agent"]
    verdict = "within" if agent["cpu_percent"] <= GOAL_PERCENT else "OVER"
    return (
        f"{meta['devices']} devices ({meta['interfaces']} interfaces, IF-MIB) every "
        f"{meta['interval']:g} s, host every {meta['host_interval']:g} s, /metrics scraped every "
        f"{meta['scrape_interval']:g} s; {meta['seconds']:.0f} s window ({meta['cycles']} SNMP "
        f"cycles); {meta['when']}, {meta['machine']}\n\n"
        "| ictinfra-agent | figure |\n|---|---:|\n"
        f"| CPU-seconds in the window | {agent['cpu_seconds']} |\n"
        f"| CPU % of one core | **{agent['cpu_percent']}** "
        f"({verdict} the {GOAL_PERCENT:g} % goal) |\n"
        f"| RSS MiB (median / max) | {agent['rss_mib_median']} / {agent['rss_mib_max']} |\n"
        f"| devices up at the end | {meta['agent_devices_up']}/{meta['devices']} |\n"
        f"| /metrics body | {meta['body_bytes']:,} bytes |\n\n"
        f"snmpsim (not counted): {result['snmpsim']['cpu_percent']} % CPU. Scrapes: "
        f"{meta['scrape_rounds']}, failures: {meta['scrape_failures']}. "
        f"Command: `{meta['command']}`\n"
    )


def main() -> int:
    parser = site_parser(__doc__, devices=10, max_interfaces=30)
    parser.add_argument("--interval", type=float, default=60.0, help="SNMP, seconds")
    parser.add_argument("--host-interval", type=float, default=15.0)
    parser.add_argument("--scrape-interval", type=float, default=15.0)
    parser.add_argument("--cycles", type=int, default=3, help="SNMP intervals measured")
    parser.add_argument("--repo", type=Path, default=REPO, help="the agent code to run")
    args = parser.parse_args()
    with Site(args.devices, args.max_interfaces) as site:
        agent, port = start_agent(site, args.interval, site.root, args.host_interval, args.repo)
        scraper = Scraper({"agent": [f"http://127.0.0.1:{port}/metrics"]}, args.scrape_interval)
        try:
            scraper.start()
            wait_until(lambda: scraper.snmp_cycles, 3 * args.interval, "the first device polls")
            processes = measure(
                {"agent": agent.pid, "snmpsim": site.snmpsim.pid},  # type: ignore[union-attr]
                args.cycles * args.interval,
            )
        finally:
            scraper.stopped.set()
            scraper.join(60)
            stop(agent)
        meta = {
            "devices": len(site.devices),
            "interfaces": sum(d.interfaces for d in site.devices),
            "interval": args.interval,
            "host_interval": args.host_interval,
            "scrape_interval": args.scrape_interval,
            "cycles": args.cycles,
            "seconds": args.cycles * args.interval,
            "scrape_rounds": len(scraper.rounds),
            "scrape_failures": scraper.failures,
            "agent_devices_up": scraper.agent_devices_up,
            "body_bytes": int(scraper.rounds[-1].get("agent_bytes", 0)) if scraper.rounds else 0,
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "machine": f"{platform.machine()}, {len(os.sched_getaffinity(0))} CPUs, "
            f"load {os.getloadavg()[0]:.1f}",
            "command": "python3 " + " ".join(sys.argv),
        }
    result = {"meta": meta, "agent": processes["agent"], "snmpsim": processes["snmpsim"]}
    print(json.dumps(result, indent=1))
    save(args.out, result, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
