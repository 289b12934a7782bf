"""The collector's config: strict pydantic, loaded from YAML with line-numbered errors.

Reuses the agent's config base (StrictModel, Secret, Duration, ByteSize, the loader), so both
programs report a bad key the same way.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, model_validator

from agent.config import LogConfig
from agent.config.base import StrictModel
from agent.config.loader import load_model
from agent.config.types import ByteSize, Duration, Secret
from agent.config.web import ListenAddress
from agent.errors import ConfigError

CONFIG_ENV = "ICTINFRA_COLLECTOR_CONFIG"
DEFAULT_PORT = 9581


class BasicAuth(StrictModel):
    username: str
    password: Secret


class ForwardTarget(StrictModel):
    """One remote-write receiver (Prometheus, VictoriaMetrics, Mimir, Thanos Receive)."""

    url: str = Field(pattern=r"^https?://")
    name: str | None = None  # the `receiver` label on self-metrics; default: host:port
    headers: dict[str, Secret] = Field(default_factory=dict)
    basic_auth: BasicAuth | None = None
    bearer_token: Secret | None = None
    timeout: Duration = 30.0
    ca_file: str | None = None

    @model_validator(mode="after")
    def _one_auth(self) -> ForwardTarget:
        if self.basic_auth is not None and self.bearer_token is not None:
            raise ValueError("use `basic_auth` or `bearer_token`, not both")
        return self

    @property
    def receiver(self) -> str:
        # host:port only: credentials in the URL (user:pass@) must never reach a label or a log
        return self.name or urlsplit(self.url).netloc.rpartition("@")[2]


class Limits(StrictModel):
    """What one remote_write request may hold; over a limit, the request is refused whole."""

    max_body_bytes: ByteSize = 16 * 2**20  # compressed, as sent
    # what the snappy header claims, checked before decompressing; a parsed request costs up to
    # 10x this in memory (docs/collector.md), and at most max_concurrent_decodes are parsed at once
    max_decompressed_bytes: ByteSize = 16 * 2**20
    max_concurrent_decodes: int = Field(default=2, gt=0)
    max_series_per_request: int = Field(default=50_000, gt=0)
    max_samples_per_request: int = Field(default=1_000_000, gt=0)
    max_labels_per_series: int = Field(default=40, gt=0)
    max_label_name_length: int = Field(default=256, gt=0)
    max_label_value_length: int = Field(default=2048, gt=0)
    max_sample_age: Duration = 3 * 86400.0  # = deploy/prometheus out_of_order_time_window
    max_future_skew: Duration = 600.0
    max_inventory_bytes: ByteSize = 8 * 2**20
    max_inventory_devices: int = Field(default=10_000, gt=0)  # SNMP devices in one snapshot
    max_inventory_lan_hosts: int = Field(default=65_536, gt=0)  # a /16 of LAN hosts
    max_inventory_age: Duration = 30 * 86400.0  # an older `collected_at` -> 400
    max_inventories_in_flight: int = Field(default=2, gt=0)  # parsed and stored at once; 429 over
    max_requests_in_flight_per_site: int = Field(default=4, gt=0)  # one site's requests; 429 over


class Connections(StrictModel):
    """What one client connection may hold: every socket costs a file descriptor."""

    header_timeout: Duration = Field(default=10.0, gt=0)  # a request's headers must arrive by
    max_connections: int = Field(default=1000, gt=0)  # over: the longest-idle one is closed


class SpeedTestEndpoint(StrictModel):
    """`GET /api/v1/speedtest`: the agents' throughput test (docs/bandwidth.md)."""

    enabled: bool = True  # false: 404 (agents run the test only when their config says so)
    max_bytes: ByteSize = Field(default=100 * 10**6, gt=0)  # a bigger `bytes=` gets 400
    # per site, in each replica's memory (a 2nd test sooner gets 429 with Retry-After)
    min_interval_per_site: Duration = 3600.0


class ObsoleteSettings(StrictModel):
    """The obsolescence rules (docs/obsolete.md) and the `ictinfra_device_obsolete` metric."""

    rules_file: str | None = None  # default: the rules shipped with ictinfra
    # unit code -> rules file, laid over rules_file from the province down to the site
    overrides: dict[str, str] = Field(default_factory=dict)
    metrics_interval: Duration = Field(default=600.0, ge=1.0)  # recompute the metric this often
    metrics_window: Duration = Field(default=30 * 86400.0, gt=0)  # devices seen this recently
    metrics_max_series: int = Field(default=200_000, gt=0)  # the metric never exceeds this


class WebSettings(StrictModel):
    """The web page `GET /` (docs/web.md): accounts from `ictinfra-collector accounts add`."""

    enabled: bool = True
    session_lifetime: Duration = Field(default=8 * 3600.0, ge=60.0)
    login_attempts: int = Field(default=5, gt=0)  # failures per user name or address ...
    login_window: Duration = Field(default=900.0, gt=0)  # ... within this, then refused as long


def _default_forward() -> list[ForwardTarget]:
    return [ForwardTarget(url="http://127.0.0.1:9090/api/v1/write")]


class CollectorConfig(StrictModel):
    listen: ListenAddress = f"127.0.0.1:{DEFAULT_PORT}"
    database_url: str = "sqlite:////var/lib/ictinfra/collector.db"
    prometheus_url: str = Field("http://127.0.0.1:9090", pattern=r"^https?://")
    forward: list[ForwardTarget] = Field(default_factory=_default_forward)
    tls_cert_file: str | None = None
    tls_key_file: str | None = None
    limits: Limits = Limits()
    connections: Connections = Connections()
    speedtest: SpeedTestEndpoint = SpeedTestEndpoint()
    obsolete: ObsoleteSettings = ObsoleteSettings()
    web: WebSettings = WebSettings()
    log: LogConfig = LogConfig()

    @model_validator(mode="after")
    def _check(self) -> CollectorConfig:
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            raise ValueError("`tls_cert_file` and `tls_key_file` go together")
        names = [target.receiver for target in self.forward]
        if len(set(names)) != len(names):
            raise ValueError("two `forward` receivers have the same name: set `name:` on each")
        return self


def load_config(path: str | Path | None) -> CollectorConfig:
    """`path`, else $ICTINFRA_COLLECTOR_CONFIG; ConfigError naming each bad key and its line."""
    path = path or os.environ.get(CONFIG_ENV)
    if not path:
        raise ConfigError("(no config)", [f"pass --config FILE or set ${CONFIG_ENV}"])
    return load_model(CollectorConfig, path)
