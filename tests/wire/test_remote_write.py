"""remote_write 1.0 wire format: round trips, bad bodies, a real Prometheus accepting it."""

from __future__ import annotations

import math
import time
import uuid

import cramjam
import httpx
import pytest

from agent.model import MetricFamily
from agent.wire.remote_write import (
    WRITE_HEADERS,
    Series,
    WireError,
    WriteRequest,
    compress,
    decode_write_request,
    encode_write_request,
    families_to_series,
    snappy_uncompressed_length,
)
from tests.peers.prometheus import PrometheusServer


def test_round_trip_keeps_labels_sorted_and_samples_exact() -> None:
    body = encode_write_request(
        [
            ({"job": "x", "__name__": "up", "site": "Hà Nội"}, [(1000, 1.0), (2000, 2)]),
            ([("__name__", "big"), ("a", "b")], [(3000, 2.0**63), (4000, math.inf)]),
        ]
    )
    series = decode_write_request(body)
    assert series == [
        Series((("__name__", "up"), ("job", "x"), ("site", "Hà Nội")), ((1000, 1.0), (2000, 2.0))),
        Series((("__name__", "big"), ("a", "b")), ((3000, 2.0**63), (4000, math.inf))),
    ]
    assert series[0].label_dict["site"] == "Hà Nội"


def test_nan_survives() -> None:
    [series] = decode_write_request(encode_write_request([({"__name__": "n"}, [(1, math.nan)])]))
    assert math.isnan(series.samples[0][1])


def test_body_is_snappy_block_format_not_framed() -> None:
    body = encode_write_request([({"__name__": "up"}, [(1, 1.0)])])
    raw = bytes(cramjam.snappy.decompress_raw(body))
    assert snappy_uncompressed_length(body) == len(raw)
    request = WriteRequest()
    request.ParseFromString(raw)
    assert request.timeseries[0].labels[0].name == "__name__"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"this is not snappy at all", "not snappy"),
        (b"\xff\xff\xff\xff\xff\xff", "bad length header"),
        (compress(b"\x0a\x05garbage-protobuf"), "not a remote_write WriteRequest"),
    ],
)
def test_malformed_bodies_raise_wire_error(body: bytes, message: str) -> None:
    with pytest.raises(WireError, match=message):
        decode_write_request(body)


def test_truncated_snappy_is_a_wire_error() -> None:
    body = encode_write_request([({"__name__": "up", "x": "y" * 100}, [(1, 1.0)] * 50)])
    with pytest.raises(WireError, match="truncated"):
        decode_write_request(body[: len(body) // 2])


def test_size_limit_is_checked_before_decompressing() -> None:
    body = encode_write_request([({"__name__": "up", "x": "y" * 1000}, [(1, 1.0)])])
    with pytest.raises(WireError, match="over the limit of 100"):
        decode_write_request(body, max_uncompressed=100)


def test_families_to_series() -> None:
    family = MetricFamily("ifHCInOctets", "in", "counter", ("device", "ifIndex", "ifAlias"))
    family.add(("sw1", "1", ""), 12345678901234)
    family.add(("sw1", "2", "uplink"), 7)
    series = families_to_series([family], 1_700_000_000_000, {"instance": "agent1"})
    assert series == [
        (
            (
                ("__name__", "ifHCInOctets"),
                ("device", "sw1"),
                ("ifIndex", "1"),
                ("instance", "agent1"),
            ),
            [(1_700_000_000_000, 12345678901234.0)],
        ),
        (
            (
                ("__name__", "ifHCInOctets"),
                ("device", "sw1"),
                ("ifAlias", "uplink"),
                ("ifIndex", "2"),
                ("instance", "agent1"),
            ),
            [(1_700_000_000_000, 7.0)],
        ),
    ]


@pytest.mark.peer
def test_real_prometheus_accepts_the_body(prometheus: PrometheusServer) -> None:
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    family = MetricFamily("ictinfra_wire_test", "a test gauge", "gauge", ("test", "name"))
    family.add((test_id, "Đắk Lắk"), 42)
    body = encode_write_request(
        [*families_to_series([family], now_ms - 1000), *families_to_series([family], now_ms)]
    )
    answer = httpx.post(prometheus.write_url, content=body, headers=dict(WRITE_HEADERS))
    assert answer.status_code == 204, answer.text
    [(labels, samples)] = prometheus.samples(f'ictinfra_wire_test{{test="{test_id}"}}')
    assert labels["name"] == "Đắk Lắk"
    assert samples == [((now_ms - 1000) / 1000, 42.0), (now_ms / 1000, 42.0)]


@pytest.mark.peer
def test_real_prometheus_rejects_framed_snappy(prometheus: PrometheusServer) -> None:
    """The reason for the block format: a framed stream is a 400 at Prometheus."""
    raw = WriteRequest().SerializeToString()
    framed = bytes(cramjam.snappy.compress(raw))
    answer = httpx.post(prometheus.write_url, content=framed, headers=dict(WRITE_HEADERS))
    assert answer.status_code == 400
