"""A hostile site against the real collector and the real Prometheus 2.42 (no native histograms).

Site A (00001) sends what a bug or an attacker would; site B (06655) keeps writing, and its
samples must keep landing. The collector runs at DEBUG with credentials in its forward URL and a
secret forward header: no line of its log may hold either, nor a site token.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.wire.remote_write import (
    Label,
    WriteRequest,
    compress,
    decompress,
    encode_write_request,
    parse_write_request,
)
from tests.collector.conftest import CASES
from tests.peers.collector import CollectorProcess, start_collector
from tests.peers.prometheus import PrometheusServer
from tests.peers.promtool import assert_promtool_accepts

pytestmark = pytest.mark.peer

SITES = CASES / "sites_good" / "pre2025.csv"
SITE_A, SITE_B = "00001", "06655"
FORWARD_PASSWORD = "fw-Pa55-9f3a1c"
HEADER_SECRET = "hdr-secret-7d2e4b"
YEAR_2099_MS = 4_070_908_800_000


@pytest.fixture(scope="module")
def collector(
    tmp_path_factory: pytest.TempPathFactory, prometheus: PrometheusServer
) -> Iterator[CollectorProcess]:
    url = prometheus.write_url.replace("://", f"://ictinfra:{FORWARD_PASSWORD}@")
    forward = [{"url": url, "name": "prometheus", "headers": {"X-Scope-OrgID": HEADER_SECRET}}]
    running = start_collector(tmp_path_factory.mktemp("hostile"), forward, SITES, log_level="debug")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def tokens(collector: CollectorProcess) -> dict[str, str]:
    return {site: collector.token(site) for site in (SITE_A, SITE_B)}


def _now_ms() -> int:
    return int(time.time() * 1000)


def _request(name: str, test_id: str, **labels: str) -> Any:
    request = WriteRequest()
    series = request.timeseries.add()
    for label, value in sorted({"__name__": name, "test": test_id, **labels}.items()):
        series.labels.add(name=label, value=value)
    return request


def _histogram(test_id: str, timestamp: int) -> bytes:
    request = _request("ictinfra_hostile_latency_seconds", test_id)
    request.timeseries[0].histograms.add(count_int=2, sum=0.5, schema=0, timestamp=timestamp)
    return compress(request.SerializeToString())


def _exemplar(test_id: str, timestamp: int, **labels: str) -> bytes:
    request = _request("ictinfra_hostile_requests_total", test_id)
    request.timeseries[0].samples.add(value=1.0, timestamp=_now_ms())
    exemplar = request.timeseries[0].exemplars.add(value=1.0, timestamp=timestamp)
    for name, value in labels.items():
        exemplar.labels.add(name=name, value=value)
    return compress(request.SerializeToString())


def _site_b_still_lands(
    collector: CollectorProcess, prometheus: PrometheusServer, tokens: dict[str, str]
) -> None:
    test_id = uuid.uuid4().hex
    body = encode_write_request(
        [({"__name__": "ictinfra_hostile_other_site", "test": test_id}, [(_now_ms(), 42.0)])]
    )
    answer = collector.write(tokens[SITE_B], body)
    assert answer.status_code == 204, answer.text
    [(labels, values)] = prometheus.samples(f'ictinfra_hostile_other_site{{test="{test_id}"}}')
    assert labels["site"] == SITE_B and values[0][1] == 42.0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda t: _histogram(t, YEAR_2099_MS), "histogram sample at 4070908800000 ms"),
        (lambda t: _histogram(t, _now_ms() - 9 * 86400_000), "histogram sample at"),
        (lambda t: _exemplar(t, YEAR_2099_MS), "exemplar at 4070908800000 ms"),
        (lambda t: _exemplar(t, _now_ms() - 9 * 86400_000), "exemplar at"),
    ],
    ids=["histogram-2099", "histogram-9-days-old", "exemplar-2099", "exemplar-9-days-old"],
)
def test_a_histogram_or_exemplar_out_of_time_is_refused_and_site_b_keeps_landing(
    collector: CollectorProcess,
    prometheus: PrometheusServer,
    tokens: dict[str, str],
    make: Any,
    message: str,
) -> None:
    test_id = uuid.uuid4().hex
    answer = collector.write(tokens[SITE_A], make(test_id))
    assert answer.status_code == 400, answer.text
    assert message in answer.text
    assert prometheus.series(f'{{test="{test_id}"}}') == []
    _site_b_still_lands(collector, prometheus, tokens)


def test_an_exemplar_or_series_claiming_site_b_is_relabelled(
    collector: CollectorProcess, prometheus: PrometheusServer, tokens: dict[str, str]
) -> None:
    test_id = uuid.uuid4().hex
    body = _exemplar(test_id, _now_ms(), site=SITE_B, province="22", trace_id="abc")
    request = parse_write_request(decompress(body))
    request.timeseries[0].labels.append(Label(name="site", value=SITE_B))
    answer = collector.write(tokens[SITE_A], compress(request.SerializeToString()))
    assert answer.status_code == 204, answer.text
    [(labels, _)] = prometheus.samples(f'ictinfra_hostile_requests_total{{test="{test_id}"}}')
    assert (labels["site"], labels["province"]) == (SITE_A, "01")
    _site_b_still_lands(collector, prometheus, tokens)


def test_a_histogram_the_receiver_refuses_for_good_is_a_4xx_not_a_retry(
    collector: CollectorProcess, prometheus: PrometheusServer, tokens: dict[str, str]
) -> None:
    """Prometheus 2.42 without --enable-feature=native-histograms answers 500 "native histograms
    are disabled": a retry can never succeed, so the agent must drop it, not retry forever."""
    answer = collector.write(tokens[SITE_A], _histogram(uuid.uuid4().hex, _now_ms()))
    assert answer.status_code == 400, answer.text
    assert "native histograms are disabled" in answer.text
    _site_b_still_lands(collector, prometheus, tokens)


@pytest.mark.parametrize(
    "labels",
    [
        {"__name__": "ictinfra_hostile_x\nictinfra_hostile_forged 1"},
        {"__name__": "ictinfra_hostile_x", 'job="x"}\nictinfra_hostile_forged{a': "1"},
        {"__name__": "ictinfra_hostile_x", "bad\x00name": "1"},
    ],
    ids=["metric-newline", "label-newline", "label-nul"],
)
def test_a_name_with_a_newline_is_400_and_federate_stays_parseable(
    collector: CollectorProcess,
    prometheus: PrometheusServer,
    tokens: dict[str, str],
    labels: dict[str, str],
) -> None:
    test_id = uuid.uuid4().hex
    good = ({"__name__": "ictinfra_hostile_ok", "test": test_id}, [(_now_ms(), 1.0)])
    bad = ({**labels, "test": test_id}, [(_now_ms(), 1.0)])
    answer = collector.write(tokens[SITE_A], encode_write_request([good, bad]))
    assert answer.status_code == 400, answer.text
    assert "series #1" in answer.text or "series ictinfra_hostile_x" in answer.text
    assert "does not match" in answer.text
    federated = httpx.get(
        f"{prometheus.url}/federate", params={"match[]": '{__name__=~"ictinfra_hostile.*"}'}
    ).text
    assert "ictinfra_hostile_forged" not in federated
    assert test_id not in federated  # refused whole: nothing of the request was stored
    assert_promtool_accepts(federated, extra_allowed=[(r"ictinfra_hostile_\w+", r"no help text")])


def test_a_duplicated_label_name_is_400_not_503(
    collector: CollectorProcess, prometheus: PrometheusServer, tokens: dict[str, str]
) -> None:
    request = _request("ictinfra_hostile_dup", uuid.uuid4().hex)
    request.timeseries[0].labels.add(name="test", value="again")
    request.timeseries[0].samples.add(value=1.0, timestamp=_now_ms())
    answer = collector.write(tokens[SITE_A], compress(request.SerializeToString()))
    assert answer.status_code == 400, answer.text
    assert "label name 'test' appears more than once" in answer.text
    _site_b_still_lands(collector, prometheus, tokens)


def test_no_log_line_at_debug_holds_a_secret(
    collector: CollectorProcess, prometheus: PrometheusServer, tokens: dict[str, str]
) -> None:
    """After every test above (module order): the whole run's log, every logger at DEBUG."""
    _site_b_still_lands(collector, prometheus, tokens)
    answer = collector.write("ictinfra_" + "x" * 43, b"")  # a refused token is not logged either
    assert answer.status_code == 401
    lines = collector.log.read_text(encoding="utf-8").splitlines()
    assert any('"level": "debug"' in line for line in lines), "the run logged nothing at DEBUG"
    secrets = [FORWARD_PASSWORD, HEADER_SECRET, *tokens.values(), "x" * 43, "ictinfra:"]
    leaks = [(secret, line) for line in lines for secret in secrets if secret in line]
    assert leaks == []


# --- a compression bomb, against a fresh collector (its peak RSS is the test's baseline) ---------

BOMB_INFLATES_TO = 128 * 2**20


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """One valid WriteRequest of 128 MiB (a label value of 'a's) that snappy shrinks to ~6 MiB."""
    request = WriteRequest()
    series = request.timeseries.add()
    series.labels.add(name="__name__", value="ictinfra_hostile_bomb")
    series.labels.add(name="filler", value="a" * (BOMB_INFLATES_TO - 64))
    body = compress(request.SerializeToString())
    del request, series
    assert 4 * 2**20 < len(body) < 8 * 2**20
    return body


def test_a_body_that_inflates_past_the_limit_is_413_and_costs_no_memory(
    tmp_path: Path, prometheus: PrometheusServer, bomb: bytes
) -> None:
    limits = {"max_body_bytes": "8MiB"}
    fresh = start_collector(tmp_path, [{"url": prometheus.write_url}], SITES, limits=limits)
    try:
        token = fresh.token(SITE_B)
        baseline = fresh.memory()
        with ThreadPoolExecutor(2) as pool:  # two at once
            answers = list(pool.map(lambda _: fresh.write(token, bomb), range(2)))
        assert [a.status_code for a in answers] == [413, 413], answers[0].text
        assert "over the limit of 16777216" in answers[0].text  # max_decompressed_bytes
        chunked = fresh.write(token, iter([b"x" * 2**20] * 9))  # no Content-Length: read, capped
        assert chunked.status_code == 413 and "over the limit of 8388608" in chunked.text
        grown = fresh.memory()["VmHWM"] - baseline["VmRSS"]
        # the bound: each request in flight holds its body at most twice (read, then joined)
        assert grown < 2 * 2 * len(bomb) + 16 * 2**20, fresh.memory()
        assert fresh.healthy()
    finally:
        fresh.stop()
