"""`push:`: where and how the agent sends its samples and inventory (absent: no push)."""

from pydantic import Field

from agent.config.base import StrictModel
from agent.config.types import ByteSize, Duration


class PushConfig(StrictModel):
    """Where and how the agent sends its samples and inventory (docs/push.md)."""

    url: str = Field(
        pattern=r"^https?://", description="the collector's base URL, http:// or https://"
    )
    token_file: str = Field(
        description="file holding the site's bearer token (`ictinfra-collector sites token`);"
        " read at each send, never logged"
    )
    queue_path: str = Field(
        default="/var/lib/ictinfra/queue",
        description="a directory: the queue's SQLite file (and its WAL) live inside it",
    )
    queue_max_bytes: ByteSize = Field(
        default=512 * 2**20,
        description="bound on the queued payload bytes (compressed); when full the oldest"
        " batches are dropped",
    )
    interval: Duration = Field(
        default=15.0, description="how often the sender wakes to send what is queued"
    )
    timeout: Duration = Field(default=30.0, description="per request (connect, send, answer)")
    ca_file: str | None = Field(
        default=None,
        description="CA bundle to verify the collector's certificate; default the system's",
    )
    inventory_interval: Duration = Field(
        default=3600.0,
        description="not read: snapshots are sent as the collectors take them"
        " (`host.inventory_interval`, `snmp.inventory_interval`)",
    )
    max_request_bytes: ByteSize = Field(
        default=8 * 2**20,
        description="uncompressed protobuf bytes per remote_write request when batches are merged",
    )
    max_request_samples: int = Field(
        default=40_000,
        gt=0,
        description="samples per request: keep below the collector's"
        " `limits.max_series_per_request` (50,000)",
    )
    max_sample_age: Duration = Field(
        default=3 * 86400.0,
        description='queued samples older than this are dropped unsent (reason="too_old"):'
        " keep it at or below the receiver's out_of_order_time_window (3d shipped)",
    )
    backoff_min: Duration = Field(
        default=1.0,
        description="first retry delay after a 5xx, a timeout or a network error (exponential,"
        " jittered)",
    )
    backoff_max: Duration = Field(default=300.0, description="longest retry delay")
