"""The scheduler in-process, with small real collectors: counting, slow, hanging, failing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import pytest

from agent.model import Collection, MetricFamily
from agent.registry import Closable, Collector, CollectorRegistry
from agent.schedule import Scheduler, State, next_due, run_timeout


class Counting:
    """Counts its runs, sleeps `work` seconds in each, tracks how many ran at once."""

    def __init__(self, name: str, interval: float, work: float = 0.0) -> None:
        self.name, self.interval, self.work = name, interval, work
        self.runs = 0
        self.active = 0
        self.max_active = 0
        self.closed = False

    async def collect(self) -> Collection:
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        try:
            await asyncio.sleep(self.work)
            self.runs += 1
            collection = Collection()
            collection.family("ictinfra_test_runs_total", "runs", "counter").add((), self.runs)
            return collection
        finally:
            self.active -= 1

    async def close(self) -> None:
        self.closed = True


class Failing:
    def __init__(self, name: str = "failing", interval: float = 0.2) -> None:
        self.name, self.interval = name, interval
        self.calls = 0

    async def collect(self) -> Collection:
        self.calls += 1
        raise RuntimeError("device on fire")


class InventoryOnce:
    """Inventory on the first run only, as collectors with an hourly inventory_interval do."""

    def __init__(self, interval: float = 0.1) -> None:
        self.name, self.interval = "inventory", interval
        self.runs = 0

    async def collect(self) -> Collection:
        self.runs += 1
        inventory: dict[str, Any] | None = None
        if self.runs == 1:
            inventory = {"devices": [{"device": "sw1", "address": "127.0.0.1", "reachable": True}]}
        return Collection(inventory=inventory)


class RepeatingInventory:
    """The latest known inventory on every run (as the SNMP collector does); new from run 3."""

    def __init__(self) -> None:
        self.name, self.interval = "repeating", 0.1
        self.runs = 0

    async def collect(self) -> Collection:
        self.runs += 1
        reachable = self.runs < 3
        device = {"device": "sw1", "address": "127.0.0.1", "reachable": reachable}
        return Collection(inventory={"devices": [device]})


class SyncClose:
    name, interval = "sync-close", 10.0

    def __init__(self) -> None:
        self.closed = False

    async def collect(self) -> Collection:
        return Collection()

    def close(self) -> None:
        self.closed = True


class RecordingSink:
    def __init__(self, fail_first: bool = False) -> None:
        self.batches: list[tuple[list[str], int]] = []
        self.inventories: list[int] = []
        self.fail_first = fail_first

    async def accept(self, families: Sequence[MetricFamily], timestamp_ms: int) -> None:
        if self.fail_first:
            self.fail_first = False
            raise OSError("disk full")
        self.batches.append(([f.name for f in families], timestamp_ms))

    async def accept_inventory(self, inventory: Any) -> None:
        self.inventories.append(len(inventory["devices"]))


def registry_of(*collectors: Collector) -> CollectorRegistry:
    registry = CollectorRegistry()
    for collector in collectors:
        registry.register(collector)
    return registry


async def run_for(seconds: float, *collectors: Collector, sink: Any = None) -> State:
    state = State()
    scheduler = Scheduler(registry_of(*collectors), state, sink)
    scheduler.start()
    await asyncio.sleep(seconds)
    await scheduler.stop(grace=0.5, close_timeout=0.5)
    return state


def test_each_collector_keeps_its_own_interval() -> None:
    fast, slow = Counting("fast", 0.1), Counting("slow", 0.5)
    state = asyncio.run(run_for(1.05, fast, slow))
    assert 6 <= fast.runs <= 12  # due at 0, 0.1, ... 1.0 (a loaded machine may lag)
    assert 2 <= slow.runs <= 3  # due at 0, 0.5, 1.0
    assert state.outcomes["fast"].success and state.outcomes["slow"].success


def test_a_run_never_overlaps_itself_and_is_cut_short_of_its_interval() -> None:
    busy = Counting("busy", 0.2, work=0.15)  # close to its interval
    hung = Counting("hung", 0.3, work=3600)  # never finishes
    state = asyncio.run(run_for(1.0, busy, hung))
    assert busy.max_active == 1 and hung.max_active == 1
    assert busy.runs >= 4
    outcome = state.outcomes["hung"]
    assert not outcome.success
    # cut off at its run timeout (the work would take an hour); a loaded loop may fire late
    assert run_timeout(0.3) - 0.05 <= outcome.duration < 1.0


def test_a_failing_collector_reports_failure_and_the_others_go_on() -> None:
    failing, fine = Failing(), Counting("fine", 0.1)
    state = asyncio.run(run_for(0.5, failing, fine))
    assert failing.calls >= 2
    assert not state.outcomes["failing"].success
    assert state.outcomes["fine"].success and fine.runs >= 4
    text = {f.name: f for f in state.families()}["ictinfra_collector_success"]
    assert ((("failing",), 0) in text.samples) and ((("fine",), 1) in text.samples)


def test_inventory_is_kept_between_inventory_runs() -> None:
    collector = InventoryOnce()
    sink = RecordingSink()
    state = asyncio.run(run_for(0.45, collector, sink=sink))
    assert collector.runs >= 3
    assert state.outcomes["inventory"].collection.inventory is None  # the latest run had none
    assert [d["device"] for d in state.inventory()["devices"]] == ["sw1"]
    assert sink.inventories == [1]  # pushed once, when it was new


def test_the_sink_gets_inventory_only_when_it_changed() -> None:
    collector = RepeatingInventory()
    sink = RecordingSink()
    state = asyncio.run(run_for(0.55, collector, sink=sink))
    assert collector.runs >= 4
    assert sink.inventories == [1, 1]  # run 1, then run 3's change; not every run
    assert state.inventory()["devices"][0]["reachable"] is False


def test_the_sink_gets_every_run_with_its_timestamp_and_survives_errors() -> None:
    collector = Counting("c", 0.1)
    sink = RecordingSink(fail_first=True)
    before = time.time() * 1000
    asyncio.run(run_for(0.55, collector, sink=sink))
    assert len(sink.batches) == collector.runs - 1  # the first was refused, the rest went on
    names, stamp = sink.batches[0]
    assert "ictinfra_test_runs_total" in names and "ictinfra_collector_success" in names
    assert before <= stamp <= time.time() * 1000


def test_stop_cancels_in_flight_runs_within_the_grace_and_closes_collectors() -> None:
    hung = Counting("hung", 3600, work=3600)
    sync = SyncClose()
    assert isinstance(hung, Closable) and isinstance(sync, Closable)

    async def scenario() -> float:
        scheduler = Scheduler(registry_of(hung, sync), State())
        scheduler.start()
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await scheduler.stop(grace=0.3, close_timeout=0.3)
        return time.monotonic() - started

    assert asyncio.run(scenario()) < 1.5
    assert hung.closed and sync.closed
    assert hung.runs == 0


def test_missed_slots_are_skipped_not_queued() -> None:
    assert next_due(100.0, 10.0, now=105.0) == 110.0
    assert next_due(100.0, 10.0, now=135.0) == 140.0


@pytest.mark.parametrize(("interval", "limit"), [(15.0, 13.5), (60.0, 55.0), (3600.0, 3595.0)])
def test_run_timeout_is_slightly_under_the_interval(interval: float, limit: float) -> None:
    assert run_timeout(interval) == limit
