"""A simulated site for the SNMP benchmarks: real recordings on snmpsim, snmp_exporter beside it.

`Site` cuts the IF-MIB part (system group, ifNumber, the ifTable/ifXTable columns the agent
polls) of real snmpsim-data recordings into a temp dir, serves them from ONE snmpsim process on
a loopback UDP port (community = file name), and can write and start Debian's
prometheus-snmp-exporter 0.21 with one copy of the upstream if_mib module per device (0.21 has
no auth= URL parameter, so `version: 2` and the community go inside each module).

The recordings keep only the columns both pollers ask for (ifIndex and the deprecated ifSpecific
are dropped: the agent does not poll them), so both fetch exactly the same varbinds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from agent.collectors.snmp.mibs import ifmib  # noqa: E402
from tests.cases.snmp.extract import read_source as read_recording  # noqa: E402
from tests.peers.common import free_port, stop  # noqa: E402
from tests.peers.snmpsim import start_snmpsim  # noqa: E402

# ../shared beside the checkout (a worktree sits one level deeper: ../../shared)
EXPORTER_MODULE = next(
    (
        path
        for parent in REPO.parents
        if (path := parent / "shared" / "bench" / "snmp_exporter_if_mib.yml").is_file()
    ),
    REPO.parent / "shared" / "bench" / "snmp_exporter_if_mib.yml",
)
EXPORTER_BINARY = "prometheus-snmp-exporter"
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

# Real devices from snmpsim-data with an ifTable; a mix of vendors, sizes and quirks (no HC
# counters: cisco-unmarked-0, brocade-ds-5100b; no ifXTable at all: os/linux/sangfor).
SOURCES = (
    "network/switch/cisco-c3560",
    "network/switch/cisco-c3750",
    "network/switch/cisco-n5000",
    "network/router/juniper-mx960-13-3r9-13",
    "network/router/juniper-mx960-12-3r6-6",
    "network/switch/hpe-procurve-516733-b21",
    "cloud/arista-dcs-7150s-52-cl",
    "network/switch/h3c-comware-7-1-075",
    "network/switch/huawei-s12704",
    "network/router/huawei-s5720",
    "network/switch/zte-zxr10-5250",
    "network/switch/dptech-dpx800-a5",
    "network/firewall/paloalto-pa-5000",
    "network/switch/brocade-icx6430-24",
    "network/switch/dlink-des3200",
    "network/switch/ruijie-s5750-24gt12sfp",
    "network/switch/maipu-sm4200-16gef8ge-ac",
    "network/firewall/fortinet-xcu",
    "network/wifi/aruba-7210",
    "network/router/vyatta-unknown",
    "network/router/cisco-unmarked-0",
    "network/switch/brocade-ds-5100b",
    "os/linux/sangfor",
    "os/linux/unknown-002",
)
SYSTEM = "1.3.6.1.2.1.1."
IF_NUMBER = "1.3.6.1.2.1.2.1.0"
SYS_UPTIME = "1.3.6.1.2.1.1.3.0"
COLUMN_PREFIXES = tuple(column + "." for column in ifmib.WALK_COLUMNS)
IF_TABLE_ROW = "1.3.6.1.2.1.2.2.1.2."  # ifDescr: one per interface


@dataclass(frozen=True)
class Device:
    name: str  # also the snmpsim community (the recording's file name)
    source: str
    interfaces: int
    values: int  # the values an IF-MIB poll must bring back: polled columns, ifNumber, sysUpTime


def cut(lines: list[str], max_interfaces: int) -> list[str]:
    """The system group, ifNumber and the polled columns of the first `max_interfaces` rows.

    When rows are cut, ifNumber becomes the number kept, as a device with those rows says."""
    every = sorted(
        {
            int(line.split("|")[0][len(IF_TABLE_ROW) :])
            for line in lines
            if line.startswith(IF_TABLE_ROW)
        }
    )
    rows = every[:max_interfaces]
    wanted = {str(row) for row in rows}
    kept = []
    for line in lines:
        oid = line.split("|", 1)[0]
        scalar = oid.startswith(SYSTEM) or oid == IF_NUMBER
        if oid == IF_NUMBER and len(rows) < len(every):
            kept.append(f"{IF_NUMBER}|2|{len(rows)}")
        elif scalar or (oid.startswith(COLUMN_PREFIXES) and oid.rsplit(".", 1)[1] in wanted):
            kept.append(line)
    return kept


def exporter_config(devices: list[Device], timeout: str = "10s") -> dict[str, object]:
    """One copy of the if_mib module per device, each with its community inside."""
    base = yaml.safe_load(EXPORTER_MODULE.read_text())["if_mib"]
    modules = {}
    for device in devices:
        module = dict(base)
        module.update(version=2, auth={"community": device.name}, timeout=timeout, retries=1)
        modules[f"if_mib_{device.name}"] = module
    return modules


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc (10 ms resolution)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


class Site:
    """snmpsim with the cut recordings (+ snmp_exporter on demand); a context manager."""

    def __init__(self, count: int, max_interfaces: int) -> None:
        if count > len(SOURCES):
            raise SystemExit(f"at most {len(SOURCES)} devices (add sources to bench/snmpsite.py)")
        self.count, self.max_interfaces = count, max_interfaces
        self.devices: list[Device] = []
        self.port = 0
        self.snmpsim: subprocess.Popen[bytes] | None = None
        self.exporter: subprocess.Popen[bytes] | None = None
        self.exporter_port = 0
        self._temp = tempfile.TemporaryDirectory(prefix="snmpsite-")
        self.root = Path(self._temp.name)

    def __enter__(self) -> Site:
        data, cache = self.root / "data", self.root / "cache"
        data.mkdir()
        cache.mkdir()
        for source in SOURCES[: self.count]:
            lines = cut(read_recording(source), self.max_interfaces)
            name = source.rsplit("/", 1)[1]
            (data / f"{name}.snmprec").write_text("\n".join(lines) + "\n", encoding="latin-1")
            interfaces = sum(1 for line in lines if line.startswith(IF_TABLE_ROW))
            values = sum(1 for line in lines if line.startswith(COLUMN_PREFIXES))
            values += sum(1 for line in lines if line.startswith((IF_NUMBER, SYS_UPTIME)))
            self.devices.append(Device(name, source, interfaces, values))
        self.port = free_port(socket.SOCK_DGRAM)
        started = time.monotonic()
        self.snmpsim = start_snmpsim(data, cache, self.port, self.devices[0].name)
        self.snmpsim_start_seconds = time.monotonic() - started
        return self

    def start_exporter(self) -> str:
        """Start snmp_exporter on loopback; returns its base URL."""
        binary = shutil.which(EXPORTER_BINARY)
        if binary is None:
            raise SystemExit("prometheus-snmp-exporter is not installed (apt-get install it)")
        config = self.root / "snmp.yml"
        config.write_text(yaml.safe_dump(exporter_config(self.devices), sort_keys=False))
        self.exporter_port = free_port()
        self.exporter = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--web.listen-address=127.0.0.1:{self.exporter_port}",
                "--log.level=warn",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{self.exporter_port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/metrics", timeout=1).read()
                return url
            except OSError:
                time.sleep(0.1)
        raise SystemExit("snmp_exporter did not start")

    def exporter_target_url(self, device: Device) -> str:
        return (
            f"http://127.0.0.1:{self.exporter_port}/snmp?target=127.0.0.1:{self.port}"
            f"&module=if_mib_{device.name}"
        )

    def agent_targets(self, timeout: str = "10s") -> list[dict[str, object]]:
        """The same devices as ictinfra-agent `snmp.targets` entries (IF-MIB only)."""
        return [
            {
                "name": device.name,
                "address": f"127.0.0.1:{self.port}",
                "community": device.name,
                "timeout": timeout,
                "retries": 1,
                "modules": ["if_mib"],
            }
            for device in self.devices
        ]

    def __exit__(self, *exc: object) -> None:
        for process in (self.exporter, self.snmpsim):
            if process is not None:
                stop(process)
        self._temp.cleanup()


def site_parser(
    doc: str | None, devices: int = 20, max_interfaces: int = 48
) -> argparse.ArgumentParser:
    """A bench's argument parser with the site's options (`--devices`, `--max-interfaces`)
    and `--out`."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--devices", type=int, default=devices)
    parser.add_argument("--max-interfaces", type=int, default=max_interfaces)
    parser.add_argument("--out", help="write <out>.json and <out>.md")
    return parser


def save(out: str | None, result: dict[str, Any], table: str) -> None:
    """Print the table; with `--out`, keep it and the raw figures as <out>.md and <out>.json."""
    print(table)
    if out:
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
        path.with_suffix(".md").write_text(table)
