"""`probes:`: reachability, latency, loss and jitter to the gateway, WAN, Internet and services."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, model_validator

from agent.config.base import StrictModel
from agent.config.types import Duration, parse_host_port

Method = Literal["auto", "icmp", "tcp", "http"]


def _check_target(value: object) -> object:
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        parts = urlsplit(value)
        if not parts.hostname:
            raise ValueError(f"{value!r} has no host")
        return value
    parse_host_port(value, 0)
    return value


class ProbeTarget(StrictModel):
    """One thing to probe: `host`, `host:port` or an `http(s)://` URL."""

    name: str = Field(
        min_length=1,
        pattern=r"^[A-Za-z0-9_.:/-]+$",
        description="the `target` label; unique within its kind",
    )
    address: Annotated[str, BeforeValidator(_check_target)] = Field(
        description="`host`, `host:port` or an `http(s)://` URL"
    )
    method: Method = Field(
        default="auto",
        description="auto: a URL -> http, host:port -> tcp, a bare host -> icmp (tcp to"
        " `tcp_port` if ICMP is not allowed)",
    )
    tcp_port: int = Field(
        default=443, ge=1, le=65535, description="the TCP fallback's port for a bare host"
    )
    count: int | None = Field(
        default=None, ge=1, le=1000, description="packets per burst; default `probes.count`"
    )
    timeout: Duration | None = Field(
        default=None, description="for one packet's reply; default `probes.timeout`"
    )
    http_ok_below: int = Field(
        default=500,
        ge=100,
        le=600,
        description="http: the statuses below this count as up (default: any answer below 500)",
    )
    tls_verify: bool = Field(default=True, description="https: verify the server's certificate")

    @property
    def is_url(self) -> bool:
        return self.address.startswith(("http://", "https://"))

    @model_validator(mode="after")
    def _method_fits_address(self) -> ProbeTarget:
        if self.method == "http" and not self.is_url:
            raise ValueError("method `http` needs an http:// or https:// URL as `address`")
        if self.is_url and self.method not in ("auto", "http"):
            raise ValueError(f"a URL is probed over HTTP; method `{self.method}` does not fit")
        return self


class GatewayProbe(StrictModel):
    """The office's default gateway (its router)."""

    enabled: bool = Field(default=True, description="probe the default gateway")
    address: str | None = Field(
        default=None, description="empty: the default route's gateway from `<proc_root>/net/route`"
    )
    method: Literal["auto", "icmp", "tcp"] = Field(
        default="auto", description="auto: ICMP, TCP if ICMP is not allowed"
    )
    tcp_port: int = Field(
        default=53,
        ge=1,
        le=65535,
        description="for TCP: a refused connection (RST) counts as an answer",
    )


class ProbesConfig(StrictModel):
    """Reachability, latency, loss and jitter bursts to the gateway, WAN, Internet, services."""

    enabled: bool = Field(default=False, description="run the probes collector")
    interval: Duration = Field(default=60.0, description="one burst per target per interval")
    count: int = Field(
        default=10, ge=1, le=1000, description="packets (requests) per burst and target"
    )
    spacing: Duration = Field(default=0.1, description="between the packets of one burst")
    timeout: Duration = Field(default=2.0, description="for one packet's reply")
    http_count: int = Field(
        default=3, ge=1, le=100, description="requests per burst to an HTTP target"
    )
    dns_timeout: Duration = Field(default=2.0, description="name resolution, once per burst")
    icmp: Literal["auto", "off"] = Field(default="auto", description="off: TCP everywhere")
    proc_root: str = Field(default="/proc", description="where the routing table is read")
    gateway: GatewayProbe = Field(default=GatewayProbe(), description="the default gateway")
    wan: tuple[ProbeTarget, ...] = Field(
        default=(), description="targets across the government WAN (kind `wan`)"
    )
    internet: tuple[ProbeTarget, ...] = Field(
        default=(), description="targets on the Internet (kind `internet`)"
    )
    services: tuple[ProbeTarget, ...] = Field(
        default=(), description="services the office uses (kind `service`)"
    )
    availability_window: Duration = Field(
        default=86400.0,
        description="the window of the gateway's reachable share"
        " (ictinfra_lan_gateway_reachable_ratio)",
    )

    @model_validator(mode="after")
    def _check(self) -> ProbesConfig:
        seen: set[tuple[str, str]] = set()
        for kind, targets in (("wan", self.wan), ("internet", self.internet)):
            for target in targets:
                self._unique(seen, kind, target.name)
        for target in self.services:
            self._unique(seen, "service", target.name)
        longest = max((t.count or self.count for t in self.all_targets()), default=self.count)
        burst = (longest - 1) * self.spacing + self.timeout + self.dns_timeout
        if burst >= self.interval:
            raise ValueError(
                f"a burst can take {burst:.1f}s ((count-1) x spacing + timeout + dns_timeout), "
                f"which must be shorter than interval ({self.interval:.1f}s)"
            )
        return self

    @staticmethod
    def _unique(seen: set[tuple[str, str]], kind: str, name: str) -> None:
        if (kind, name) in seen:
            raise ValueError(f"two {kind} targets are named {name!r}; names must be unique")
        seen.add((kind, name))

    def all_targets(self) -> tuple[ProbeTarget, ...]:
        return self.wan + self.internet + self.services
