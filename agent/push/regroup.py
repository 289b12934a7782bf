"""Merge queued WriteRequests into one, gathering each series' samples under one TimeSeries.

A queued row holds one collector run: every series with one sample. Concatenating rows would
already be a valid WriteRequest (a repeated field concatenates), but it repeats every series'
labels once per sample: 20 cycles of 2,000 series are 40,000 TimeSeries. Gathered, they are
2,000 TimeSeries of 20 samples: about 40 % fewer bytes on the wire, and the receiver parses,
authenticates and relabels each series once instead of 20 times.

This works on the bytes, without decoding into protobuf objects (which would cost the agent
several µs a sample): a TimeSeries is its label fields (field 1) followed by its sample fields
(field 2). The split point is found by checking the one-sample layouts our encoder writes, and
accepted only if the prefix parses as whole label fields ending exactly there, so the parse is
exactly protobuf's; anything else is passed through unchanged. Order is kept: series in order of
first appearance, each series' samples in queue order.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

_TIMESERIES = 0x0A  # WriteRequest.timeseries: field 1, length-delimited
_LABEL = 0x0A  # TimeSeries.labels: field 1, length-delimited
_SAMPLE = 0x12  # TimeSeries.samples: field 2, length-delimited
# A one-sample tail: tag, length, then Sample {double value (9 bytes, omitted when 0.0),
# int64 timestamp (1 + 6 bytes for today's milliseconds)}.
_SAMPLE_TAILS = (18, 9)


class _MalformedError(ValueError):
    pass


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise _MalformedError("truncated varint")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7


def _encode_varint(value: int) -> bytes:
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _whole_fields(data: bytes, tag: int) -> bool:
    """`data` is a run of length-delimited fields with this tag, ending exactly at its end."""
    pos = 0
    try:
        while pos < len(data):
            if data[pos] != tag:
                return False
            length, pos = _varint(data, pos + 1)
            pos += length
    except _MalformedError:
        return False
    return pos == len(data)


def _split(series: bytes, known: Container[bytes]) -> tuple[bytes, bytes] | None:
    """(label bytes, sample bytes) of one serialized TimeSeries, or None if not that layout."""
    for tail in _SAMPLE_TAILS:
        if len(series) > tail and series[-tail] == _SAMPLE and series[1 - tail] == tail - 2:
            labels = series[:-tail]
            if labels in known or _whole_fields(labels, _LABEL):
                return labels, series[-tail:]
    pos = 0  # the general case: labels first, then one or more samples
    try:
        while pos < len(series) and series[pos] == _LABEL:
            length, pos = _varint(series, pos + 1)
            pos += length
    except _MalformedError:
        return None
    labels, samples = series[:pos], series[pos:]
    if pos > len(series) or not _whole_fields(samples, _SAMPLE):
        return None
    return labels, samples


def merge_write_requests(requests: Iterable[bytes]) -> bytes:
    """Serialized WriteRequests -> one, with each series' samples under a single TimeSeries."""
    requests = list(requests)
    groups: dict[bytes, list[bytes]] = {}
    passthrough: list[bytes] = []
    try:
        for raw in requests:
            pos = 0
            while pos < len(raw):
                if raw[pos] != _TIMESERIES:
                    raise _MalformedError("not a WriteRequest of time series only")
                length, start = _varint(raw, pos + 1)
                pos = start + length
                if pos > len(raw):
                    raise _MalformedError("truncated time series")
                series = raw[start:pos]
                parts = _split(series, groups.keys())
                if parts is None:
                    passthrough.append(series)
                else:
                    groups.setdefault(parts[0], []).append(parts[1])
    except _MalformedError:
        return b"".join(requests)  # still a valid concatenation: the receiver will judge it
    out: list[bytes] = []
    for labels, samples in groups.items():
        body = labels + b"".join(samples)
        out += (b"\x0a", _encode_varint(len(body)), body)
    for series in passthrough:
        out += (b"\x0a", _encode_varint(len(series)), series)
    return b"".join(out)
