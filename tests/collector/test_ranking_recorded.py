"""Recorded days and raw steps give the same figures as raw steps alone.

A real Prometheus holds five days of one office's raw series; the daily rules' output for days
1-3 is what their own expressions return at their evaluation times (evaluated in that Prometheus,
written back as the rule would). The period read through recorded days + raw segments must equal
the period read raw, query by query.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request
from collector.ranking.measure import DAY, measure
from collector.ranking.methodology import load_methodology
from collector.ranking.period import Period
from collector.ranking.prom import PrometheusReader
from collector.ranking.rules import recording_rules
from tests.peers.prometheus import PrometheusServer, start_prometheus

pytestmark = pytest.mark.peer
SKEW = 1234.0  # the daily group runs off the hour, as a real one does


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PrometheusServer, float]]:
    server = start_prometheus(tmp_path_factory.mktemp("recorded"), ooo_window="10d")
    start = time.time() // DAY * DAY - 7 * DAY
    base = {"job": "ictinfra-agent", "instance": "rw-a", "site": "RW01"}
    minutes = [int((start + 60 * j + 30) * 1000) for j in range(5 * 1440)]
    off = range(1440 + 600, 1440 + 960)  # day 2: the agent silent for 6 hours
    down = range(3 * 1440 + 100, 3 * 1440 + 400)  # day 4: the Internet down for 5 hours
    series = [
        ({"__name__": "ictinfra_agent_build_info", **base},
         [(t, 1.0) for j, t in enumerate(minutes) if j not in off]),
        ({"__name__": "ictinfra_probe_up", **base, "kind": "internet", "target": "i"},
         [(t, 0.0 if j in down else 1.0) for j, t in enumerate(minutes)]),
        ({"__name__": "ictinfra_lan_managed_switches", **base},
         [(t, float(j // 1440)) for j, t in enumerate(minutes)]),
    ]  # fmt: skip
    _write(server, series)
    _record(server, start, days=(1, 2, 3))
    yield server, start
    server.close()


def _write(server: PrometheusServer, series: list[object]) -> None:
    answer = httpx.post(
        server.write_url,
        content=encode_write_request(series),
        headers=WRITE_HEADERS,  # type: ignore[arg-type]
    )
    assert answer.status_code == 204, answer.text


def _record(server: PrometheusServer, start: float, days: tuple[int, ...]) -> None:
    """Write what the daily group would have recorded, evaluated where and when it runs."""
    rules = recording_rules(load_methodology().rules)["groups"][0]["rules"]  # type: ignore[index]
    for day in days:
        at = start + day * DAY + SKEW + 3 * DAY
        for rule in rules:
            found = server.query(rule["expr"], at=at)
            _write(server, [
                ({**item["metric"], "__name__": rule["record"]},
                 [(int(at * 1000), float(item["value"][1]))])
                for item in found
            ])  # fmt: skip


def test_recorded_days_plus_raw_segments_equal_the_raw_steps(
    history: tuple[PrometheusServer, float],
) -> None:
    server, start = history
    loaded = load_methodology()
    raw_only = loaded.rules.model_copy(update={"recorded_clock": None})
    period = Period("5 days", start, start + 5 * DAY)
    reader = PrometheusReader(server.url)
    mixed = measure(loaded.rules, reader, period)
    plain = measure(raw_only, reader, period)
    assert [s.recorded for s in mixed.segments] == [False, True, False]
    assert len(plain.segments) == 1 and not plain.segments[0].recorded
    site, office = ("RW01",), ("RW01", "rw-a")
    assert plain.values["site_reporting"][site] == 5 * 288 - 72  # 6 hours silent: 72 steps
    assert plain.values["probe_up"][(*office, "internet")] == 5 * 288 - 60
    assert plain.values["lan_managed_switches"][office] == 4.0  # the last day's value
    for name in ("site_reporting", "office_reporting", "probe_up", "lan_managed_switches"):
        assert mixed.values[name] == plain.values[name], name
    # a query without a recording rule is read raw over the whole period, once
    queries = loaded.rules.queries
    unrecorded = queries.probe_up.model_copy(update={"recorded": None})
    partly = loaded.rules.model_copy(
        update={"queries": queries.model_copy(update={"probe_up": unrecorded})}
    )
    assert measure(partly, reader, period).values["probe_up"] == plain.values["probe_up"]
    reader.close()
