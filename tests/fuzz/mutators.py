"""Structure-aware mutators for the collector's and the agent's hostile-input fuzzing.

Each mutator starts from a valid input (a remote_write request, an inventory snapshot, an SNMP
response) built here, changes it where its structure gives meaning (a label name, a timestamp,
a histogram span, a JSON value, a BER length or OID arc), and sometimes garbles the bytes
after. All randomness comes from the `random.Random` passed in: a seed gives the same inputs.
Shared by tests/fuzz/test_fuzz.py (bounded, seconds) and bench/fuzz_campaign.py (millions).
"""

from __future__ import annotations

import copy
import json
import math
import random
import struct
import time
from dataclasses import dataclass, field
from typing import Any

import cramjam

from tests.collector.inventories import small_inventory

# --- protobuf, written by hand so any byte can go anywhere -----------------------------------

_MASK64 = (1 << 64) - 1


def varint(value: int) -> bytes:
    value &= _MASK64
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def pb_bytes(number: int, data: bytes) -> bytes:
    return _key(number, 2) + varint(len(data)) + data


def pb_int(number: int, value: int) -> bytes:
    return _key(number, 0) + varint(value)


def pb_double(number: int, value: float) -> bytes:
    return _key(number, 1) + struct.pack("<d", value)


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


@dataclass
class Series:
    labels: list[tuple[bytes, bytes]]
    samples: list[tuple[float, int]]  # (value, timestamp ms)
    exemplars: list[tuple[list[tuple[bytes, bytes]], float, int]] = field(default_factory=list)
    histograms: list[bytes] = field(default_factory=list)  # encoded Histogram messages
    unknown: bytes = b""


@dataclass
class WriteRequest:
    series: list[Series]
    metadata: list[bytes] = field(default_factory=list)  # encoded MetricMetadata messages
    unknown: bytes = b""


def _labels(number: int, labels: list[tuple[bytes, bytes]]) -> bytes:
    return b"".join(
        pb_bytes(number, pb_bytes(1, name) + pb_bytes(2, value)) for name, value in labels
    )


def encode_series(series: Series) -> bytes:
    out = [_labels(1, series.labels)]
    out += [pb_bytes(2, pb_double(1, v) + pb_int(2, ts)) for v, ts in series.samples]
    out += [
        pb_bytes(3, _labels(1, labels) + pb_double(2, v) + pb_int(3, ts))
        for labels, v, ts in series.exemplars
    ]
    out += [pb_bytes(4, histogram) for histogram in series.histograms]
    return b"".join(out) + series.unknown


def encode_write(request: WriteRequest) -> bytes:
    body = b"".join(pb_bytes(1, encode_series(series)) for series in request.series)
    return body + b"".join(pb_bytes(3, meta) for meta in request.metadata) + request.unknown


def histogram(timestamp_ms: int, rng: random.Random) -> bytes:
    """A native histogram (integer counts), sometimes with nonsense spans and counts."""
    spans = pb_bytes(
        11, pb_int(1, _zigzag(rng.choice([0, 1, -5, 2**31]))) + pb_int(2, rng.choice([1, 2, 2**32]))
    )
    deltas = pb_bytes(
        12, b"".join(varint(_zigzag(rng.choice([1, 2, -3, 2**40]))) for _ in range(2))
    )
    return (
        pb_int(1, rng.choice([3, 0, 2**63]))
        + pb_double(3, rng.choice([1.5, math.nan, -1.0]))
        + pb_int(4, _zigzag(rng.choice([0, 3, -4, 9, -100])))
        + pb_double(5, 1e-128)
        + pb_int(6, 0)
        + spans
        + deltas
        + pb_int(15, timestamp_ms)
    )


def metadata(rng: random.Random) -> bytes:
    return (
        pb_int(1, rng.choice([0, 1, 2, 7, 99]))
        + pb_bytes(2, rng.choice([b"fuzz_metric", b"bad\nname", b"\xff\xfe", b""]))
        + pb_bytes(4, rng.choice([b"help", b"x" * 5000, b"a\x00b"]))
        + pb_bytes(5, rng.choice([b"bytes", b""]))
    )


# --- remote_write --------------------------------------------------------------------------

_NAMES = [
    b"", b"a\nb", b"a\x00b", b"__name__", b"site", b"province", b"district", b"commune", b"job",
    b"\xff\xfe", b"\xed\xa0\x80", b"1abc", b"t\xc3\xaan", b"x" * 300, b"n" * 5000, b"le", b"a b",
]  # fmt: skip
_VALUES = [b"", b"B", b"line\nbreak", b"nul\x00", b"\xc3", b"v" * 3000, b'q"uote', b"\\"]
_VALUES_F = [
    math.nan,
    math.inf,
    -math.inf,
    1e308,
    -0.0,
    struct.unpack("<d", b"\x02\x00\x00\x00\x00\x00\xf0\x7f")[0],
]


def timestamps(now_ms: int) -> list[int]:
    day = 86_400_000
    return [now_ms, now_ms + 11 * 60_000, now_ms + 100 * 365 * day, now_ms - 30 * day,
            now_ms - 4 * day, 0, -1, 2**63 - 1, -(2**63), 4_102_444_800_000]  # fmt: skip


def seed_write(now_ms: int, test_id: str = "fuzz") -> WriteRequest:
    labels = [(b"__name__", b"ictinfra_fuzz"), (b"device", b"sw1"), (b"test", test_id.encode())]
    samples = [(float(n), now_ms - 1000 * n) for n in range(3, 0, -1)]
    return WriteRequest([Series(list(labels), list(samples)) for _ in range(2)])


def _mutate_series(series: Series, rng: random.Random, now_ms: int) -> None:
    choice = rng.randrange(10)
    if choice == 0:
        index = rng.randrange(len(series.labels)) if series.labels else 0
        series.labels[index : index + 1] = [(rng.choice(_NAMES), rng.choice(_VALUES))]
    elif choice == 1 and series.labels:
        series.labels.append(rng.choice(series.labels))  # a duplicated label name
    elif choice == 2:
        series.labels = [label for label in series.labels if label[0] != b"__name__"]
    elif choice == 3 and series.samples:
        value, _ = series.samples[-1]
        series.samples[-1] = (value, rng.choice(timestamps(now_ms)))
    elif choice == 4 and series.samples:
        series.samples[0] = (rng.choice(_VALUES_F), series.samples[0][1])
    elif choice == 5:
        series.histograms.append(histogram(rng.choice(timestamps(now_ms)), rng))
    elif choice == 6:
        labels = [(rng.choice([b"site", b"trace_id", b"province", *_NAMES]), rng.choice(_VALUES))]
        series.exemplars.append((labels, 1.0, rng.choice(timestamps(now_ms))))
    elif choice == 7:
        series.samples *= rng.choice([0, 2, 50])
    elif choice == 8:
        series.unknown += pb_bytes(
            rng.choice([5, 99, 1000]), bytes(rng.randrange(256) for _ in range(8))
        )
    else:
        series.labels.sort(reverse=True)


def garble(data: bytes, rng: random.Random) -> bytes:
    """Byte-level damage: flips, cuts, inserts, a runaway varint."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(5)
        where = rng.randrange(len(out) + 1)
        if choice == 0 and out:
            out[min(where, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif choice == 1:
            del out[where:]
        elif choice == 2:
            out[where:where] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif choice == 3:
            out[where:where] = b"\xff" * 10 + b"\x01"
        else:
            out[where:where] = out[: rng.randint(0, 64)]
    return bytes(out)


@dataclass(frozen=True, slots=True)
class HttpCase:
    body: bytes
    headers: dict[str, str]


_WRITE_HEADERS = {"Content-Encoding": "snappy", "Content-Type": "application/x-protobuf"}


def _frame(raw: bytes, rng: random.Random) -> bytes:
    body = bytes(cramjam.snappy.compress_raw(raw))
    roll = rng.random()
    if roll < 0.05:
        return varint(rng.choice([2**31, 2**40, 2**64 - 1])) + body[len(varint(len(raw))) :]
    if roll < 0.10:
        return garble(body, rng)
    if roll < 0.12:
        return raw  # not snappy at all
    return body


def mutate_write(rng: random.Random, now_ms: int, test_id: str = "fuzz") -> HttpCase:
    request = seed_write(now_ms, test_id)
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.8 and request.series:
            _mutate_series(rng.choice(request.series), rng, now_ms)
        elif roll < 0.88:
            request.metadata.append(metadata(rng))
        elif roll < 0.94:
            request.series *= rng.choice([0, 20, 200])
        else:
            request.unknown += pb_bytes(rng.choice([2, 4, 99]), b"\x08\x01")
    raw = encode_write(request)
    if rng.random() < 0.25:
        raw = garble(raw, rng)
    headers = dict(_WRITE_HEADERS)
    if rng.random() < 0.03:
        headers[rng.choice(["Content-Encoding", "Content-Type"])] = rng.choice(
            [
                "gzip",
                "zstd",
                "text/plain",
                "application/x-protobuf;proto=io.prometheus.write.v2.Request",
            ]
        )
    return HttpCase(_frame(raw, rng), headers)


# --- inventory -----------------------------------------------------------------------------

_RAW = "@raw:"  # "@raw:N@" stands for raws[N], raw JSON text put in after serialising
_RAW_TOKENS = [
    "NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000, "18446744073709551616",
    '"\\ud800"', '"\\udc00x\\ud800"', '"ok\\ud83d\\ude00"', "[" * 3000 + "]" * 3000,
    '{"a":' * 2000 + "1" + "}" * 2000, "1.0e-400", "-0", "0.1e1",
]  # fmt: skip
_VALUES_JSON: list[Any] = [
    None, True, False, 0, -1, 2**63, 2**64, 1.5e308, "", "x" * 300, "y" * 100_000, "a\x00b",
    "tên thiết bị", [], {}, [1, 2], {"k": "v"}, "\u202e", "\ufeff",
]  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _parent(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        doc = doc[part]
    return doc


def _mutate_tree(doc: dict[str, Any], rng: random.Random, now: float, raws: list[str]) -> bool:
    """One mutation; True when it grew a list (then it must be the last: growth compounds)."""

    def raw(token: str) -> str:
        raws.append(token)
        return f"{_RAW}{len(raws) - 1}@"

    path = rng.choice(_paths(doc)[1:])
    parent, last = _parent(doc, path), path[-1]
    choice = rng.randrange(8)
    if choice == 0:
        parent[last] = raw(rng.choice(_RAW_TOKENS))
    elif choice == 1:
        parent[last] = copy.deepcopy(rng.choice(_VALUES_JSON))
    elif choice == 2 and isinstance(parent, dict):
        del parent[last]
    elif choice == 3 and isinstance(parent, dict):
        parent[rng.choice(["unknown", "extra_field", "__proto__", ""])] = 1
    elif choice == 4 and isinstance(parent[last], list) and parent[last]:
        parent[last] *= rng.choice([2, 100, 3000])
        return True
    elif choice == 5:
        doc["collected_at"] = rng.choice([now + 86400 * 365 * 80, now + 601, now - 86400 * 365 * 50,
                                          0, -1.0, 1e300, now - 10])  # fmt: skip
    elif choice == 6 and isinstance(parent, dict):
        parent[last] = raw(f'{json.dumps(parent[last])}, "{last}": {json.dumps(parent[last])}')
    else:
        parent[last] = raw("[" * rng.choice([50, 500, 100_000]) + "]" * 3)
    return False


def _serialise(doc: dict[str, Any], raws: list[str]) -> bytes:
    text = json.dumps(doc, ensure_ascii=False)
    for index, token in reversed(list(enumerate(raws))):  # a later token may hold an earlier
        text = text.replace(f'"{_RAW}{index}@"', token)
    return text.encode("utf-8", "surrogatepass")


def mutate_inventory(rng: random.Random, now: float, agent: str = "fuzz-agent") -> bytes:
    doc = small_inventory(agent, now - 60)
    raws: list[str] = []
    for _ in range(rng.randint(1, 3)):
        if _mutate_tree(doc, rng, now, raws):
            break
    body = _serialise(doc, raws)
    roll = rng.random()
    if roll < 0.1:
        return garble(body, rng)
    if roll < 0.13:
        return b"\xef\xbb\xbf" + body
    if roll < 0.16:
        return body.replace(b"a", b"\xc3", 1)  # broken UTF-8
    return body


# --- SNMP responses ------------------------------------------------------------------------


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes((size,))
    body = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(body),)) + body


def tlv(tag: int, body: bytes) -> bytes:
    return bytes((tag,)) + _length(len(body)) + body


def ber_int(value: int) -> bytes:
    return tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def oid_body(arcs: list[int]) -> bytes:
    out = bytearray()
    for arc in [arcs[0] * 40 + arcs[1], *arcs[2:]]:
        chunk, rest = [arc & 0x7F], arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        out.extend(reversed(chunk))
    return bytes(out)


_BER_VALUES = [
    ber_int(42), tlv(0x04, b"Cisco IOS"), tlv(0x41, b"\x00\xff\xff\xff\xff"), tlv(0x42, b"\x10"),
    tlv(0x43, b"\x01\x02"), tlv(0x46, b"\x00" + b"\xff" * 8), tlv(0x40, b"\x0a\x00\x00\x01"),
    tlv(0x06, oid_body([1, 3, 6, 1, 4, 1, 9])), b"\x05\x00", b"\x80\x00", b"\x81\x00", b"\x82\x00",
]  # fmt: skip


def _varbind(rng: random.Random, index: int) -> bytes:
    return tlv(
        0x30, tlv(0x06, oid_body([1, 3, 6, 1, 2, 1, 2, 2, 1, 10, index])) + rng.choice(_BER_VALUES)
    )


def snmp_response(varbinds: list[bytes], request_id: int = 1234, version: int = 1) -> bytes:
    pdu = tlv(0xA2, ber_int(request_id) + ber_int(0) + ber_int(0) + tlv(0x30, b"".join(varbinds)))
    return tlv(0x30, ber_int(version) + tlv(0x04, b"public") + pdu)


_HOSTILE_VARBINDS = [
    tlv(0x30, tlv(0x06, b"\x2b" + b"\x81" * 60_000 + b"\x01") + b"\x05\x00"),  # a 60 KB arc
    tlv(0x30, tlv(0x06, b"\x2b" + b"\x81" * 700 + b"\x01") + b"\x05\x00"),
    tlv(0x30, tlv(0x06, b"\x2b\x06\x01" + b"\x81" * 30) + b"\x05\x00"),  # arc never ends
    tlv(0x30, tlv(0x06, b"") + b"\x05\x00"),
    tlv(0x30, tlv(0x06, b"\x2b\x06") + tlv(0x02, b"\x01" * 5000)),  # a 5000-byte INTEGER
    tlv(0x30, tlv(0x06, b"\x2b\x06") + tlv(0x41, b"\x01" * 20)),
    tlv(0x30, tlv(0x06, b"\x2b\x06") + tlv(0x02, b"")),
    tlv(0x30, tlv(0x06, b"\xff" * 9 + b"\x7f") + b"\x05\x00"),  # a first arc over 2**63
    tlv(0x30, tlv(0x06, b"\x2b\x06") + b"\x04\x84\xff\xff\xff\xff"),  # a 4 GiB length
    tlv(0x30, tlv(0x06, b"\x2b\x06") + b"\x04\x80"),  # indefinite length
    tlv(0x30, tlv(0x06, b"\x2b\x06") + b"\x1f\x81\x00\x00"),  # a multi-byte tag
    tlv(0x30, tlv(0x06, b"\x2b\x06") + tlv(0x30, tlv(0x30, b""))),  # a SEQUENCE as a value
    tlv(0x30, b""),
]  # fmt: skip


def mutate_snmp(rng: random.Random) -> bytes:
    varbinds = [_varbind(rng, n) for n in range(rng.randint(1, 6))]
    roll = rng.random()
    if roll < 0.35:
        varbinds.insert(rng.randrange(len(varbinds) + 1), rng.choice(_HOSTILE_VARBINDS))
    elif roll < 0.40:
        varbinds *= rng.choice([100, 1000])
    request_id = rng.choice([1234, 0, -1, 2**31 - 1, 2**31, -(2**63), 2**200])
    version = rng.choice([0, 1, 1, 1, 3, -1, 2**70])
    datagram = snmp_response(varbinds, request_id, version)
    roll = rng.random()
    if roll < 0.4:
        return garble(datagram, rng)
    if roll < 0.45:
        return datagram[: rng.randrange(len(datagram))]
    if roll < 0.5:
        return datagram + bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return datagram


def now_ms() -> int:
    return int(time.time() * 1000)
