"""What to probe and how: config targets (and the default gateway) turned into plans."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from agent.config.probes import GatewayProbe, ProbesConfig, ProbeTarget
from agent.config.types import parse_host_port

Kind = Literal["gateway", "wan", "internet", "service"]
Method = Literal["icmp", "tcp", "http"]


@dataclass(frozen=True, slots=True)
class Plan:
    kind: Kind
    name: str
    host: str
    method: Method
    port: int
    count: int
    timeout: float
    url: str | None = None
    http_ok_below: int = 500
    tls_verify: bool = True

    @property
    def address_label(self) -> str:
        if self.url:
            return self.url
        return self.host if self.method == "icmp" else f"{self.host}:{self.port}"


def _method(target: ProbeTarget, has_port: bool) -> Method:
    if target.method != "auto":
        return target.method
    if target.is_url:
        return "http"
    return "tcp" if has_port else "icmp"


def target_plan(target: ProbeTarget, kind: Kind, config: ProbesConfig) -> Plan:
    timeout = target.timeout or config.timeout
    if target.is_url:
        count = target.count or config.http_count
        return Plan(kind, target.name, "", "http", 0, count, timeout, target.address,
                    target.http_ok_below, target.tls_verify)  # fmt: skip
    host, port = parse_host_port(target.address, 0)
    method = _method(target, port != 0)
    count = target.count or config.count
    return Plan(kind, target.name, host, method, port or target.tcp_port, count, timeout)


def gateway_plan(gateway: GatewayProbe, address: str, config: ProbesConfig) -> Plan:
    method: Method = "tcp" if gateway.method == "tcp" else "icmp"
    return Plan("gateway", "gateway", address, method, gateway.tcp_port, config.count,
                config.timeout)  # fmt: skip


def with_tcp_fallback(plan: Plan) -> Plan:
    """The same plan over TCP (when ICMP is not allowed)."""
    if plan.method != "icmp":
        return plan
    return Plan(plan.kind, plan.name, plan.host, "tcp", plan.port, plan.count, plan.timeout)


def config_plans(config: ProbesConfig) -> list[Plan]:
    plans = [target_plan(t, "wan", config) for t in config.wan]
    plans += [target_plan(t, "internet", config) for t in config.internet]
    plans += [target_plan(t, "service", config) for t in config.services]
    return plans
