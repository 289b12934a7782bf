"""`bandwidth:`: interface rates, uplink utilisation and the optional throughput test."""

from agent.config.base import StrictModel
from agent.config.types import Duration


class BandwidthConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 15.0
