"""HTTP(S) POSTs to the collector: keep-alive, timeouts, TLS verified (with an optional CA file).

The standard library's http.client keeps the agent lean (no HTTP client package to import); the
sender calls it from a worker thread, one request at a time.
"""

from __future__ import annotations

import http.client
import ssl
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from agent import __version__
from agent.errors import PeerError

USER_AGENT = f"ictinfra-agent/{__version__}"
MAX_MESSAGE = 512


class TransportError(PeerError):
    """No HTTP answer: connection refused or reset, timeout, TLS failure, unreadable token."""


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    message: str  # the body's start, for logs
    retry_after: float | None = None


def read_token(path: str) -> str:
    try:
        token = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise TransportError(f"cannot read push.token_file {path}: {exc.strerror}") from None
    if not token:
        raise TransportError(f"push.token_file {path} is empty")
    return token


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: rare enough to fall back to our own backoff


class KeptAlive:
    """One kept-alive HTTP(S) connection to a host, one request at a time (the caller's thread).

    A reused connection the server had closed while idle gets one fresh try: a remote_write or
    inventory POST is safe to repeat. Raises OSError or http.client.HTTPException when no HTTP
    status came back.
    """

    def __init__(
        self, host: str, port: int, timeout: float, tls: ssl.SSLContext | None = None
    ) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._tls = tls
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            if self._tls is not None:
                self._connection = http.client.HTTPSConnection(
                    self._host, self._port, timeout=self._timeout, context=self._tls
                )
            else:
                self._connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=self._timeout
                )
        return self._connection

    def post(
        self, path: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, str, float | None]:
        """(status, the body's text, Retry-After) of a POST."""
        reused = self._connection is not None
        try:
            return self._exchange(path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            if not reused or isinstance(exc, TimeoutError):
                raise
        try:
            return self._exchange(path, body, headers)
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def _exchange(
        self, path: str, body: bytes, headers: Mapping[str, str]
    ) -> tuple[int, str, float | None]:
        connection = self._connect()
        connection.request("POST", path, body=body, headers=dict(headers))
        reply = connection.getresponse()
        text = reply.read(64 * 1024).decode("utf-8", "replace")
        if reply.getheader("Connection", "").lower() == "close" or not reply.isclosed():
            self.close()  # the server is closing it, or the answer was too long to finish
        return reply.status, text, _retry_after(reply.getheader("Retry-After"))

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def endpoint(
    url: urllib.parse.SplitResult, ca_file: str | None
) -> tuple[str, int, ssl.SSLContext | None]:
    """(host, port, TLS context or None) of an http(s) URL, as KeptAlive takes them."""
    https = url.scheme == "https"
    tls = ssl.create_default_context(cafile=ca_file) if https else None
    return url.hostname or "localhost", url.port or (443 if https else 80), tls


class HttpTransport:
    def __init__(
        self, base_url: str, token_file: str, timeout: float, ca_file: str | None = None
    ) -> None:
        url = urllib.parse.urlsplit(base_url)
        host, port, tls = endpoint(url, ca_file)
        self._prefix = url.path.rstrip("/")
        self._token_file = token_file
        self._connection = KeptAlive(host, port, timeout, tls)

    def post(self, path: str, body: bytes, headers: Mapping[str, str]) -> Response:
        """POST `body`; raises TransportError when no HTTP status came back."""
        all_headers = {
            "Authorization": f"Bearer {read_token(self._token_file)}",
            "User-Agent": USER_AGENT,
            **headers,
        }
        try:
            status, text, retry_after = self._connection.post(
                self._prefix + path, body, all_headers
            )
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(f"POST {path}: {type(exc).__name__}: {exc}") from None
        message = " ".join(text.split())[:MAX_MESSAGE]
        return Response(status, message, retry_after)

    def close(self) -> None:
        self._connection.close()
