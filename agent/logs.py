"""Structured logs: one JSON object a line (or plain text), to stderr, never holding a secret.

Every record reaches the root handler (ours and third-party loggers': httpx, uvicorn, starlette,
sqlalchemy, alembic), whose formatter redacts the known secrets, the userinfo of any URL
(`https://user:password@host` -> `https://<redacted>@host`) and anything shaped like a site token
from the finished line, exception text and extra fields included.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Iterable

REDACTED = "<secret>"
_USERINFO = re.compile(r"(?<=://)[^/?#@\s\"']+@")
#: a site token: the `ictinfra_` prefix and 43 URL-safe characters (secrets.token_urlsafe(32))
_TOKEN = re.compile(r"ictinfra_(?=[\w-]*[A-Z0-9-])[\w-]{43}(?![\w-])")
#: loggers that log every request's URL (headers at DEBUG) or every SQL statement's parameters
QUIETED = ("httpx", "httpcore", "sqlalchemy.engine", "sqlalchemy.pool")


class RedactingFormatter(logging.Formatter):
    """Formats with `inner`, then takes every secret out of the finished text."""

    def __init__(self, inner: logging.Formatter, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.inner = inner
        forms = {form for secret in secrets if secret for form in _written_forms(secret)}
        self.secrets = sorted(forms, key=len, reverse=True)  # a secret inside another: longer first

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(self.inner.format(record))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, REDACTED)
        return redact_credentials(text)


def redact_credentials(text: str) -> str:
    """`text` without URL userinfo or anything shaped like a site token (for logs and for error
    messages a sender sees)."""
    return _TOKEN.sub("ictinfra_" + REDACTED, _USERINFO.sub("<redacted>@", text))


def _written_forms(secret: str) -> set[str]:
    """The secret as a log line may spell it: raw, JSON-escaped, repr()-escaped."""
    return {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1],
            repr(secret)[1:-1]}  # fmt: skip


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str = "info", fmt: str = "json", secrets: Iterable[str] = ()) -> None:
    """One handler on the root logger for every logger; `secrets` never appear in a line."""
    handler = logging.StreamHandler(sys.stderr)
    inner = (
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    handler.setFormatter(RedactingFormatter(inner, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIETED:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
