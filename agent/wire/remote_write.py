"""Prometheus remote_write 1.0 on the wire: protobuf messages, snappy block format, headers.

The one definition used by the agent (sender) and the collector (receiver and forwarder).

The messages are the subset of prometheus/prompb `types.proto` and `remote.proto` (Apache-2.0,
Copyright The Prometheus Authors) that remote_write 1.0 needs: WriteRequest, TimeSeries, Label,
Sample, Exemplar, Histogram (native), BucketSpan, MetricMetadata. They are described here as a
FileDescriptorProto built in Python, so no protoc is needed at build or install time. A field
this schema does not know is kept by protobuf as an unknown field; `unknown_field` finds one, so
a receiver can refuse what it cannot check instead of forwarding it unchecked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cramjam
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message
from google.protobuf.unknown_fields import UnknownFieldSet

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


_Field = tuple[str, int, int, int, str] | tuple[str, int, int, int, str, int]


def _prompb_file() -> descriptor_pb2.FileDescriptorProto:
    """prompb's remote_write 1.0 messages as a FileDescriptorProto (field numbers as upstream)."""
    proto = descriptor_pb2.FileDescriptorProto(
        name="ictinfra/prompb_remote.proto", package="prometheus", syntax="proto3"
    )
    field = descriptor_pb2.FieldDescriptorProto
    opt, rep = field.LABEL_OPTIONAL, field.LABEL_REPEATED
    double, int64, string = field.TYPE_DOUBLE, field.TYPE_INT64, field.TYPE_STRING
    uint64, uint32, int32 = field.TYPE_UINT64, field.TYPE_UINT32, field.TYPE_INT32
    sint32, sint64, nested = field.TYPE_SINT32, field.TYPE_SINT64, field.TYPE_MESSAGE

    def message(name: str, fields: list[_Field], oneofs: tuple[str, ...] = ()) -> None:
        msg = proto.message_type.add(name=name)
        for oneof in oneofs:
            msg.oneof_decl.add(name=oneof)
        for field_name, number, label, kind, type_name, *oneof_index in fields:
            added = msg.field.add(name=field_name, number=number, label=label, type=kind)
            if type_name:
                added.type_name = type_name
            if oneof_index:
                added.oneof_index = oneof_index[0]

    message("Sample", [("value", 1, opt, double, ""), ("timestamp", 2, opt, int64, "")])
    message("Label", [("name", 1, opt, string, ""), ("value", 2, opt, string, "")])
    message(
        "Exemplar",
        [
            ("labels", 1, rep, nested, ".prometheus.Label"),
            ("value", 2, opt, double, ""),
            ("timestamp", 3, opt, int64, ""),
        ],
    )
    message("BucketSpan", [("offset", 1, opt, sint32, ""), ("length", 2, opt, uint32, "")])
    spans = ".prometheus.BucketSpan"
    message(
        "Histogram",
        [
            ("count_int", 1, opt, uint64, "", 0),
            ("count_float", 2, opt, double, "", 0),
            ("sum", 3, opt, double, ""),
            ("schema", 4, opt, sint32, ""),
            ("zero_threshold", 5, opt, double, ""),
            ("zero_count_int", 6, opt, uint64, "", 1),
            ("zero_count_float", 7, opt, double, "", 1),
            ("negative_spans", 8, rep, nested, spans),
            ("negative_deltas", 9, rep, sint64, ""),
            ("negative_counts", 10, rep, double, ""),
            ("positive_spans", 11, rep, nested, spans),
            ("positive_deltas", 12, rep, sint64, ""),
            ("positive_counts", 13, rep, double, ""),
            ("reset_hint", 14, opt, int32, ""),  # an enum upstream; the same varint on the wire
            ("timestamp", 15, opt, int64, ""),
            ("custom_values", 16, rep, double, ""),  # bucket bounds of schema -53 (NHCB)
        ],
        ("count", "zero_count"),
    )
    message(
        "TimeSeries",
        [
            ("labels", 1, rep, nested, ".prometheus.Label"),
            ("samples", 2, rep, nested, ".prometheus.Sample"),
            ("exemplars", 3, rep, nested, ".prometheus.Exemplar"),
            ("histograms", 4, rep, nested, ".prometheus.Histogram"),
        ],
    )
    message(
        "MetricMetadata",
        [
            ("type", 1, opt, int32, ""),  # an enum upstream (MetricType): 0..7
            ("metric_family_name", 2, opt, string, ""),
            ("help", 4, opt, string, ""),
            ("unit", 5, opt, string, ""),
        ],
    )
    message(
        "WriteRequest",
        [
            ("timeseries", 1, rep, nested, ".prometheus.TimeSeries"),
            ("metadata", 3, rep, nested, ".prometheus.MetricMetadata"),
        ],
    )
    # The same wire format seen as float samples only (what agents send): anything else in it is
    # an unknown field, found in C. Label and Sample are shared, so messages mix freely.
    message(
        "FloatTimeSeries",
        [
            ("labels", 1, rep, nested, ".prometheus.Label"),
            ("samples", 2, rep, nested, ".prometheus.Sample"),
        ],
    )
    message("FloatWriteRequest", [("timeseries", 1, rep, nested, ".prometheus.FloatTimeSeries")])
    return proto


def _build_messages() -> tuple[type[Message], ...]:
    """prompb's messages, from a FileDescriptorProto in a private pool (no clash with others)."""
    pool = descriptor_pool.DescriptorPool()
    pool.Add(_prompb_file())
    return tuple(
        message_factory.GetMessageClass(pool.FindMessageTypeByName(f"prometheus.{name}"))
        for name in (
            "WriteRequest",
            "TimeSeries",
            "Label",
            "Sample",
            "Exemplar",
            "Histogram",
            "FloatWriteRequest",
        )
    )


WriteRequest, TimeSeries, Label, Sample, Exemplar, Histogram, FloatWriteRequest = _build_messages()


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


def parse_float_samples(raw: bytes) -> Any | None:
    """Uncompressed bytes -> a FloatWriteRequest when they hold nothing but series of labels and
    float samples (the common case, cheaper to check), else None (parse_write_request them).

    Whatever else is there is an unknown field of FloatWriteRequest: after dropping those, the
    message's size is no longer the body's. (A valid but non-canonical encoding, e.g. a field
    repeated, also changes the size: such a body takes the full path, which is as correct.)"""
    request = FloatWriteRequest()
    try:
        request.ParseFromString(raw)
    except DecodeError as exc:
        raise WireError(f"body is not a remote_write WriteRequest protobuf: {exc}") from None
    request.DiscardUnknownFields()
    return request if request.ByteSize() == len(raw) else None


def strip_unknown_fields(message: Any) -> bool:
    """Drop every field this schema does not know, anywhere in the tree; True if there was one.

    In C (upb) at a cost of two size walks, so a receiver can afford it on every request."""
    size = message.ByteSize()
    message.DiscardUnknownFields()
    return bool(message.ByteSize() != size)


def first_unknown_field(message: Any, path: str = "WriteRequest") -> str | None:
    """Where the first unknown field is (`WriteRequest.timeseries[3]: field 9`), or None.
    A slow walk in Python: for the message of a request already found to have one."""
    unknown = UnknownFieldSet(message)
    if len(unknown):
        return f"{path}: field {unknown[0].field_number}"
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        items = value if field.is_repeated else [value]
        for index, item in enumerate(items):
            found = first_unknown_field(item, f"{path}.{field.name}[{index}]")
            if found is not None:
                return found
    return None


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
    "Exemplar",
    "FloatWriteRequest",
    "Histogram",
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
    "first_unknown_field",
    "parse_float_samples",
    "parse_write_request",
    "request_to_series",
    "snappy_uncompressed_length",
    "strip_unknown_fields",
]
