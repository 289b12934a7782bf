"""`ictinfra-agent run`: the service — collectors on their schedules, /metrics, signals.

SIGTERM/SIGINT: in-flight runs get a short grace period, then are cancelled; collectors, the
sink and the HTTP server are closed; exit 0. SIGHUP: the config file is read again; if it is
invalid every problem is logged (key and line) and the running config stays; if it is valid the
collectors are rebuilt (and the HTTP server, when `listen:` or `web:` changed).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import signal
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any

from agent import memory
from agent.collectors import build_registry
from agent.config import AgentConfig
from agent.config.isolated import load_config_isolated
from agent.config.types import secret_values
from agent.errors import ConfigError, IctinfraError
from agent.exposition import CONTENT_TYPE, render_chunks
from agent.httpd import HttpServer, Response
from agent.logs import setup_logging
from agent.model import MetricFamily, Samples
from agent.registry import CollectorRegistry, close_quietly
from agent.schedule import Scheduler, State
from agent.sdnotify import notify
from agent.selfmetrics import build_info, process_metrics
from agent.sink import BackgroundSink, MetricsSource, Sink, build_sink
from agent.webauth import BasicAuth, tls_context

log = logging.getLogger(__name__)

RegistryFactory = Callable[[AgentConfig], CollectorRegistry]
SinkFactory = Callable[[AgentConfig], Sink | None]

GRACE_SECONDS = 2.0  # in-flight runs may finish within this at shutdown/reload
CLOSE_SECONDS = 1.5


# Sections that do not configure collectors: a reload that changes only these keeps them running.
NOT_COLLECTOR_KEYS = frozenset({"listen", "web", "log", "push"})


def collector_settings(config: AgentConfig) -> dict[str, object]:
    """The config sections the collectors are built from (secrets compare by value)."""
    names = (f.name for f in dataclasses.fields(config))
    return {k: getattr(config, k) for k in names if k not in NOT_COLLECTOR_KEYS}


def build_server(config: AgentConfig, routes: dict[str, Callable[[], Response]]) -> HttpServer:
    """An HTTP server for `listen:` and `web:`; ConfigError when the TLS files are unusable."""
    from agent.config.types import parse_host_port

    host, port = parse_host_port(config.listen, 9580)
    web = config.web
    tls = None
    if web.tls_cert_file and web.tls_key_file:
        tls = tls_context(web.tls_cert_file, web.tls_key_file)
    auth = BasicAuth(web.basic_auth_users) if web.basic_auth_users else None
    return HttpServer(host.strip("[]"), port, routes, tls=tls, auth=auth)


@dataclass(slots=True)
class SinkRunner:
    """A sink and, when it has one, its background task (the push sender)."""

    sink: Sink | None
    task: asyncio.Task[None] | None = None

    @classmethod
    def start(cls, sink: Sink | None) -> SinkRunner:
        task = None
        if isinstance(sink, BackgroundSink):
            task = asyncio.create_task(_guarded(sink.run()), name="sink")
        return cls(sink, task)

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.wait([self.task], timeout=CLOSE_SECONDS)
        await close_quietly(self.sink, CLOSE_SECONDS)

    def families(self) -> list[MetricFamily]:
        if not isinstance(self.sink, MetricsSource):
            return []
        try:
            return self.sink.families()
        except Exception:
            log.exception("the push queue's metrics failed")
            return []


async def _guarded(work: Coroutine[Any, Any, None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("the push sender stopped with an error")


@dataclass(slots=True)
class Running:
    """What one valid config runs: its collectors' scheduler, the sink and the HTTP server."""

    config: AgentConfig
    scheduler: Scheduler
    sink: SinkRunner
    server: HttpServer


class Service:
    def __init__(
        self,
        config_path: str,
        *,
        registry_factory: RegistryFactory = build_registry,
        sink_factory: SinkFactory = build_sink,
    ) -> None:
        self.config_path = config_path
        self.registry_factory = registry_factory
        self.sink_factory = sink_factory
        self.state = State()
        self.running: Running | None = None
        self.reloads = {"success": 0, "failure": 0}
        self.last_reload_ok = True
        self.last_reload_ok_at = time.time()
        self._stop = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._background: set[asyncio.Task[bool]] = set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, config: AgentConfig) -> None:
        registry = self.registry_factory(config)
        sink = self.sink_factory(config)
        server = build_server(config, self.routes())
        await server.start()
        self.running = self._start_collectors(config, registry, server, SinkRunner.start(sink))
        log.info("agent started with %d collector(s)", len(registry))

    def request_stop(self, reason: str = "") -> None:
        if not self._stop.is_set():
            log.info("stopping%s", f" ({reason})" if reason else "")
        self._stop.set()

    async def wait(self) -> None:
        await self._stop.wait()

    async def stop(self) -> None:
        async with self._reload_lock:  # a reload in progress finishes first (a few seconds)
            running, self.running = self.running, None
        if running is None:
            return
        await running.scheduler.stop(GRACE_SECONDS, CLOSE_SECONDS)
        await running.sink.stop()
        await running.server.close(CLOSE_SECONDS)
        log.info("stopped")

    def _start_collectors(
        self,
        config: AgentConfig,
        registry: CollectorRegistry,
        server: HttpServer,
        sink: SinkRunner,
    ) -> Running:
        self.state.keep_only({c.name for c in registry})
        scheduler = Scheduler(registry, self.state, sink.sink)
        scheduler.start()
        return Running(config, scheduler, sink, server)

    # -- reload ------------------------------------------------------------------------------

    def request_reload(self) -> None:
        task = asyncio.create_task(self.reload())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def reload(self) -> bool:
        """Re-read the config file; apply it if valid. True when applied."""
        async with self._reload_lock:
            if self.running is None:  # stopping
                return False
            notify("RELOADING=1", f"MONOTONIC_USEC={time.monotonic_ns() // 1000}")
            applied = await self._reload()
            notify("READY=1", "STATUS=" + ("config reloaded" if applied else "reload rejected"))
        self.reloads["success" if applied else "failure"] += 1
        self.last_reload_ok = applied
        if applied:
            self.last_reload_ok_at = time.time()
        return applied

    async def _reload(self) -> bool:
        assert self.running is not None
        old = self.running
        log.info("reloading %s", self.config_path)
        try:
            config = await asyncio.to_thread(load_config_isolated, self.config_path)
            rebuild = collector_settings(config) != collector_settings(old.config)
            registry = self.registry_factory(config) if rebuild else old.scheduler.registry
        except ConfigError as exc:
            _log_rejected(exc)
            return False
        except Exception:
            log.exception("config reload rejected, keeping the running config: bad collectors")
            return False
        try:
            server = await self._server_for(config) or old.server
        except (ConfigError, OSError) as exc:
            if isinstance(exc, ConfigError):
                _log_rejected(exc)
            else:  # e.g. the new listen address is taken
                log.error("config reload rejected, keeping the running config: listen: %s", exc)
            if rebuild:
                await asyncio.gather(*(close_quietly(c, CLOSE_SECONDS) for c in registry))
            return False
        repush = config.push != old.config.push
        if rebuild or repush:
            await old.scheduler.stop(GRACE_SECONDS, CLOSE_SECONDS, close_collectors=rebuild)
            sink = old.sink
            if repush:
                await old.sink.stop()
                sink = SinkRunner.start(self._sink_or_fallback(config, old.config))
            self.running = self._start_collectors(config, registry, server, sink)
        else:
            self.running = Running(config, old.scheduler, old.sink, server)
        setup_logging(config.log.level, config.log.format, secret_values(config))
        log.info(
            "config reloaded: %d collector(s), %s",
            len(registry),
            "rebuilt" if rebuild else "unchanged, kept running",
        )
        return True

    def _sink_or_fallback(self, config: AgentConfig, old: AgentConfig) -> Sink | None:
        """The new config's sink; if it cannot be built, the old one's again (or none)."""
        for candidate in (config, old):
            try:
                return self.sink_factory(candidate)
            except Exception:
                log.exception("cannot set up the push queue for push=%s", candidate.push)
        return None

    async def _server_for(self, config: AgentConfig) -> HttpServer | None:
        """A new, started server when listen/web changed (the old one is closed); else None."""
        assert self.running is not None
        old = self.running.config
        if (config.listen, config.web) == (old.listen, old.web):
            return None
        server = build_server(config, self.routes())
        if config.listen == old.listen:  # same socket address: free it first
            await self.running.server.close(CLOSE_SECONDS)
            try:
                await server.start()
            except OSError:
                await self.running.server.start()
                raise
        else:
            await server.start()
            await self.running.server.close(CLOSE_SECONDS)
        return server

    # -- HTTP --------------------------------------------------------------------------------

    def routes(self) -> dict[str, Callable[[], Response]]:
        return {"/metrics": self.metrics_response, "/healthz": self.health_response}

    def health_response(self) -> Response:
        return Response(200, b"ok\n")

    def metrics_response(self) -> Response:
        """The collectors' latest families and the agent's own, streamed metric by metric: the
        body (3.4 MB for 20 switches) is never held whole, nor kept between scrapes."""
        collected, own = self.state.families(), self.own_metrics()
        return Response(200, content_type=CONTENT_TYPE, chunks=_chain(collected, own))

    def own_metrics(self) -> list[MetricFamily]:
        reload_ok = MetricFamily(
            "ictinfra_agent_config_last_reload_successful",
            "Whether the last config reload succeeded (1) or was rejected (0).",
            samples=Samples([((), 1 if self.last_reload_ok else 0)]),
        )
        reload_at = MetricFamily(
            "ictinfra_agent_config_last_reload_success_timestamp_seconds",
            "When the config was last loaded successfully (Unix time).",
            samples=Samples([((), round(self.last_reload_ok_at, 3))]),
        )
        responses = MetricFamily(
            "ictinfra_agent_http_responses_total",
            "HTTP responses the agent's /metrics server sent, by status code.",
            "counter",
            ("code",),
        )
        if self.running is not None:
            for code, count in sorted(self.running.server.responses.items()):
                responses.add((str(code),), count)
        sink = self.running.sink.families() if self.running is not None else []
        return [build_info(), reload_ok, reload_at, responses, *sink, *process_metrics()]


def _chain(*parts: list[MetricFamily]) -> Iterator[bytes]:
    for families in parts:
        yield from render_chunks(families)


def _log_rejected(exc: ConfigError) -> None:
    for problem in exc.problems:
        log.error(
            "config reload rejected, keeping the running config: %s",
            problem,
            extra={"fields": {"source": exc.source, "problem": problem}},
        )


def _install_signals(service: Service) -> None:
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGTERM, service.request_stop, "SIGTERM")
        loop.add_signal_handler(signal.SIGINT, service.request_stop, "SIGINT")
        loop.add_signal_handler(signal.SIGHUP, service.request_reload)
    except (NotImplementedError, AttributeError):  # Windows: Ctrl+C ends asyncio.run instead
        log.info("signal handlers unavailable on this platform; no reload on SIGHUP")


async def serve(path: str, config: AgentConfig) -> int:
    service = Service(path)
    try:
        await service.start(config)
    except ConfigError as exc:
        for problem in exc.problems:
            log.error("cannot start: %s", problem)
        return 2
    except (OSError, IctinfraError) as exc:
        log.error("cannot start: %s", exc)
        return 1
    _install_signals(service)
    notify("READY=1", f"STATUS=serving {config.listen}")
    await service.wait()
    notify("STOPPING=1")
    await service.stop()
    return 0


def run_service(path: str) -> int:
    memory.tune()
    config = load_config_isolated(path)  # ConfigError: the CLI prints every problem, exits 2
    setup_logging(config.log.level, config.log.format, secret_values(config))
    return asyncio.run(serve(path, config))
