"""SeenDevice values built by hand for the engine's unit tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from collector.devices.model import AgeEvidence, SeenDevice, SoftwareFact, Specs

FIRST_SEEN = dt.datetime(2025, 3, 1, tzinfo=dt.UTC).timestamp()


def device(name: str, device_class: Any = "switch", **fields: Any) -> SeenDevice:
    return SeenDevice(
        site="S1",
        source="snmp",
        device=name,
        agent="agent-1",
        device_class=device_class,
        class_evidence=(),
        first_seen=FIRST_SEEN,
        last_seen=FIRST_SEEN,
        **fields,
    )


def sys_descr(text: str) -> tuple[SoftwareFact, ...]:
    return (SoftwareFact("sys_descr", text),)


def made(
    day: dt.date, source: Any = "entity_mfg_date", lower_bound: bool = False
) -> tuple[AgeEvidence, ...]:
    return (AgeEvidence(source, day, f"{source} {day}", lower_bound),)


GIGABIT = Specs(max_port_speed_bits_per_second=10**9)
