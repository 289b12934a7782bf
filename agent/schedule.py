"""Runs each collector on its own interval and keeps what the last run of each gave.

One task per collector: a run never overlaps the previous run of the same collector, because the
next one starts only after it ends; each run is bounded by `run_timeout(interval)`, a little less
than the interval, so a hung device can make a run fail but never push the schedule back. Runs
are due at fixed times (start + k·interval); slots missed by a slow run are skipped, not queued.

Collectors that gather inventory less often than metrics (SNMP tables hourly, counters every
minute) return `inventory=None` (or the same inventory again) from the runs in between: `State`
keeps each collector's latest inventory until a different one arrives, so /metrics shows the
latest counters, the pushed inventory stays complete, and the sink gets a snapshot only when
something in it changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from typing import Any

from agent import memory
from agent.cycle import families_of, inventory_of
from agent.model import MetricFamily
from agent.registry import Collector, CollectorRegistry, Outcome, close_quietly, run_collector
from agent.sink import InventorySink, Sink
from agent.wire.inventory import JsonObject

log = logging.getLogger(__name__)

SINK_TIMEOUT = 5.0


def run_timeout(interval: float) -> float:
    """A run's time limit: 90 % of its interval, but never more than 5 s under it."""
    return max(interval * 0.9, interval - 5.0)


class State:
    """The latest outcome of every collector, and its latest inventory (kept across runs)."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.inventories: dict[str, dict[str, Any]] = {}
        self.version = 0  # bumps on every change

    def record(self, name: str, outcome: Outcome) -> bool:
        """Keep `outcome`; True when it brought inventory that differs from the last one."""
        self.outcomes[name] = outcome
        self.version += 1
        inventory = outcome.collection.inventory
        if inventory is None or inventory == self.inventories.get(name):
            return False
        self.inventories[name] = inventory
        return True

    def keep_only(self, names: set[str]) -> None:
        """After a reload: forget collectors that are no longer configured."""
        for gone in set(self.outcomes) - names:
            del self.outcomes[gone]
        for gone in set(self.inventories) - names:
            del self.inventories[gone]
        self.version += 1

    def families(self) -> list[MetricFamily]:
        return families_of(dict(sorted(self.outcomes.items())))

    def inventory(self) -> JsonObject:
        return inventory_of([self.inventories[name] for name in sorted(self.inventories)])


class Scheduler:
    """Starts one loop per collector of a registry; `stop()` ends them and closes the collectors."""

    def __init__(self, registry: CollectorRegistry, state: State, sink: Sink | None = None) -> None:
        self.registry = registry
        self.state = state
        self.sink = sink
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._loop(c), name=f"collector:{c.name}") for c in self.registry
        ]

    async def stop(
        self, grace: float = 2.0, close_timeout: float = 2.0, close_collectors: bool = True
    ) -> None:
        """Let in-flight runs finish for `grace` seconds, cancel the rest, close collectors
        (unless they are handed to a new scheduler: `close_collectors=False`)."""
        self._stopping.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for task in pending:
                log.info("cancelling the in-flight run of %s", task.get_name())
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if close_collectors:
            await asyncio.gather(*(close_quietly(c, close_timeout) for c in self.registry))

    async def _loop(self, collector: Collector) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        interval = float(collector.interval)
        while not self._stopping.is_set():
            outcome = await run_collector(collector, run_timeout(interval))
            new_inventory = self.state.record(collector.name, outcome)
            await self._deliver(collector.name, outcome, new_inventory)
            memory.trim()  # the previous run's data is free now: give its pages back
            due = next_due(due, interval, loop.time(), collector.name)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), max(0.0, due - loop.time()))

    async def _deliver(self, name: str, outcome: Outcome, new_inventory: bool) -> None:
        if self.sink is None:
            return
        families = families_of({name: outcome})
        try:
            await asyncio.wait_for(
                self.sink.accept(families, int(outcome.finished_at * 1000)), SINK_TIMEOUT
            )
            if new_inventory and isinstance(self.sink, InventorySink):
                await asyncio.wait_for(
                    self.sink.accept_inventory(self.state.inventory()), SINK_TIMEOUT
                )
        except Exception:
            log.exception("the push queue did not accept %s's samples", name)


def next_due(due: float, interval: float, now: float, name: str = "") -> float:
    """The next slot after `due`; slots already past (a slow run) are skipped, not queued."""
    due += interval
    if due < now:
        missed = math.ceil((now - due) / interval)
        log.warning("collector %s skipped %d scheduled run(s): its last run was slow", name, missed)
        due += missed * interval
    return due
