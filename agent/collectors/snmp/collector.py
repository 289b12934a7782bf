"""The SNMP Collector for the agent's registry: interfaces every `interval`, inventory tables
(system strings, ENTITY-MIB, presence of HOST-RESOURCES/Printer-MIB) every `inventory_interval`.
"""

from __future__ import annotations

import time

from agent.collectors.snmp.client import SnmpClient
from agent.collectors.snmp.poller import DeviceResult, DeviceState, poll_targets
from agent.collectors.snmp.selfmetrics import device_self_metrics
from agent.config.snmp import SnmpConfig, SnmpTarget
from agent.model import Collection
from agent.wire.inventory import to_dict

DUE_SLACK = 1.0  # seconds: a device due within this is polled now, not one cycle later
CYCLE_SHARE = 0.9  # of the interval: the registry cancels a collect() that outlives its interval


class SnmpCollector:
    name = "snmp"

    def __init__(self, config: SnmpConfig, client: SnmpClient | None = None) -> None:
        self.config = config
        self.interval = min([config.interval, *(t.interval for t in config.targets if t.interval)])
        self._client = client or SnmpClient(config.codec)
        self._states: dict[str, DeviceState] = {}
        self._results: dict[str, DeviceResult] = {}

    async def collect(self) -> Collection:
        now = time.monotonic()
        due = [t for t in self.config.targets if self._due(t, now)]
        inventory = [t.name for t in due if self._inventory_due(t, now)]
        results = await poll_targets(
            self._client,
            self.config,
            due,
            self._states,
            inventory=inventory,
            cycle_budget=CYCLE_SHARE * self.interval,
        )
        for result in results:
            self._results[result.name] = result
        return self._collection()

    def _due(self, target: SnmpTarget, now: float) -> bool:
        state = self._states.get(target.name)
        interval = target.interval or self.config.interval
        return state is None or now + DUE_SLACK >= state.last_poll + interval

    def _inventory_due(self, target: SnmpTarget, now: float) -> bool:
        state = self._states.get(target.name)
        interval = target.inventory_interval or self.config.inventory_interval
        return (
            state is None
            or state.inventory is None
            or now + DUE_SLACK >= state.last_inventory + interval
        )

    def _collection(self) -> Collection:
        """Every device's latest families and inventory record. The families are the devices'
        own, not merged into one per name: the exposition groups them by name as it writes (and
        drops a family that disagrees on type or labels), remote_write needs no grouping, and a
        merged copy of every sample would be made and held each cycle."""
        names = [t.name for t in self.config.targets if t.name in self._results]
        families = [f for n in names for f in self._states[n].families]
        families.extend(device_self_metrics([self._results[n] for n in names], self._states))
        records = [self._states[n].inventory for n in names]
        devices = [to_dict(record) for record in records if record is not None]
        return Collection(families, {"devices": devices})

    def close(self) -> None:
        self._client.close()
