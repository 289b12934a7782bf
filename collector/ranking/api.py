"""`GET /api/v1/indicators?period=` and the ranking's metrics on /metrics.

The endpoint serves the latest stored ranking of the period; without one it ranks the period
first (one run at a time per replica: a second caller meanwhile gets 503 with Retry-After). A
reader sees its own unit and the units below it, nothing else.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse

from agent.errors import ConfigError, PeerError
from collector.ingest import Rejection
from collector.paging import page_of
from collector.ranking.methodology import load_methodology
from collector.ranking.period import PeriodError, parse_period
from collector.ranking.run import NoDataError, run_ranking
from collector.ranking.snapshots import RankingSnapshots, Snapshot
from collector.readers import ReaderScope

if TYPE_CHECKING:
    from collector.config import CollectorConfig
    from collector.readcache import ReadCache
    from collector.store import Store

MAX_PERIOD_TEXT = 64
MAX_PERIOD_DAYS = 400  # a longer period is refused (400), not sent to Prometheus to fail (503)
_RUNNING = threading.Lock()


@functools.cache
def _default_zone() -> ZoneInfo:
    return load_methodology().rules.zone


def _period_text(request: Request) -> str:
    text = request.query_params.get("period", "").strip()
    if not text:
        raise Rejection("bad_request", "missing ?period= (2026, 2026-Q3, 2026-09, FROM..TO)")
    if len(text) > MAX_PERIOD_TEXT:
        raise Rejection("bad_request", f"period longer than {MAX_PERIOD_TEXT} characters")
    try:
        period = parse_period(text, _default_zone())
    except PeriodError as exc:
        raise Rejection("bad_request", f"period: {exc}") from None
    if period.seconds > MAX_PERIOD_DAYS * 86400:
        raise Rejection("bad_request", f"period longer than {MAX_PERIOD_DAYS} days")
    return text


def _snapshot(store: Store, config: CollectorConfig, period: str) -> Snapshot:
    snapshots = RankingSnapshots(store.engine)
    found = snapshots.latest(period)
    if found is not None:
        return found
    if not _RUNNING.acquire(blocking=False):
        raise Rejection("busy", "a ranking is being computed, retry later", 503,
                        {"Retry-After": "60"})  # fmt: skip
    try:
        return snapshots.latest(period) or run_ranking(store, config, period)
    except NoDataError as exc:
        raise Rejection("no_data", str(exc), 404) from None
    except (PeerError, ConfigError) as exc:
        raise Rejection("prometheus_unavailable", f"cannot rank now: {exc}", 503) from None
    finally:
        _RUNNING.release()


def scoped(snapshot: Snapshot, scope: ReaderScope) -> dict[str, Any]:
    result = snapshot.result
    return {
        **result,
        "units": [unit for unit in result["units"] if scope.allows(unit["code"])],
        "snapshot": {"id": snapshot.id, "result_sha256": snapshot.result_sha256},
    }


def snapshot_weight(snapshot: Snapshot) -> int:
    """Units and evidence items: what a kept snapshot holds."""
    units = snapshot.result["units"]
    return len(units) + sum(len(i["evidence"]) for u in units for i in u["indicators"].values())


async def indicators(
    reads: ReadCache, config: CollectorConfig, scope: ReaderScope, request: Request
) -> JSONResponse:
    period = _period_text(request)
    page = page_of(request.query_params)
    snapshot, version = await reads.get(
        ("indicators", period),
        lambda: _snapshot(reads.store, config, period),
        reader=scope.unit,
        weight=snapshot_weight,
        as_of=page.version,
    )
    answer = scoped(snapshot, scope)
    units = answer["units"]
    page.check(len(units))
    paged = page.describe(version, len(units))
    return JSONResponse({**answer, "units": page.cut(units), "page": paged})


class RankingMetrics(Collector):
    """The latest stored ranking's scores, for Grafana (read at each scrape, parsed once)."""

    def __init__(self, store: Store) -> None:
        self.snapshots = RankingSnapshots(store.engine)
        self._cached: Snapshot | None = None

    def describe(self) -> list[Metric]:
        return []  # nothing at registration: the database is read at scrape time only

    def _latest(self) -> Snapshot | None:
        try:
            newest = self.snapshots.latest_id()
            if newest is not None and (self._cached is None or self._cached.id != newest):
                self._cached = self.snapshots.latest()
        except SQLAlchemyError:
            pass  # /metrics stays up; the last ranking read is shown
        return self._cached

    def collect(self) -> Iterator[Metric]:
        snapshot = self._latest()
        if snapshot is None:
            return
        score = GaugeMetricFamily(
            "ictinfra_ranking_score", "Score of one indicator in the latest stored ranking.",
            labels=["unit", "level", "indicator"],
        )  # fmt: skip
        total = GaugeMetricFamily(
            "ictinfra_ranking_total_score", "Total score in the latest stored ranking (absent: not "
            "scored, insufficient data).", labels=["unit", "level"],
        )  # fmt: skip
        coverage = GaugeMetricFamily(
            "ictinfra_ranking_coverage_ratio", "Share of the period's steps the unit's agents "
            "reported in.", labels=["unit", "level"],
        )  # fmt: skip
        for unit in snapshot.result["units"]:
            key = [unit["code"], unit["level"]]
            coverage.add_metric(key, unit["coverage"])
            if unit["total"] is None:
                continue
            total.add_metric(key, unit["total"])
            for ident, indicator in unit["indicators"].items():
                score.add_metric([*key, ident], indicator["score"])
        stamp = GaugeMetricFamily(
            "ictinfra_ranking_snapshot_timestamp_seconds",
            "When the latest stored ranking was computed.", labels=["period"],
        )  # fmt: skip
        stamp.add_metric([snapshot.period], snapshot.created_at)
        yield from (score, total, coverage, stamp)
