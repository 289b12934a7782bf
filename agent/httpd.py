"""A small HTTP/1.1 server on asyncio streams for /metrics and /healthz.

No web framework (the agent stays lean) and no thread: it runs in the service's event loop, so
handlers read the collectors' cached outcomes without locks. It only ever answers GET and HEAD
without a body, which keeps the parser small: one request head of at most 16 KiB read within a
time limit, keep-alive as HTTP/1.1 defines it, a cap on open connections, optional TLS (asyncio's
ssl) and basic auth. Anything it does not understand gets a 4xx and the connection is closed.

A response may be streamed (`Response.chunks`): each chunk is made when the socket can take it
(chunked transfer coding for HTTP/1.1, the end of the connection ending an HTTP/1.0 body), so a
large /metrics body never sits whole in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus

from agent.webauth import CHALLENGE, BasicAuth

log = logging.getLogger(__name__)

MAX_HEAD_BYTES = 16 * 1024
TEXT = "text/plain; charset=utf-8"
ALLOWED_METHODS = ("GET", "HEAD")


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT
    headers: tuple[tuple[str, str], ...] = ()
    chunks: Iterable[bytes] | None = None  # a streamed body, made while it is sent (not `body`)


Route = Callable[[], Response]


@dataclass(slots=True)
class Request:
    method: str
    path: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def has_body(self) -> bool:
        length = self.headers.get("content-length", "0").strip()
        return "transfer-encoding" in self.headers or length not in ("", "0")

    @property
    def keep_alive(self) -> bool:
        connection = self.headers.get("connection", "").lower()
        if self.version == "HTTP/1.0":
            return connection == "keep-alive"
        return connection != "close"


def parse_head(head: bytes) -> Request | None:
    """The request line and headers of one request; None when malformed."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.0", "HTTP/1.1") or not parts[1]:
        return None
    method, target, version = parts
    if not method.isalpha() or not method.isupper():
        return None
    request = Request(method, target.split("?", 1)[0], version)
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or " " in name:
            return None
        request.headers[name.lower()] = value.strip()
    return request


def _status_line(status: int) -> str:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Status"
    return f"HTTP/1.1 {status} {phrase}\r\n"


def encode_response(
    response: Response, *, keep_alive: bool, head_only: bool = False, chunked: bool = False
) -> bytes:
    """The head (and `body`) of a response; a streamed one has no length: chunked, or to close."""
    if response.chunks is None:
        length = [("Content-Length", str(len(response.body)))]
    else:
        length = [("Transfer-Encoding", "chunked")] if chunked else []
    headers = [
        ("Content-Type", response.content_type),
        *length,
        ("Connection", "keep-alive" if keep_alive else "close"),
        *response.headers,
    ]
    head = _status_line(response.status) + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("latin-1") + (b"" if head_only else response.body)


def _plain(status: int, text: str | None = None, *headers: tuple[str, str]) -> Response:
    body = (text if text is not None else HTTPStatus(status).phrase) + "\n"
    return Response(status, body.encode(), TEXT, headers)


class HttpServer:
    """Serves `routes` (path -> handler) on host:port until `close()`."""

    def __init__(
        self,
        host: str,
        port: int,
        routes: Mapping[str, Route],
        *,
        tls: ssl.SSLContext | None = None,
        auth: BasicAuth | None = None,
        max_connections: int = 64,
        request_timeout: float = 30.0,
    ) -> None:
        self.host, self.requested_port = host, port
        self.routes = routes
        self.tls, self.auth = tls, auth
        self.max_connections = max_connections
        self.request_timeout = request_timeout
        self.responses: Counter[int] = Counter()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def port(self) -> int:
        """The bound port (differs from the requested one when that was 0)."""
        assert self._server is not None and self._server.sockets
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._connection,
            self.host,
            self.requested_port,
            ssl=self.tls,
            limit=MAX_HEAD_BYTES,
            ssl_handshake_timeout=10.0 if self.tls else None,
        )
        scheme = "https" if self.tls else "http"
        log.info(
            "serving %s://%s:%d/metrics%s",
            scheme,
            self.host,
            self.port,
            " with basic auth" if self.auth else "",
        )

    async def close(self, timeout: float = 2.0) -> None:
        if self._server is None:
            return
        self._server.close()
        for task in list(self._connections):
            task.cancel()
        if self._connections:
            await asyncio.wait(self._connections, timeout=timeout)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._server.wait_closed(), timeout)
        self._server = None

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            if len(self._connections) > self.max_connections:
                await self._send(writer, _plain(503, "too many connections"), keep_alive=False)
                return
            while await self._exchange(reader, writer):
                pass
        except (ConnectionError, TimeoutError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _exchange(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request, answer it; True to keep the connection for another."""
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.request_timeout)
        except (asyncio.LimitOverrunError, ValueError):
            await self._send(writer, _plain(431), keep_alive=False)
            return False
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                await self._send(writer, _plain(400, "incomplete request"), keep_alive=False)
            return False
        request = parse_head(head)
        if request is None:
            await self._send(writer, _plain(400, "malformed request"), keep_alive=False)
            return False
        response, user = await self._respond(request)
        chunked = request.version == "HTTP/1.1"
        # an HTTP/1.0 client learns where a streamed body ends only from the connection's end
        keep_alive = request.keep_alive and not request.has_body
        keep_alive = keep_alive and (chunked or response.chunks is None)
        head_only = request.method == "HEAD"
        await self._send(writer, response, keep_alive, head_only=head_only, chunked=chunked)
        log.debug(
            "%s %s -> %d",
            request.method,
            request.path,
            response.status,
            extra={"fields": {"user": user} if user else {}},
        )
        return keep_alive

    async def _respond(self, request: Request) -> tuple[Response, str | None]:
        if request.method not in ALLOWED_METHODS:
            return _plain(405, None, ("Allow", ", ".join(ALLOWED_METHODS))), None
        user = None
        if self.auth is not None:
            user = await self.auth.check(request.headers.get("authorization"))
            if user is None:
                return _plain(401, None, ("WWW-Authenticate", CHALLENGE)), None
        route = self.routes.get(request.path)
        if route is None:
            return _plain(404), user
        try:
            return route(), user
        except Exception:
            log.exception("handler for %s failed", request.path)
            return _plain(500), user

    async def _send(
        self,
        writer: asyncio.StreamWriter,
        response: Response,
        keep_alive: bool,
        head_only: bool = False,
        chunked: bool = False,
    ) -> None:
        self.responses[response.status] += 1
        head = encode_response(
            response, keep_alive=keep_alive, head_only=head_only, chunked=chunked
        )
        writer.write(head)
        await asyncio.wait_for(writer.drain(), self.request_timeout)
        if response.chunks is not None and not head_only:
            await self._stream(writer, response.chunks, chunked)

    async def _stream(
        self, writer: asyncio.StreamWriter, chunks: Iterable[bytes], chunked: bool
    ) -> None:
        """Each chunk once the previous one is (nearly) sent: at most one chunk and the
        transport's high-water mark are buffered. A chunk that fails to be made ends the
        connection with the body unfinished, which the client sees as a failed request."""
        try:
            for chunk in chunks:
                if not chunk:
                    continue  # an empty chunk would end a chunked body
                if chunked:
                    writer.write(b"%x\r\n" % len(chunk))
                writer.write(chunk)
                if chunked:
                    writer.write(b"\r\n")
                await asyncio.wait_for(writer.drain(), self.request_timeout)
        except (ConnectionError, TimeoutError):
            raise
        except Exception:
            log.exception("a streamed response failed midway; connection closed")
            raise ConnectionError("streamed response failed") from None
        if chunked:
            writer.write(b"0\r\n\r\n")
            await asyncio.wait_for(writer.drain(), self.request_timeout)
