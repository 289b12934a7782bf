"""The `host:` section: the agent's own machine."""

import re

from pydantic import Field, field_validator

from agent.config.base import StrictModel
from agent.config.types import Duration


class HostConfig(StrictModel):
    enabled: bool = True
    interval: Duration = 15.0
    inventory_interval: Duration = 3600.0
    # Roots the collector reads; tests point them at recorded trees, containers at the host's.
    proc_root: str = "/proc"
    sys_root: str = "/sys"
    rootfs: str = "/"
    # statvfs() of one mount may take this long; a mount that times out is skipped
    # (reported as node_filesystem_device_error 1) until its pending call returns.
    filesystem_timeout: Duration = 2.0
    # Added to the defaults (node_exporter's pseudo filesystems plus network filesystems).
    filesystem_types_exclude: tuple[str, ...] = Field(default=())
    # Removed from the defaults, e.g. ["nfs4"] to measure NFS mounts.
    filesystem_types_include: tuple[str, ...] = Field(default=())
    # Regular expressions (re.match) added to node_exporter's default mount point exclusions.
    mount_points_exclude: tuple[str, ...] = Field(default=())
    # Regular expression (re.fullmatch) of NICs left out of node_network_* counters.
    network_devices_exclude: str = "lo"

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
