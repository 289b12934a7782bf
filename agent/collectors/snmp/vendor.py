"""Vendor and device kind from sysObjectID: the IANA Private Enterprise Numbers registry.

The registry ships as package data (`data/enterprise-numbers.tsv.gz`, number TAB organisation),
made from IANA's https://www.iana.org/assignments/enterprise-numbers.txt by
`python3 -m agent.collectors.snmp.vendor REGISTRY.txt` (Debian's `ipmitool` package carries a
copy at /usr/share/misc/enterprise-numbers.txt). The header line of the data file records the
source and its "last updated" date. A lookup scans the file line by line (tens of ms) and keeps
only the numbers asked for, not the 60,000-entry registry.
"""

from __future__ import annotations

import gzip
import re
import sys
from importlib import resources
from pathlib import Path

ENTERPRISES = "1.3.6.1.4.1."
DATA_FILE = "data/enterprise-numbers.tsv.gz"


def enterprise_number(sys_object_id: str | None) -> int | None:
    """1.3.6.1.4.1.9.1.617 -> 9; None for anything outside the enterprises arc."""
    if not sys_object_id or not sys_object_id.startswith(ENTERPRISES):
        return None
    head = sys_object_id[len(ENTERPRISES) :].split(".", 1)[0]
    return int(head) if head.isdigit() else None


_names: dict[int, str | None] = {}


def _scan(number: int) -> str | None:
    """Read line by line: the registry decompressed and split at once is ~9 MB of short-lived
    strings, and the agent's RSS would keep most of that for good."""
    prefix = f"{number}\t".encode()
    with (
        resources.files("agent.collectors.snmp").joinpath(DATA_FILE).open("rb") as raw,
        gzip.open(raw) as lines,
    ):
        for line in lines:
            if line.startswith(prefix):
                return line[len(prefix) :].rstrip(b"\r\n").decode("utf-8")
    return None


def vendor_name(number: int | None) -> str | None:
    """The organisation IANA registered for an enterprise number (cached per number)."""
    if number is None:
        return None
    if number not in _names:
        _names[number] = _scan(number)
    return _names[number]


def registry_date() -> str | None:
    raw = resources.files("agent.collectors.snmp").joinpath(DATA_FILE).read_bytes()
    first = gzip.decompress(raw).split(b"\n", 1)[0].decode()
    match = re.search(r"last updated (\d{4}-\d{2}-\d{2})", first)
    return match.group(1) if match else None


_KIND_WORDS = (
    ("printer", ("printer", "laserjet", "officejet", "imagerunner", "bizhub", "ecosys")),
    ("ups", ("ups", "smart-ups", "powerware", "uninterruptible")),
    ("firewall", ("firewall", "pan-os", "fortigate", "asa", "ngfw", "utm")),
    ("wireless", ("wireless", "wlan", "aironet", "wlc")),
    ("storage", ("netapp", "ontap", "isilon", "storage", "nas")),
    ("camera", ("camera", "ipcam", "nvr")),
    ("router", ("router", "junos", "routeros", "vyatta")),
    ("switch", ("switch", "procurve", "catalyst", "nx-os", "comware", "eos", "c3560", "c3750")),
    ("server", ("linux", "windows", "freebsd", "sunos", "esxi")),
)
_ENTERPRISE_KINDS = {318: "ups", 534: "ups", 935: "ups", 476: "ups"}
"""APC, Eaton/Powerware, PPC, Emerson/Liebert: power makers whose sysDescr often names no kind."""


def guess_kind(
    sys_descr: str | None, enterprise: int | None, *, printer: bool, host_resources: bool
) -> str | None:
    """switch, router, firewall, ups, printer, server, ... from what the device showed us.

    Evidence first (a Printer-MIB answers -> printer), then words in sysDescr, then the maker;
    a device with HOST-RESOURCES and nothing else recognisable is a server.
    """
    if printer:
        return "printer"
    words = set(re.findall(r"[a-z0-9-]+", (sys_descr or "").lower()))
    for kind, needles in _KIND_WORDS:
        if words.intersection(needles):
            return kind
    if enterprise in _ENTERPRISE_KINDS:
        return _ENTERPRISE_KINDS[enterprise]
    return "server" if host_resources else None


def convert(registry_text: str) -> str:
    """IANA's enterprise-numbers.txt -> our TSV (first line: source and date)."""
    updated = re.search(r"last updated (\d{4}-\d{2}-\d{2})", registry_text)
    lines = [
        "# IANA Private Enterprise Numbers, https://www.iana.org/assignments/enterprise-numbers.txt"
        + (f", last updated {updated.group(1)}" if updated else "")
    ]
    rows = registry_text.splitlines()
    for position, line in enumerate(rows[:-1]):
        if (
            line.isdigit()
            and rows[position + 1].startswith("  ")
            and not rows[position + 1].startswith("    ")
        ):
            lines.append(f"{line}\t{rows[position + 1].strip()}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    source = Path(argv[0] if argv else "/usr/share/misc/enterprise-numbers.txt")
    target = Path(__file__).with_name("data") / "enterprise-numbers.tsv.gz"
    text = convert(source.read_text(encoding="utf-8", errors="replace"))
    target.write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
    print(f"{target}: {text.count(chr(10)) - 1} enterprises")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
