"""Ingest checks for one remote_write request: limits, then the site's labels on every series.

Pure functions over a parsed WriteRequest, modified in place (fields this code does not know,
such as exemplars and native histograms, stay as they are).
"""

from __future__ import annotations

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


def _check_labels(pairs: list[tuple[str, str]], extra: int, limits: Limits, index: int) -> None:
    where = f"series #{index}"
    if not any(name == "__name__" and value for name, value in pairs):
        raise Rejection("missing_metric_name", f"{where}: no __name__ label")
    if len(pairs) + extra > limits.max_labels_per_series:
        raise Rejection(
            "too_many_labels",
            f"{where}: {len(pairs) + extra} labels (with the site's), over the limit of "
            f"{limits.max_labels_per_series}",
        )
    if max(len(v) for _, v in pairs) > limits.max_label_value_length:
        name, value = max(pairs, key=lambda pair: len(pair[1]))
        raise Rejection(
            "label_too_long",
            f"{where}: label {name!r} is {len(value)} characters long, over the limit of "
            f"{limits.max_label_value_length}",
        )
    if max(len(n) for n, _ in pairs) > limits.max_label_name_length:
        raise Rejection("label_too_long", f"{where}: a label name is over the length limit")


def _set_site_labels(
    series: Any, pairs: list[tuple[str, str]], reserved: frozenset[str], site_labels: list[Any]
) -> list[tuple[str, str]]:
    """Drop what the sender put in reserved labels, add the site's, keep labels sorted."""
    if not reserved.isdisjoint(name for name, _ in pairs):
        for index in range(len(pairs) - 1, -1, -1):
            if pairs[index][0] in reserved:
                del series.labels[index]
                del pairs[index]
    series.labels.extend(site_labels)
    series.labels.sort(key=_BY_NAME)
    return pairs


def _check_times(series: Any, low_ms: int, high_ms: int, labels: list[tuple[str, str]]) -> int:
    timestamps = [sample.timestamp for sample in series.samples]
    if timestamps and min(timestamps) < low_ms:
        raise Rejection(
            "sample_too_old",
            f"{_describe(labels)}: sample at {min(timestamps)} ms is older than allowed",
        )
    if timestamps and max(timestamps) > high_ms:
        raise Rejection(
            "sample_in_future",
            f"{_describe(labels)}: sample at {max(timestamps)} ms is too far in the future",
        )
    return len(timestamps)


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
    site_labels = [Label(name=name, value=value) for name, value in identity.labels]
    for index, series in enumerate(request.timeseries):
        pairs = [(label.name, label.value) for label in series.labels]
        if not pairs:
            raise Rejection("missing_metric_name", f"series #{index}: no labels at all")
        pairs = _set_site_labels(series, pairs, identity.reserved, site_labels)
        _check_labels(pairs, len(site_labels), limits, index)
        samples += _check_times(series, low, high, pairs)
        if samples > limits.max_samples_per_request:
            raise Rejection(
                "too_many_samples",
                f"over {limits.max_samples_per_request} samples in one request",
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
