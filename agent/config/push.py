"""`push:`: where and how the agent sends its samples and inventory (absent: no push)."""

from pydantic import Field

from agent.config.base import StrictModel
from agent.config.types import ByteSize, Duration


class PushConfig(StrictModel):
    url: str = Field(pattern=r"^https?://")
    token_file: str
    # A directory: the queue's SQLite file (and its WAL) live inside it.
    queue_path: str = "/var/lib/ictinfra/queue"
    # Bound on the queued payload bytes (compressed); the oldest batches go first when full.
    queue_max_bytes: ByteSize = 512 * 2**20
    interval: Duration = 15.0
    timeout: Duration = 30.0
    ca_file: str | None = None
    inventory_interval: Duration = 3600.0
    # Uncompressed protobuf bytes per remote_write request when several batches are merged.
    max_request_bytes: ByteSize = 8 * 2**20
    # ... and samples per request: below the collector's limits.max_series_per_request (50,000).
    max_request_samples: int = Field(default=40_000, gt=0)
    # Samples older than this are dropped unsent (reason="too_old"): keep it at or below the
    # receiver's out_of_order_time_window (deploy/prometheus/prometheus.yml ships 3d).
    max_sample_age: Duration = 3 * 86400.0
    # Exponential backoff with jitter after a 5xx, a timeout or a network error.
    backoff_min: Duration = 1.0
    backoff_max: Duration = 300.0
