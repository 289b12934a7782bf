"""`ictinfra-collector serve`: migrate the store, then run the API under uvicorn (TLS optional)."""

from __future__ import annotations

import logging
import os
from urllib.parse import unquote, urlsplit

from agent import memory
from agent.config.types import parse_host_port, secret_values
from agent.errors import ConfigError
from agent.logs import setup_logging
from collector.config import DEFAULT_PORT, CollectorConfig

log = logging.getLogger("collector.serve")


def _check_tls_files(config: CollectorConfig) -> None:
    unreadable = [
        f"{key}: cannot read {path}"
        for key, path in (
            ("tls_cert_file", config.tls_cert_file),
            ("tls_key_file", config.tls_key_file),
        )
        if path is not None and not os.access(path, os.R_OK)
    ]
    if unreadable:
        raise ConfigError("config", unreadable)


def log_secrets(config: CollectorConfig) -> list[str]:
    """What no log line may hold: every Secret of the config and the passwords in its URLs."""
    urls = [config.database_url, config.prometheus_url, *(t.url for t in config.forward)]
    passwords = [urlsplit(url).password for url in urls]
    found = [p for p in passwords if p]
    return [*secret_values(config), *found, *(unquote(p) for p in found)]


def _as_uvicorn(record: logging.LogRecord) -> bool:
    record.name = "uvicorn"
    return True


def quiet_libraries() -> None:
    """Uvicorn's start-up lines repeat "serving on" under the name `uvicorn.error`: its warnings
    and errors stay, named `uvicorn`. Alembic's plugin set-up lines say nothing to an operator
    (its "Running upgrade" lines, when a migration runs, stay)."""
    server = logging.getLogger("uvicorn.error")
    server.setLevel(max(logging.WARNING, logging.getLogger().level))
    if _as_uvicorn not in server.filters:
        server.addFilter(_as_uvicorn)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def serve(config: CollectorConfig, init: bool = False) -> None:
    import uvicorn

    from collector.app import build_app
    from collector.connections import ACCEPT_BATCH, ConnectionGuard, protocol_for
    from collector.store import open_store

    setup_logging(config.log.level, config.log.format, log_secrets(config))
    quiet_libraries()
    # every request buffer over 128 KiB in a mapping of its own, returned when freed (glibc would
    # otherwise raise the threshold after the first large free); arenas left to its threads
    memory.tune(arenas=None)
    _check_tls_files(config)
    store = open_store(config.database_url, init=init, pool=config.database_pool)
    host, port = parse_host_port(config.listen, DEFAULT_PORT)
    scheme = "https" if config.tls_cert_file else "http"
    log.info(
        "serving on %s://%s:%d, forwarding to %s", scheme, host, port,
        ", ".join(target.receiver for target in config.forward),
    )  # fmt: skip
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(config, store),
            host=host,
            port=port,
            ssl_certfile=config.tls_cert_file,
            ssl_keyfile=config.tls_key_file,
            log_config=None,
            access_log=False,
            server_header=False,
            http=protocol_for(ConnectionGuard(config.connections)),
            backlog=ACCEPT_BATCH,
            timeout_graceful_shutdown=10,
        )
    )
    try:
        server.run()
    finally:
        store.close()
