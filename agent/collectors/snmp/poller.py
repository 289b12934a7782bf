"""Poll devices: one device bounded in time, many devices bounded in concurrency.

`poll_targets()` is the entry point for the collector and for benchmarks: it polls N targets
with a shared client and returns metric families and inventory records.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.decode import Value
from agent.collectors.snmp.mib import Mib, registry
from agent.collectors.snmp.mibs import entity, hostres, ifmib, printer, system
from agent.collectors.snmp.vendor import enterprise_number, guess_kind, vendor_name
from agent.collectors.snmp.walk import (
    Table,
    WalkError,
    WalkPolicy,
    WalkStats,
    get_scalars,
    walk_columns,
)
from agent.config.snmp import SnmpConfig, SnmpTarget
from agent.model import MetricFamily
from agent.wire.inventory import DeviceInventory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class DeviceState:
    """What we keep about one device between polls."""

    policy: WalkPolicy
    last_poll: float = -math.inf
    last_inventory: float = -math.inf
    inventory: DeviceInventory | None = None
    families: list[MetricFamily] = field(default_factory=list)
    present: dict[str, bool] = field(default_factory=dict)  # MIB name -> found by inventory
    timeouts_total: int = 0
    errors_total: Counter[str] = field(default_factory=Counter)
    fallbacks_total: int = 0
    malformed_total: int = 0
    bad_dates_logged: bool = False
    last_error: str | None = None


@dataclass(slots=True)
class DeviceResult:
    name: str
    up: bool
    duration: float
    stats: WalkStats
    families: list[MetricFamily]
    inventory: DeviceInventory | None
    error: str | None = None


def poll_deadline(config: SnmpConfig, target: SnmpTarget) -> float:
    """How long one device may take: its own setting, else 80% of its interval."""
    if target.poll_timeout is not None:
        return target.poll_timeout
    if config.poll_timeout is not None:
        return config.poll_timeout
    return 0.8 * (target.interval or config.interval)


async def poll_device(
    client: SnmpClient, target: SnmpTarget, state: DeviceState, *, inventory: bool, deadline: float
) -> DeviceResult:
    """Poll one device within `deadline` seconds; never raises."""
    started = time.perf_counter()
    stats = WalkStats()
    try:
        families, record = await asyncio.wait_for(
            _poll(client, target, state, stats, inventory=inventory), deadline
        )
        error = None
    except TimeoutError:
        families, record = [], None
        error = f"deadline: no complete answer within {deadline:g}s"
        stats.errors["deadline"] += 1
    except WalkError as exc:
        families, record = [], None
        error = await _explain(client, target, exc, stats)
    except OSError as exc:  # name resolution, unreachable network
        families, record, error = [], None, f"error: {exc}"
        stats.errors["error"] += 1
    except Exception as exc:  # a decoding bug must not take the other devices down
        log.exception("SNMP device %s: unexpected error", target.name)
        families, record, error = [], None, f"internal: {type(exc).__name__}"
        stats.errors["internal"] += 1
    return DeviceResult(
        target.name, error is None, time.perf_counter() - started, stats, families, record, error
    )


async def _explain(client: SnmpClient, target: SnmpTarget, exc: WalkError, stats: WalkStats) -> str:
    """The log/metric text for a failed poll; says which SNMPv3 key is wrong when it can tell."""
    if exc.kind != "timeout":
        return f"{exc.kind}: {exc}"
    tries = target.retries + 1
    if (
        target.version == "3"
        and target.priv_protocol
        and await client.answers_without_privacy(target)
    ):
        stats.errors["auth"] += 1
        return (
            "auth: no answer with privacy, but the device answers this user without it: "
            "the priv_key or priv_protocol is probably wrong"
        )
    return f"timeout: no answer ({tries} tries of {target.timeout:g}s)"


async def _poll(
    client: SnmpClient, target: SnmpTarget, state: DeviceState, stats: WalkStats, *, inventory: bool
) -> tuple[list[MetricFamily], DeviceInventory | None]:
    session = await client.session(target)
    mibs = [m for m in registry() if _wanted(m, target, state, inventory)]
    chosen = {m.name for m in mibs}
    parsed = [m for m in registry() if m.always or m.name in chosen]
    scalar_oids = list(dict.fromkeys(_all(m.scalars for m in parsed)))
    scalars = await get_scalars(session, scalar_oids, stats)
    columns = list(_all(m.columns for m in mibs))
    expected = _expected_rows(mibs, scalars)
    table = (
        await walk_columns(session, columns, state.policy, stats, expected_rows=expected)
        if columns
        else {}
    )
    families = [f for m in parsed if m.parse for f in m.parse(target.name, scalars, table)]
    for mib in mibs:
        if mib.present is not None:
            state.present[mib.name] = mib.present(scalars, table)
    record = _inventory(target, state, scalars, table) if inventory else None
    return families, record


def _wanted(mib: Mib, target: SnmpTarget, state: DeviceState, inventory: bool) -> bool:
    """In the target's modules; inventory-only MIBs on inventory polls; MIBs an inventory poll
    did not find on the device are left out of the interface polls."""
    if mib.name not in target.modules:
        return False
    if mib.inventory_only:
        return inventory
    return mib.present is None or inventory or state.present.get(mib.name) is not False


def _all(groups: Iterable[tuple[str, ...]]) -> Iterator[str]:
    return (oid for group in groups for oid in group)


def _expected_rows(mibs: Sequence[Mib], scalars: dict[str, Value]) -> dict[str, int] | None:
    """Rows each column holds (IF-MIB's: ifNumber): only sizes GETBULK (a wrong one costs a
    request)."""
    expected: dict[str, int] = {}
    for mib in mibs:
        count = scalars.get(mib.row_count) if mib.row_count else None
        if isinstance(count, int) and count >= 0:
            expected.update(dict.fromkeys(mib.columns, count))
    return expected or None


def _inventory(
    target: SnmpTarget, state: DeviceState, scalars: dict[str, Value], table: Table
) -> DeviceInventory:
    info = system.parse_system(scalars)
    entities, bad_dates = entity.parse_entities(table)
    if bad_dates and not state.bad_dates_logged:
        log.warning(entity.describe_bad_dates(target.name, bad_dates))
        state.bad_dates_logged = True
    number = enterprise_number(info.object_id)
    if_number = scalars.get(ifmib.IF_NUMBER)
    memory = scalars.get(hostres.HR_MEMORY_SIZE)
    fastest, ports = ifmib.port_facts(table)
    return DeviceInventory(
        device=target.name,
        address=target.address,
        reachable=True,
        sys_descr=info.descr,
        sys_object_id=info.object_id,
        sys_name=info.name,
        sys_location=info.location,
        sys_contact=info.contact,
        sys_uptime_seconds=info.uptime_seconds,
        enterprise_number=number,
        vendor=vendor_name(number),
        kind=guess_kind(
            info.descr,
            number,
            printer=bool(state.present.get(printer.MIB.name)),
            host_resources=bool(state.present.get(hostres.MIB.name)),
        ),
        interface_count=if_number if isinstance(if_number, int) else None,
        max_port_speed_bits_per_second=fastest,
        port_count=ports,
        entities=entities,
        extra={
            "snmp_version": target.version,
            "hr_memory_bytes": memory * 1024 if isinstance(memory, int) else None,
            "unknown_mfg_dates": len(bad_dates),
        },
    )


def new_state(config: SnmpConfig, target: SnmpTarget) -> DeviceState:
    return DeviceState(WalkPolicy(target.max_repetitions or config.max_repetitions))


async def poll_targets(
    client: SnmpClient,
    config: SnmpConfig,
    targets: Sequence[SnmpTarget],
    states: dict[str, DeviceState],
    *,
    inventory: Sequence[str] = (),
    cycle_budget: float | None = None,
) -> list[DeviceResult]:
    """Poll `targets` concurrently (at most `config.concurrency` at once), each within its deadline.

    `inventory` names the targets whose inventory tables are due. With `cycle_budget`, a device
    that waited for a free slot gets only what is left of it, so the whole call ends in time.
    `states` is updated in place.
    """
    gate = asyncio.Semaphore(config.concurrency)
    wanted = set(inventory)
    started = time.monotonic()
    cycle_end = started + cycle_budget if cycle_budget else math.inf

    async def one(target: SnmpTarget) -> DeviceResult:
        state = states.setdefault(target.name, new_state(config, target))
        if target.name in wanted:  # re-try full GETBULK hourly: a fallback may have been a blip
            state.policy = WalkPolicy(target.max_repetitions or config.max_repetitions)
        async with gate:
            deadline = min(poll_deadline(config, target), cycle_end - time.monotonic())
            result = await poll_device(
                client,
                target,
                state,
                inventory=target.name in wanted,
                deadline=max(deadline, 0.001),
            )
        _remember(target, state, result, started)
        state.malformed_total = client.malformed_replies(target.name)
        return result

    return list(await asyncio.gather(*(one(t) for t in targets)))


def _remember(target: SnmpTarget, state: DeviceState, result: DeviceResult, started: float) -> None:
    state.timeouts_total += result.stats.timeouts
    state.errors_total.update(result.stats.errors)
    state.fallbacks_total += result.stats.fallbacks
    # when the cycle began, not when this poll ended: measured from the end, a poll that takes
    # longer than the scheduler's slack pushes the device past its next slot (every 2nd cycle)
    state.last_poll = started
    state.families = result.families
    if result.inventory is not None:
        state.inventory = result.inventory
        state.last_inventory = state.last_poll
    elif not result.up:
        if state.inventory is None:
            state.inventory = DeviceInventory(
                device=target.name, address=target.address, reachable=False
            )
        else:
            state.inventory = replace(state.inventory, reachable=False)
    if result.error and result.error != state.last_error:
        log.warning("SNMP device %s (%s): %s", target.name, target.address, result.error)
    state.last_error = result.error
