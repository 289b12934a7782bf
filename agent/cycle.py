"""One collection cycle over every collector: what `once` prints and what the service repeats."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

from agent import __version__
from agent.model import MetricFamily
from agent.registry import CollectorRegistry, Outcome, run_collector, self_metrics
from agent.wire.inventory import AgentInfo, Inventory, JsonObject, to_dict


async def run_all(registry: CollectorRegistry, timeout: float) -> dict[str, Outcome]:
    collectors = list(registry)
    outcomes = await asyncio.gather(*(run_collector(c, timeout) for c in collectors))
    return {c.name: o for c, o in zip(collectors, outcomes, strict=True)}


def families_of(outcomes: dict[str, Outcome]) -> list[MetricFamily]:
    families: list[MetricFamily] = []
    for outcome in outcomes.values():
        families.extend(outcome.collection.families)
    families.extend(self_metrics(outcomes))
    return families


def merge_inventory(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Each collector contributes top-level keys; lists (devices, lan_hosts) are concatenated."""
    merged: dict[str, Any] = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            else:
                merged[key] = value
    return merged


def build_inventory(outcomes: dict[str, Outcome]) -> JsonObject:
    return inventory_of(
        [o.collection.inventory for o in outcomes.values() if o.collection.inventory]
    )


def inventory_of(parts: list[dict[str, Any]]) -> JsonObject:
    """The wire envelope around the collectors' parts (`to_dict` of the wire records): the one
    way to build it. Not validated here: the agent's own code built every part, and the
    collector, which must not trust it, validates what arrives."""
    agent = AgentInfo(version=__version__, hostname=socket.gethostname())
    body = to_dict(Inventory(agent=agent, collected_at=round(time.time(), 3)))  # every key
    body.update(merge_inventory(parts))
    return body
