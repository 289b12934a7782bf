"""The agent's own metrics: build info and process metrics, under Prometheus' standard names.

`process_*` follow the client libraries' conventions (what prometheus_client exports on Linux),
read from /proc/self with no extra import; elsewhere CPU comes from `os.times()` and memory from
psutil when it is installed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from agent import __version__
from agent.model import MetricFamily, Samples

_PROC = Path("/proc/self")
_IMPORTED_AT = time.time()


def build_info() -> MetricFamily:
    family = MetricFamily(
        "ictinfra_agent_build_info",
        "The agent's version; always 1.",
        label_names=("version", "python_version"),
    )
    family.add((__version__, ".".join(map(str, sys.version_info[:3]))), 1)
    return family


def _proc_stat() -> list[str] | None:
    try:
        text = (_PROC / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # fields from `state` on; comm may hold spaces


def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except OSError:
        pass
    return None


def _start_time(stat: list[str] | None) -> float:
    boot = _boot_time()
    if stat is None or boot is None:
        return _IMPORTED_AT
    return boot + int(stat[19]) / os.sysconf("SC_CLK_TCK")  # field 22: starttime


def _memory(stat: list[str] | None) -> tuple[int | None, int | None]:
    """(resident, virtual) bytes."""
    if stat is not None:
        return int(stat[21]) * os.sysconf("SC_PAGE_SIZE"), int(stat[20])  # rss pages, vsize
    try:
        import psutil
    except ImportError:
        return None, None
    info = psutil.Process().memory_info()
    return info.rss, info.vms


def _fds() -> tuple[int | None, int | None]:
    try:
        open_fds = len(os.listdir(_PROC / "fd"))
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ImportError):
        return None, None
    return open_fds, soft


def _gauge(name: str, help: str, value: float | int | None) -> list[MetricFamily]:
    if value is None:
        return []
    family = MetricFamily(name, help, "gauge")
    family.add((), value)
    return [family]


def process_metrics() -> list[MetricFamily]:
    stat = _proc_stat()
    times = os.times()
    rss, vms = _memory(stat)
    open_fds, max_fds = _fds()
    cpu = MetricFamily(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds.",
        "counter",
        (),
        Samples([((), round(times.user + times.system, 3))]),
    )
    return [
        cpu,
        *_gauge("process_resident_memory_bytes", "Resident memory size in bytes.", rss),
        *_gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", vms),
        *_gauge(
            "process_start_time_seconds",
            "Start time of the process since unix epoch in seconds.",
            round(_start_time(stat), 2),
        ),
        *_gauge("process_open_fds", "Number of open file descriptors.", open_fds),
        *_gauge("process_max_fds", "Maximum number of open file descriptors.", max_fds),
    ]
