"""Ingest checks on parsed requests: the site's labels win, and every limit says what it hit."""

from __future__ import annotations

import random
from typing import Any

import pytest

from agent.wire.remote_write import (
    WriteRequest,
    compress,
    decode_write_request,
    decompress,
    encode_write_request,
    parse_write_request,
)
from collector.config import Limits
from collector.ingest import Rejection, accept
from collector.store import SiteIdentity

NOW = 1_800_000_000_000
SITE = SiteIdentity(
    code="A",
    labels=(("district", "DA"), ("province", "PA"), ("site", "A")),
    reserved=frozenset({"site", "province", "district", "commune"}),
)


def _body(labels: dict[str, str], *timestamps: int) -> bytes:
    return encode_write_request([(labels, [(t, 1.0) for t in timestamps or (NOW,)])])


def test_site_labels_overwrite_what_the_sender_claims() -> None:
    body = _body({"__name__": "up", "site": "B", "province": "PB", "commune": "C", "job": "j"})
    accepted = accept(body, SITE, Limits(), NOW)
    [series] = decode_write_request(accepted.body)
    assert series.labels == (
        ("__name__", "up"), ("district", "DA"), ("job", "j"), ("province", "PA"), ("site", "A"),
    )  # fmt: skip
    assert (accepted.series, accepted.samples) == (1, 1)


@pytest.mark.parametrize(
    ("body", "limits", "reason", "status", "message"),
    [
        (b"garbage", Limits(), "malformed", 400, "not snappy"),
        (compress(b"\xff\xff"), Limits(), "malformed", 400, "not a remote_write WriteRequest"),
        (_body({"job": "x"}), Limits(), "missing_metric_name", 400, "no __name__"),
        (_body({"__name__": "up"}, NOW - 8 * 86400_000), Limits(), "sample_too_old", 400,
         "older than allowed"),
        (_body({"__name__": "up"}, 4_070_908_800_000), Limits(), "sample_in_future", 400,
         "too far in the future"),
        (_body({"__name__": "up", "x": "v" * 3000}), Limits(), "label_too_long", 400,
         "label 'x' is 3000 characters long"),
        (_body({"__name__": "up", **{f"l{i}": "v" for i in range(40)}}), Limits(),
         "too_many_labels", 400, "44 labels"),
        (encode_write_request([({"__name__": f"m{i}"}, [(NOW, 1.0)]) for i in range(3)]),
         Limits(max_series_per_request=2), "too_many_series", 413, "3 series in one request"),
        (_body({"__name__": "up", "x": "y" * 500}), Limits(max_decompressed_bytes=100),
         "body_too_large", 413, "over the limit of 100"),
    ],
    ids=["garbage", "not-protobuf", "no-name", "too-old", "year-2099", "long-label",
         "many-labels", "many-series", "decompressed-size"],
)  # fmt: skip
def test_limits(body: bytes, limits: Limits, reason: str, status: int, message: str) -> None:
    with pytest.raises(Rejection) as caught:
        accept(body, SITE, limits, NOW)
    assert (caught.value.reason, caught.value.status) == (reason, status)
    assert message in caught.value.message


def test_rejection_names_the_series() -> None:
    body = encode_write_request(
        [
            ({"__name__": "ok"}, [(NOW, 1.0)]),
            ({"__name__": "late", "ifName": "Gi0/1"}, [(NOW - 9 * 86400_000, 1.0)]),
        ]
    )
    with pytest.raises(Rejection, match=r'series late\{.*ifName="Gi0/1"'):
        accept(body, SITE, Limits(), NOW)


def test_unsorted_sender_labels_come_out_sorted() -> None:
    from agent.wire.remote_write import build_write_request

    request = build_write_request([])
    series = request.timeseries.add()
    for name in ("zeta", "__name__", "alpha", "site"):
        series.labels.add(name=name, value="v")
    series.samples.add(value=1.0, timestamp=NOW)
    accepted = accept(compress(request.SerializeToString()), SITE, Limits(), NOW)
    [out] = decode_write_request(accepted.body)
    names = [name for name, _ in out.labels]
    assert names == sorted(names) == ["__name__", "alpha", "district", "province", "site", "zeta"]
    assert out.label_dict["site"] == "A"


def test_site_labels_land_between_sender_labels() -> None:
    body = _body({"__name__": "up", "a": "1", "e": "2", "q": "3", "z": "4"})
    [out] = decode_write_request(accept(body, SITE, Limits(), NOW).body)
    assert [name for name, _ in out.labels] == [
        "__name__", "a", "district", "e", "province", "q", "site", "z",
    ]  # fmt: skip


# --- every kind of data, every name ----------------------------------------------------------


def _request(labels: list[tuple[str, str]], samples: tuple[int, ...] = (NOW,)) -> Any:
    request = WriteRequest()
    series = request.timeseries.add()
    for name, value in labels:
        series.labels.add(name=name, value=value)
    for timestamp in samples:
        series.samples.add(value=1.0, timestamp=timestamp)
    return request


def _refused(request: Any) -> Rejection:
    with pytest.raises(Rejection) as caught:
        accept(compress(request.SerializeToString()), SITE, Limits(), NOW)
    assert 400 <= caught.value.status < 500
    return caught.value


def _with_histogram(timestamp: int) -> Any:
    request = _request([("__name__", "latency_seconds")], samples=())
    request.timeseries[0].histograms.add(count_int=3, sum=1.5, schema=3, timestamp=timestamp)
    return request


def _with_exemplar(timestamp: int, *labels: tuple[str, str]) -> Any:
    request = _request([("__name__", "requests_total")])
    exemplar = request.timeseries[0].exemplars.add(value=1.0, timestamp=timestamp)
    for name, value in labels:
        exemplar.labels.add(name=name, value=value)
    return request


@pytest.mark.parametrize(
    ("request_", "reason", "message"),
    [
        (_with_histogram(4_070_908_800_000), "sample_in_future", "histogram sample at"),
        (_with_histogram(NOW - 8 * 86400_000), "sample_too_old", "histogram sample at"),
        (_with_exemplar(4_070_908_800_000), "sample_in_future", "exemplar at"),
        (_with_exemplar(NOW - 8 * 86400_000), "sample_too_old", "exemplar at"),
        (_with_exemplar(NOW, ("trace\nid", "x")), "invalid_label_name", "exemplar #0"),
        (_with_exemplar(NOW, ("a", "1"), ("a", "2")), "duplicate_label_name", "exemplar #0"),
        (_with_exemplar(NOW, ("trace_id", "x" * 200)), "label_too_long", "over the limit of 128"),
        (_request([("__name__", "up\nforged_metric 1"), ("job", "j")]), "invalid_metric_name",
         r"metric name 'up\nforged_metric 1' does not match"),
        (_request([("__name__", "up"), ('job="x"} 1\nforged', "j")]), "invalid_label_name",
         "label name 'job=\"x\"} 1\\nforged' does not match"),
        (_request([("__name__", "up"), ("bad\x00name", "j")]), "invalid_label_name", "\\x00"),
        (_request([("__name__", "up"), ("đơn_vị", "j")]), "invalid_label_name", "label name"),
        (_request([("__name__", "9up")]), "invalid_metric_name", "metric name '9up'"),
        (_request([("__name__", "up"), ("job", "a"), ("job", "b")]), "duplicate_label_name",
         "label name 'job' appears more than once"),
        (_request([("__name__", "")]), "missing_metric_name", "no __name__"),
    ],
    ids=["histogram-2099", "histogram-old", "exemplar-2099", "exemplar-old", "exemplar-newline",
         "exemplar-duplicate", "exemplar-long", "metric-newline", "label-newline", "label-nul",
         "label-utf8", "metric-digit", "duplicate-label", "empty-name"],
)  # fmt: skip
def test_every_kind_of_data_is_checked(request_: Any, reason: str, message: str) -> None:
    refused = _refused(request_)
    assert (refused.reason, refused.status) == (reason, 400)
    assert message in refused.message
    assert "\n" not in refused.message  # a refused name never forges a log line


def test_exemplar_labels_lose_what_only_the_registry_sets() -> None:
    request = _with_exemplar(NOW, ("site", "B"), ("trace_id", "abc"), ("province", "PB"))
    accepted = accept(compress(request.SerializeToString()), SITE, Limits(), NOW)
    out = parse_write_request(decompress(accepted.body))
    [exemplar] = out.timeseries[0].exemplars
    assert [(label.name, label.value) for label in exemplar.labels] == [("trace_id", "abc")]
    assert dict((label.name, label.value) for label in out.timeseries[0].labels)["site"] == "A"
    assert accepted.samples == 2  # the float sample and the exemplar


def test_a_current_histogram_passes_whole() -> None:
    request = _with_histogram(NOW)
    request.timeseries[0].histograms[0].positive_spans.add(offset=-1, length=2)
    request.timeseries[0].histograms[0].positive_deltas.extend([1, 1])
    accepted = accept(compress(request.SerializeToString()), SITE, Limits(), NOW)
    [histogram] = parse_write_request(decompress(accepted.body)).timeseries[0].histograms
    assert (histogram.count_int, list(histogram.positive_deltas)) == (3, [1, 1])


def test_metadata_is_checked() -> None:
    request = _request([("__name__", "up")])
    request.metadata.add(type=1, metric_family_name="up", help="Is it up.")
    accept(compress(request.SerializeToString()), SITE, Limits(), NOW)
    request.metadata.add(type=1, metric_family_name="up\n# TYPE forged gauge")
    assert _refused(request).message.startswith("metadata #1: metric name")
    request.metadata[1].metric_family_name = "ok"
    request.metadata[1].type = 99
    assert _refused(request).reason == "invalid_metadata"


def test_an_unknown_field_is_refused_by_name() -> None:
    raw = _request([("__name__", "up")]).SerializeToString()
    series = raw[2:]  # WriteRequest.timeseries[0]: tag 0x0a, then one length byte
    forged = series + bytes([0x48, 0x01])  # TimeSeries field 9, varint 1
    body = compress(bytes([0x0A, len(forged)]) + forged)
    with pytest.raises(Rejection) as caught:
        accept(body, SITE, Limits(), NOW)
    assert caught.value.reason == "unknown_field"
    assert caught.value.message.startswith("WriteRequest.timeseries[0]: field 9")


def test_the_snappy_header_is_checked_before_decompressing() -> None:
    bomb = compress(b"\x00" * (64 * 2**20))  # ~3 MiB that would inflate to 64 MiB
    with pytest.raises(Rejection) as caught:
        accept(bomb, SITE, Limits(max_decompressed_bytes=2**20), NOW)
    assert (caught.value.reason, caught.value.status) == ("body_too_large", 413)
    assert f"decompresses to {64 * 2**20} bytes" in caught.value.message


def _rich_request() -> bytes:
    """Every kind of data at once: float samples, a histogram, an exemplar, metadata."""
    request = _with_exemplar(NOW, ("trace_id", "abc"))
    series = request.timeseries.add()
    series.labels.add(name="__name__", value="latency_seconds")
    histogram = series.histograms.add(count_int=3, sum=1.5, schema=3, timestamp=NOW)
    histogram.positive_spans.add(offset=-1, length=2)
    histogram.positive_deltas.extend([1, 1])
    request.metadata.add(type=2, metric_family_name="requests_total", help="Requests.", unit="")
    return bytes(request.SerializeToString())


def mutate(rng: random.Random, raw: bytes) -> bytes:
    """1-4 flipped, cut, inserted or repeated byte runs."""
    mutated = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(mutated)) if mutated else 0
        kind = rng.choice(("flip", "cut", "insert", "repeat"))
        if kind == "flip" and mutated:
            mutated[at] ^= 1 << rng.randrange(8)
        elif kind == "cut":
            del mutated[at : at + rng.randint(1, 8)]
        elif kind == "insert":
            mutated[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 4)))
        else:
            mutated[at:at] = mutated[at : at + rng.randint(1, 16)]
    return bytes(mutated)


def test_mutated_requests_get_an_answer_or_a_4xx_never_an_error() -> None:
    """Bounded structure-blind fuzzing of the decoder and every check: flipped, cut, repeated and
    inserted bytes of a request holding every kind of data."""
    rng = random.Random(7)
    raw = _rich_request()
    outcomes: dict[str, int] = {}
    for _ in range(3000):
        try:
            accept(compress(mutate(rng, raw)), SITE, Limits(), NOW)
            outcomes["accepted"] = outcomes.get("accepted", 0) + 1
        except Rejection as refused:
            assert 400 <= refused.status < 500, refused.message
            outcomes[refused.reason] = outcomes.get(refused.reason, 0) + 1
    assert outcomes.get("malformed", 0) > 100 and len(outcomes) > 5, outcomes
