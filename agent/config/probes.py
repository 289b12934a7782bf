"""`probes:`: reachability, latency, loss and jitter to the gateway, WAN, Internet and services."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

from annotated_types import Ge, Le, MinLen

from agent.config.schema import Before, Pattern, Section, key
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


class ProbeTarget(Section):
    """One thing to probe: `host`, `host:port` or an `http(s)://` URL."""

    name: Annotated[str, MinLen(1), Pattern(r"^[A-Za-z0-9_.:/-]+$")] = key(
        doc="the `target` label; unique within its kind",
    )
    address: Annotated[str, Before(_check_target)] = key(
        doc="`host`, `host:port` or an `http(s)://` URL"
    )
    method: Method = key(
        default="auto",
        doc="auto: a URL -> http, host:port -> tcp, a bare host -> icmp (tcp to"
        " `tcp_port` if ICMP is not allowed)",
    )
    tcp_port: Annotated[int, Ge(1), Le(65535)] = key(
        default=443, doc="the TCP fallback's port for a bare host"
    )
    count: Annotated[int | None, Ge(1), Le(1000)] = key(
        default=None, doc="packets per burst; default `probes.count`"
    )
    timeout: Duration | None = key(
        default=None, doc="for one packet's reply; default `probes.timeout`"
    )
    http_ok_below: Annotated[int, Ge(100), Le(600)] = key(
        default=500,
        doc="http: the statuses below this count as up (default: any answer below 500)",
    )
    tls_verify: bool = key(default=True, doc="https: verify the server's certificate")

    @property
    def is_url(self) -> bool:
        return self.address.startswith(("http://", "https://"))

    def __post_init__(self) -> None:
        if self.method == "http" and not self.is_url:
            raise ValueError("method `http` needs an http:// or https:// URL as `address`")
        if self.is_url and self.method not in ("auto", "http"):
            raise ValueError(f"a URL is probed over HTTP; method `{self.method}` does not fit")


class GatewayProbe(Section):
    """The office's default gateway (its router)."""

    enabled: bool = key(default=True, doc="probe the default gateway")
    address: str | None = key(
        default=None, doc="empty: the default route's gateway from `<proc_root>/net/route`"
    )
    method: Literal["auto", "icmp", "tcp"] = key(
        default="auto", doc="auto: ICMP, TCP if ICMP is not allowed"
    )
    tcp_port: Annotated[int, Ge(1), Le(65535)] = key(
        default=53,
        doc="for TCP: a refused connection (RST) counts as an answer",
    )


class ProbesConfig(Section):
    """Reachability, latency, loss and jitter bursts to the gateway, WAN, Internet, services."""

    enabled: bool = key(default=False, doc="run the probes collector")
    interval: Duration = key(default=60.0, doc="one burst per target per interval")
    count: Annotated[int, Ge(1), Le(1000)] = key(
        default=10, doc="packets (requests) per burst and target"
    )
    spacing: Duration = key(default=0.1, doc="between the packets of one burst")
    timeout: Duration = key(default=2.0, doc="for one packet's reply")
    http_count: Annotated[int, Ge(1), Le(100)] = key(
        default=3, doc="requests per burst to an HTTP target"
    )
    dns_timeout: Duration = key(default=2.0, doc="name resolution, once per burst")
    icmp: Literal["auto", "off"] = key(default="auto", doc="off: TCP everywhere")
    proc_root: str = key(default="/proc", doc="where the routing table is read")
    gateway: GatewayProbe = key(default_factory=GatewayProbe, doc="the default gateway")
    wan: tuple[ProbeTarget, ...] = key(
        default=(), doc="targets across the government WAN (kind `wan`)"
    )
    internet: tuple[ProbeTarget, ...] = key(
        default=(), doc="targets on the Internet (kind `internet`)"
    )
    services: tuple[ProbeTarget, ...] = key(
        default=(), doc="services the office uses (kind `service`)"
    )
    availability_window: Duration = key(
        default=86400.0,
        doc="the window of the gateway's reachable share (ictinfra_lan_gateway_reachable_ratio)",
    )

    def __post_init__(self) -> None:
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

    @staticmethod
    def _unique(seen: set[tuple[str, str]], kind: str, name: str) -> None:
        if (kind, name) in seen:
            raise ValueError(f"two {kind} targets are named {name!r}; names must be unique")
        seen.add((kind, name))

    def all_targets(self) -> tuple[ProbeTarget, ...]:
        return self.wan + self.internet + self.services
