"""The ranking's device inputs, in one place: the device view and the obsolescence verdicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from collector.config import ObsoleteSettings
from collector.devices.model import SeenDevice
from collector.devices.view import seen_devices
from collector.obsolete import evaluate
from collector.obsolete.service import book_for
from collector.ranking.period import Period
from collector.ranking.terms import DeviceKey, device_key
from collector.store import Store


@dataclass(frozen=True, slots=True)
class DeviceInputs:
    devices: list[SeenDevice]
    obsolete: dict[DeviceKey, bool]
    reasons: dict[DeviceKey, list[str]]


def device_inputs(
    store: Store, period: Period, last_day: dt.date, settings: ObsoleteSettings
) -> DeviceInputs:
    """Devices seen in the period (and register rows never seen), each judged obsolete or not on
    the period's last day by the rules in force at its site (province and site overrides)."""
    devices = seen_devices(store, start=period.start, end=period.end)
    book = book_for(settings, store)
    by_site: dict[str, list[SeenDevice]] = {}
    for device in devices:
        if device.seen:
            by_site.setdefault(device.site, []).append(device)
    obsolete: dict[DeviceKey, bool] = {}
    reasons: dict[DeviceKey, list[str]] = {}
    for site, seen in sorted(by_site.items()):
        for verdict in evaluate(seen, book.for_site(site), last_day):
            key = device_key(verdict.device)
            obsolete[key] = verdict.obsolete
            reasons[key] = [reason.text_en for reason in verdict.reasons]
    return DeviceInputs(devices, obsolete, reasons)
