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

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:/-]+$")
    address: Annotated[str, BeforeValidator(_check_target)]
    # auto: a URL -> http, host:port -> tcp, a bare host -> icmp (tcp to `tcp_port` if ICMP is
    # not allowed).
    method: Method = "auto"
    tcp_port: int = Field(default=443, ge=1, le=65535)
    count: int | None = Field(default=None, ge=1, le=1000)
    timeout: Duration | None = None
    # http: the statuses that count as "up" (default: any answer below 500).
    http_ok_below: int = Field(default=500, ge=100, le=600)
    tls_verify: bool = True

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
    enabled: bool = True
    # empty: read the default route from <proc_root>/net/route
    address: str | None = None
    method: Literal["auto", "icmp", "tcp"] = "auto"
    tcp_port: int = Field(default=53, ge=1, le=65535)


class ProbesConfig(StrictModel):
    enabled: bool = False
    interval: Duration = 60.0
    count: int = Field(default=10, ge=1, le=1000)  # packets (requests) per burst and target
    spacing: Duration = 0.1  # between packets of one burst
    timeout: Duration = 2.0  # for one packet's reply
    http_count: int = Field(default=3, ge=1, le=100)  # requests per burst to an HTTP target
    dns_timeout: Duration = 2.0
    icmp: Literal["auto", "off"] = "auto"
    proc_root: str = "/proc"
    gateway: GatewayProbe = GatewayProbe()
    wan: tuple[ProbeTarget, ...] = ()
    internet: tuple[ProbeTarget, ...] = ()
    services: tuple[ProbeTarget, ...] = ()
    # the gateway's reachable share (ictinfra_lan_gateway_reachable_ratio) is over this window
    availability_window: Duration = 86400.0

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
