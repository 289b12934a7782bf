"""SNMP auto-discovery: which discovered hosts answer a v2c GET of sysObjectID.

Uses pysnmp's v1/v2c layer (v1arch: no v3 engine, much lighter) with a short timeout and no
retries, bounded concurrency. Communities are tried in order; the first that answers wins.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
CONCURRENCY = 32


async def _sys_object_id(ip: str, community: str, port: int, timeout: float) -> str | None:
    from pysnmp.hlapi.v1arch.asyncio import (
        CommunityData,
        ObjectIdentity,
        ObjectType,
        SnmpDispatcher,
        UdpTransportTarget,
        get_cmd,
    )

    dispatcher = SnmpDispatcher()
    try:
        target = await UdpTransportTarget.create((ip, port), timeout=timeout, retries=0)
        error, status, _, var_binds = await get_cmd(
            dispatcher,
            CommunityData(community, mpModel=1),  # noqa: S508 - what the site's devices speak
            target,
            ObjectType(ObjectIdentity(SYS_OBJECT_ID)),
            lookupMib=False,
        )
    finally:
        dispatcher.transport_dispatcher.close_dispatcher()
    if error or status or not var_binds:
        return None
    value = var_binds[0][1]
    text = value.prettyPrint() if hasattr(value, "prettyPrint") else str(value)
    return text if text and text[0].isdigit() else None


async def _first_answer(
    ip: str, communities: Sequence[str], port: int, timeout: float
) -> tuple[str, int] | None:
    for index, community in enumerate(communities):
        try:
            oid = await _sys_object_id(ip, community, port, timeout)
        except Exception:  # an odd host must not stop the others
            oid = None
        if oid is not None:
            return oid, index
    return None


async def discover_snmp(
    ips: Sequence[str], communities: Sequence[str], port: int, timeout: float
) -> dict[str, tuple[str, int]]:
    """{ip: (sysObjectID, index of the community that answered)} for hosts that answer."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pysnmp/pysmi on import
        import pysnmp.hlapi.v1arch.asyncio  # noqa: F401
    limit = asyncio.Semaphore(CONCURRENCY)

    async def one(ip: str) -> tuple[str, tuple[str, int] | None]:
        async with limit:
            return ip, await _first_answer(ip, communities, port, timeout)

    results = await asyncio.gather(*(one(ip) for ip in ips))
    return {ip: answer for ip, answer in results if answer is not None}
