"""SNMP auto-discovery for the LAN sweep: which hosts answer a v2c GET of sysObjectID.

On the lean codec (one UDP socket for every request, no pysnmp), a short timeout, no retries,
bounded concurrency. Communities are tried at once; the first in order that answers wins.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Sequence

from agent.collectors.snmp.decode import Value
from agent.collectors.snmp.lean import LeanSession, LeanTransport
from agent.collectors.snmp.mibs.system import SYS_OBJECT_ID
from agent.config.snmp import SnmpTarget
from agent.config.types import Secret

CONCURRENCY = 64


def _object_id(value: Value) -> str | None:
    """The answer as sysObjectID text, when it looks like one (starts with a digit)."""
    if value is None:
        return None
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return text if text and text[0].isdigit() else None


async def _sys_object_id(
    transport: LeanTransport, ip: str, community: str, port: int, timeout: float
) -> str | None:
    target = SnmpTarget(
        name=ip, address=f"{ip}:{port}", community=Secret(community), timeout=timeout, retries=0
    )
    response = await LeanSession(transport, target, (ip, port)).get([SYS_OBJECT_ID])
    if response.error or response.error_status or not response.varbinds:
        return None
    return _object_id(response.varbinds[0][1])


async def discover_sys_object_ids(
    ips: Sequence[str], communities: Sequence[str], port: int, timeout: float
) -> dict[str, tuple[str, int]]:
    """{ip: (sysObjectID, index of the first community that answered)} for hosts that answer.

    Every (host, community) pair is asked at once (bounded), so a sweep costs about one
    timeout however many communities are configured."""
    transport = LeanTransport()
    await transport.open(socket.AF_INET)
    limit = asyncio.Semaphore(CONCURRENCY)

    async def ask(ip: str, index: int) -> tuple[str, int, str | None]:
        async with limit:
            try:
                oid = await _sys_object_id(transport, ip, communities[index], port, timeout)
                return ip, index, oid
            except Exception:  # an odd host must not stop the others
                return ip, index, None

    pairs = [(ip, index) for ip in ips for index in range(len(communities))]
    try:
        results = await asyncio.gather(*(ask(ip, i) for ip, i in pairs))
    finally:
        transport.close()
    answers: dict[str, tuple[str, int]] = {}
    for ip, index, oid in results:
        if oid is not None and (ip not in answers or index < answers[ip][1]):
            answers[ip] = (oid, index)
    return answers
