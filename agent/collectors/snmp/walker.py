"""Walk subtrees of one target and get plain rows back: what other collectors use.

`Walker` is the narrow interface (bandwidth and LAN facts depend on it; tests script it);
`ClientWalker` implements it with the SNMP collector's client and column walker (lean v1/v2c
codec, pysnmp only for v3), keeping each device's GETBULK policy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Protocol

from agent.collectors.snmp.client import Codec, SnmpClient
from agent.collectors.snmp.rows import Row
from agent.collectors.snmp.walk import (
    WalkError,
    WalkPolicy,
    WalkStats,
    get_scalars,
    walk_columns,
)
from agent.config.snmp import SnmpTarget
from agent.errors import PeerError


class Walker(Protocol):
    async def walk(self, target: SnmpTarget, subtrees: Sequence[str]) -> list[Row]:
        """Every row under each subtree; raises PeerError when the target does not answer."""
        ...

    async def get(self, target: SnmpTarget, oids: Sequence[str]) -> list[Row]:
        """The instances that exist of `oids`; raises PeerError when the target does not answer."""
        ...


class ClientWalker:
    """Walks over `shared`, the SNMP collector's client (one socket, its codec; closed by that
    collector), or, without one, over a client of its own opened in the running loop."""

    def __init__(
        self, max_repetitions: int = 25, shared: SnmpClient | None = None, codec: Codec = "lean"
    ) -> None:
        self.max_repetitions = max_repetitions
        self.shared = shared
        self.codec: Codec = codec
        self.client: SnmpClient | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._policies: dict[str, WalkPolicy] = {}

    def _client(self) -> SnmpClient:
        if self.shared is not None:
            return self.shared
        loop = asyncio.get_running_loop()
        if self.client is None or self._loop is not loop:
            # the client's sockets belong to the event loop they were opened in
            if self.client is not None:
                with contextlib.suppress(RuntimeError):  # that loop may be closed already
                    self.client.close()
            self.client, self._loop = SnmpClient(self.codec), loop
        return self.client

    async def walk(self, target: SnmpTarget, subtrees: Sequence[str]) -> list[Row]:
        session = await self._client().session(target)
        repetitions = target.max_repetitions or self.max_repetitions
        policy = self._policies.setdefault(target.name, WalkPolicy(repetitions))
        try:
            table = await walk_columns(session, subtrees, policy, WalkStats())
        except WalkError as exc:
            raise PeerError(f"{target.name}: {exc.kind}: {exc}") from None
        return [
            (f"{column}.{index}", value)
            for column, rows in table.items()
            for index, value in rows.items()
            if value is not None
        ]

    async def get(self, target: SnmpTarget, oids: Sequence[str]) -> list[Row]:
        session = await self._client().session(target)
        try:
            values = await get_scalars(session, oids, WalkStats())
        except WalkError as exc:
            raise PeerError(f"{target.name}: {exc.kind}: {exc}") from None
        return [(oid, value) for oid, value in values.items() if value is not None]
