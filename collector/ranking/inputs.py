"""The ranking's device inputs, in one place: the device view and the obsolescence verdicts."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from collector.devices.model import SeenDevice
from collector.devices.view import seen_devices
from collector.ranking.period import Period
from collector.ranking.terms import DeviceKey, device_key
from collector.store import Store


@dataclass(frozen=True, slots=True)
class DeviceInputs:
    devices: list[SeenDevice]
    obsolete: dict[DeviceKey, bool]
    reasons: dict[DeviceKey, list[str]]
    rules_available: bool


def _verdicts(devices: Sequence[SeenDevice], at: dt.date) -> list[Any] | None:
    """collector.obsolete's verdicts at `at`; None while that module is not installed."""
    try:
        obsolete = importlib.import_module("collector.obsolete")
    except ModuleNotFoundError:
        return None
    verdicts: list[Any] = obsolete.evaluate(list(devices), obsolete.load_rules(), at)
    return verdicts


def device_inputs(store: Store, period: Period, last_day: dt.date) -> DeviceInputs:
    """Devices seen in the period (and register rows never seen), obsolete or not at its end."""
    devices = seen_devices(store, start=period.start, end=period.end)
    verdicts = _verdicts([d for d in devices if d.seen], last_day)
    obsolete: dict[DeviceKey, bool] = {}
    reasons: dict[DeviceKey, list[str]] = {}
    for verdict in verdicts or []:
        key = device_key(verdict.device)
        obsolete[key] = bool(verdict.obsolete)
        reasons[key] = [reason.text_en for reason in verdict.reasons]
    return DeviceInputs(devices, obsolete, reasons, verdicts is not None)
