"""SNMP auto-discovery: which discovered hosts answer a v2c GET of sysObjectID.

Uses pysnmp's v1/v2c layer (v1arch: no v3 engine, much lighter) with a short timeout and no
retries, bounded concurrency. Communities are tried in order; the first that answers wins.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from typing import Any

SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
CONCURRENCY = 64


async def _sys_object_id(
    dispatcher: Any, ip: str, community: str, port: int, timeout: float
) -> str | None:
    from pysnmp.hlapi.v1arch.asyncio import (
        CommunityData,
        ObjectIdentity,
        ObjectType,
        UdpTransportTarget,
        get_cmd,
    )

    target = await UdpTransportTarget.create((ip, port), timeout=timeout, retries=0)
    error, status, _, var_binds = await get_cmd(
        dispatcher,
        CommunityData(community, mpModel=1),  # noqa: S508 - what the site's devices speak
        target,
        ObjectType(ObjectIdentity(SYS_OBJECT_ID)),
        lookupMib=False,
    )
    if error or status or not var_binds:
        return None
    value = var_binds[0][1]
    text = value.prettyPrint() if hasattr(value, "prettyPrint") else str(value)
    return text if text and text[0].isdigit() else None


async def discover_snmp(
    ips: Sequence[str], communities: Sequence[str], port: int, timeout: float
) -> dict[str, tuple[str, int]]:
    """{ip: (sysObjectID, index of the first community that answered)} for hosts that answer.

    Every (host, community) pair is asked at once (bounded), so a sweep costs about one
    timeout however many communities are configured."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pysnmp/pysmi on import
        from pysnmp.hlapi.v1arch.asyncio import SnmpDispatcher
    dispatcher = SnmpDispatcher()  # one for all requests: a dispatcher each costs ~40 ms CPU
    limit = asyncio.Semaphore(CONCURRENCY)

    async def ask(ip: str, index: int) -> tuple[str, int, str | None]:
        async with limit:
            try:
                oid = await _sys_object_id(dispatcher, ip, communities[index], port, timeout)
                return ip, index, oid
            except Exception:  # an odd host must not stop the others
                return ip, index, None

    pairs = [(ip, index) for ip in ips for index in range(len(communities))]
    try:
        results = await asyncio.gather(*(ask(ip, i) for ip, i in pairs))
    finally:
        dispatcher.transport_dispatcher.close_dispatcher()
    answers: dict[str, tuple[str, int]] = {}
    for ip, index, oid in results:
        if oid is not None and (ip not in answers or index < answers[ip][1]):
            answers[ip] = (oid, index)
    return answers
