"""pysnmp behind a narrow interface: one shared dispatcher (v1/v2c) and engine (v3), sessions.

v1/v2c go through pysnmp's light v1arch layer (one `SnmpDispatcher` for every target); v3 needs
the full engine (USM, 5 MiB more and slower to import), so `pysnmp.hlapi.v3arch` is imported only
when a v3 target exists, and one `SnmpEngine` serves every v3 target. Transport targets are made
once per target and reused across polls. MIB lookups are off: numeric OIDs only.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pyasn1.type import univ
from pysnmp.proto import errind
from pysnmp.proto.rfc1902 import ObjectName
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

from agent.collectors.snmp.decode import Value
from agent.config.snmp import SnmpTarget

log = logging.getLogger(__name__)

VarBind = tuple[str, Value]
SYS_UPTIME_OID = "1.3.6.1.2.1.1.3.0"


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


def _plain(value: Any) -> Value:
    """pyasn1 value -> int, bytes, dotted OID text, or None (no such object/instance, end)."""
    if isinstance(value, univ.Integer):
        return int(value)
    if isinstance(value, univ.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(map(str, value.asTuple()))
    return None  # Null, NoSuchObject, NoSuchInstance, EndOfMibView


def _end_marker(value: Any) -> bool:
    return isinstance(value, EndOfMibView | NoSuchObject | NoSuchInstance)


def _response(result: tuple[Any, Any, Any, Any]) -> Response:
    indication, status, index, varbinds = result
    if indication:
        return Response([], _indication_kind(indication))
    plain: list[VarBind] = []
    for oid, value in varbinds:
        text = ".".join(map(str, oid.asTuple()))
        plain.append((text, None if _end_marker(value) else _plain(value)))
    return Response(plain, None, int(status or 0), int(index or 0))


def _indication_kind(indication: Any) -> str:
    if isinstance(indication, errind.RequestTimedOut):
        return "timeout"
    name = type(indication).__name__
    if name in _AUTH_INDICATIONS:
        return f"auth: {indication}"
    return f"error: {indication}"


_AUTH_INDICATIONS = frozenset(
    {
        "WrongDigest",
        "DecryptionError",
        "UnknownUserName",
        "UnknownSecurityName",
        "UnsupportedSecurityLevel",
        "NotInTimeWindow",
        "UnknownEngineID",
        "AuthenticationError",
        "AuthenticationFailure",
        "EncryptionError",
    }
)


def _request_varbinds(oids: Sequence[str]) -> list[tuple[Any, Any]]:
    null = univ.Null()
    return [(ObjectName(oid), null) for oid in oids]


class CommunitySession:
    """SNMPv1/v2c through the shared v1arch dispatcher."""

    def __init__(self, client: SnmpClient, target: SnmpTarget, transport: Any) -> None:
        from pysnmp.hlapi.v1arch.asyncio import CommunityData

        self.version: str = target.version
        self._client = client
        self._auth = CommunityData(
            target.community.reveal(), mpModel=0 if target.version == "1" else 1
        )
        self._transport = transport

    async def get(self, oids: Sequence[str]) -> Response:
        from pysnmp.hlapi.v1arch.asyncio import get_cmd

        dispatcher = self._client.dispatcher
        args = _request_varbinds(oids)
        return _response(await get_cmd(dispatcher, self._auth, self._transport, *args))

    async def next(self, oids: Sequence[str]) -> Response:
        from pysnmp.hlapi.v1arch.asyncio import next_cmd

        dispatcher = self._client.dispatcher
        args = _request_varbinds(oids)
        return _response(await next_cmd(dispatcher, self._auth, self._transport, *args))

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response:
        from pysnmp.hlapi.v1arch.asyncio import bulk_cmd

        dispatcher = self._client.dispatcher
        args = _request_varbinds(oids)
        result = await bulk_cmd(dispatcher, self._auth, self._transport, 0, max_repetitions, *args)
        return _response(result)


_AUTH_PROTOCOLS = {
    "MD5": "usmHMACMD5AuthProtocol",
    "SHA": "usmHMACSHAAuthProtocol",
    "SHA224": "usmHMAC128SHA224AuthProtocol",
    "SHA256": "usmHMAC192SHA256AuthProtocol",
    "SHA384": "usmHMAC256SHA384AuthProtocol",
    "SHA512": "usmHMAC384SHA512AuthProtocol",
}
_PRIV_PROTOCOLS = {
    "DES": "usmDESPrivProtocol",
    "AES": "usmAesCfb128Protocol",
    "AES192": "usmAesCfb192Protocol",
    "AES256": "usmAesCfb256Protocol",
}


class UsmSession:
    """SNMPv3 (USM) through the shared SnmpEngine."""

    def __init__(self, engine: Any, target: SnmpTarget, transport: Any) -> None:
        from pysnmp.hlapi.v3arch import asyncio as v3

        self.version = "3"
        self._engine = engine
        self._transport = transport
        self._context = v3.ContextData(contextName=target.context)
        kwargs: dict[str, Any] = {}
        if target.auth_protocol and target.auth_key is not None:
            kwargs["authKey"] = target.auth_key.reveal()
            kwargs["authProtocol"] = getattr(v3, _AUTH_PROTOCOLS[target.auth_protocol])
        if target.priv_protocol and target.priv_key is not None:
            kwargs["privKey"] = target.priv_key.reveal()
            kwargs["privProtocol"] = getattr(v3, _PRIV_PROTOCOLS[target.priv_protocol])
        # The security level is the operator's choice (old gear may lack privacy); config docs warn.
        self._auth = v3.UsmUserData(target.user or "", **kwargs)  # noqa: S509

    async def get(self, oids: Sequence[str]) -> Response:
        from pysnmp.hlapi.v3arch.asyncio import get_cmd

        args = _request_varbinds(oids)
        result = await get_cmd(
            self._engine, self._auth, self._transport, self._context, *args, lookupMib=False
        )
        return _response(result)

    async def next(self, oids: Sequence[str]) -> Response:
        from pysnmp.hlapi.v3arch.asyncio import next_cmd

        args = _request_varbinds(oids)
        result = await next_cmd(
            self._engine, self._auth, self._transport, self._context, *args, lookupMib=False
        )
        return _response(result)

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response:
        from pysnmp.hlapi.v3arch.asyncio import bulk_cmd

        args = _request_varbinds(oids)
        result = await bulk_cmd(
            self._engine,
            self._auth,
            self._transport,
            self._context,
            0,
            max_repetitions,
            *args,
            lookupMib=False,
        )
        return _response(result)


class SnmpClient:
    """Owns the shared dispatcher/engine and one session per target; close() on shutdown."""

    def __init__(self) -> None:
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
            from pysnmp.hlapi.v3arch.asyncio import UdpTransportTarget as V3Udp

            v3_transport = await V3Udp.create(
                (host, port), timeout=target.timeout, retries=target.retries
            )
            return UsmSession(self.engine(target), target, v3_transport)
        from pysnmp.hlapi.v1arch.asyncio import UdpTransportTarget

        transport = await UdpTransportTarget.create(
            (host, port), timeout=target.timeout, retries=target.retries
        )
        return CommunitySession(self, target, transport)

    async def answers_without_privacy(self, target: SnmpTarget) -> bool:
        """Does the device answer this user at authNoPriv? (It then has our auth key right.)

        net-snmp drops a message it cannot decrypt without a word, so a wrong priv key looks
        like a dead device; this one probe, on a throwaway engine so that the shared engine's
        USM entry for the user keeps its privacy keys, tells the two apart.
        """
        from pysnmp.hlapi.v3arch.asyncio import SnmpEngine

        probe = target.model_copy(update={"priv_protocol": None, "priv_key": None, "retries": 0})
        engine = SnmpEngine()
        try:
            host, port = target.host_port
            from pysnmp.hlapi.v3arch.asyncio import UdpTransportTarget as V3Udp

            transport = await V3Udp.create((host, port), timeout=probe.timeout, retries=0)
            response = await UsmSession(engine, probe, transport).get([SYS_UPTIME_OID])
        finally:
            engine.close_dispatcher()
        return response.error != "timeout"

    def close(self) -> None:
        """Close the dispatcher's sockets (pysnmp leaves them open otherwise)."""
        if self._dispatcher is not None:
            self._dispatcher.transport_dispatcher.close_dispatcher()
            self._dispatcher = None
        for engine in self._engines.values():
            engine.close_dispatcher()
        self._engines.clear()
        self._sessions.clear()
