"""Ingest checks for one remote_write request: limits, then the site's labels on every series.

Pure functions over a parsed WriteRequest, modified in place (fields this code does not know,
such as exemplars and native histograms, stay as they are).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agent.wire.remote_write import (
    BodyTooLargeError,
    WireError,
    compress,
    decompress,
    parse_write_request,
)
from collector.config import Limits
from collector.store import SiteIdentity


class Rejection(Exception):  # noqa: N818 - a rejection is an outcome, not a failure of ours
    """A request refused with a 4xx; `reason` is the rejections metric's label."""

    def __init__(self, reason: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class Accepted:
    body: bytes  # re-encoded, relabelled, compressed: ready to forward
    series: int
    samples: int


def _labels_of(
    series: Any, identity: SiteIdentity, limits: Limits, where: str
) -> list[tuple[str, str]]:
    kept = [
        (label.name, label.value) for label in series.labels if label.name not in identity.reserved
    ]
    if not any(name == "__name__" and value for name, value in kept):
        raise Rejection("missing_metric_name", f"{where}: no __name__ label")
    labels = sorted(kept + list(identity.labels))
    if len(labels) > limits.max_labels_per_series:
        raise Rejection(
            "too_many_labels",
            f"{where}: {len(labels)} labels (with the site's), over the limit of "
            f"{limits.max_labels_per_series}",
        )
    for name, value in labels:
        if len(name) > limits.max_label_name_length:
            raise Rejection("label_too_long", f"{where}: label name {name[:64]!r}... too long")
        if len(value) > limits.max_label_value_length:
            raise Rejection(
                "label_too_long",
                f"{where}: label {name!r} is {len(value)} characters long, over the limit of "
                f"{limits.max_label_value_length}",
            )
    return labels


def _check_times(series: Any, low_ms: int, high_ms: int, where: str) -> int:
    count = 0
    for sample in series.samples:
        ts = sample.timestamp
        if ts < low_ms:
            raise Rejection("sample_too_old", f"{where}: sample at {ts} ms is older than allowed")
        if ts > high_ms:
            raise Rejection(
                "sample_in_future", f"{where}: sample at {ts} ms is too far in the future"
            )
        count += 1
    return count


def _describe(labels: list[tuple[str, str]]) -> str:
    name = next((v for n, v in labels if n == "__name__"), "?")
    rest = ",".join(f'{n}="{v[:40]}"' for n, v in labels if n != "__name__")
    return f"series {name}{{{rest[:200]}}}"


def relabel_and_check(request: Any, identity: SiteIdentity, limits: Limits, now_ms: int) -> int:
    """Apply every limit and set the site's labels on each series; returns the sample count."""
    count = len(request.timeseries)
    if count > limits.max_series_per_request:
        raise Rejection(
            "too_many_series",
            f"{count} series in one request, over the limit of {limits.max_series_per_request}",
            413,
        )
    low = now_ms - int(limits.max_sample_age * 1000)
    high = now_ms + int(limits.max_future_skew * 1000)
    samples = 0
    for index, series in enumerate(request.timeseries):
        labels = _labels_of(series, identity, limits, f"series #{index}")
        samples += _check_times(series, low, high, _describe(labels))
        if samples > limits.max_samples_per_request:
            raise Rejection(
                "too_many_samples",
                f"over {limits.max_samples_per_request} samples in one request",
                413,
            )
        del series.labels[:]
        for name, value in labels:
            series.labels.add(name=name, value=value)
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
