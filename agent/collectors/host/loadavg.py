"""Load averages from /proc/loadavg, as node_exporter's loadavg collector names them."""

from __future__ import annotations

from agent.model import Collection

LOADS = (("node_load1", "1m load average."), ("node_load5", "5m load average."),
         ("node_load15", "15m load average."))  # fmt: skip


def parse_loadavg(text: str) -> tuple[float, float, float]:
    """`0.52 0.58 0.59 1/389 12345` -> (0.52, 0.58, 0.59); ValueError when the file is not that."""
    fields = text.split()
    try:
        return float(fields[0]), float(fields[1]), float(fields[2])
    except (IndexError, ValueError):
        raise ValueError(
            f"/proc/loadavg: expected three load averages, got {text[:80]!r}"
        ) from None


def add_loadavg(out: Collection, loads: tuple[float, float, float]) -> None:
    for (name, help_text), value in zip(LOADS, loads, strict=True):
        out.family(name, help_text).add((), value)
