"""Steady-state CPU% and RSS of `ictinfra-agent run` polling 20 recorded devices (IF-MIB).

    python3 bench/snmp_steady.py [--codec lean|pysnmp] [--interval 10] [--seconds 60]

snmpsim serves the test-case recordings on loopback; the agent runs as a real process; CPU is
read from /proc/PID/stat over the measuring window after a warm-up cycle.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.peers.common import REPO, agent_command, free_port, stop, subprocess_env
from tests.peers.snmpsim import start_snmpsim


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory(pid: int) -> str:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return ", ".join(
        line.replace("\t", "").replace("  ", "")
        for line in lines
        if line.startswith(("VmRSS", "VmHWM"))
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--codec", choices=("lean", "pysnmp"), default="lean")
    parser.add_argument("--interval", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--devices", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        data, cache = Path(temp, "data"), Path(temp, "cache")
        data.mkdir()
        cache.mkdir()
        cases = []
        for recording in sorted((REPO / "tests/cases/snmp").glob("*/recording.snmprec")):
            shutil.copy(recording, data / f"{recording.parent.name}.snmprec")
            if recording.parent.name != "windows-xp-v1":
                cases.append(recording.parent.name)
        port = free_port(socket.SOCK_DGRAM)
        simulator = start_snmpsim(data, cache, port, cases[0])
        targets = [
            {
                "name": f"device-{i}",
                "address": f"127.0.0.1:{port}",
                "community": cases[i % len(cases)],
                "modules": ["system", "if_mib"],
            }
            for i in range(args.devices)
        ]
        config = Path(temp, "agent.yaml")
        body = {
            "snmp": {"interval": f"{args.interval}s", "codec": args.codec, "targets": targets},
            "host": {"enabled": False},
            "log": {"level": "error"},
        }
        config.write_text(yaml.safe_dump(body))
        agent = subprocess.Popen(
            agent_command("run", "--config", str(config)),
            env=subprocess_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(args.interval * 1.5)
            cpu0, wall0 = cpu_seconds(agent.pid), time.monotonic()
            time.sleep(args.seconds)
            cpu1, wall1 = cpu_seconds(agent.pid), time.monotonic()
            share = 100 * (cpu1 - cpu0) / (wall1 - wall0)
            print(
                f"codec {args.codec}: {args.devices} devices every {args.interval:g}s: "
                f"CPU {share:.2f}% over {wall1 - wall0:.0f}s; {memory(agent.pid)}"
            )
        finally:
            agent.terminate()
            agent.wait(10)
            stop(simulator)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
