"""`lan:`: ARP sweeps of the site's subnets."""

from agent.config.base import StrictModel
from agent.config.types import Duration


class LanConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 900.0
