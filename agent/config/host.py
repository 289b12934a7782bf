"""The `host:` section: the agent's own machine."""

import re

from pydantic import Field, field_validator

from agent.config.base import StrictModel
from agent.config.types import Duration


class HostConfig(StrictModel):
    """The host collector: node_exporter's names for CPU, memory, filesystems, NICs, DMI, OS."""

    enabled: bool = Field(default=True, description="run the host collector")
    interval: Duration = Field(
        default=15.0, description="how often the counters (CPU, memory, filesystems, NICs) are read"
    )
    inventory_interval: Duration = Field(
        default=3600.0,
        description="slow facts (cpuinfo, DMI, os-release, disks) are re-read and the inventory"
        " sent this often; between, they come from a cache",
    )
    proc_root: str = Field(
        default="/proc", description="where /proc is read (e.g. /host/proc in a container)"
    )
    sys_root: str = Field(default="/sys", description="where /sys is read")
    rootfs: str = Field(default="/", description="the root filesystem (for os-release)")
    filesystem_timeout: Duration = Field(
        default=2.0,
        description="how long one cycle waits for statvfs() of the mounts; a mount that times out"
        " is skipped (node_filesystem_device_error 1) until its pending call returns",
    )
    filesystem_types_exclude: tuple[str, ...] = Field(
        default=(),
        description="filesystem types skipped on top of the defaults (node_exporter's pseudo"
        " filesystems and network filesystems)",
    )
    filesystem_types_include: tuple[str, ...] = Field(
        default=(), description="filesystem types taken back out of the defaults, e.g. [nfs4]"
    )
    mount_points_exclude: tuple[str, ...] = Field(
        default=(),
        description="regular expressions (re.match) of mount points skipped, on top of"
        " node_exporter's defaults",
    )
    network_devices_exclude: str = Field(
        default="lo",
        description="regular expression (full match) of NICs left out of node_network_* counters",
    )

    @field_validator("mount_points_exclude")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            _compile(pattern)
        return patterns

    @field_validator("network_devices_exclude")
    @classmethod
    def _pattern_compiles(cls, pattern: str) -> str:
        _compile(pattern)
        return pattern


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{pattern!r} is not a regular expression: {exc}") from None
