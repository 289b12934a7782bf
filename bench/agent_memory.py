"""Where the agent's memory goes: RSS (anonymous / file-backed) at each stage of a run.

    python3 bench/agent_memory.py [--devices 20] [--max-interfaces 48] [--cycles 4] [--interval 15]
        [--tracemalloc] [--repo DIR] [--out bench/results/agent_memory]

One snmpsim serves the IF-MIB part of real recordings (bench/snmpsite.py). A fresh child
Python (nothing imported but the agent) reports /proc/self/smaps_rollup after: start-up, each
group of imports the agent's `run` loads (in the order it loads them), the config, the real
`Service` started, its first SNMP cycle (host + N devices) and a /metrics scrape, and `--cycles`
more SNMP cycles (`--interval` apart, each followed by a scrape: the steady state). With
`--tracemalloc` it also lists, after the last cycle, the Python allocations by module
(tracemalloc inflates RSS: read its figures apart from the RSS column). `--repo` measures
another checkout's agent (e.g. an older commit, from `git archive`). Linux only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from snmpsite import REPO, Site, save, site_parser

# The child: stages in the order `ictinfra-agent run` reaches them.
CHILD = textwrap.dedent(
    """
    import gc, importlib, json, sys, time

    def rollup():
        fields = {}
        with open("/proc/self/smaps_rollup") as f:
            for line in f:
                parts = line.split()
                if parts[0] in ("Rss:", "Anonymous:"):
                    fields[parts[0][:-1]] = int(parts[1]) / 1024
        return fields

    stages = []
    def stage(name, **extra):
        r = rollup()
        stages.append({"stage": name, "rss": round(r["Rss"], 1),
                       "anon": round(r["Anonymous"], 1),
                       "file": round(r["Rss"] - r["Anonymous"], 1), **extra})

    config_path, cycles, trace = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
    stage("bare python")
    # What `run` imports, in order (pydantic and yaml only where a version still loads them)
    for group in (["asyncio"], ["agent.config"], ["agent.wire.inventory"], ["agent.httpd"],
                  ["agent.service"]):
        before = len(sys.modules)
        for module in group:
            importlib.import_module(module)
        stage("import " + " ".join(group), modules=len(sys.modules) - before)

    import asyncio
    from agent.config import load_config
    from agent.service import Service

    try:
        from agent import memory
        memory.tune()  # as run_service does
    except ImportError:  # --repo of a version without it
        pass
    try:
        from agent.config.isolated import load_config_isolated as load_config
    except ImportError:  # --repo of a version that validates in-process
        pass
    config = load_config(config_path)
    heavy = sorted(m for m in ("pydantic", "pydantic_core", "yaml") if m in sys.modules)
    stage("config loaded", loaded=heavy)
    if trace:
        import tracemalloc
        tracemalloc.start(1)

    async def scrape(port):
        # GET /metrics as Prometheus would; the body is counted, not kept
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /metrics HTTP/1.0\\r\\n\\r\\n")
        size = 0
        while chunk := await reader.read(65536):
            size += len(chunk)
        writer.close()
        return size

    top = []

    def by_module(snapshot):
        sizes = {}
        for stat in snapshot.statistics("filename"):
            name = stat.traceback[0].filename
            name = name.split("site-packages/")[-1].split("/agent/")[-1].split("/python3.11/")[-1]
            sizes[name] = sizes.get(name, 0) + stat.size
        return sorted(sizes.items(), key=lambda kv: -kv[1])[:15]

    async def main():
        service = Service(config_path)
        before = len(sys.modules)
        await service.start(config)
        stage("collectors built, serving", modules=len(sys.modules) - before)
        seen, rounds, body = None, 0, 0
        while rounds <= cycles:
            outcome = service.state.outcomes.get("snmp")
            if outcome is not None and outcome is not seen:
                seen, rounds = outcome, rounds + 1
                body = await scrape(service.running.server.port)
                families = service.state.families()
                samples = sum(len(f.samples) for f in families)
                up = sum(v for f in families if f.name == "ictinfra_snmp_up" for _, v in f.samples)
                del families
                if rounds == 1:
                    stage("first SNMP cycle held, /metrics served", samples=samples,
                          body_bytes=body, devices_up=up)
            await asyncio.sleep(0.2)
        stage(f"after {cycles} more SNMP cycles (steady state)", samples=samples,
              body_bytes=body, devices_up=up)
        gc.collect()
        stage("gc.collect()")
        if trace:
            top.extend(by_module(tracemalloc.take_snapshot()))
        await service.stop()

    asyncio.run(main())
    print(json.dumps({"stages": stages, "tracemalloc_top": top}))
    """
)


def agent_config(site: Site, path: Path, interval: float) -> None:
    every = f"{interval:g}s"
    config = {
        "log": {"level": "warning", "format": "text"},
        "host": {"enabled": True, "interval": every},
        "snmp": {
            "interval": every,
            "concurrency": 16,
            "targets": site.agent_targets(timeout=f"{max(10.0, interval / 4):g}s"),
        },
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def markdown(result: dict[str, Any]) -> str:
    meta = result["meta"]
    lines = [
        f"host + {meta['devices']} SNMP devices ({meta['interfaces']} interfaces); "
        f"{meta['when']}; `{meta['command']}`",
        "",
        "| stage | RSS MiB | +RSS | anonymous | file-backed | modules / samples / body |",
        "|---|---:|---:|---:|---:|---|",
    ]
    previous = 0.0
    for s in result["stages"]:
        keys = ("modules", "samples", "body_bytes", "devices_up")
        extra = ", ".join(f"{k} {s[k]:,}" for k in keys if k in s)
        lines.append(
            f"| {s['stage']} | {s['rss']} | {s['rss'] - previous:+.1f} | {s['anon']} | "
            f"{s['file']} | {extra} |"
        )
        previous = s["rss"]
    if result["tracemalloc_top"]:
        lines += ["", "| Python allocations after the cycles (tracemalloc) | MiB |", "|---|---:|"]
        lines += [f"| {n} | {size / 2**20:.2f} |" for n, size in result["tracemalloc_top"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = site_parser(__doc__)
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--interval", type=float, default=15.0, help="host and SNMP, seconds")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--repo", default=str(REPO), help="the agent code to measure (its parent)")
    args = parser.parse_args()

    with Site(args.devices, args.max_interfaces) as site:
        path = site.root / "agent.yaml"
        agent_config(site, path, args.interval)
        child = subprocess.run(
            [sys.executable, "-c", CHILD, str(path), str(args.cycles), str(int(args.tracemalloc))],
            env=dict(os.environ, PYTHONPATH=args.repo),
            cwd=args.repo,  # `-c` looks in the working directory first
            capture_output=True,
            check=False,
        )
        if child.returncode:
            raise SystemExit(child.stderr.decode()[-3000:])
        result = json.loads(child.stdout.decode().strip().splitlines()[-1])
        result["meta"] = {
            "devices": len(site.devices),
            "interfaces": sum(d.interfaces for d in site.devices),
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": "python3 " + " ".join(sys.argv),
        }
    save(args.out, result, markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
