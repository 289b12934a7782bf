"""`GET /api/v1/obsolete` (reader token, scoped to a unit and below) and the
`ictinfra_device_obsolete*` metrics (collector/obsolete/exposition.py), recomputed every
`obsolete.metrics_interval` from the store (never on scrape: a scrape only reads the last result).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from collector.devices.api import _units as units_in_scope
from collector.ingest import Rejection
from collector.obsolete.engine import split
from collector.obsolete.exposition import ObsoleteSeries
from collector.obsolete.service import book_for, obsolete_report, seen
from collector.paging import PARAMS, page_of
from collector.readers import authorize_reader, database_unavailable

if TYPE_CHECKING:
    from collector.app import Collector
    from collector.obsolete.book import RulesBook

log = logging.getLogger("collector.obsolete")


def _query(request: Request) -> tuple[str | None, str, int | None, dt.date]:
    params = request.query_params
    unknown = sorted(set(params) - {"site", "lang", "within_months", "at", *PARAMS})
    if unknown:
        raise Rejection("bad_request", f"unknown query parameter {unknown[0][:40]!r}", 400)
    lang = params.get("lang", "vi")
    if lang not in ("vi", "en"):
        raise Rejection("bad_request", "lang must be vi or en", 400)
    months_text = params.get("within_months")
    if months_text is not None and not (months_text.isdigit() and 0 < int(months_text) <= 120):
        raise Rejection("bad_request", "within_months must be a number from 1 to 120", 400)
    try:
        at = dt.date.fromisoformat(params["at"][:10]) if "at" in params else dt.date.today()
    except ValueError:
        raise Rejection("bad_request", "at must be a date YYYY-MM-DD", 400) from None
    months = int(months_text) if months_text is not None else None
    return params.get("site") or None, lang, months, at


LISTS = ("devices", "soon_obsolete", "unknown")


async def cached_report(
    collector: Collector,
    book: RulesBook,
    units: frozenset[str],
    *,
    reader: str,
    at: dt.date | None = None,
    months: int | None = None,
    lang: str = "vi",
    as_of: str | None = None,
) -> tuple[dict[str, Any], str]:
    """(`obsolete_report` of `units`, its data version), computed once per version of the data
    (the API, the page and the exports share it)."""
    day = at or dt.date.today()
    window = months or book.default.soon_months
    return await collector.reads.get(
        ("obsolete", units, day, window, lang),
        lambda: obsolete_report(
            collector.store, book, at=day, months=window, sites=units, lang=lang
        ),
        reader=reader,
        weight=lambda data: 1 + sum(len(data[name]) for name in LISTS),
        as_of=as_of,
    )


class ObsoleteApi(PromCollector):
    def __init__(self, collector: Collector) -> None:
        self.collector = collector
        self.book = book_for(collector.config.obsolete, collector.store)  # bad file: fails now
        self.series = ObsoleteSeries()
        self.computed_at: float | None = None
        self.duration: float | None = None
        self._task: asyncio.Task[None] | None = None
        collector.metrics.registry.register(self)

    async def endpoint(self, request: Request) -> Response:
        collector = self.collector
        try:
            scope = await authorize_reader(collector, request)
            site, lang, months, at = _query(request)
            page = page_of(request.query_params)
            try:
                units = await run_in_threadpool(units_in_scope, collector, scope, site)
            except SQLAlchemyError as exc:
                log.error("database error while listing obsolete devices: %s", type(exc).__name__)
                raise database_unavailable() from None
            data, version = await cached_report(
                collector, self.book, units, reader=scope.unit, at=at, months=months, lang=lang,
                as_of=page.version,
            )  # fmt: skip
            page.check(*(len(data[name]) for name in LISTS))
        except Rejection as rejection:
            return collector._refuse("obsolete", rejection, request=request)
        collector.metrics.requests.labels("obsolete", "200").inc()
        cut = {name: page.cut(data[name]) for name in LISTS}
        paged = page.describe(version, *(len(data[name]) for name in LISTS))
        totals = {name: len(data[name]) for name in LISTS}
        return JSONResponse(
            {"unit": scope.unit, "site": site, **data, **cut, "page": {**paged, "totals": totals}}
        )

    # --- the metric ----------------------------------------------------------------------

    def compute(self) -> None:
        started = time.monotonic()
        settings = self.collector.config.obsolete
        devices = seen(self.collector.store, None, start=time.time() - settings.metrics_window)
        months = self.book.default.soon_months
        judged = split(devices, self.book.for_site, dt.date.today(), months)
        series = ObsoleteSeries.of(judged, settings.metrics_max_series)
        if series.total > settings.metrics_max_series:
            log.warning(
                "ictinfra_device_obsolete: %d series, only the first %d exported",
                series.total, settings.metrics_max_series,
            )  # fmt: skip
        self.series = series
        self.computed_at, self.duration = time.time(), time.monotonic() - started

    async def _refresh(self) -> None:
        while True:
            try:
                await run_in_threadpool(self.compute)
            except Exception as exc:  # the loop must outlive a bad row or a database outage
                log.warning("cannot compute ictinfra_device_obsolete: %s", type(exc).__name__)
            await asyncio.sleep(self.collector.config.obsolete.metrics_interval)

    def start(self) -> None:
        self._task = asyncio.create_task(self._refresh())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self.series.families()
        if self.computed_at is not None and self.duration is not None:
            yield GaugeMetricFamily(
                "ictinfra_collector_obsolete_evaluation_timestamp_seconds",
                "When ictinfra_device_obsolete was last computed (Unix time).",
                value=self.computed_at,
            )
            yield GaugeMetricFamily(
                "ictinfra_collector_obsolete_evaluation_duration_seconds",
                "How long the last computation of ictinfra_device_obsolete took.",
                value=self.duration,
            )
