"""Regrouping queued WriteRequests on the bytes, checked against the protobuf library."""

from __future__ import annotations

import math
import random
import struct
from collections import defaultdict
from typing import Any

from agent.push.regroup import merge_write_requests
from agent.wire.remote_write import build_write_request, parse_write_request

Samples = dict[tuple[tuple[str, str], ...], list[tuple[int, str]]]


def by_series(raw: bytes) -> Samples:
    """Every series' samples in order, as protobuf itself parses them (values as text: NaN)."""
    out: Samples = defaultdict(list)
    for ts in parse_write_request(raw).timeseries:
        key = tuple((label.name, label.value) for label in ts.labels)
        out[key].extend((s.timestamp, repr(s.value)) for s in ts.samples)
    return dict(out)


def cycle(rng: random.Random, names: list[str], ms: int) -> bytes:
    values = [0.0, 1.0, -2.5, 2.0**63, math.inf, math.nan, 1e-300, 12345678901234.0]
    rows = []
    for name in names:
        labels = {"__name__": name, "ifDescr": "Gi1/0/" + str(rng.randrange(3)), "x": "é\x12\x10"}
        rows.append((labels, [(ms, rng.choice(values))]))
    return build_write_request(rows).SerializeToString()


def test_merged_requests_hold_exactly_the_same_samples_in_order_with_labels_once() -> None:
    rng = random.Random(5)
    for trial in range(50):
        names = [f"m{rng.randrange(6)}" for _ in range(rng.randrange(1, 12))]
        base = rng.choice([0, 1, 1_790_000_000_000, 2**40, 2**62])
        requests = [cycle(rng, names, base + i * 15_000) for i in range(rng.randrange(1, 8))]
        merged = merge_write_requests(requests)
        assert by_series(merged) == by_series(b"".join(requests)), trial
        parsed: Any = parse_write_request(merged)
        keys = [tuple((la.name, la.value) for la in ts.labels) for ts in parsed.timeseries]
        assert len(keys) == len(set(keys)), "each series once"


def test_it_gathers_a_day_of_cycles_into_one_series_each() -> None:
    labels = {"__name__": "up", "job": "a"}
    requests = [
        build_write_request(
            [(labels, [(1_790_000_000_000 + i * 15_000, float(i % 3))])]
        ).SerializeToString()
        for i in range(103)
    ]
    merged: Any = parse_write_request(merge_write_requests(requests))
    assert len(merged.timeseries) == 1 and len(merged.timeseries[0].samples) == 103
    assert len(merge_write_requests(requests)) < 0.6 * len(b"".join(requests))


def test_series_with_several_samples_or_odd_layouts_pass_through_intact() -> None:
    several = build_write_request(
        [({"__name__": "a"}, [(1, 1.0), (2, 2.0)]), ({"__name__": "b"}, [])]
    ).SerializeToString()
    sample = b"\x09" + struct.pack("<d", 3.0) + b"\x10\x03"
    label = b"\x0a\x08__name__\x12\x01c"
    series = b"\x12" + bytes([len(sample)]) + sample + b"\x0a" + bytes([len(label)]) + label
    odd_raw = b"\x0a" + bytes([len(series)]) + series  # a sample before the label: legal
    assert by_series(odd_raw) == {(("__name__", "c"),): [(3, "3.0")]}
    merged = merge_write_requests([several, odd_raw, several])
    assert by_series(merged) == by_series(several + odd_raw + several)


def test_garbage_falls_back_to_plain_concatenation() -> None:
    assert merge_write_requests([b"\x0a\x05abc"]) == b"\x0a\x05abc"
    assert merge_write_requests([b"\x12\x00"]) == b"\x12\x00"
