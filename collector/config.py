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
from agent.config.loader import load_model
from agent.config.types import ByteSize, Duration, Secret
from agent.config.web import ListenAddress
from agent.errors import ConfigError
from collector.strict import StrictModel

CONFIG_ENV = "ICTINFRA_COLLECTOR_CONFIG"
DEFAULT_PORT = 9581


class BasicAuth(StrictModel):
    """HTTP basic auth towards a receiver."""

    username: str = Field(description="user name")
    password: Secret = Field(description="password")


class ForwardTarget(StrictModel):
    """One remote-write receiver (Prometheus, VictoriaMetrics, Mimir, Thanos Receive)."""

    url: str = Field(pattern=r"^https?://", description="the receiver's remote-write URL")
    name: str | None = Field(
        default=None, description="the `receiver` label on self-metrics; default: host:port"
    )
    headers: dict[str, Secret] = Field(
        default_factory=dict, description="extra request headers (values are secrets)"
    )
    basic_auth: BasicAuth | None = Field(
        default=None, description="basic auth (or `bearer_token`, not both)"
    )
    bearer_token: Secret | None = Field(default=None, description="a bearer token")
    timeout: Duration = Field(default=30.0, description="per forwarded request")
    ca_file: str | None = Field(
        default=None, description="CA bundle for an https:// receiver; default the system's"
    )

    @model_validator(mode="after")
    def _one_auth(self) -> ForwardTarget:
        if self.basic_auth is not None and self.bearer_token is not None:
            raise ValueError("use `basic_auth` or `bearer_token`, not both")
        sent = {name: value.reveal() for name, value in self.headers.items()}
        if self.bearer_token is not None:
            sent["Authorization"] = self.bearer_token.reveal()
        for name, value in sent.items():
            if not (name + value).isascii():  # http.client would fail every post
                # the value may be a secret: never shown
                raise ValueError(f"header {name[:64]!r} is not ASCII")
        return self

    @property
    def receiver(self) -> str:
        # host:port only: credentials in the URL (user:pass@) must never reach a label or a log
        return self.name or urlsplit(self.url).netloc.rpartition("@")[2]


class Limits(StrictModel):
    """What one request may hold; over a limit, the request is refused whole (docs/collector.md)."""

    max_body_bytes: ByteSize = Field(
        default=16 * 2**20, description="compressed body, as sent; over it: 413"
    )
    max_decompressed_bytes: ByteSize = Field(
        default=16 * 2**20,
        description="what the snappy header claims, checked before decompressing (413); a"
        " parsed request costs up to ~15x this in memory",
    )
    max_concurrent_decodes: int = Field(
        default=2, gt=0, description="requests decompressed and parsed at once per process"
    )
    max_series_per_request: int = Field(
        default=50_000, gt=0, description="series (and metadata entries); over: 413"
    )
    max_samples_per_request: int = Field(
        default=1_000_000, gt=0, description="samples, histogram samples and exemplars; over: 413"
    )
    max_labels_per_series: int = Field(
        default=40, gt=0, description="including the site labels; over: 400"
    )
    max_label_name_length: int = Field(default=256, gt=0, description="over: 400")
    max_label_value_length: int = Field(
        default=2048, gt=0, description="over: 400 (also bounds metadata help and unit)"
    )
    max_sample_age: Duration = Field(
        default=3 * 86400.0,
        description="older samples: 400; keep at or below the TSDB's out_of_order_time_window",
    )
    max_future_skew: Duration = Field(
        default=600.0, description="samples further ahead (a wrong clock): 400"
    )
    max_inventory_bytes: ByteSize = Field(default=8 * 2**20, description="inventory body; 413")
    max_inventory_devices: int = Field(
        default=10_000, gt=0, description="SNMP devices in one snapshot; over: 413"
    )
    max_inventory_lan_hosts: int = Field(
        default=65_536, gt=0, description="LAN hosts in one snapshot (a /16); over: 413"
    )
    max_inventory_age: Duration = Field(
        default=30 * 86400.0, description="an older `collected_at`: 400"
    )
    max_inventories_in_flight: int = Field(
        default=2, gt=0, description="inventories parsed and stored at once; one more: 429"
    )
    max_requests_in_flight_per_site: int = Field(
        default=4, gt=0, description="one site's requests at once; one more: 429"
    )
    max_read_computes_in_flight: int = Field(
        default=2,
        gt=0,
        description="read answers (obsolete, devices, indicators, web pages, exports) computed at"
        " once per process, one per reader unit; one more: 429 with Retry-After",
    )
    max_kept_read_items: int = Field(
        default=300_000,
        gt=0,
        description="read answers kept per process, weighed in list items (an export: a KiB an"
        " item); the least recently used are dropped first",
    )


class Connections(StrictModel):
    """What one client connection may hold: every socket costs a file descriptor."""

    header_timeout: Duration = Field(
        default=10.0,
        gt=0,
        description="a request's headers must arrive this soon after connecting (and after each"
        " response), or the connection is closed",
    )
    max_connections: int = Field(
        default=1000,
        gt=0,
        description="open client connections (capped under RLIMIT_NOFILE - 384); over: the"
        " longest-idle one is closed",
    )


class SpeedTestEndpoint(StrictModel):
    """`GET /api/v1/speedtest`: the agents' throughput test (docs/bandwidth.md)."""

    enabled: bool = Field(
        default=True,
        description="false: 404 (agents run the test only when their config says so)",
    )
    max_bytes: ByteSize = Field(default=100 * 10**6, gt=0, description="a bigger `bytes=` gets 400")
    min_interval_per_site: Duration = Field(
        default=3600.0,
        description="a site's next test no sooner (429 with Retry-After); per replica, in memory",
    )


class ObsoleteSettings(StrictModel):
    """The obsolescence rules (docs/obsolete.md) and the `ictinfra_device_obsolete` metric."""

    rules_file: str | None = Field(
        default=None, description="the rules file; null: the rules shipped with ictinfra"
    )
    overrides: dict[str, str] = Field(
        default_factory=dict,
        description="unit code -> rules file, laid over `rules_file` from the province down to"
        " the site",
    )
    metrics_interval: Duration = Field(
        default=600.0, ge=1.0, description="how often the metric is recomputed from the store"
    )
    metrics_window: Duration = Field(
        default=30 * 86400.0, gt=0, description="devices seen this recently are in the metric"
    )
    metrics_max_series: int = Field(
        default=200_000, gt=0, description="the metric never exports more series than this"
    )


class WebSettings(StrictModel):
    """The web page `GET /` (docs/web.md): accounts from `ictinfra-collector accounts add`."""

    enabled: bool = Field(default=True, description="false: no `/` route, no login")
    session_lifetime: Duration = Field(
        default=8 * 3600.0, ge=60.0, description="how long a login lasts"
    )
    login_attempts: int = Field(
        default=5, gt=0, description="failed logins per user name or client address ..."
    )
    login_window: Duration = Field(
        default=900.0,
        gt=0,
        description="... within this window; then 429 until the window has passed",
    )


class DatabasePool(StrictModel):
    """Connections each collector process keeps to PostgreSQL (SQLite: not used). With N
    replicas the server sees up to N x (size + overflow): keep that below its max_connections
    (100 by default) or put PgBouncer in between (docs/scale.md)."""

    size: int = Field(default=5, ge=1, le=200, description="connections kept open")
    overflow: int = Field(
        default=10, ge=0, le=500, description="extra connections opened under load, then closed"
    )
    timeout: Duration = Field(
        default=30.0,
        description="how long a request waits for a free connection; then it is answered 503"
        " (retry later)",
    )


def _default_forward() -> list[ForwardTarget]:
    return [ForwardTarget(url="http://127.0.0.1:9090/api/v1/write")]


class CollectorConfig(StrictModel):
    """The collector's config file (`ictinfra-collector ... --config FILE`, or
    $ICTINFRA_COLLECTOR_CONFIG)."""

    listen: ListenAddress = Field(
        default=f"127.0.0.1:{DEFAULT_PORT}", description="host:port of the API and the web page"
    )
    database_url: str = Field(
        default="sqlite:////var/lib/ictinfra/collector.db",
        description="SQLAlchemy URL: sqlite:////abs/path (four slashes), sqlite:///rel/path, or"
        " postgresql://user:pass@host/db (psycopg 3); its password is never shown",
    )
    database_pool: DatabasePool = Field(
        default=DatabasePool(), description="PostgreSQL connections per collector process"
    )
    prometheus_url: str = Field(
        "http://127.0.0.1:9090",
        pattern=r"^https?://",
        description="where the ranking runs its PromQL",
    )
    forward: list[ForwardTarget] = Field(
        default_factory=_default_forward,
        description="remote-write receivers; every accepted request goes to each",
    )
    tls_cert_file: str | None = Field(
        default=None, description="serve HTTPS with this certificate (PEM); goes with the key"
    )
    tls_key_file: str | None = Field(default=None, description="the certificate's private key")
    limits: Limits = Field(default=Limits(), description="what one request may hold")
    connections: Connections = Field(
        default=Connections(), description="what one client connection may hold"
    )
    speedtest: SpeedTestEndpoint = Field(
        default=SpeedTestEndpoint(), description="the agents' throughput test endpoint"
    )
    obsolete: ObsoleteSettings = Field(
        default=ObsoleteSettings(), description="obsolescence rules and their metric"
    )
    web: WebSettings = Field(default=WebSettings(), description="the web page")
    log: LogConfig = Field(default=LogConfig(), description="logging, as the agent's")

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
