"""bench/national_load.py does not rot: its bodies are what it claims, and a tiny run against the
real centre (PostgreSQL, a collector, VictoriaMetrics) gets every request accepted and measured."""

from __future__ import annotations

import math

import pytest

from agent.wire.remote_write import decode_write_request
from bench import national_load


def test_bodies_carry_the_site_and_the_samples_asked_for() -> None:
    series = national_load.site_series(300)
    template = national_load.Template.build(series, 3)
    first_ms = 1_790_000_000_000
    body = template.body(template.for_site("c00042"), first_ms, cycle=2)
    decoded = decode_write_request(body)
    assert [dict(s.labels) for s in decoded] == [
        {**labels, "instance": "srv-c00042"} for labels, _ in series
    ]
    for n, (got, (_, counter)) in enumerate(zip(decoded, series, strict=True)):
        assert [ts for ts, _ in got.samples] == [first_ms, first_ms + 15_000, first_ms + 30_000]
        values = [value for _, value in got.samples]
        if counter:  # counters grow from one request to the next, as an agent's do
            assert values == [(6 + k) * (n % 97 + 1) * 1500.0 for k in range(3)]
    names = {labels["__name__"] for labels, _ in series}
    assert names >= {"node_cpu_seconds_total", "ifHCInOctets"}


@pytest.mark.peer
def test_a_tiny_national_load_is_accepted_and_measured() -> None:
    args = national_load.parse_args(
        ["--sites", "2", "--series", "100", "--interval", "1", "--duration", "3",
         "--backlog", "0.5", "--backlog-samples", "1", "--backlog-hours", "2"]
    )  # fmt: skip
    [figures] = national_load.run(args, fast=True)
    live, backlog = figures["live"], figures["backlog"]
    assert set(live.statuses) == {"204"} and live.samples > 0
    assert set(backlog.statuses) == {"204"} and backlog.samples > 0
    assert figures["accepted"] == live.samples + backlog.samples
    assert figures["vm_rows"] > 0
    assert figures["statements_per_request"] > 0  # the token check reaches PostgreSQL
    assert set(figures["cpu"]) == {"collector 0", "victoriametrics", "postgresql"}
    assert figures["cpu"]["collector 0"] > 0
    assert not math.isnan(live.quantile(0.99))
