"""The fast path's contract (collector/_fastpath.c) in pure Python: the fallback where the C is
not built, and what `ICTINFRA_INGEST_FASTPATH=0` runs before the protobuf path.

Same signature and answers as `_fastpath.relabel`: for a float-only, canonically encoded request
that passes every check, the relabelled body, byte for byte what the protobuf path gives; None
for anything else (that path then decides, so no refusal is ever made here).

It walks the bytes and makes no Python object per label. A series' labels are contiguous, and an
agent resends the same series every push: each label block is checked once and its rewritten
bytes (reserved labels dropped, the site's merged in) are remembered, so a known series costs a
`find`, one dict lookup and a look at its samples. Samples of the usual shape (a value, a 6-byte
timestamp varint, 18 bytes) are matched in runs by one regular expression and their timestamps
unpacked by one `struct` call, both in C.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field

from collector.names import LABEL_NAMES, METRIC_NAMES

CACHE_LIMIT = 32_768  # label blocks remembered; over it, all are forgotten at once
CACHE_BLOCK_MAX = 512  # longer label blocks are checked every time, not remembered
_TS6_LOW, _TS6_HIGH = 1 << 35, (1 << 42) - 1  # timestamps whose varint is 6 bytes (1971-2109)
#: Sample{value != +0.0 bits, timestamp as a minimal 6-byte varint}: 18 bytes, and runs of them.
_SAMPLE_START = b"\x12\x10\x09"  # tag, length 16, the value's tag
_ONE_SAMPLE = re.compile(rb"\x12\x10\x09(?!\x00{8}).{8}\x10[\x80-\xff]{5}[\x01-\x7f]", re.S)
_SAMPLE_RUN = re.compile(b"(?:" + _ONE_SAMPLE.pattern + b")*", re.S)
_STRIDE = 18
#: _ONE_SAMPLE's fixed bits (tags, length, the varint's continuation bits) when the sample is
#: read as one 144-bit little-endian integer: the live push's one sample checked in a few ops.
_FIXED_MASK = 0xFFFFFF | 0xFF << 88 | sum(0x80 << 8 * k for k in range(12, 18))
_FIXED_BITS = 0x091012 | 0x10 << 88 | sum(0x80 << 8 * k for k in range(12, 17))
_VALUE_BITS = (1 << 64) - 1
_CHUNK = 128  # samples of a run unpacked at once
_ZERO_BITS = bytes(8)


class _NotFast(Exception):  # noqa: N818 - an outcome: the protobuf path decides
    """Raised anywhere inside; `relabel` answers None."""


@dataclass(frozen=True, slots=True, eq=False)
class _Rules:
    """What a label block's verdict depends on; one object per distinct set (interned), with
    the blocks that passed under it: label block -> (the header of a one-sample series + the
    rewritten block, that header's length), so a live push's series is two pieces."""

    reserved: frozenset[bytes]
    site_names: tuple[bytes, ...]
    site_fields: tuple[bytes, ...]  # each encoded as a TimeSeries.labels field
    max_labels: int
    max_name: int
    max_value: int
    blocks: dict[bytes, tuple[bytes, int]] = field(default_factory=dict)


class _Remembered:
    """How many blocks all rules hold; at CACHE_LIMIT every one is forgotten."""

    count = 0

    @classmethod
    def keep(cls, rules: _Rules, block: bytes, entry: tuple[bytes, int]) -> None:
        if cls.count >= CACHE_LIMIT:
            for other in (rules, *_rules.values()):
                other.blocks.clear()
            cls.count = 0
        rules.blocks[block] = entry
        cls.count += 1


@dataclass(slots=True)
class _Window:
    """The timestamps (ms) allowed. A 6-byte varint read as a little-endian integer orders as
    the numbers do, so [low6, high6] bounds the usual samples' timestamps; a usual sample's
    last 8 bytes so read are that over 16 bits (the value's last byte, the tag): [low8, high8)."""

    low: int
    high: int
    low6: int = field(init=False)
    high6: int = field(init=False)
    low8: int = field(init=False)
    high8: int = field(init=False)

    def __post_init__(self) -> None:
        low, high = max(self.low, _TS6_LOW), min(self.high, _TS6_HIGH)
        self.low6, self.high6 = (_as_int(low), _as_int(high)) if low <= high else (1, 0)
        self.low8, self.high8 = self.low6 << 16, (self.high6 + 1) << 16


_rules: dict[tuple[tuple[bytes, ...], bytes, int, int, int], _Rules] = {}
_headers: dict[int, bytes] = {}
_layouts: dict[int, struct.Struct] = {}


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _as_int(timestamp: int) -> int:
    return int.from_bytes(encode_varint(timestamp), "little")


def _read_varint(raw: bytes, p: int, end: int) -> tuple[int, int]:
    """(value, position after) of a minimal varint within 64 bits at raw[p:end], as the C."""
    value = 0
    for shift in range(0, 64, 7):
        if p >= end:
            break
        byte = raw[p]
        p += 1
        if shift == 63 and byte > 1:
            break
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            if byte == 0 and shift > 0:
                break
            return value, p
    raise _NotFast


def _read_length(raw: bytes, p: int, end: int) -> tuple[int, int]:
    """(start, end) of the length-delimited payload whose length varint is at raw[p]."""
    size = raw[p] if p < end else 0x80
    if size < 0x80:
        start = p + 1
    else:
        size, start = _read_varint(raw, p, end)
    if size > end - start:
        raise _NotFast
    return start, start + size


def _parse_label(raw: bytes, p: int, end: int) -> tuple[bytes, bytes]:
    """(name, value) of a canonical Label (name then value, each only when not empty)."""
    parts = [b"", b""]
    for index, tag in enumerate((0x0A, 0x12)):
        if p < end and raw[p] == tag:
            start, p = _read_length(raw, p + 1, end)
            if start == p:
                raise _NotFast
            parts[index] = raw[start:p]
    if p != end:
        raise _NotFast
    return parts[0], parts[1]


def _load_rules(
    reserved: tuple[bytes, ...], site: bytes, max_labels: int, max_name: int, max_value: int
) -> _Rules:
    """The site's labels split by name (strictly sorted, at most 64, as the C takes them)."""
    names: list[bytes] = []
    fields: list[bytes] = []
    p = 0
    try:
        while p < len(site):
            if site[p] != 0x0A:
                raise _NotFast
            start, end = _read_length(site, p + 1, len(site))
            name = _parse_label(site, start, end)[0]
            if (names and names[-1] >= name) or len(names) == 64 or len(reserved) > 64:
                raise _NotFast
            names.append(name)
            fields.append(site[p:end])
            p = end
    except _NotFast:
        raise ValueError("too many reserved or site labels, or site labels unsorted") from None
    rules = _Rules(
        frozenset(reserved), tuple(names), tuple(fields), max_labels, max_name, max_value
    )
    if len(_rules) >= 256:
        _rules.clear()  # their blocks go with them (but for requests still using them)
        _Remembered.count = 0
    _rules[(reserved, site, max_labels, max_name, max_value)] = rules
    return rules


def _check_label(name: bytes, value: bytes, rules: _Rules) -> None:
    """The checks of a label that is kept (not reserved)."""
    if len(name) > rules.max_name or len(value) > rules.max_value:
        raise _NotFast
    if not LABEL_NAMES.valid_bytes(name):
        raise _NotFast
    if name == b"__name__" and not METRIC_NAMES.valid_bytes(value):
        raise _NotFast


def _relabel_block(block: bytes, rules: _Rules) -> bytes:
    """A series' label fields -> the same with the reserved ones dropped and the site's merged in
    at their sorted place (a sender's label first on equal names), if all pass."""
    out: list[bytes] = []
    names: list[bytes] = []
    site, p = 0, 0
    while p < len(block):  # block[p] is 0x0A: the caller found the block's end so
        start = p
        body, p = _read_length(block, p + 1, len(block))
        name, value = _parse_label(block, body, p)
        try:
            value.isascii() or value.decode()  # strict UTF-8, as upb and the C check it
        except UnicodeDecodeError:
            raise _NotFast from None
        if name in rules.reserved:
            continue
        _check_label(name, value, rules)
        if names and names[-1] >= name:
            raise _NotFast
        while site < len(rules.site_names) and name > rules.site_names[site]:
            out.append(rules.site_fields[site])
            site += 1
        out.append(block[start:p])
        names.append(name)
    if b"__name__" not in names or len(names) + len(rules.site_names) > rules.max_labels:
        raise _NotFast
    return b"".join(out + list(rules.site_fields[site:]))


def _checked_block(block: bytes, rules: _Rules) -> tuple[bytes, int]:
    """The cache's entry for a series' label block, made (and kept, if short) if need be."""
    known = rules.blocks.get(block)
    if known is not None:
        return known
    rewritten = _relabel_block(block, rules)
    header = _header(len(rewritten) + _STRIDE)
    known = (header + rewritten, len(header))
    if len(block) <= CACHE_BLOCK_MAX:
        _Remembered.keep(rules, block, known)
    return known


def _label_block_end(raw: bytes, p: int, end: int) -> int:
    """Where the Label fields from raw[p] end (their tags and lengths are read, no more)."""
    while p < end and raw[p] == 0x0A:
        size = raw[p + 1]
        p = p + 2 + size if size < 0x80 else _read_length(raw, p + 1, end)[1]
    if p > end:
        raise _NotFast
    return p


def _check_sample(raw: bytes, p: int, end: int, window: _Window) -> None:
    """One canonical Sample message at raw[p:end] (value if its bits are not 0, timestamp if not
    0), its timestamp in the window."""
    if p < end and raw[p] == 0x09:
        if end - p < 9 or raw[p + 1 : p + 9] == _ZERO_BITS:
            raise _NotFast
        p += 9
    timestamp = 0
    if p < end and raw[p] == 0x10:
        timestamp, p = _read_varint(raw, p + 1, end)
        if timestamp == 0:
            raise _NotFast
        timestamp -= (timestamp >> 63) << 64  # as int64
    if p != end or not window.low <= timestamp <= window.high:
        raise _NotFast


def _layout(samples: int) -> struct.Struct:
    """Each sample's last 8 bytes of a run, as integers (_Window)."""
    return _layouts.setdefault(samples, struct.Struct("<" + "10xQ" * samples))


def _check_run(raw: bytes, p: int, end: int, window: _Window) -> None:
    """The timestamps of raw[p:end], a run of _SAMPLE_RUN, all in the window."""
    while p < end:
        chunk = min((end - p) // _STRIDE, _CHUNK)
        stamps = (_layouts.get(chunk) or _layout(chunk)).unpack_from(raw, p)
        if min(stamps) < window.low8 or max(stamps) >= window.high8:
            raise _NotFast
        p += chunk * _STRIDE


def _count_samples(raw: bytes, p: int, end: int, window: _Window) -> int:
    """The Sample fields of raw[p:end] (it holds nothing else), all in the window."""
    count = 0
    while p < end:
        run = _SAMPLE_RUN.match(raw, p, end)
        if run and run.end() > p:
            count += (run.end() - p) // _STRIDE
            _check_run(raw, p, run.end(), window)
            p = run.end()
            continue
        if raw[p] != 0x12:
            raise _NotFast
        start, p = _read_length(raw, p + 1, end)
        _check_sample(raw, start, p, window)
        count += 1
    return count


def _series_bounds(raw: bytes, p: int, n: int) -> tuple[int, int]:
    """(start, end) of the payload whose length varint is at raw[p]: one or two bytes inline."""
    size = raw[p]
    if size < 0x80:
        start = p + 1
    elif 0 < raw[p + 1] < 0x80:
        start, size = p + 2, size & 0x7F | raw[p + 1] << 7
    else:
        return _read_length(raw, p, n)
    if start + size > n:
        raise _NotFast
    return start, start + size


def _header(size: int) -> bytes:
    """The tag and length of a TimeSeries field of `size` bytes."""
    header = _headers.get(size)
    if header is None:
        header = b"\x0a" + encode_varint(size)
        if size < 1 << 14:
            _headers[size] = header
    return header


def _rewrite(
    raw: bytes, rules: _Rules, window: _Window, max_series: int
) -> tuple[list[bytes], int, int]:
    """The pieces of the new body, the series and the samples, if every series passes."""
    pieces: list[bytes] = []
    count = samples = p = 0
    n, blocks = len(raw), rules.blocks
    while p < n:
        count += 1
        if raw[p] != 0x0A or count > max_series:
            raise _NotFast
        start, end = _series_bounds(raw, p + 1, n)
        p = raw.find(_SAMPLE_START, start, end)  # a guess at the label block's end: a hit
        known = blocks.get(raw[start:p]) if p > start else None  # proves it (a block is whole)
        if known is None:
            p = _label_block_end(raw, start, end)
            known = _checked_block(raw[start:p], rules)
        sample = raw[p:end]
        one = int.from_bytes(sample, "little") if end - p == _STRIDE else 0
        if (  # a live push: one usual sample, in the window (else the general case decides)
            one & _FIXED_MASK == _FIXED_BITS
            and one >> 24 & _VALUE_BITS
            and window.low6 <= one >> 96 <= window.high6
        ):
            samples += 1
            pieces += (known[0], sample)
        else:
            samples += _count_samples(raw, p, end, window)
            labels = known[0][known[1] :]
            pieces += (_header(len(labels) + end - p), labels, sample)
        p = end
    return pieces, count, samples


def relabel(
    raw: bytes, reserved: tuple[bytes, ...], site: bytes, /, *numbers: int
) -> tuple[bytes, int, int] | None:
    """(body, series, samples) as `_fastpath.relabel` gives them (its arguments: max_series,
    max_samples, max_labels, max_name, max_value, low_ms, high_ms), or None: ask the protobuf
    path."""
    max_series, max_samples, max_labels, max_name, max_value, low_ms, high_ms = numbers
    limits = (max_labels, max_name, max_value)
    rules = _rules.get((reserved, site, *limits)) or _load_rules(reserved, site, *limits)
    try:
        pieces, count, samples = _rewrite(raw, rules, _Window(low_ms, high_ms), max_series)
    except (_NotFast, IndexError):  # IndexError: a length byte past the end of the body
        return None
    return (b"".join(pieces), count, samples) if samples <= max_samples else None
