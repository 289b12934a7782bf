"""`probes:`: reachability, latency, loss and jitter to the gateway, WAN, Internet and services."""

from agent.config.base import StrictModel
from agent.config.types import Duration


class ProbesConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 60.0
