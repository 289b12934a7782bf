"""Runs one plan: resolve the name (timed), then a burst over ICMP, TCP or HTTP. Never raises."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from dataclasses import dataclass

from agent.collectors.probes.burst import run_burst
from agent.collectors.probes.dns import Resolved, resolve
from agent.collectors.probes.http import HttpReply, HttpTarget, http_request, tls_context
from agent.collectors.probes.icmp import IcmpSession
from agent.collectors.probes.plan import Plan
from agent.collectors.probes.stats import BurstStats, summarize
from agent.collectors.probes.tcp import tcp_connect_time

log = logging.getLogger(__name__)

ICMP_LATE_GRACE = 0.5  # seconds an ICMP attempt may overrun its deadline to read late wake-ups


@dataclass(frozen=True, slots=True)
class ProbeResult:
    plan: Plan
    stats: BurstStats
    duration: float
    dns_seconds: float | None = None
    dns_ok: bool | None = None  # None: no lookup (an address was given)
    http_status: int | None = None
    http_response_seconds: float | None = None

    @property
    def up(self) -> bool:
        if self.plan.method == "http":
            return self.http_status is not None and self.http_status < self.plan.http_ok_below
        return self.stats.up


def lost(plan: Plan, duration: float, dns_ok: bool | None = None) -> ProbeResult:
    return ProbeResult(plan, summarize([None] * plan.count), duration, dns_ok=dns_ok)


async def _icmp_burst(plan: Plan, to: Resolved, icmp: IcmpSession, spacing: float) -> BurstStats:
    async def attempt(_: int) -> float:
        return await icmp.ping(to.address, plan.timeout)

    # the session keeps the exact deadline itself; the burst's bound is only a backstop
    bound = plan.timeout + ICMP_LATE_GRACE
    return summarize(await run_burst(attempt, plan.count, spacing, bound))


async def _tcp_burst(plan: Plan, to: Resolved, spacing: float) -> BurstStats:
    async def attempt(_: int) -> float:
        return await tcp_connect_time(to.address, plan.port, to.family)

    return summarize(await run_burst(attempt, plan.count, spacing, plan.timeout))


async def _http_burst(
    plan: Plan, to: Resolved, spacing: float
) -> tuple[BurstStats, int | None, float | None]:
    assert plan.url is not None
    target = HttpTarget.from_url(plan.url)
    context = tls_context(plan.tls_verify) if target.scheme == "https" else None

    async def attempt(_: int) -> HttpReply:
        return await http_request(target, to.address, to.family, context)

    replies = await run_burst(attempt, plan.count, spacing, plan.timeout)
    answered = [r for r in replies if r is not None]
    stats = summarize([r.connect_seconds if r else None for r in replies])
    if not answered:
        return stats, None, None
    response = sum(r.response_seconds for r in answered) / len(answered)
    return stats, answered[-1].status, response


async def run_plan(
    plan: Plan, icmp: IcmpSession | None, spacing: float, dns_timeout: float
) -> ProbeResult:
    started = time.perf_counter()
    host = HttpTarget.from_url(plan.url).host if plan.url else plan.host
    try:
        to = await resolve(host, dns_timeout)
    except (OSError, TimeoutError) as exc:
        log.info("probe %s/%s: %s does not resolve: %s", plan.kind, plan.name, host, exc)
        return lost(plan, time.perf_counter() - started, dns_ok=False)
    dns_ok = None if to.seconds is None else True
    status = response = None
    if plan.method == "http":
        stats, status, response = await _http_burst(plan, to, spacing)
    elif plan.method == "icmp" and to.family == socket.AF_INET and icmp is not None:
        stats = await _icmp_burst(plan, to, icmp, spacing)
    else:
        stats = await _tcp_burst(plan, to, spacing)
    duration = time.perf_counter() - started
    return ProbeResult(plan, stats, duration, to.seconds, dns_ok, status, response)


def budget(plan: Plan, spacing: float, dns_timeout: float) -> float:
    """The most one plan may take: lookup, the burst's sends, the last reply's timeout."""
    return dns_timeout + (plan.count - 1) * spacing + plan.timeout + 0.5


async def run_bounded(
    plan: Plan, icmp: IcmpSession | None, spacing: float, dns_timeout: float
) -> ProbeResult:
    """run_plan within its budget; a hang or a bug costs this target alone."""
    started = time.perf_counter()
    try:
        return await asyncio.wait_for(
            run_plan(plan, icmp, spacing, dns_timeout), budget(plan, spacing, dns_timeout)
        )
    except TimeoutError:
        log.warning("probe %s/%s ran over its time budget", plan.kind, plan.name)
    except Exception:
        log.exception("probe %s/%s failed", plan.kind, plan.name)
    return lost(plan, time.perf_counter() - started)
