"""The collector's HTTP API (Starlette): ingest, inventory, health and self-metrics."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import anyio
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from collector.config import CollectorConfig
from collector.devices.api import devices as devices_endpoint
from collector.forward import FORWARDS_IN_FLIGHT, Forwarder, ForwardResult, verdict
from collector.inflight import SiteSlots
from collector.ingest import Accepted, Rejection, accept
from collector.intake import parse_inventory
from collector.metrics import Metrics
from collector.obsolete.api import ObsoleteApi
from collector.ranking.api import RankingMetrics
from collector.ranking.api import indicators as ranking_indicators
from collector.readcache import ReadCache
from collector.readers import authorize_reader, bearer_token, database_unavailable
from collector.speedtest import RandomBlock, SiteLimiter, parse_size
from collector.store import SiteIdentity, Store
from collector.store.inventory import HistorySummary
from collector.unit_metrics import UnitMetrics

log = logging.getLogger("collector.app")


def client_address(request: Request | None) -> str:
    """The peer's address as the socket saw it (a load balancer's, behind one)."""
    client = request.client if request is not None else None
    return f"{client.host}:{client.port}" if client else "unknown"


class Collector:
    """What the handlers share: config, store, forwarder, metrics."""

    def __init__(self, config: CollectorConfig, store: Store, metrics: Metrics) -> None:
        self.config = config
        self.store = store
        self.metrics = metrics
        self.forwarder: Forwarder | None = None
        self.speedtest_limiter = SiteLimiter(config.speedtest.min_interval_per_site, time.monotonic)
        self._random_block: RandomBlock | None = None  # made at the first test
        self.site_slots = SiteSlots(config.limits.max_requests_in_flight_per_site)
        self.inventory_workers = anyio.CapacityLimiter(config.limits.max_inventories_in_flight)
        # a request's checks and forward run in one worker call (each hand-off costs CPU)
        self.forward_workers = anyio.CapacityLimiter(FORWARDS_IN_FLIGHT)
        # bounds the memory of parsing: the GIL runs one decode at a time anyway
        self._decoding = threading.BoundedSemaphore(config.limits.max_concurrent_decodes)
        # the read endpoints' answers, kept per version of the data
        self.reads = ReadCache(
            store,
            metrics.read_answers,
            computes=config.limits.max_read_computes_in_flight,
            max_weight=config.limits.max_kept_read_items,
        )

    # --- helpers -------------------------------------------------------------------------

    def _refuse(
        self,
        endpoint: str,
        rejection: Rejection,
        site: str | None = None,
        request: Request | None = None,
    ) -> Response:
        self.metrics.rejections.labels(endpoint, rejection.reason).inc()
        self.metrics.requests.labels(endpoint, str(rejection.status)).inc()
        client = client_address(request)
        fields = {"site": site, "client": client, "reason": rejection.reason,
                  "status": rejection.status}  # fmt: skip
        # a message may quote the sender's text: lone surrogates become escapes, not a 500
        message = rejection.message.encode("utf-8", "backslashreplace").decode("utf-8")
        # a 5xx is our side failing (receiver or database down), not the sender's bad data
        level = logging.WARNING if rejection.status >= 500 else logging.INFO
        log.log(level, "refused %s from %s: %s", endpoint, client, message,
                extra={"fields": fields})  # fmt: skip
        headers = dict(rejection.headers)
        if rejection.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return PlainTextResponse(message + "\n", rejection.status, headers=headers)

    async def _identify(self, request: Request) -> SiteIdentity:
        token = bearer_token(request)
        try:
            identity = await run_in_threadpool(self.store.registry.authenticate, token)
            scope = (
                None
                if identity
                else await run_in_threadpool(self.store.registry.token_scope, token)
            )
        except SQLAlchemyError as exc:
            log.error("database error while checking a token: %s", type(exc).__name__)
            raise database_unavailable() from None
        if identity is None and scope is not None:
            raise Rejection("forbidden", "a reader token cannot write; use the site's token", 403)
        if identity is None:
            raise Rejection("unauthorized", "unknown or revoked token", 401)
        self.site_slots.take(request.scope, identity.code)
        return identity

    async def _body(self, request: Request, limit: int) -> bytes:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise Rejection(
                "body_too_large", f"body of {declared} bytes, over the limit of {limit}", 413
            )
        chunks, size = [], 0
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise Rejection("body_too_large", f"body over the limit of {limit} bytes", 413)
                chunks.append(chunk)
        except ClientDisconnect:
            raise Rejection("disconnected", "the client left before sending its body") from None
        return b"".join(chunks)

    async def seed_last_seen(self) -> None:
        """A restart must not hide a site that went silent before it."""
        try:
            seen = await run_in_threadpool(self.store.registry.last_used_by_site)
        except SQLAlchemyError as exc:
            log.warning("cannot read last-seen times: %s", type(exc).__name__)
            return
        for site, at in seen.items():
            self.metrics.last_seen.labels(site).set(at)

    # --- endpoints -----------------------------------------------------------------------

    async def write(self, request: Request) -> Response:
        site = None
        try:
            identity = await self._identify(request)
            site = identity.code
            check_write_headers(
                request.headers.get("content-encoding"), request.headers.get("content-type")
            )
            body = await self._body(request, self.config.limits.max_body_bytes)
            now_ms = int(time.time() * 1000)
            accepted, results = await anyio.to_thread.run_sync(
                self._accept_and_forward, body, identity, now_ms, limiter=self.forward_workers
            )
            if accepted.series:
                outcome = verdict(results)
                if outcome.status >= 300:
                    reason = "receiver_rejected" if outcome.status < 500 else "receiver_unavailable"
                    raise Rejection(reason, outcome.message, outcome.status)
        except Rejection as rejection:
            return self._refuse("write", rejection, site, request)
        self.metrics.samples.labels(site).inc(accepted.samples)
        self.metrics.series.labels(site).inc(accepted.series)
        self.metrics.last_seen.labels(site).set(time.time())
        self.metrics.requests.labels("write", "204").inc()
        return Response(status_code=204)

    def _accept_and_forward(
        self, body: bytes, identity: SiteIdentity, now_ms: int
    ) -> tuple[Accepted, list[ForwardResult]]:
        """In a worker thread: the checks (a bounded number at once), then the forward."""
        with self._decoding:
            accepted = accept(body, identity, self.config.limits, now_ms)
        if not accepted.series:
            return accepted, []
        assert self.forwarder is not None
        return accepted, self.forwarder.send(accepted.body)

    async def inventory(self, request: Request) -> Response:
        site = None
        try:
            identity = await self._identify(request)
            site = identity.code
            body = await self._body(request, self.config.limits.max_inventory_bytes)
            summary = await self._intake(site, body)
        except Rejection as rejection:
            return self._refuse("inventory", rejection, site, request)
        for event, count in (
            ("appeared", summary.appeared),
            ("changed", summary.changed),
            ("vanished", summary.vanished),
        ):
            self.metrics.inventory_events.labels(event).inc(count)
        self.metrics.last_seen.labels(site).set(time.time())
        self.metrics.requests.labels("inventory", "200").inc()
        return JSONResponse(
            {
                "snapshot_id": summary.snapshot_id,
                "appeared": summary.appeared,
                "changed": summary.changed,
                "vanished": summary.vanished,
                "history_applied": summary.history_applied,
            }
        )

    async def _intake(self, site: str, body: bytes) -> HistorySummary:
        """Parse, validate and store in a worker thread, a bounded number at once (429 over)."""
        if self.inventory_workers.available_tokens < 1:
            raise Rejection(
                "busy",
                f"{self.inventory_workers.total_tokens:.0f} inventories are being stored "
                "(limits.max_inventories_in_flight); retry later",
                429,
                {"Retry-After": "5"},
            )
        return await anyio.to_thread.run_sync(
            self._parse_and_record, site, body, limiter=self.inventory_workers
        )

    def _parse_and_record(self, site: str, body: bytes) -> HistorySummary:
        text, snapshot = parse_inventory(body, self.config.limits, time.time())
        try:
            return self.store.inventory.record(site, snapshot, text)
        except SQLAlchemyError as exc:
            log.error("database error while storing an inventory: %s", type(exc).__name__)
            raise database_unavailable() from None

    async def speedtest(self, request: Request) -> Response:
        if request.method != "GET":  # HEAD (Starlette adds it) must not spend the site's slot
            return Response(status_code=405, headers={"Allow": "GET"})
        site = None
        settings = self.config.speedtest
        try:
            if not settings.enabled:
                raise Rejection("disabled", "the speed test is disabled on this collector", 404)
            identity = await self._identify(request)
            site = identity.code
            size = parse_size(request.query_params.get("bytes"), settings.max_bytes)
            self.speedtest_limiter.acquire(site)
        except Rejection as rejection:
            return self._refuse("speedtest", rejection, site, request)
        if self._random_block is None:
            self._random_block = RandomBlock()
        self.metrics.speedtests.labels(site).inc()
        self.metrics.requests.labels("speedtest", "200").inc()
        log.info("speed test of %d bytes", size, extra={"fields": {"site": site}})
        return StreamingResponse(
            self._random_block.stream(size, self.metrics.speedtest_bytes.labels(site).inc),
            media_type="application/octet-stream",
            headers={"Content-Length": str(size), "Cache-Control": "no-store"},
        )

    async def indicators(self, request: Request) -> Response:
        try:
            scope = await authorize_reader(self, request)
            response = await ranking_indicators(self.reads, self.config, scope, request)
        except Rejection as rejection:
            return self._refuse("indicators", rejection, request=request)
        self.metrics.requests.labels("indicators", "200").inc()
        return response

    async def metrics_endpoint(self, _request: Request) -> Response:
        # off the event loop: the ranking's metrics read the database
        body = await run_in_threadpool(generate_latest, self.metrics.registry)
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    async def healthz(self, _request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(self, _request: Request) -> Response:
        try:
            await run_in_threadpool(self.store.ping)
        except Exception as exc:  # any driver error means: not ready
            log.warning("database not reachable: %s", type(exc).__name__)
            return PlainTextResponse("database not reachable\n", 503)
        return PlainTextResponse("ok\n")


def check_write_headers(encoding: str | None, content_type: str | None) -> None:
    """remote_write 1.0 only: 415 for anything else, so newer senders fall back to 1.0."""
    if encoding is not None and encoding.strip().lower() != "snappy":
        raise Rejection(
            "unsupported_media_type",
            f"Content-Encoding {encoding!r} is not supported: remote_write 1.0 uses snappy",
            415,
        )
    if content_type is None:
        return
    media, _, params = content_type.partition(";")
    proto = params.strip().removeprefix("proto=").strip()
    if media.strip().lower() != "application/x-protobuf" or proto not in (
        "",
        "prometheus.WriteRequest",
    ):
        raise Rejection(
            "unsupported_media_type",
            f"Content-Type {content_type!r} is not supported: remote_write 1.0 "
            "(application/x-protobuf, prometheus.WriteRequest) only",
            415,
        )


def _web_routes(collector: Collector, obsolete: ObsoleteApi) -> list[Route]:
    if not collector.config.web.enabled:
        return []
    from collector.web.pages import WebPages

    return WebPages(collector, obsolete.book).routes()


def build_app(config: CollectorConfig, store: Store, metrics: Metrics | None = None) -> Starlette:
    collector = Collector(config, store, metrics or Metrics())
    collector.metrics.registry.register(RankingMetrics(store))
    collector.metrics.registry.register(UnitMetrics(store))
    slots = collector.site_slots
    obsolete = ObsoleteApi(collector)  # a bad rules file: ConfigError here, before serving

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        collector.forwarder = Forwarder(config.forward, collector.metrics)
        await collector.seed_last_seen()
        obsolete.start()
        try:
            yield
        finally:
            await obsolete.stop()
            await run_in_threadpool(collector.forwarder.close)

    app = Starlette(
        routes=[
            Route("/api/v1/write", slots.guard(collector.write), methods=["POST"]),
            Route("/api/v1/inventory", slots.guard(collector.inventory), methods=["POST"]),
            Route("/api/v1/speedtest", slots.guard(collector.speedtest), methods=["GET"]),
            Route("/api/v1/indicators", collector.indicators, methods=["GET"]),
            Route("/api/v1/devices", partial(devices_endpoint, collector), methods=["GET"]),
            Route("/api/v1/obsolete", obsolete.endpoint, methods=["GET"]),
            Route("/metrics", collector.metrics_endpoint, methods=["GET"]),
            Route("/healthz", collector.healthz, methods=["GET"]),
            Route("/readyz", collector.readyz, methods=["GET"]),
            *_web_routes(collector, obsolete),
        ],
        lifespan=lifespan,
    )
    app.state.collector = collector
    return app
