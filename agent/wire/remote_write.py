"""Prometheus remote_write 1.0 on the wire: protobuf messages, snappy block format, headers.

The one definition used by the agent (sender) and the collector (receiver and forwarder).

The messages are the subset of prometheus/prompb `types.proto` and `remote.proto` (Apache-2.0,
Copyright The Prometheus Authors) that remote_write 1.0 needs: WriteRequest, TimeSeries, Label,
Sample. They are described here as a FileDescriptorProto built in Python, so no protoc is needed
at build or install time. Fields this subset leaves out (exemplars, native histograms, metadata)
are kept by protobuf as unknown fields, so a message parsed and re-serialised loses nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cramjam
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

from agent.errors import IctinfraError
from agent.model import MetricFamily

#: Request headers the remote_write 1.0 spec requires of a sender.
WRITE_HEADERS: Mapping[str, str] = {
    "Content-Encoding": "snappy",
    "Content-Type": "application/x-protobuf",
    "X-Prometheus-Remote-Write-Version": "0.1.0",
}

LabelPairs = tuple[tuple[str, str], ...]
SamplePoint = tuple[int, float]  # (timestamp in ms since the epoch, value)
SeriesInput = tuple[Mapping[str, str] | Sequence[tuple[str, str]], Sequence[SamplePoint]]


class WireError(IctinfraError):
    """A remote_write body that is not valid snappy or not a valid WriteRequest."""


class BodyTooLargeError(WireError):
    """A body that would decompress to more bytes than the receiver allows."""


@dataclass(frozen=True, slots=True)
class Series:
    """One time series: labels sorted by name (including __name__) and its samples."""

    labels: LabelPairs
    samples: tuple[SamplePoint, ...]

    @property
    def label_dict(self) -> dict[str, str]:
        return dict(self.labels)


def _build_messages() -> tuple[type[Message], type[Message], type[Message], type[Message]]:
    """prompb's messages, from a FileDescriptorProto in a private pool (no clash with others)."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="ictinfra/prompb_remote.proto", package="prometheus", syntax="proto3"
    )
    field = descriptor_pb2.FieldDescriptorProto
    optional, repeated = field.LABEL_OPTIONAL, field.LABEL_REPEATED

    def message(name: str, fields: list[tuple[str, int, int, int, str]]) -> None:
        msg = proto.message_type.add(name=name)
        for field_name, number, label, kind, type_name in fields:
            added = msg.field.add(name=field_name, number=number, label=label, type=kind)
            if type_name:
                added.type_name = type_name

    double, int64, string, nested = (
        field.TYPE_DOUBLE,
        field.TYPE_INT64,
        field.TYPE_STRING,
        field.TYPE_MESSAGE,
    )
    message("Sample", [("value", 1, optional, double, ""), ("timestamp", 2, optional, int64, "")])
    message("Label", [("name", 1, optional, string, ""), ("value", 2, optional, string, "")])
    message(
        "TimeSeries",
        [
            ("labels", 1, repeated, nested, ".prometheus.Label"),
            ("samples", 2, repeated, nested, ".prometheus.Sample"),
        ],
    )
    message("WriteRequest", [("timeseries", 1, repeated, nested, ".prometheus.TimeSeries")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    classes = [
        message_factory.GetMessageClass(pool.FindMessageTypeByName(f"prometheus.{name}"))
        for name in ("WriteRequest", "TimeSeries", "Label", "Sample")
    ]
    return classes[0], classes[1], classes[2], classes[3]


WriteRequest, TimeSeries, Label, Sample = _build_messages()


# --- compression -------------------------------------------------------------------------


def snappy_uncompressed_length(body: bytes) -> int:
    """The length a snappy block says it decompresses to (its leading varint), without work."""
    length = 0
    for shift, byte in zip(range(0, 35, 7), body[:5], strict=False):
        length |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return length
    raise WireError("body is not snappy block format: bad length header")


def compress(raw: bytes) -> bytes:
    return bytes(cramjam.snappy.compress_raw(raw))


def decompress(body: bytes, max_uncompressed: int | None = None) -> bytes:
    """Snappy block -> bytes; WireError on a bad block or one over `max_uncompressed` bytes."""
    if not body:
        raise WireError("empty body: expected a snappy-compressed WriteRequest")
    claimed = snappy_uncompressed_length(body)
    if max_uncompressed is not None and claimed > max_uncompressed:
        raise BodyTooLargeError(
            f"body decompresses to {claimed} bytes, over the limit of {max_uncompressed}"
        )
    try:
        return bytes(cramjam.snappy.decompress_raw(body))
    except Exception as exc:  # cramjam raises its own DecompressionError
        raise WireError(f"body is not snappy block format (or is truncated): {exc}") from None


# --- messages ------------------------------------------------------------------------------


def parse_write_request(raw: bytes) -> Any:
    """Uncompressed bytes -> a WriteRequest message; WireError when they are not one."""
    request = WriteRequest()
    try:
        request.ParseFromString(raw)
    except DecodeError as exc:
        raise WireError(f"body is not a remote_write WriteRequest protobuf: {exc}") from None
    return request


def _sorted_pairs(labels: Mapping[str, str] | Sequence[tuple[str, str]]) -> LabelPairs:
    pairs = labels.items() if isinstance(labels, Mapping) else labels
    return tuple(sorted((str(k), str(v)) for k, v in pairs))


def build_write_request(series: Iterable[SeriesInput], *, labels_sorted: bool = False) -> Any:
    """Series -> WriteRequest message, labels sorted by name as the spec requires.

    `labels_sorted`: the caller's labels are already sorted (name, value) string pairs, as
    families_to_series gives them; they are not sorted again."""
    request: Any = WriteRequest()
    for labels, samples in series:
        ts = request.timeseries.add()
        pairs: Sequence[tuple[str, str]]
        if labels_sorted and not isinstance(labels, Mapping):
            pairs = labels
        else:
            pairs = _sorted_pairs(labels)
        for name, text in pairs:
            ts.labels.add(name=name, value=text)
        for timestamp_ms, value in samples:
            ts.samples.add(value=float(value), timestamp=int(timestamp_ms))
    return request


def encode_write_request(series: Iterable[SeriesInput]) -> bytes:
    """Series -> the compressed body of one remote_write POST."""
    return compress(build_write_request(series).SerializeToString())


def request_to_series(request: Any) -> list[Series]:
    return [
        Series(
            labels=tuple((label.name, label.value) for label in ts.labels),
            samples=tuple((sample.timestamp, sample.value) for sample in ts.samples),
        )
        for ts in request.timeseries
    ]


def decode_write_request(body: bytes, max_uncompressed: int | None = None) -> list[Series]:
    """The compressed body of a remote_write POST -> its series; WireError when malformed."""
    return request_to_series(parse_write_request(decompress(body, max_uncompressed)))


# --- from the agent's model ----------------------------------------------------------------


def families_to_series(
    families: Iterable[MetricFamily],
    timestamp_ms: int,
    extra_labels: Mapping[str, str] | None = None,
) -> list[tuple[LabelPairs, list[SamplePoint]]]:
    """One collection's families -> series input for encode_write_request, all at one time.

    Empty label values are dropped (Prometheus treats an empty label as absent); NaN stays NaN.
    """
    extra = tuple((extra_labels or {}).items())
    out: list[tuple[LabelPairs, list[SamplePoint]]] = []
    for family in families:
        names = family.label_names
        for values, value in family.samples:
            pairs = [("__name__", family.name), *extra]
            pairs.extend((n, v) for n, v in zip(names, values, strict=True) if v != "")
            out.append((tuple(sorted(pairs)), [(timestamp_ms, _as_float(value))]))
    return out


def _as_float(value: float | int) -> float:
    return float(value) if not isinstance(value, float) else value


__all__ = [
    "WRITE_HEADERS",
    "BodyTooLargeError",
    "Label",
    "Sample",
    "Series",
    "TimeSeries",
    "WireError",
    "WriteRequest",
    "build_write_request",
    "compress",
    "decode_write_request",
    "decompress",
    "encode_write_request",
    "families_to_series",
    "parse_write_request",
    "request_to_series",
    "snappy_uncompressed_length",
]
