"""No secret in any log line: the root handler's redaction, for our loggers and third-party ones."""

from __future__ import annotations

import json
import logging

import pytest

from agent.logs import QUIETED, setup_logging
from collector.config import CollectorConfig
from collector.serve import log_secrets

PASSWORD = "p@ss:w0rd/7"
HEADER = 'hdr"secret\\9'
BEARER = "bearer-2b8c"
DB_PASSWORD = "db-9e1f"
TOKEN = "ictinfra_" + "Q3" * 21 + "z"


@pytest.fixture
def config() -> CollectorConfig:
    return CollectorConfig.model_validate(
        {
            "database_url": f"postgresql://ictinfra:{DB_PASSWORD}@127.0.0.1/ictinfra",
            "forward": [
                {"url": "http://alice:p%40ss%3Aw0rd%2F7@127.0.0.1:1/api/v1/write", "name": "a",
                 "headers": {"X-Scope-OrgID": HEADER}},
                {"url": "http://127.0.0.1:2/api/v1/write", "name": "b", "bearer_token": BEARER},
            ],
        }
    )  # fmt: skip


@pytest.fixture
def restore_logging(monkeypatch: pytest.MonkeyPatch) -> None:
    """setup_logging changes the root logger and the quieted ones: undone after the test."""
    for logger in (logging.getLogger(), *map(logging.getLogger, QUIETED)):
        monkeypatch.setattr(logger, "level", logger.level)
        monkeypatch.setattr(logger, "handlers", logger.handlers[:])


@pytest.mark.parametrize("fmt", ["json", "text"])
@pytest.mark.usefixtures("restore_logging")
def test_every_logger_at_debug_redacts_every_secret(
    config: CollectorConfig, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    setup_logging("debug", fmt, log_secrets(config))
    urls = [target.url for target in config.forward] + [config.database_url]
    for name in ("uvicorn.error", "starlette", "sqlalchemy.engine", "alembic", "collector.app"):
        logging.getLogger(name).warning("to %s with %s, %s, %s", urls, HEADER, BEARER, TOKEN)
    logging.getLogger("uvicorn.error").error("x", extra={"fields": {"header": HEADER}})
    try:
        raise RuntimeError(f"connecting to {urls[0]} failed ({PASSWORD})")
    except RuntimeError:
        logging.getLogger("asyncio").exception("unhandled")
    logging.getLogger("httpx").info("HTTP Request: POST %s", urls[0])  # quieted: not even shown
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) >= 7 and not any("HTTP Request" in line for line in lines)
    secrets = [PASSWORD, "p%40ss", HEADER, json.dumps(HEADER)[1:-1], BEARER, DB_PASSWORD, TOKEN]
    assert [(s, line) for line in lines for s in secrets if s in line] == []
    assert "http://<redacted>@127.0.0.1:1/api/v1/write" in lines[0]


@pytest.mark.usefixtures("restore_logging")
def test_metric_names_are_not_mistaken_for_tokens(capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("info", "text")
    logging.getLogger("collector").info("ictinfra_collector_http_requests_total went up")
    assert "ictinfra_collector_http_requests_total went up" in capsys.readouterr().err
