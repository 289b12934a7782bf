"""HTTP(S) timing with a minimal HTTP/1.1 client (the agent carries no HTTP library).

One request = TCP connect (timed: the round trip), TLS handshake, request, status line (timed:
the response time). Only the status line is read; the connection is then dropped.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from agent.collectors.probes.tcp import _LINGER_RESET


@dataclass(frozen=True, slots=True)
class HttpReply:
    connect_seconds: float
    response_seconds: float  # from the start of connect to the status line
    status: int


@dataclass(frozen=True, slots=True)
class HttpTarget:
    scheme: str
    host: str
    port: int
    path: str

    @property
    def host_header(self) -> str:
        """RFC 9110: the port only when it is not the scheme's default; IPv6 in brackets."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"

    @classmethod
    def from_url(cls, url: str) -> HttpTarget:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        return cls(parts.scheme, parts.hostname or "", port, path)


def parse_status_line(line: bytes) -> int:
    """`HTTP/1.1 200 OK` -> 200; raises ValueError for anything else."""
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise ValueError(f"not an HTTP status line: {line[:60]!r}")
    return int(parts[1])


def tls_context(verify: bool, ca_file: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def request_bytes(target: HttpTarget, method: str = "GET", token: str | None = None) -> bytes:
    lines = [
        f"{method} {target.path} HTTP/1.1",
        f"Host: {target.host_header}",
        "User-Agent: ictinfra-agent",
        "Accept: */*",
        "Connection: close",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def open_timed(
    target: HttpTarget, address: str, family: int, context: ssl.SSLContext | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, float, float]:
    """Connect (and TLS); returns reader, writer, start time, connect seconds."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setblocking(False)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
    started = time.perf_counter()
    try:
        await loop.sock_connect(sock, (address, target.port))
    except BaseException:
        sock.close()
        raise
    connected = time.perf_counter() - started
    try:
        reader, writer = await asyncio.open_connection(
            sock=sock, ssl=context, server_hostname=target.host if context else None
        )
    except BaseException:  # a failed or cancelled TLS handshake must not leak the socket
        sock.close()
        raise
    return reader, writer, started, connected


async def http_request(
    target: HttpTarget, address: str, family: int, context: ssl.SSLContext | None
) -> HttpReply:
    """One timed request; raises OSError for a connection that fails or a garbled reply."""
    reader, writer, started, connected = await open_timed(target, address, family, context)
    try:
        writer.write(request_bytes(target))
        line = await reader.readline()
        answered = time.perf_counter() - started
        try:
            status = parse_status_line(line)
        except ValueError as exc:
            raise OSError(str(exc)) from None
        return HttpReply(connected, answered, status)
    finally:
        writer.transport.abort()
