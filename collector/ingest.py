"""Ingest checks for one remote_write request: limits, then the site's labels on every series.

Pure functions over a parsed WriteRequest, modified in place. Every kind of data a request can
carry passes the same checks: float samples, native histogram samples and exemplars (age, future
skew, label names; exemplar labels lose the names only the registry may set), metadata (family
name, type, lengths). A field the schema does not know is refused: it could carry anything past
these checks, and dropping it could change what the rest means (a histogram's bucket bounds).
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any

from agent.wire.remote_write import (
    BodyTooLargeError,
    Label,
    WireError,
    WriteRequest,
    compress,
    decompress,
    first_unknown_field,
    parse_float_samples,
    parse_write_request,
    strip_unknown_fields,
)
from collector import fastpath
from collector.config import Limits
from collector.names import LABEL_NAMES, METRIC_NAMES, NameRule
from collector.store import SiteIdentity

_BY_NAME = attrgetter("name")
#: OpenMetrics (and Prometheus' TSDB): an exemplar's label names and values, together, in runes.
EXEMPLAR_LABELS_MAX = 128
METADATA_TYPES = range(8)  # prompb MetricMetadata.MetricType: UNKNOWN .. STATESET


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
    samples: int  # float samples, histogram samples and exemplars


@dataclass(frozen=True, slots=True)
class _Window:
    """The timestamps (ms) a sample, histogram sample or exemplar may carry."""

    low: int
    high: int


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
    metric = series.labels[names.index("__name__")].value if "__name__" in names else ""
    if not metric:
        raise Rejection("missing_metric_name", f"series #{index}: no __name__ label")
    if len(names) + extra > limits.max_labels_per_series:
        raise Rejection(
            "too_many_labels",
            f"{_describe(series)}: {len(names) + extra} labels (with the site's), over the "
            f"limit of {limits.max_labels_per_series}",
        )
    unique = set(names)  # names seen before cost one set lookup; new ones get the full checks
    known = LABEL_NAMES.good.issuperset(unique) and metric in METRIC_NAMES.good
    if len(unique) != len(names) or not known:
        _check_label_names(names, partial(_describe, series))
        _check_name(METRIC_NAMES, metric, partial(str, f"series #{index}"))


def _check_name(rule: NameRule, name: str, where: Callable[[], str]) -> None:
    if not rule.valid(name):
        raise Rejection(rule.reason, f"{where()}: {rule.explain(name)}")


def _check_label_names(names: list[str], where: Callable[[], str]) -> None:
    """Unique and valid label names; `where` describes the owner, called only on a refusal."""
    if len(set(names)) != len(names):
        twice = next(name for name, count in Counter(names).items() if count > 1)
        raise Rejection(
            "duplicate_label_name",
            f"{where()}: label name '{twice[:64]}' appears more than once",
        )
    bad = LABEL_NAMES.first_invalid(names)
    if bad is not None:
        raise Rejection("invalid_label_name", f"{where()}: {LABEL_NAMES.explain(bad)}")


def _drop_reserved(labels: Any, names: list[str], reserved: frozenset[str]) -> list[str]:
    """Remove the labels only the registry may set (site, province, ...) from a series or an
    exemplar."""
    for index in range(len(names) - 1, -1, -1):
        if names[index] in reserved:
            del labels[index]
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


def _check_times(series: Any, points: Any, window: _Window, what: str) -> int:
    """Every timestamp of `points` (samples, histogram samples or exemplars) in the window."""
    timestamps = [point.timestamp for point in points]
    if not timestamps:
        return 0
    if min(timestamps) < window.low:
        raise Rejection(
            "sample_too_old",
            f"{_describe(series)}: {what} at {min(timestamps)} ms is older than allowed",
        )
    if max(timestamps) > window.high:
        raise Rejection(
            "sample_in_future",
            f"{_describe(series)}: {what} at {max(timestamps)} ms is too far in the future",
        )
    return len(timestamps)


def _check_exemplars(series: Any, reserved: frozenset[str], window: _Window) -> int:
    """Exemplars: the registry's label names removed, the rest valid, unique and within
    OpenMetrics' 128 runes; their timestamps in the window like the samples'."""
    for number, exemplar in enumerate(series.exemplars):
        runes = sum(len(label.name) + len(label.value) for label in exemplar.labels)
        if runes > EXEMPLAR_LABELS_MAX:  # first: it also bounds the number of labels
            raise Rejection(
                "label_too_long",
                f"{_describe(series)}: exemplar #{number} has {runes} characters of labels,"
                f" over the limit of {EXEMPLAR_LABELS_MAX}",
            )
        names = [label.name for label in exemplar.labels]
        if not reserved.isdisjoint(names):
            names = _drop_reserved(exemplar.labels, names, reserved)
        _check_label_names(names, partial(_exemplar_place, series, number))
    return _check_times(series, series.exemplars, window, "exemplar")


def _exemplar_place(series: Any, number: int) -> str:
    return f"{_describe(series)}: exemplar #{number}"


def _check_metadata(request: Any, limits: Limits) -> None:
    if len(request.metadata) > limits.max_series_per_request:
        raise Rejection(
            "too_many_series",
            f"{len(request.metadata)} metadata entries in one request, over the limit of "
            f"{limits.max_series_per_request}",
            413,
        )
    for index, entry in enumerate(request.metadata):
        where = f"metadata #{index}"
        _check_name(METRIC_NAMES, entry.metric_family_name, partial(str, where))
        if entry.type not in METADATA_TYPES:
            raise Rejection("invalid_metadata", f"{where}: metric type {entry.type} is unknown")
        longest = max(len(entry.help), len(entry.unit))
        if longest > limits.max_label_value_length:
            raise Rejection(
                "label_too_long",
                f"{where}: help or unit of {longest} characters, over the limit of "
                f"{limits.max_label_value_length}",
            )


def _describe(series: Any) -> str:
    """`series name{a="v",...}` for a message, escaped (a refused name may hold a newline)."""
    labels = [(label.name, label.value) for label in series.labels[:20]]
    name = next((v for n, v in labels if n == "__name__"), "?")
    rest = ",".join(f"{_escape(n[:64])}={json.dumps(v[:40])}" for n, v in labels if n != "__name__")
    return f"series {_escape(name[:128])}{{{rest[:300]}}}"


def _escape(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")


def _window(limits: Limits, now_ms: int) -> _Window:
    return _Window(
        now_ms - int(limits.max_sample_age * 1000), now_ms + int(limits.max_future_skew * 1000)
    )


def relabel_and_check(request: Any, identity: SiteIdentity, limits: Limits, now_ms: int) -> int:
    """Apply every limit and set the site's labels on each series; returns the sample count.

    The hot loop touches label names only: a series whose whole encoding is shorter than the
    length limits cannot hold a label over them, so values are read only for large series.
    """
    everything = request.DESCRIPTOR is WriteRequest.DESCRIPTOR  # else float samples only
    if everything and request.metadata:
        _check_metadata(request, limits)
    count = len(request.timeseries)
    if count > limits.max_series_per_request:
        raise Rejection(
            "too_many_series",
            f"{count} series in one request, over the limit of {limits.max_series_per_request}",
            413,
        )
    window = _window(limits, now_ms)
    short = min(limits.max_label_value_length, limits.max_label_name_length)
    reserved = identity.reserved
    site_labels = [Label(name=name, value=value) for name, value in identity.labels]
    samples = 0
    for index, series in enumerate(request.timeseries):
        names = [label.name for label in series.labels]
        if not reserved.isdisjoint(names):
            names = _drop_reserved(series.labels, names, reserved)
        _check_names(series, names, len(site_labels), limits, index)
        if series.ByteSize() > short:
            _check_label_lengths(series, limits, index)
        samples += _check_times(series, series.samples, window, "sample")
        if everything:
            samples += _check_times(series, series.histograms, window, "histogram sample")
            samples += _check_exemplars(series, reserved, window)
        _add_site_labels(series.labels, names, site_labels)
    if samples > limits.max_samples_per_request:
        raise Rejection(
            "too_many_samples",
            f"{samples} samples in one request, over the limit of {limits.max_samples_per_request}",
            413,
        )
    return samples


def _parse_everything(raw: bytes) -> Any:
    """The full schema: histograms, exemplars, metadata; an unknown field is refused."""
    request = parse_write_request(raw)
    if strip_unknown_fields(request):
        where = first_unknown_field(parse_write_request(raw))
        raise Rejection(
            "unknown_field",
            f"{where}: a field this collector does not know; refused rather than forwarded"
            " unchecked (remote_write 1.0: samples, histograms, exemplars, metadata)",
        )
    return request


def accept(body: bytes, identity: SiteIdentity, limits: Limits, now_ms: int) -> Accepted:
    """A compressed remote_write body -> the body to forward; Rejection when it must not be."""
    try:
        raw = decompress(body, limits.max_decompressed_bytes)
        window = _window(limits, now_ms)
        fast = fastpath.relabel(raw, identity, limits, window.low, window.high)
        if fast is not None:  # accepted by the fast path; anything else is decided below
            return Accepted(compress(fast[0]), fast[1], fast[2])
        request = parse_float_samples(raw)
        if request is None:  # more than labels and float samples
            request = _parse_everything(raw)
    except BodyTooLargeError as exc:
        raise Rejection("body_too_large", str(exc), 413) from None
    except WireError as exc:
        raise Rejection("malformed", str(exc)) from None
    del raw
    samples = relabel_and_check(request, identity, limits, now_ms)
    return Accepted(compress(request.SerializeToString()), len(request.timeseries), samples)
