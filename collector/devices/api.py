"""GET /api/v1/devices?site=CODE: the devices of a unit and every unit below it (reader token)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from collector.devices.listing import list_devices
from collector.ingest import Rejection
from collector.paging import page_of
from collector.readers import ReaderScope, authorize_reader, database_unavailable
from collector.sites_csv import CODE_RE

if TYPE_CHECKING:
    from collector.app import Collector

log = logging.getLogger("collector.devices")


def _units(collector: Collector, scope: ReaderScope, site: str | None) -> frozenset[str]:
    """The units asked for, within the reader's scope."""
    if site is None:
        return scope.units
    if not CODE_RE.match(site):
        raise Rejection("bad_request", "site must be a unit code (letters, digits, _ . -)", 400)
    if not scope.allows(site):
        raise Rejection("forbidden", f"this reader token does not cover unit {site!r}", 403)
    return collector.store.registry.descendants(site) & scope.units


async def devices(collector: Collector, request: Request) -> Response:
    try:
        scope = await authorize_reader(collector, request)
        site = request.query_params.get("site") or None
        page = page_of(request.query_params)
        try:
            units = await run_in_threadpool(_units, collector, scope, site)
        except SQLAlchemyError as exc:
            log.error("database error while listing devices: %s", type(exc).__name__)
            raise database_unavailable() from None
        items, version = await collector.reads.get(
            ("devices", units),
            lambda: list_devices(collector.store, units),
            reader=scope.unit,
            weight=len,
            as_of=page.version,
        )
        page.check(len(items))
    except Rejection as rejection:
        return collector._refuse("devices", rejection, request=request)
    collector.metrics.requests.labels("devices", "200").inc()
    return JSONResponse(
        {"unit": scope.unit, "site": site, "devices": page.cut(items),
         "page": {**page.describe(version, len(items)), "totals": {"devices": len(items)}}}
    )  # fmt: skip
