"""`python -m deploy.demo`: start snmpsim on loopback with a few recorded devices, poll them with
`ictinfra-agent once`, print what the agent measured, stop snmpsim.

    python -m deploy.demo                  # Prometheus text, then an inventory summary
    python -m deploy.demo --format json    # the inventory JSON instead
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from tests.peers.common import REPO, agent_command, free_port, stop, subprocess_env
from tests.peers.snmpsim import start_snmpsim

DEVICES = {
    "core-switch": "cisco-c3560",
    "wan-router": "juniper-mx960",
    "access-switch": "hpe-procurve",
    "server-room-ups": "apc-ups",
    "file-server": "linux-host",
    "office-printer": "printer-hp",
}


def write_config(directory: Path, port: int) -> Path:
    targets = [
        {"name": name, "address": f"127.0.0.1:{port}", "community": case, "timeout": "2s"}
        for name, case in DEVICES.items()
    ]
    config = {"snmp": {"targets": targets}, "host": {"enabled": True}}
    path = directory / "agent.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def summary(inventory: dict[str, object]) -> str:
    lines = ["", "# devices (inventory):"]
    for device in inventory.get("devices", []):  # type: ignore[union-attr]
        entities = device["entities"]
        dated = sum(1 for e in entities if e["mfg_date"])
        name, kind, vendor = device["device"], device["kind"] or "?", device["vendor"] or "?"
        interfaces = device["interface_count"] or 0
        lines.append(
            f"#   {name:<16} {kind:<8} {vendor:<32} {interfaces:>3} interfaces, "
            f"{len(entities)} entities ({dated} dated)"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.demo", description=__doc__)
    parser.add_argument("--format", choices=("prometheus", "json"), default="prometheus")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ictinfra-demo-") as temp:
        root = Path(temp)
        data, cache = root / "data", root / "cache"
        data.mkdir()
        cache.mkdir()
        for case in DEVICES.values():
            source = REPO / "tests" / "cases" / "snmp" / case / "recording.snmprec"
            shutil.copy(source, data / f"{case}.snmprec")
        port = free_port(socket.SOCK_DGRAM)
        print(
            f"# snmpsim on 127.0.0.1:{port} serving {len(DEVICES)} recorded devices",
            file=sys.stderr,
        )
        simulator = start_snmpsim(data, cache, port, next(iter(DEVICES.values())))
        try:
            config = write_config(root, port)
            once = agent_command("once", "--config", str(config), "--format", args.format)
            result = subprocess.run(
                once, env=subprocess_env(), capture_output=True, text=True, check=False
            )
            sys.stdout.write(result.stdout)
            sys.stderr.write(result.stderr)
            if args.format == "prometheus" and result.returncode == 0:
                inventory = subprocess.run(
                    [*once[:-1], "json"],
                    env=subprocess_env(),
                    capture_output=True,
                    text=True,
                    check=True,
                )
                print(summary(json.loads(inventory.stdout)))
            return result.returncode
        finally:
            stop(simulator)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
