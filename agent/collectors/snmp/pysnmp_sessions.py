"""The pysnmp sessions: SNMPv1/v2c on the v1arch dispatcher, SNMPv3 on an SnmpEngine.

Imported only when a target needs pysnmp (v3, or `codec: pysnmp`), so a v1/v2c-only agent on
the lean codec never loads pysnmp.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pyasn1.type import univ
from pysnmp.proto import errind
from pysnmp.proto.rfc1902 import ObjectName
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

from agent.collectors.snmp.decode import Value
from agent.collectors.snmp.session import Response, VarBind
from agent.config.snmp import SnmpTarget


def _plain(value: Any) -> Value:
    """pyasn1 value -> int, bytes, dotted OID text, or None (no such object/instance, end)."""
    if isinstance(value, univ.Integer):
        return int(value)
    if isinstance(value, univ.OctetString):
        return bytes(value.asOctets())
    if isinstance(value, univ.ObjectIdentifier):
        return ".".join(map(str, value.asTuple()))
    return None  # Null, NoSuchObject, NoSuchInstance, EndOfMibView


def plain_value(value: Any) -> Value:
    """A response's pyasn1 value as plain Python; None for the end/absence markers."""
    return None if _end_marker(value) else _plain(value)


def _end_marker(value: Any) -> bool:
    return isinstance(value, EndOfMibView | NoSuchObject | NoSuchInstance)


def _response(result: tuple[Any, Any, Any, Any]) -> Response:
    indication, status, index, varbinds = result
    if indication:
        return Response([], _indication_kind(indication))
    plain: list[VarBind] = []
    for oid, value in varbinds:
        text = ".".join(map(str, oid.asTuple()))
        plain.append((text, plain_value(value)))
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

    def __init__(self, dispatcher: Any, target: SnmpTarget, transport: Any) -> None:
        from pysnmp.hlapi.v1arch.asyncio import CommunityData

        self.version: str = target.version
        self._dispatcher = dispatcher
        self._auth = CommunityData(
            target.community.reveal(), mpModel=0 if target.version == "1" else 1
        )
        self._transport = transport

    async def get(self, oids: Sequence[str]) -> Response:
        from pysnmp.hlapi.v1arch.asyncio import get_cmd

        dispatcher = self._dispatcher
        args = _request_varbinds(oids)
        return _response(await get_cmd(dispatcher, self._auth, self._transport, *args))

    async def next(self, oids: Sequence[str]) -> Response:
        from pysnmp.hlapi.v1arch.asyncio import next_cmd

        dispatcher = self._dispatcher
        args = _request_varbinds(oids)
        return _response(await next_cmd(dispatcher, self._auth, self._transport, *args))

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response:
        from pysnmp.hlapi.v1arch.asyncio import bulk_cmd

        dispatcher = self._dispatcher
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
