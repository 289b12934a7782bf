"""One ranking run: methodology + period -> PromQL and device inputs -> scores -> a snapshot."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from agent.errors import IctinfraError
from collector.config import CollectorConfig, ObsoleteSettings
from collector.ranking.engine import rank_units
from collector.ranking.inputs import DeviceInputs, device_inputs
from collector.ranking.measure import Measured, measure
from collector.ranking.methodology import LoadedMethodology, load_methodology
from collector.ranking.period import Period, parse_period
from collector.ranking.prom import PrometheusReader
from collector.ranking.snapshots import RankingSnapshots, Snapshot
from collector.ranking.terms import device_evidence, device_key
from collector.store import Store

Progress = Callable[[str], None]


class NoDataError(IctinfraError):
    """Nothing was measured in the period: there is nothing to rank."""


def _iso(at: float, methodology: LoadedMethodology) -> str:
    return dt.datetime.fromtimestamp(at, methodology.rules.zone).isoformat()


def _inputs(measured: Measured, devices: DeviceInputs) -> dict[str, Any]:
    return {
        "segments": [asdict(s) for s in measured.segments],
        "queries": measured.queries,
        "values": {
            name: [[*key, value] for key, value in found.items()]
            for name, found in measured.values.items()
        },
        "devices": [
            {
                "site": d.site,
                "seen": d.seen,
                **device_evidence(d, devices.obsolete.get(device_key(d))),
                "obsolete_reasons": devices.reasons.get(device_key(d), []),
            }
            for d in devices.devices
        ],
    }


def compute(
    store: Store,
    reader: PrometheusReader,
    methodology: LoadedMethodology,
    period: Period,
    obsolete: ObsoleteSettings,
    *,
    progress: Progress = lambda _step: None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the result, the inputs it was computed from)."""
    rules = methodology.rules
    measured = measure(rules, reader, period, progress)
    if not any(v > 0 for v in measured.values["site_reporting"].values()):
        raise NoDataError(
            f"no agent reported in {period.text} ({_iso(period.start, methodology)} .."
            f" {_iso(period.end, methodology)}): nothing to rank"
        )
    progress("devices")
    last_day = dt.datetime.fromtimestamp(period.end - 1, rules.zone).date()
    devices = device_inputs(store, period, last_day, obsolete)
    progress("scores")
    units = store.registry.export_units()
    rows = rank_units(units, measured, devices.devices, devices.obsolete, rules)
    result = {
        "period": period.text,
        "start": _iso(period.start, methodology),
        "end": _iso(period.end, methodology),
        "start_epoch": period.start,
        "end_epoch": period.end,
        "steps": measured.period_steps,
        "queries": reader.queries,  # PromQL queries sent (one per query and segment, + the clock)
        "methodology": {
            "id": rules.id,
            "version": rules.version,
            "sha256": methodology.sha256,
            "name": rules.name.model_dump(),
            "indicators": {k: v.name.model_dump() for k, v in rules.indicators.items()},
        },
        "units": rows,
    }
    return result, _inputs(measured, devices)


def run_ranking(
    store: Store,
    config: CollectorConfig,
    period_text: str,
    methodology_path: str | Path | None = None,
    progress: Progress = lambda _step: None,
) -> Snapshot:
    """Rank `period` and store the run; the methodology is checked before any query is sent."""
    methodology = load_methodology(methodology_path)
    period = parse_period(period_text, methodology.rules.zone)
    reader = PrometheusReader(config.prometheus_url)
    try:
        result, inputs = compute(
            store, reader, methodology, period, config.obsolete, progress=progress
        )
    finally:
        reader.close()
    return RankingSnapshots(store.engine).store(result, methodology.text, inputs)


def step_count(methodology: LoadedMethodology) -> int:
    """How many progress steps a run reports (queries, devices, scores)."""
    return len(type(methodology.rules.queries).model_fields) + 2
