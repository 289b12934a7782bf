"""Memory from /proc/meminfo, as node_exporter's meminfo collector names it."""

from __future__ import annotations

import logging
import re

from agent.model import Collection

log = logging.getLogger(__name__)

_LINE = re.compile(r"^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?\s*$")


def parse_meminfo(text: str) -> dict[str, int]:
    """node_exporter's metric suffix -> value: `Active(anon): 5 kB` -> {"Active_anon_bytes": 5120},
    `HugePages_Total: 0` -> {"HugePages_Total": 0}. Malformed lines are skipped and logged once."""
    values: dict[str, int] = {}
    bad = 0
    for line in text.splitlines():
        match = _LINE.match(line)
        if match is None:
            bad += bool(line.strip())
            continue
        key, number, unit = match.groups()
        name = key.replace("(", "_").replace(")", "")
        if unit:
            values[f"{name}_bytes"] = int(number) * 1024
        else:
            values[name] = int(number)
    if bad:
        log.warning("meminfo: skipped %d malformed line(s)", bad)
    return values


def add_memory(out: Collection, meminfo: dict[str, int]) -> None:
    for name, value in meminfo.items():
        out.family(
            f"node_memory_{name}",
            f"Memory information field {name}.",
            "gauge",
        ).add((), value)
