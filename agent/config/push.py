"""`push:`: where and how the agent sends its samples and inventory (absent: no push)."""

from typing import Annotated

from annotated_types import Gt

from agent.config.schema import Pattern, Section, key
from agent.config.types import ByteSize, Duration


class PushConfig(Section):
    """Where and how the agent sends its samples and inventory (docs/push.md)."""

    url: Annotated[str, Pattern(r"^https?://")] = key(
        doc="the collector's base URL, http:// or https://"
    )
    token_file: str = key(
        doc="file holding the site's bearer token (`ictinfra-collector sites token`);"
        " read at each send, never logged"
    )
    queue_path: str = key(
        default="/var/lib/ictinfra/queue",
        doc="a directory: the queue's SQLite file (and its WAL) live inside it",
    )
    queue_max_bytes: ByteSize = key(
        default=512 * 2**20,
        doc="bound on the queued payload bytes (compressed); when full the oldest"
        " batches are dropped",
    )
    interval: Duration = key(default=15.0, doc="how often the sender wakes to send what is queued")
    timeout: Duration = key(default=30.0, doc="per request (connect, send, answer)")
    ca_file: str | None = key(
        default=None,
        doc="CA bundle to verify the collector's certificate; default the system's",
    )
    inventory_interval: Duration = key(
        default=3600.0,
        doc="not read: snapshots are sent as the collectors take them"
        " (`host.inventory_interval`, `snmp.inventory_interval`)",
    )
    max_request_bytes: ByteSize = key(
        default=8 * 2**20,
        doc="uncompressed protobuf bytes per remote_write request when batches are merged",
    )
    max_request_samples: Annotated[int, Gt(0)] = key(
        default=40_000,
        doc="samples per request: keep below the collector's"
        " `limits.max_series_per_request` (50,000)",
    )
    max_sample_age: Duration = key(
        default=3 * 86400.0,
        doc='queued samples older than this are dropped unsent (reason="too_old"):'
        " keep it at or below the receiver's out_of_order_time_window (3d shipped)",
    )
    backoff_min: Duration = key(
        default=1.0,
        doc="first retry delay after a 5xx, a timeout or a network error (exponential, jittered)",
    )
    backoff_max: Duration = key(default=300.0, doc="longest retry delay")
