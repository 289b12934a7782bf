"""`push:`: where and how the agent sends its samples and inventory (absent: no push)."""

from pydantic import Field

from agent.config.base import StrictModel
from agent.config.types import ByteSize, Duration


class PushConfig(StrictModel):
    url: str = Field(pattern=r"^https?://")
    token_file: str
    queue_path: str = "/var/lib/ictinfra/queue"
    queue_max_bytes: ByteSize = 512 * 2**20
    interval: Duration = 15.0
    timeout: Duration = 30.0
    ca_file: str | None = None
    inventory_interval: Duration = 3600.0
