"""A `Walker` over pysnmp 7 (asyncio): GETBULK walks for v2c/v3, GETNEXT for v1.

Small on purpose: the bandwidth and LAN-facts collectors need a few IF-MIB columns and the
forwarding table of one or a few switches. When the SNMP collector's poller is merged, it can
stand in for this through the same `Walker` interface.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from agent.collectors.bandwidth.ifmib import Row, Value
from agent.config.snmp import SnmpTarget
from agent.errors import PeerError

_AUTH = {
    "MD5": "usmHMACMD5AuthProtocol", "SHA": "usmHMACSHAAuthProtocol",
    "SHA224": "usmHMAC128SHA224AuthProtocol", "SHA256": "usmHMAC192SHA256AuthProtocol",
    "SHA384": "usmHMAC256SHA384AuthProtocol", "SHA512": "usmHMAC384SHA512AuthProtocol",
}  # fmt: skip
_PRIV = {
    "DES": "usmDESPrivProtocol", "AES": "usmAesCfb128Protocol",
    "AES192": "usmAesCfb192Protocol", "AES256": "usmAesCfb256Protocol",
}  # fmt: skip


def _credentials(hlapi: Any, target: SnmpTarget) -> Any:
    if target.version != "3":
        return hlapi.CommunityData(
            target.community.reveal(), mpModel=0 if target.version == "1" else 1
        )
    return hlapi.UsmUserData(
        target.user,
        authKey=target.auth_key.reveal() if target.auth_key else None,
        privKey=target.priv_key.reveal() if target.priv_key else None,
        authProtocol=getattr(hlapi, _AUTH[target.auth_protocol]) if target.auth_protocol
        else hlapi.usmNoAuthProtocol,
        privProtocol=getattr(hlapi, _PRIV[target.priv_protocol]) if target.priv_protocol
        else hlapi.usmNoPrivProtocol,
    )  # fmt: skip


def to_value(value: Any) -> Value | None:
    """pyasn1 value -> int, or bytes for strings; None for noSuchObject/endOfMibView."""
    if hasattr(value, "asOctets"):
        octets: bytes = value.asOctets()
        return octets
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class PysnmpWalker:
    def __init__(self, max_repetitions: int = 25) -> None:
        self.max_repetitions = max_repetitions
        self._engine: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def walk(self, target: SnmpTarget, subtrees: Sequence[str]) -> list[Row]:
        import pysnmp.hlapi.v3arch.asyncio as hlapi

        loop = asyncio.get_running_loop()
        if self._engine is None or self._loop is not loop:
            # an engine's transport belongs to the event loop it was made in
            self._engine, self._loop = hlapi.SnmpEngine(), loop
        host, port = target.host_port
        transport = await hlapi.UdpTransportTarget.create(
            (host, port), timeout=target.timeout, retries=target.retries
        )
        auth = _credentials(hlapi, target)
        context = hlapi.ContextData(contextName=target.context)
        rows: list[Row] = []
        for subtree in subtrees:
            rows += await self._walk_one(hlapi, target, (auth, transport, context), subtree)
        return rows

    async def _walk_one(
        self, hlapi: Any, target: SnmpTarget, session: tuple[Any, Any, Any], subtree: str
    ) -> list[Row]:
        auth, transport, context = session
        oid = hlapi.ObjectType(hlapi.ObjectIdentity(subtree))
        options = {"lexicographicMode": False, "lookupMib": False}
        if target.version == "1":
            walk = hlapi.walk_cmd(self._engine, auth, transport, context, oid, **options)
        else:
            walk = hlapi.bulk_walk_cmd(self._engine, auth, transport, context, 0,
                                       self.max_repetitions, oid, **options)  # fmt: skip
        rows: list[Row] = []
        async for error, status, _, varbinds in walk:
            if error:
                raise PeerError(f"{target.name}: {error}")
            if status:
                break  # noSuchName (v1) ends the subtree
            for name, value in varbinds:
                converted = to_value(value)
                if converted is not None:
                    rows.append((str(name), converted))
        return rows
