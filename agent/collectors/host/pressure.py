"""Pressure stall information from /proc/pressure/{cpu,memory,io,irq}, as node_exporter's
pressure collector names it (1.5's families; irq as node_exporter 1.8 adds it, where the
kernel has the file)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from agent.collectors.host.files import read_text
from agent.model import Collection

log = logging.getLogger(__name__)

_LINE = re.compile(r"^(some|full)\s.*\btotal=(\d+)\s*$")

# (resource, line, node_exporter's family, its HELP); a resource whose file is absent is skipped.
FAMILIES = (
    ("cpu", "some", "node_pressure_cpu_waiting_seconds_total",
     "Total time in seconds that processes have waited for CPU time"),
    ("io", "some", "node_pressure_io_waiting_seconds_total",
     "Total time in seconds that processes have waited due to IO congestion"),
    ("io", "full", "node_pressure_io_stalled_seconds_total",
     "Total time in seconds no process could make progress due to IO congestion"),
    ("memory", "some", "node_pressure_memory_waiting_seconds_total",
     "Total time in seconds that processes have waited for memory"),
    ("memory", "full", "node_pressure_memory_stalled_seconds_total",
     "Total time in seconds no process could make progress due to memory congestion"),
    ("irq", "full", "node_pressure_irq_stalled_seconds_total",
     "Total time in seconds no process could make progress due to IRQ congestion"),
)  # fmt: skip
RESOURCES = ("cpu", "io", "memory", "irq")


def parse_pressure(text: str) -> dict[str, float]:
    """`some avg10=0.00 avg60=0.00 avg300=0.00 total=4393283` -> {"some": 4.393283}: the
    cumulative stall time in seconds (the kernel counts microseconds). Malformed lines are
    skipped and logged."""
    totals: dict[str, float] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            if line.strip():
                log.warning("pressure: skipped malformed line %r", line[:80])
            continue
        totals[match.group(1)] = int(match.group(2)) / 1000.0 / 1000.0  # as node_exporter
    return totals


def read_pressure(proc_root: Path) -> dict[str, dict[str, float]]:
    """Each resource the kernel reports (CONFIG_PSI; irq needs CONFIG_IRQ_TIME_ACCOUNTING)."""
    found = {}
    for resource in RESOURCES:
        text = read_text(proc_root / "pressure" / resource)
        if text is not None:
            found[resource] = parse_pressure(text)
    return found


def add_pressure(out: Collection, pressure: dict[str, dict[str, float]]) -> None:
    for resource, line, name, help_text in FAMILIES:
        value = pressure.get(resource, {}).get(line)
        if value is not None:
            out.family(name, help_text, "counter").add((), value)
