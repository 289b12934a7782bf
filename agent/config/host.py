"""The `host:` section: the agent's own machine."""

from pydantic import Field

from agent.config.base import StrictModel
from agent.config.types import Duration


class HostConfig(StrictModel):
    enabled: bool = True
    interval: Duration = 15.0
    inventory_interval: Duration = 3600.0
    proc_root: str = "/proc"
    sys_root: str = "/sys"
    rootfs: str = "/"
    filesystem_timeout: Duration = 2.0
    filesystem_types_exclude: tuple[str, ...] = Field(default=())
    mount_points_exclude: tuple[str, ...] = Field(default=())
