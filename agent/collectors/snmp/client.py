"""The SNMP client layer: sessions behind a narrow interface, shared transports and engines.

v1/v2c go through the lean codec (lean.py: one shared UDP socket; the default) or, with
`codec: pysnmp`, pysnmp's light v1arch layer (one shared `SnmpDispatcher`). v3 needs pysnmp's
full engine (USM; ≈ 5 MiB more and slower to import), imported only when a v3 target exists,
one `SnmpEngine` per distinct credential set. pysnmp itself is imported only when a session
needs it (pysnmp_sessions.py). Sessions are made once per target and reused across polls; MIB
lookups are off: numeric OIDs only.
"""

from __future__ import annotations

import dataclasses
import logging
import socket
from typing import Any, Literal

from agent.collectors.snmp.session import Session
from agent.config.snmp import SnmpTarget

log = logging.getLogger(__name__)

Codec = Literal["lean", "pysnmp"]
SYS_UPTIME_OID = "1.3.6.1.2.1.1.3.0"


class SnmpClient:
    """Owns the shared dispatcher/engine and one session per target; close() on shutdown."""

    def __init__(self, codec: Codec = "lean") -> None:
        self.codec = codec
        self._lean: dict[int, Any] = {}  # address family -> LeanTransport
        self._dispatcher: Any = None
        self._engines: dict[tuple[object, ...], Any] = {}
        self._sessions: dict[str, tuple[SnmpTarget, Session]] = {}

    @property
    def dispatcher(self) -> Any:
        if self._dispatcher is None:
            from pysnmp.hlapi.v1arch.asyncio import SnmpDispatcher

            self._dispatcher = SnmpDispatcher()
        return self._dispatcher

    def engine(self, target: SnmpTarget) -> Any:
        """The SnmpEngine for this target's USM credentials.

        pysnmp keeps one USM entry per user name in an engine, so two targets with the same user
        but different keys would overwrite each other's keys mid-poll; each distinct credential
        set gets its own engine (usually one for the whole site).
        """
        key = (
            target.user,
            target.auth_protocol,
            target.auth_key,
            target.priv_protocol,
            target.priv_key,
        )
        if key not in self._engines:
            from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

            self._engines[key] = SnmpEngine()
        return self._engines[key]

    async def session(self, target: SnmpTarget) -> Session:
        """The target's session, made on first use and reused while the target is unchanged."""
        known = self._sessions.get(target.name)
        if known is not None and known[0] == target:
            return known[1]
        session = await self._new_session(target)
        self._sessions[target.name] = (target, session)
        return session

    async def _new_session(self, target: SnmpTarget) -> Session:
        host, port = target.host_port
        if target.version == "3":
            from pysnmp.hlapi.v3arch.asyncio import Udp6TransportTarget as V3Udp6
            from pysnmp.hlapi.v3arch.asyncio import UdpTransportTarget as V3Udp

            v3_transport = await (V3Udp6 if ":" in host else V3Udp).create(
                (host, port), timeout=target.timeout, retries=target.retries
            )
            from agent.collectors.snmp.pysnmp_sessions import UsmSession

            return UsmSession(self.engine(target), target, v3_transport)
        if self.codec == "lean":
            from agent.collectors.snmp.lean import LeanSession, LeanTransport, resolve

            address = await resolve(host, port)
            family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
            if family not in self._lean:
                self._lean[family] = LeanTransport()
            await self._lean[family].open(family)
            return LeanSession(self._lean[family], target, address)
        from pysnmp.hlapi.v1arch.asyncio import Udp6TransportTarget, UdpTransportTarget

        transport = await (Udp6TransportTarget if ":" in host else UdpTransportTarget).create(
            (host, port), timeout=target.timeout, retries=target.retries
        )
        from agent.collectors.snmp.pysnmp_sessions import CommunitySession

        return CommunitySession(self.dispatcher, target, transport)

    async def answers_without_privacy(self, target: SnmpTarget) -> bool:
        """Does the device answer this user at authNoPriv? (It then has our auth key right.)

        net-snmp drops a message it cannot decrypt without a word, so a wrong priv key looks
        like a dead device; this one probe, on a throwaway engine so that the shared engine's
        USM entry for the user keeps its privacy keys, tells the two apart.
        """
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        from agent.collectors.snmp.pysnmp_sessions import UsmSession

        probe = dataclasses.replace(target, priv_protocol=None, priv_key=None, retries=0)
        engine = SnmpEngine()
        try:
            host, port = target.host_port
            from pysnmp.hlapi.v3arch.asyncio import Udp6TransportTarget as V3Udp6
            from pysnmp.hlapi.v3arch.asyncio import UdpTransportTarget as V3Udp

            kind = V3Udp6 if ":" in host else V3Udp
            transport = await kind.create((host, port), timeout=probe.timeout, retries=0)
            response = await UsmSession(engine, probe, transport).get([SYS_UPTIME_OID])
        finally:
            engine.close_dispatcher()
        return response.error != "timeout"

    def malformed_replies(self, name: str) -> int:
        """Malformed datagrams from target `name`'s address (lean codec; pysnmp's: 0)."""
        known = self._sessions.get(name)
        return int(getattr(known[1], "malformed_replies", 0)) if known else 0

    def close(self) -> None:
        """Close the dispatcher's sockets (pysnmp leaves them open otherwise)."""
        if self._dispatcher is not None:
            self._dispatcher.transport_dispatcher.close_dispatcher()
            self._dispatcher = None
        for lean in self._lean.values():
            lean.close()
        self._lean.clear()
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()
        self._sessions.clear()
