"""SNMPv1/v2c sessions on the lean BER codec: one shared UDP socket, request-id matching,
per-target timeout and retries. Same `Session` interface as the pysnmp sessions in client.py.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
from collections import Counter
from collections.abc import Callable, Sequence

from agent.collectors.snmp.ber import (
    GET,
    GET_BULK,
    GET_NEXT,
    BerError,
    Message,
    decode_response,
    encode_request,
)
from agent.collectors.snmp.session import Response
from agent.config.snmp import SnmpTarget

log = logging.getLogger(__name__)
RECEIVE_BUFFER = 4 * 1024 * 1024  # many answers in flight at once must not overflow it
Address = tuple[str, int]


class LeanTransport(asyncio.DatagramProtocol):
    """One UDP socket for every v1/v2c target; answers are matched by request-id and source.

    A datagram the codec refuses is counted by its source and dropped: a request keeps waiting
    for a valid answer from its target until its timeout, whatever else arrives meanwhile."""

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[int, tuple[asyncio.Future[Message], Address]] = {}
        self._next_id = random.randrange(1, 2**30)
        self.malformed: dict[Address, str] = {}
        self.malformed_total: Counter[Address] = Counter()

    async def open(self, family: int = socket.AF_INET) -> None:
        if self._transport is not None:
            return
        loop = asyncio.get_running_loop()
        anywhere = "::" if family == socket.AF_INET6 else "0.0.0.0"
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, family=family, local_addr=(anywhere, 0)
        )
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        self._transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        source = (addr[0], addr[1])
        try:
            message = decode_response(data)
        except BerError as exc:
            self.malformed[source] = str(exc)
            self.malformed_total[source] += 1
            return
        entry = self._pending.get(message.request_id)
        if entry is not None and entry[1] == source and not entry[0].done():
            entry[0].set_result(message)

    async def request(
        self, address: Address, build: Callable[[int], bytes], timeout: float, retries: int
    ) -> Message | None:
        """Send, re-send on timeout with the same request-id; None when no answer came."""
        assert self._transport is not None
        request_id = self._next_id
        self._next_id = self._next_id + 1 if self._next_id < 2**31 - 1 else 1
        payload = build(request_id)
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (future, address)
        try:
            for _ in range(retries + 1):
                self._transport.sendto(payload, address)
                try:
                    return await asyncio.wait_for(asyncio.shield(future), timeout)
                except TimeoutError:
                    continue
            return None
        finally:
            del self._pending[request_id]
            future.cancel()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None


class LeanSession:
    """SNMPv1/v2c GET, GETNEXT, GETBULK for one target on the shared LeanTransport."""

    def __init__(self, transport: LeanTransport, target: SnmpTarget, address: Address) -> None:
        self.version: str = target.version
        self._wire_version = 0 if target.version == "1" else 1
        self._community = target.community.reveal().encode()
        self._transport = transport
        self._address = address
        self._timeout = target.timeout
        self._retries = target.retries

    async def _ask(self, pdu_type: int, oids: Sequence[str], repetitions: int = 0) -> Response:
        names = list(oids)
        self._transport.malformed.pop(self._address, None)  # forget an older poll's garbage

        def build(request_id: int) -> bytes:
            return encode_request(
                self._wire_version,
                self._community,
                pdu_type,
                request_id,
                names,
                max_repetitions=repetitions,
            )

        message = await self._transport.request(self._address, build, self._timeout, self._retries)
        if message is None:
            problem = self._transport.malformed.pop(self._address, None)
            return Response([], f"error: malformed response ({problem})" if problem else "timeout")
        return Response(message.varbinds, None, message.error_status, message.error_index)

    @property
    def malformed_replies(self) -> int:
        """Datagrams from the device's address the codec refused, since the transport opened."""
        return self._transport.malformed_total[self._address]

    async def get(self, oids: Sequence[str]) -> Response:
        return await self._ask(GET, oids)

    async def next(self, oids: Sequence[str]) -> Response:
        return await self._ask(GET_NEXT, oids)

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response:
        return await self._ask(GET_BULK, oids, max_repetitions)


async def resolve(host: str, port: int) -> Address:
    """The address answers will come from (resolved once per session; IPv6 for v6 literals)."""
    if ":" in host:
        return (socket.inet_ntop(socket.AF_INET6, socket.inet_pton(socket.AF_INET6, host)), port)
    infos = await asyncio.get_running_loop().getaddrinfo(
        host, port, family=socket.AF_INET, type=socket.SOCK_DGRAM
    )
    if not infos:
        raise OSError(f"cannot resolve {host}")
    ip, resolved_port = infos[0][4][:2]
    return (str(ip), int(resolved_port))
