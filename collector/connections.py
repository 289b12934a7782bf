"""Bounded client connections for uvicorn: a header timeout, and a cap that evicts the idle.

uvicorn's h11 protocol keeps a connection that never sends a request open for ever, and its
`limit_concurrency` answers 503 to everyone once idle sockets fill it. Here every connection
must deliver a request's headers within `connections.header_timeout` (from connect, and again
after each response), and when `max_connections` are open the longest-idle connection (one
with no request in progress) is closed to make room: idle sockets can never lock out a client
that sends its request. The cap stays below the file-descriptor limit, with room for the
store's and the forwarders' own descriptors, so `accept()` never meets EMFILE.
"""

from __future__ import annotations

import asyncio
import resource
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from collector.config import Connections

FD_RESERVE = 256  # store connections (3 files each with WAL), forward pools (64 a receiver), ...
# asyncio accepts up to `backlog` sockets in one go before any connection_made (where the cap
# evicts) runs, so a batch must fit under the limit too; it is also the kernel's listen queue.
ACCEPT_BATCH = 128


def connection_cap(max_connections: int) -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return max_connections
    return max(16, min(max_connections, soft - FD_RESERVE - ACCEPT_BATCH))


class ConnectionGuard:
    """The open connections: idle ones in the order they became idle, and busy ones."""

    def __init__(self, settings: Connections) -> None:
        self.header_timeout = settings.header_timeout
        self.max_connections = settings.max_connections
        self.idle: dict[GuardedH11Protocol, None] = {}  # insertion order = idle since
        self.busy: set[GuardedH11Protocol] = set()

    def opened(self, connection: GuardedH11Protocol) -> None:
        self.set_idle(connection)
        cap = connection_cap(self.max_connections)  # per connection: follows a prlimit change
        while len(self.idle) + len(self.busy) > cap:
            oldest = next(iter(self.idle))  # the new one is idle too: never empty here
            self.closed(oldest)
            oldest.close()

    def set_idle(self, connection: GuardedH11Protocol) -> None:
        self.busy.discard(connection)
        self.idle.pop(connection, None)
        self.idle[connection] = None

    def set_busy(self, connection: GuardedH11Protocol) -> None:
        self.idle.pop(connection, None)
        self.busy.add(connection)

    def closed(self, connection: GuardedH11Protocol) -> None:
        self.idle.pop(connection, None)
        self.busy.discard(connection)


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, reporting to a ConnectionGuard (set by `protocol_for`)."""

    guard: ConnectionGuard
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()
        self.guard.opened(self)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_request():
            self._disarm()
            self.guard.set_busy(self)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.transport.is_closing() or self._in_request():
            return
        self.guard.set_idle(self)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self.guard.closed(self)
        super().connection_lost(exc)

    def close(self) -> None:
        self._disarm()
        if not self.transport.is_closing():
            self.transport.close()

    def _in_request(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.guard.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if not self._in_request():
            self.guard.closed(self)
            self.close()


def protocol_for(guard: ConnectionGuard) -> type[GuardedH11Protocol]:
    """A protocol class bound to `guard`, for `uvicorn.Config(http=...)`."""
    attributes: dict[str, Any] = {"guard": guard}
    return type("BoundGuardedH11Protocol", (GuardedH11Protocol,), attributes)
