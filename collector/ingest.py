"""Ingest checks for one remote_write request: limits, then the site's labels on every series.

Pure functions over a parsed WriteRequest, modified in place (fields this code does not know,
such as exemplars and native histograms, stay as they are).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from agent.wire.remote_write import (
    BodyTooLargeError,
    Label,
    WireError,
    compress,
    decompress,
    parse_write_request,
)
from collector.config import Limits
from collector.store import SiteIdentity

_BY_NAME = attrgetter("name")


class Rejection(Exception):  # noqa: N818 - a rejection is an outcome, not a failure of ours
    """A refused request: 4xx (the sender drops it) or 503 (it retries); `reason` labels the
    rejections metric."""

    def __init__(
        self, reason: str, message: str, status: int = 400, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.headers = headers or {}


@dataclass(frozen=True, slots=True)
class Accepted:
    body: bytes  # re-encoded, relabelled, compressed: ready to forward
    series: int
    samples: int


def _check_label_lengths(series: Any, limits: Limits, index: int) -> None:
    for label in series.labels:
        if len(label.value) > limits.max_label_value_length:
            raise Rejection(
                "label_too_long",
                f"{_describe(series)}: label {label.name!r} is {len(label.value)} characters long,"
                f" over the limit of {limits.max_label_value_length}",
            )
        if len(label.name) > limits.max_label_name_length:
            raise Rejection(
                "label_too_long",
                f"series #{index}: label name {label.name[:64]!r}... is over the limit of "
                f"{limits.max_label_name_length} characters",
            )


def _check_names(series: Any, names: list[str], extra: int, limits: Limits, index: int) -> None:
    if "__name__" not in names or not series.labels[names.index("__name__")].value:
        raise Rejection("missing_metric_name", f"series #{index}: no __name__ label")
    if len(names) + extra > limits.max_labels_per_series:
        raise Rejection(
            "too_many_labels",
            f"{_describe(series)}: {len(names) + extra} labels (with the site's), over the "
            f"limit of {limits.max_labels_per_series}",
        )


def _drop_reserved(series: Any, names: list[str], reserved: frozenset[str]) -> list[str]:
    """Remove the labels only the registry may set (site, province, ...) from the series."""
    for index in range(len(names) - 1, -1, -1):
        if names[index] in reserved:
            del series.labels[index]
    return [name for name in names if name not in reserved]


def _add_site_labels(labels: Any, names: list[str], site_labels: list[Any]) -> None:
    """Insert the site's labels (sorted by name) where they belong; the spec has senders sort
    their labels, so bisecting is enough, and a sender that did not gets a full sort."""
    if names != sorted(names):
        labels.extend(site_labels)
        labels.sort(key=_BY_NAME)
        return
    for inserted, label in enumerate(site_labels):
        labels.insert(bisect_right(names, label.name) + inserted, label)


def _check_times(series: Any, low_ms: int, high_ms: int) -> int:
    timestamps = [sample.timestamp for sample in series.samples]
    if not timestamps:
        return 0
    if min(timestamps) < low_ms:
        raise Rejection(
            "sample_too_old",
            f"{_describe(series)}: sample at {min(timestamps)} ms is older than allowed",
        )
    if max(timestamps) > high_ms:
        raise Rejection(
            "sample_in_future",
            f"{_describe(series)}: sample at {max(timestamps)} ms is too far in the future",
        )
    return len(timestamps)


def _describe(series: Any) -> str:
    labels = [(label.name, label.value) for label in series.labels]
    name = next((v for n, v in labels if n == "__name__"), "?")
    rest = ",".join(f'{n}="{v[:40]}"' for n, v in labels if n != "__name__")
    return f"series {name}{{{rest[:200]}}}"


def relabel_and_check(request: Any, identity: SiteIdentity, limits: Limits, now_ms: int) -> int:
    """Apply every limit and set the site's labels on each series; returns the sample count.

    The hot loop touches label names only: a series whose whole encoding is shorter than the
    length limits cannot hold a label over them, so values are read only for large series.
    """
    count = len(request.timeseries)
    if count > limits.max_series_per_request:
        raise Rejection(
            "too_many_series",
            f"{count} series in one request, over the limit of {limits.max_series_per_request}",
            413,
        )
    low = now_ms - int(limits.max_sample_age * 1000)
    high = now_ms + int(limits.max_future_skew * 1000)
    short = min(limits.max_label_value_length, limits.max_label_name_length)
    reserved = identity.reserved
    site_labels = [Label(name=name, value=value) for name, value in identity.labels]
    samples = 0
    for index, series in enumerate(request.timeseries):
        names = [label.name for label in series.labels]
        if not reserved.isdisjoint(names):
            names = _drop_reserved(series, names, reserved)
        _check_names(series, names, len(site_labels), limits, index)
        if series.ByteSize() > short:
            _check_label_lengths(series, limits, index)
        samples += _check_times(series, low, high)
        _add_site_labels(series.labels, names, site_labels)
    if samples > limits.max_samples_per_request:
        raise Rejection(
            "too_many_samples",
            f"{samples} samples in one request, over the limit of {limits.max_samples_per_request}",
            413,
        )
    return samples


def accept(body: bytes, identity: SiteIdentity, limits: Limits, now_ms: int) -> Accepted:
    """A compressed remote_write body -> the body to forward; Rejection when it must not be."""
    try:
        request = parse_write_request(decompress(body, limits.max_decompressed_bytes))
    except BodyTooLargeError as exc:
        raise Rejection("body_too_large", str(exc), 413) from None
    except WireError as exc:
        raise Rejection("malformed", str(exc)) from None
    samples = relabel_and_check(request, identity, limits, now_ms)
    return Accepted(compress(request.SerializeToString()), len(request.timeseries), samples)
