"""The obsolete list as Prometheus series (what `/metrics` carries, docs/obsolete.md):

- `ictinfra_device_obsolete{site,device,class,reason}` 1: each reason a device is obsolete today;
- `ictinfra_device_obsolete_since_timestamp_seconds{...,evidence,verified}`: the day it began;
- `ictinfra_device_obsolete_soon_timestamp_seconds{...,evidence,verified}`: the day a device
  still in service life becomes obsolete, for the reasons that start within the soon window.

`evidence` is what the reason rests on, from a short fixed vocabulary or the data's own source:
the age evidence for `max_age` (register, entity_mfg_date, serial_date, ...), the end-of-life
data's source for `os_eol` / `firmware_eol`, `reported` for the specs the device reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily

from collector.devices.model import ObsoleteReason, ObsoleteVerdict
from collector.obsolete.engine import Split

LABELS = ["site", "device", "class", "reason"]
DATED_LABELS = [*LABELS, "evidence", "verified"]
Series = tuple[str, ...]


def _evidence(verdict: ObsoleteVerdict, reason: ObsoleteReason) -> str:
    if reason.rule == "max_age":
        return verdict.age_evidence.source if verdict.age_evidence else "unknown"
    if reason.rule in ("os_eol", "firmware_eol"):
        return (reason.source or "unknown")[:200]
    return "reported"


def _day(day: dt.date | None) -> float:
    return dt.datetime.combine(day, dt.time(), dt.UTC).timestamp() if day else 0.0


def _dated(verdicts: list[ObsoleteVerdict]) -> list[tuple[Series, float]]:
    return [
        (
            (
                v.device.site,
                v.device.device,
                v.device.device_class,
                reason.rule,
                _evidence(v, reason),
                "true" if reason.verified else "false",
            ),
            _day(reason.since),
        )
        for v in verdicts
        for reason in v.reasons
    ]


@dataclass(frozen=True, slots=True)
class ObsoleteSeries:
    """One evaluation's series, capped at `limit` in all (the obsolete ones first). Each
    obsolete reason is two series (`ictinfra_device_obsolete` and its `_since_timestamp`)."""

    since: list[tuple[Series, float]] = field(default_factory=list)
    soon: list[tuple[Series, float]] = field(default_factory=list)
    total: int = 0  # series before the cap

    @classmethod
    def of(cls, judged: Split, limit: int) -> ObsoleteSeries:
        since, soon = _dated(judged.obsolete), _dated(judged.soon)
        kept = since[: limit // 2]
        return cls(kept, soon[: limit - 2 * len(kept)], 2 * len(since) + len(soon))

    def families(self) -> list[GaugeMetricFamily]:
        obsolete = GaugeMetricFamily(
            "ictinfra_device_obsolete",
            "1 for each reason a device seen recently is obsolete (rule: max_age, min_memory, "
            "min_cores, min_disk, min_port_speed, os_eol, firmware_eol).",
            labels=LABELS,
        )
        since = GaugeMetricFamily(
            "ictinfra_device_obsolete_since_timestamp_seconds",
            "The day (00:00 UTC, Unix time) each reason of an obsolete device began to hold.",
            labels=DATED_LABELS,
        )
        soon = GaugeMetricFamily(
            "ictinfra_device_obsolete_soon_timestamp_seconds",
            "The day (00:00 UTC, Unix time) a device in service life becomes obsolete, per "
            "reason starting within the soon window (the rules' soon_months, default 12).",
            labels=DATED_LABELS,
        )
        for labels, day in self.since:
            obsolete.add_metric(list(labels[: len(LABELS)]), 1)
            since.add_metric(list(labels), day)
        for labels, day in self.soon:
            soon.add_metric(list(labels), day)
        return [obsolete, since, soon]
