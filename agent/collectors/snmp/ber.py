"""A lean BER codec for SNMPv1/v2c messages: requests out, responses in, nothing else.

pyasn1 decodes a GetResponse at ≈ 50-100 µs per varbind (FIELD-NOTES; our profile: ≈ 80% of the
agent's SNMP CPU); this walks the same bytes in a few µs. It handles exactly the SMIv2 value
types a response may carry and refuses anything else with `BerError`. Kept honest by
differential tests against pyasn1/pysnmp on every recording and on fuzzed input.

Any UDP source can send the agent's socket a datagram, so the cost of one is bounded by its size:
the message's structure is fixed (depth 4, no recursion), varbinds are at most `MAX_VARBINDS`,
INTEGERs at most 8 octets and unsigned values 9 (net-snmp's limits on a 64-bit host), an OID at
most 128 sub-identifiers (net-snmp's MAX_OID_LEN) of at most 2^32-1 each (RFC 2578 section 7.1.3;
net-snmp refuses larger), in minimal form (X.690 8.19.2: no leading 0x80 octet). Lengths are
definite, in at most 4 octets; tags are single octets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.collectors.snmp.decode import Value

GET, GET_NEXT, RESPONSE, GET_BULK = 0xA0, 0xA1, 0xA2, 0xA5
_SEQUENCE, _INTEGER, _OCTETS, _NULL, _OID = 0x30, 0x02, 0x04, 0x05, 0x06
_UNSIGNED = frozenset({0x41, 0x42, 0x43, 0x46})  # Counter32, Gauge32, TimeTicks, Counter64
_BYTES = frozenset({_OCTETS, 0x40, 0x44})  # OCTET STRING, IpAddress, Opaque
_END = frozenset({0x80, 0x81, 0x82})  # noSuchObject, noSuchInstance, endOfMibView
MAX_VARBINDS = 4096  # 200 max-repetitions x a walk's columns, with room to spare
MAX_INTEGER_OCTETS = 8
MAX_UNSIGNED_OCTETS = 9  # Counter64 plus a leading zero octet
MAX_OID_ARCS = 128
MAX_OID_OCTETS = MAX_OID_ARCS * 5
MAX_ARC = 2**32 - 1
# A sub-identifier longer than 5 octets, or of 5 whose value passes 2^32-1, or led by 0x80.
_BAD_ARC = re.compile(rb"[\x80-\xff]{5}|(?:^|[\x00-\x7f])(?:\x80|[\x90-\xff][\x80-\xff]{3})")
_CONTINUED = bytes(range(0x80, 0x100))


class BerError(ValueError):
    """The bytes are not a well-formed SNMPv1/v2c response."""


@dataclass(frozen=True, slots=True)
class Message:
    version: int
    community: bytes
    request_id: int
    error_status: int
    error_index: int
    varbinds: list[tuple[str, Value]]


# --- encoding -----------------------------------------------------------------------------


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def _tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def _integer(value: int) -> bytes:
    return _tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def encode_oid(oid: str) -> bytes:
    parts = [int(p) for p in oid.strip(".").split(".")]
    if len(parts) < 2 or parts[0] > 2:
        raise ValueError(f"not an OID: {oid!r}")
    out = bytearray()
    for arc in [parts[0] * 40 + parts[1], *parts[2:]]:
        chunk = [arc & 0x7F]
        rest = arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return _tlv(_OID, bytes(out))


def encode_request(
    version: int,
    community: bytes,
    pdu_type: int,
    request_id: int,
    oids: list[str],
    *,
    non_repeaters: int = 0,
    max_repetitions: int = 0,
) -> bytes:
    """A GET / GETNEXT / GETBULK message (version 0 = v1, 1 = v2c) asking for `oids`."""
    null = b"\x05\x00"
    varbinds = b"".join(_tlv(_SEQUENCE, encode_oid(oid) + null) for oid in oids)
    second, third = (non_repeaters, max_repetitions) if pdu_type == GET_BULK else (0, 0)
    pdu = _tlv(
        pdu_type,
        _integer(request_id) + _integer(second) + _integer(third) + _tlv(_SEQUENCE, varbinds),
    )
    return _tlv(_SEQUENCE, _integer(version) + _tlv(_OCTETS, community) + pdu)


# --- decoding -----------------------------------------------------------------------------


def _header(data: bytes, position: int, end: int) -> tuple[int, int, int]:
    """(tag, start of value, end of value) of the TLV at `position`."""
    if position + 2 > end:
        raise BerError(f"truncated at byte {position}")
    tag = data[position]  # a multi-octet tag (low bits 0x1F) is no tag we accept: refused by it
    first = data[position + 1]
    position += 2
    if first & 0x80:
        count = first & 0x7F
        if count == 0 or count > 4 or position + count > end:
            raise BerError(f"bad length at byte {position - 1}")
        size = int.from_bytes(data[position : position + count], "big")
        position += count
    else:
        size = first
    if position + size > end:
        raise BerError(f"value runs past its container at byte {position}")
    return tag, position, position + size


def _expect(data: bytes, position: int, end: int, tag: int) -> tuple[int, int]:
    found, start, stop = _header(data, position, end)
    if found != tag:
        raise BerError(f"expected tag 0x{tag:02x} at byte {position}, found 0x{found:02x}")
    return start, stop


def _signed(data: bytes, start: int, stop: int) -> int:
    if start == stop or stop - start > MAX_INTEGER_OCTETS:
        raise BerError(f"bad INTEGER length {stop - start} at byte {start}")
    return int.from_bytes(data[start:stop], "big", signed=True)


PREFIX_CACHE_SIZE = 4096
_prefixes: dict[bytes, str] = {}  # an OID's bytes but its last arc -> their dotted text


def decode_oid(raw: bytes) -> str:
    """Dotted text of an OBJECT IDENTIFIER's contents.

    A walk's OIDs share their column's prefix, so the prefix text comes from a bounded cache
    keyed by its bytes and only the last sub-identifier is decoded each time.
    """
    if not raw or raw[-1] & 0x80 or len(raw) > MAX_OID_OCTETS:
        raise BerError(f"malformed OBJECT IDENTIFIER of {len(raw)} octets")
    cut = len(raw) - 1
    if cut < 1:
        return _decode_oid_text(raw)
    while cut > 1 and raw[cut - 1] & 0x80:
        cut -= 1
    if raw[cut - 1] & 0x80:
        return _decode_oid_text(raw)  # the first sub-identifier holds the last arc
    prefix = raw[:cut]
    head = _prefixes.get(prefix)
    if head is None:
        if len(_prefixes) >= PREFIX_CACHE_SIZE:
            _prefixes.clear()
        head = _prefixes[prefix] = _decode_oid_text(prefix, MAX_OID_ARCS - 1)
    if len(raw) - cut > 5 or raw[cut] == 0x80:
        raise BerError("OBJECT IDENTIFIER sub-identifier not minimal or too long")
    last = 0
    for byte in raw[cut:]:
        last = (last << 7) | (byte & 0x7F)
    if last > MAX_ARC:
        raise BerError(f"OBJECT IDENTIFIER sub-identifier above {MAX_ARC}")
    return f"{head}.{last}"


def _decode_oid_text(raw: bytes, max_arcs: int = MAX_OID_ARCS) -> str:
    """`raw` (at most MAX_OID_OCTETS, ending an arc) as text; BerError past net-snmp's bounds."""
    if raw.isascii():  # the common case: every arc fits one octet
        if len(raw) + 1 > max_arcs:
            raise BerError(f"OBJECT IDENTIFIER of more than {MAX_OID_ARCS} sub-identifiers")
        if raw[0] < 120:
            return ".".join([f"{raw[0] // 40}.{raw[0] % 40}", *map(str, raw[1:])])
    elif len(raw.translate(None, _CONTINUED)) + 1 > max_arcs:
        raise BerError(f"OBJECT IDENTIFIER of more than {MAX_OID_ARCS} sub-identifiers")
    elif _BAD_ARC.search(raw):  # C speed, before any arc is decoded
        raise BerError(f"OBJECT IDENTIFIER sub-identifier not minimal or above {MAX_ARC}")
    arcs: list[int] = []
    value = 0
    for byte in raw:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            arcs.append(value)
            value = 0
    first = arcs[0]
    head = (0, first) if first < 40 else (1, first - 40) if first < 80 else (2, first - 80)
    return ".".join(map(str, (*head, *arcs[1:])))


def _value(tag: int, data: bytes, start: int, stop: int) -> Value:
    if tag == _INTEGER:
        return _signed(data, start, stop)
    if tag in _UNSIGNED:
        if start == stop or stop - start > MAX_UNSIGNED_OCTETS:
            raise BerError(f"bad unsigned value at byte {start}")
        return int.from_bytes(data[start:stop], "big")
    if tag in _BYTES:
        return data[start:stop]
    if tag == _OID:
        return decode_oid(data[start:stop])
    if tag == _NULL or tag in _END:
        return None
    raise BerError(f"unexpected value type 0x{tag:02x} at byte {start}")


def decode_response(data: bytes) -> Message:
    """An SNMPv1/v2c Response message -> Message; BerError for anything malformed."""
    end = len(data)
    start, stop = _expect(data, 0, end, _SEQUENCE)
    if stop != end:
        raise BerError("trailing bytes after the message")
    version_start, version_stop = _expect(data, start, stop, _INTEGER)
    version = _signed(data, version_start, version_stop)
    community_start, community_stop = _expect(data, version_stop, stop, _OCTETS)
    pdu_start, pdu_stop = _expect(data, community_stop, stop, RESPONSE)
    fields = []
    position = pdu_start
    for _ in range(3):
        value_start, position = _expect(data, position, pdu_stop, _INTEGER)
        fields.append(_signed(data, value_start, position))
    list_start, list_stop = _expect(data, position, pdu_stop, _SEQUENCE)
    varbinds: list[tuple[str, Value]] = []
    position = list_start
    while position < list_stop:
        if len(varbinds) == MAX_VARBINDS:
            raise BerError(f"more than {MAX_VARBINDS} varbinds")
        bind_start, bind_stop = _expect(data, position, list_stop, _SEQUENCE)
        oid_start, oid_stop = _expect(data, bind_start, bind_stop, _OID)
        tag, value_start, value_stop = _header(data, oid_stop, bind_stop)
        if value_stop != bind_stop:
            raise BerError(f"extra bytes in a varbind at byte {value_stop}")
        varbinds.append(
            (decode_oid(data[oid_start:oid_stop]), _value(tag, data, value_start, value_stop))
        )
        position = bind_stop
    return Message(
        version, data[community_start:community_stop], fields[0], fields[1], fields[2], varbinds
    )
