"""GET /api/v1/speedtest in-process (Starlette TestClient) over a real SQLite token store."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from agent.errors import ConfigError
from collector.app import build_app
from collector.config import CollectorConfig, load_config
from collector.speedtest import CHUNK_BYTES, RandomBlock
from collector.store import Store, open_store
from tests.collector.conftest import load_sites

URL = "/api/v1/speedtest"
CAP = 10 * 10**6


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'c.db'}", init=True)
    load_sites(store, "pre2025.csv")
    yield store
    store.close()


def _client(store: Store, clock: Clock | None = None, **speedtest: Any) -> TestClient:
    config = CollectorConfig.model_validate(
        {
            "database_url": str(store.engine.url),
            "speedtest": {"max_bytes": CAP, **speedtest},
        }
    )
    app = build_app(config, store)
    if clock is not None:
        app.state.collector.speedtest_limiter.clock = clock
    return TestClient(app)


def _get(client: TestClient, token: str | None, query: str = "?bytes=1000") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(URL + query, headers=headers)


def _metric(client: TestClient, line_start: str) -> float | None:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def test_serves_exactly_n_incompressible_bytes(sqlite_store: Store) -> None:
    token = sqlite_store.registry.issue_token("00004")
    size = 5 * 2**20 + 7  # more than the block, not a multiple of the chunk
    with _client(sqlite_store) as client:
        answer = _get(client, token, f"?bytes={size}")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-length"] == str(size)
        assert answer.headers["content-type"] == "application/octet-stream"
        assert "content-encoding" not in answer.headers
        assert len(answer.content) == size
        assert len(zlib.compress(answer.content[: 2**20], 9)) > 0.99 * 2**20
        site = '{site="00004"}'
        assert _metric(client, f"ictinfra_collector_speedtests_total{site}") == 1
        assert _metric(client, f"ictinfra_collector_speedtest_bytes_sent_total{site}") == size
        requests = 'ictinfra_collector_http_requests_total{code="200",endpoint="speedtest"}'
        assert _metric(client, requests) == 1


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "missing query parameter `bytes`"),
        ("?bytes=", "must be a whole number"),
        ("?bytes=abc", "must be a whole number of bytes, not 'abc'"),
        ("?bytes=1.5", "must be a whole number"),
        ("?bytes=-5", "must be a whole number"),
        ("?bytes=%2B5", "must be a whole number"),
        ("?bytes=1_000", "must be a whole number"),
        ("?bytes=0", "must be greater than zero"),
        (f"?bytes={CAP + 1}", f"over this collector's cap of {CAP}"),
        ("?bytes=" + "9" * 5000, "must be a whole number"),
    ],
)
def test_bad_size_is_400_and_spends_no_slot(sqlite_store: Store, query: str, message: str) -> None:
    token = sqlite_store.registry.issue_token("00004")
    with _client(sqlite_store) as client:
        answer = _get(client, token, query)
        assert answer.status_code == 400
        assert message in answer.text
        assert _get(client, token).status_code == 200


def test_missing_bad_or_revoked_token_is_401(sqlite_store: Store) -> None:
    token = sqlite_store.registry.issue_token("00004")
    sqlite_store.registry.revoke("00004")
    with _client(sqlite_store) as client:
        for bad in (None, "ictinfra_not-a-token", token):
            answer = _get(client, bad)
            assert answer.status_code == 401, bad
            assert answer.headers["www-authenticate"] == "Bearer"
        assert _metric(client, "ictinfra_collector_speedtests_total") is None
        refused = 'ictinfra_collector_rejections_total{endpoint="speedtest",reason="unauthorized"}'
        assert _metric(client, refused) == 3


def test_same_site_too_soon_is_429_with_retry_after(sqlite_store: Store) -> None:
    clock = Clock()
    first = sqlite_store.registry.issue_token("00004")
    second_agent = sqlite_store.registry.issue_token("00004")  # the limit is the site's
    other_site = sqlite_store.registry.issue_token("06655")
    with _client(sqlite_store, clock, min_interval_per_site="1h") as client:
        head = client.head(URL + "?bytes=1000", headers={"Authorization": f"Bearer {first}"})
        assert head.status_code == 405
        assert _get(client, first).status_code == 200
        clock.now += 600.4
        again = _get(client, second_agent)
        assert again.status_code == 429
        assert again.headers["retry-after"] == "3000"
        assert "retry in 3000 s" in again.text
        assert _get(client, other_site).status_code == 200
        clock.now += 2999.6
        assert _get(client, first).status_code == 200
        too_soon = 'ictinfra_collector_rejections_total{endpoint="speedtest",reason="too_soon"}'
        assert _metric(client, too_soon) == 1
        assert _metric(client, 'ictinfra_collector_speedtests_total{site="00004"}') == 2


def test_disabled_is_404_even_with_a_good_token(sqlite_store: Store) -> None:
    token = sqlite_store.registry.issue_token("00004")
    with _client(sqlite_store, enabled=False) as client:
        answer = _get(client, token)
        assert answer.status_code == 404
        assert "disabled" in answer.text


def test_the_body_is_views_of_one_block_never_an_n_byte_buffer() -> None:
    block = RandomBlock(size=2**20)
    sent: list[int] = []

    async def chunks() -> list[memoryview]:
        return [chunk async for chunk in block.stream(7 * 2**20 + 3, sent.append)]

    views = asyncio.run(chunks())
    assert sum(len(v) for v in views) == 7 * 2**20 + 3 == sum(sent)
    assert max(len(v) for v in views) <= CHUNK_BYTES
    assert {id(v.obj) for v in views} == {id(views[0].obj)}


def test_config_defaults_and_strictness(tmp_path: Path) -> None:
    defaults = CollectorConfig().speedtest
    assert (defaults.enabled, defaults.max_bytes, defaults.min_interval_per_site) == (
        True, 100 * 10**6, 3600.0,
    )  # fmt: skip
    path = tmp_path / "collector.yml"
    path.write_text("speedtest:\n  enabled: true\n  max_bytes: 50MB\n  min_interval: 1h\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert "speedtest.min_interval" in str(caught.value.problems)
    path.write_text("speedtest: {max_bytes: 50MB, min_interval_per_site: 30m}\n")
    loaded = load_config(path).speedtest
    assert (loaded.max_bytes, loaded.min_interval_per_site) == (50 * 10**6, 1800.0)
    for bad in ("{max_bytes: 0}", "{min_interval_per_site: 0s}", "{max_bytes: lots}"):
        path.write_text(f"speedtest: {bad}\n")
        with pytest.raises(ConfigError):
            load_config(path)
