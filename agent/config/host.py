"""The `host:` section: the agent's own machine."""

import re
from typing import Annotated

from agent.config.schema import After, Section, key
from agent.config.types import Duration


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None


def _pattern_compiles(pattern: str) -> str:
    _compile(pattern)
    return pattern


def _patterns_compile(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        _compile(pattern)
    return patterns


class HostConfig(Section):
    """The host collector: node_exporter's names for CPU, memory, filesystems, NICs, DMI, OS."""

    enabled: bool = key(default=True, doc="run the host collector")
    interval: Duration = key(
        default=15.0, doc="how often the counters (CPU, memory, filesystems, NICs) are read"
    )
    inventory_interval: Duration = key(
        default=3600.0,
        doc="slow facts (cpuinfo, DMI, os-release, disks) are re-read and the inventory"
        " sent this often; between, they come from a cache",
    )
    proc_root: str = key(
        default="/proc", doc="where /proc is read (e.g. /host/proc in a container)"
    )
    sys_root: str = key(default="/sys", doc="where /sys is read")
    rootfs: str = key(default="/", doc="the root filesystem (for os-release)")
    filesystem_timeout: Duration = key(
        default=2.0,
        doc="how long one cycle waits for statvfs() of the mounts; a mount that times out"
        " is skipped (node_filesystem_device_error 1) until its pending call returns",
    )
    filesystem_types_exclude: tuple[str, ...] = key(
        default=(),
        doc="filesystem types skipped on top of the defaults (node_exporter's pseudo"
        " filesystems and network filesystems)",
    )
    filesystem_types_include: tuple[str, ...] = key(
        default=(), doc="filesystem types taken back out of the defaults, e.g. [nfs4]"
    )
    mount_points_exclude: Annotated[tuple[str, ...], After(_patterns_compile)] = key(
        default=(),
        doc="regular expressions (re.match) of mount points skipped, on top of"
        " node_exporter's defaults",
    )
    network_devices_exclude: Annotated[str, After(_pattern_compiles)] = key(
        default="lo",
        doc="regular expression (full match) of NICs left out of node_network_* counters",
    )
