"""The session interface every SNMP transport implements, and its plain-Python response.

A leaf module: the lean codec (lean.py), the pysnmp sessions (pysnmp_sessions.py), the walker
(walk.py) and the client (client.py) all import it, and it imports none of them, so the layer
has no import circle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from agent.collectors.snmp.decode import Value

VarBind = tuple[str, Value]


@dataclass(frozen=True, slots=True)
class Response:
    """One SNMP response as plain Python. `error` names a failure with no usable PDU."""

    varbinds: list[VarBind]
    error: str | None = None  # "timeout", "auth: ...", "transport: ..."
    error_status: int = 0  # noError(0), tooBig(1), noSuchName(2), genErr(5), ...
    error_index: int = 0


class Session(Protocol):
    """What the walker needs from one target."""

    version: str

    async def get(self, oids: Sequence[str]) -> Response: ...

    async def next(self, oids: Sequence[str]) -> Response: ...

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response: ...
