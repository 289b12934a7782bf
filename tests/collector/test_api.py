"""The HTTP API in-process (Starlette TestClient) against a real Prometheus and VictoriaMetrics."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from agent.wire.remote_write import WRITE_HEADERS, compress, encode_write_request
from collector.app import build_app
from collector.config import CollectorConfig
from collector.store import Store
from tests.collector.conftest import load_sites
from tests.peers.common import free_port
from tests.peers.prometheus import PrometheusServer
from tests.peers.victoriametrics import VictoriaMetricsServer

pytestmark = pytest.mark.peer


def _config(store_url: str, *forward: str, **limits: Any) -> CollectorConfig:
    return CollectorConfig.model_validate(
        {
            "database_url": store_url,
            "forward": [{"url": url, "name": f"r{i}"} for i, url in enumerate(forward)],
            "limits": limits,
        }
    )


@pytest.fixture
def sqlite_store(tmp_path: Any) -> Iterator[Store]:
    from collector.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'c.db'}", init=True)
    load_sites(store, "pre2025.csv")
    yield store
    store.close()


def _client(store: Store, *forward: str, **limits: Any) -> TestClient:
    config = _config(str(store.engine.url), *forward, **limits)
    return TestClient(build_app(config, store))


def _post(client: TestClient, token: str | None, body: bytes) -> Any:
    headers = dict(WRITE_HEADERS)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return client.post("/api/v1/write", content=body, headers=headers)


def _series(test_id: str, now_ms: int, **labels: str) -> bytes:
    return encode_write_request(
        [({"__name__": "ictinfra_api_test", "test": test_id, **labels}, [(now_ms, 7.0)])]
    )


def test_site_a_cannot_write_as_site_b(sqlite_store: Store, prometheus: PrometheusServer) -> None:
    token_a = sqlite_store.registry.issue_token("00001")
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    with _client(sqlite_store, prometheus.write_url) as client:
        body = _series(test_id, now_ms, site="06655", province="22", district="193")
        answer = _post(client, token_a, body)
        assert answer.status_code == 204, answer.text
        metrics = client.get("/metrics").text
    [(labels, samples)] = prometheus.samples(f'ictinfra_api_test{{test="{test_id}"}}')
    assert (labels["site"], labels["district"], labels["province"]) == ("00001", "001", "01")
    assert samples == [(now_ms / 1000, 7.0)]
    assert prometheus.series(f'ictinfra_api_test{{site="06655",test="{test_id}"}}') == []
    assert 'ictinfra_collector_samples_received_total{site="00001"} 1.0' in metrics
    assert 'ictinfra_collector_site_last_seen_timestamp_seconds{site="00001"}' in metrics
    assert 'ictinfra_collector_forward_duration_seconds_count{receiver="r0"} 1.0' in metrics


def test_tokens_missing_unknown_and_revoked_get_401(
    sqlite_store: Store, prometheus: PrometheusServer
) -> None:
    token = sqlite_store.registry.issue_token("00001")
    sqlite_store.registry.revoke("00001")
    body = _series(uuid.uuid4().hex, int(time.time() * 1000))
    with _client(sqlite_store, prometheus.write_url) as client:
        for bad in (None, "ictinfra_unknown", token):
            answer = _post(client, bad, body)
            assert answer.status_code == 401
            assert answer.headers["www-authenticate"] == "Bearer"
            assert token not in answer.text
        metrics = client.get("/metrics").text
    assert 'ictinfra_collector_rejections_total{endpoint="write",reason="unauthorized"} 3.0' in (
        metrics
    )
    assert token not in metrics


def test_bad_bodies_get_4xx_store_nothing_and_the_collector_keeps_serving(
    sqlite_store: Store, prometheus: PrometheusServer
) -> None:
    token = sqlite_store.registry.issue_token("00001")
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    good = _series(test_id, now_ms, phase="good")
    long_body = encode_write_request(
        [({"__name__": "ictinfra_api_test", "test": test_id, "pad": "x" * 2000}, [(now_ms, 1.0)])]
        * 40
    )
    cases = {
        "garbage": (b"\x00garbage\xff" * 10, 400, "not snappy"),
        "truncated": (long_body[: len(long_body) // 3], 400, "truncated"),
        "year 2099": (_series(test_id, 4_070_908_800_000), 400, "too far in the future"),
        "huge": (b"\x00" * (2 * 2**20 + 1), 413, "over the limit"),
        "empty": (b"", 400, "empty body"),
        "not protobuf": (compress(b"\xff" * 64), 400, "not a remote_write WriteRequest"),
    }
    with _client(sqlite_store, prometheus.write_url, max_body_bytes="2MiB") as client:
        for name, (body, status, message) in cases.items():
            answer = _post(client, token, body)
            assert (answer.status_code, message in answer.text) == (status, True), (
                name, answer.text,
            )  # fmt: skip
        assert _post(client, token, good).status_code == 204  # still serving
        assert client.get("/healthz").status_code == 200
    stored = prometheus.series(f'ictinfra_api_test{{test="{test_id}"}}')
    assert [s.get("phase") for s in stored] == ["good"]


def test_receiver_down_is_503_so_the_sender_retries(
    sqlite_store: Store, prometheus: PrometheusServer
) -> None:
    token = sqlite_store.registry.issue_token("00001")
    dead = f"http://127.0.0.1:{free_port()}/api/v1/write"
    body = _series(uuid.uuid4().hex, int(time.time() * 1000))
    with _client(sqlite_store, prometheus.write_url, dead) as client:
        answer = _post(client, token, body)
        metrics = client.get("/metrics").text
    assert answer.status_code == 503
    assert "receiver r1" in answer.text and "retry later" in answer.text
    assert 'ictinfra_collector_forward_errors_total{kind="network",receiver="r1"} 1.0' in metrics


def test_receiver_refusal_is_passed_back_as_400(
    sqlite_store: Store, prometheus: PrometheusServer
) -> None:
    """Prometheus refuses a sample beyond its out-of-order window: the sender must drop it."""
    token = sqlite_store.registry.issue_token("00001")
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    with _client(sqlite_store, prometheus.write_url) as client:
        assert _post(client, token, _series(test_id, now_ms)).status_code == 204
        answer = _post(client, token, _series(test_id, now_ms - int(2.5 * 86400_000)))
    assert answer.status_code == 400, answer.text
    assert "receiver r0 refused the data" in answer.text
    assert "sample" in answer.text  # Prometheus's own words (too old / out of bounds)


def test_forwards_to_every_receiver(
    sqlite_store: Store, prometheus: PrometheusServer, victoriametrics: VictoriaMetricsServer
) -> None:
    token = sqlite_store.registry.issue_token("06655")
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    with _client(sqlite_store, prometheus.write_url, victoriametrics.write_url) as client:
        assert _post(client, token, _series(test_id, now_ms, site="00001")).status_code == 204
    [in_vm] = victoriametrics.export(f'ictinfra_api_test{{test="{test_id}"}}')
    assert (in_vm["metric"]["site"], in_vm["metric"]["province"]) == ("06655", "22")
    assert in_vm["timestamps"] == [now_ms]
    [(labels, _)] = prometheus.samples(f'ictinfra_api_test{{test="{test_id}"}}')
    assert labels["site"] == "06655"


def test_inventory_is_validated_and_kept(sqlite_store: Store) -> None:
    token = sqlite_store.registry.issue_token("00001")
    auth = {"Authorization": f"Bearer {token}"}
    good = {
        "agent": {"version": "0.1.0", "hostname": "pc"},
        "collected_at": time.time(),
        "devices": [{"device": "sw", "address": "127.0.0.1:1161", "reachable": True}],
    }
    dead = f"http://127.0.0.1:{free_port()}/api/v1/write"
    with _client(sqlite_store, dead) as client:
        answer = client.post("/api/v1/inventory", json=good, headers=auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["appeared"] == 1
        bad = {**good, "devices": [{"device": "sw", "reachable": "maybe"}]}
        answer = client.post("/api/v1/inventory", json=bad, headers=auth)
        assert answer.status_code == 400
        assert "devices.0.address: Field required" in answer.text
        assert "devices.0.reachable" in answer.text
        answer = client.post("/api/v1/inventory", content=b"{not json", headers=auth)
        assert answer.status_code == 400 and "not JSON" in answer.text
        assert client.post("/api/v1/inventory", json=good).status_code == 401
        assert client.get("/readyz").text == "ok\n"
    assert sqlite_store.inventory.snapshot_count("00001") == 1


def test_prometheus_stopped_then_back(sqlite_store: Store, tmp_path: Any) -> None:
    from tests.peers.prometheus import start_prometheus

    private = start_prometheus(tmp_path / "prometheus")
    token = sqlite_store.registry.issue_token("00001")
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    try:
        with _client(sqlite_store, private.write_url) as client:
            private.stop()
            answer = _post(client, token, _series(test_id, now_ms))
            assert answer.status_code == 503, answer.text
            private.start()
            assert _post(client, token, _series(test_id, now_ms)).status_code == 204
        assert len(private.samples(f'ictinfra_api_test{{test="{test_id}"}}')) == 1
    finally:
        private.close()


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Content-Encoding": "zstd"}, "Content-Encoding 'zstd' is not supported"),
        ({"Content-Type": "application/json"}, "Content-Type 'application/json'"),
        ({"Content-Type": "application/x-protobuf;proto=io.prometheus.write.v2.Request"},
         "remote_write 1.0"),
    ],
)  # fmt: skip
def test_other_encodings_and_remote_write_2_get_415(
    sqlite_store: Store, headers: dict[str, str], message: str
) -> None:
    token = sqlite_store.registry.issue_token("00001")
    body = _series(uuid.uuid4().hex, int(time.time() * 1000))
    all_headers = {**WRITE_HEADERS, **headers, "Authorization": f"Bearer {token}"}
    dead = f"http://127.0.0.1:{free_port()}/api/v1/write"
    with _client(sqlite_store, dead) as client:
        answer = client.post("/api/v1/write", content=body, headers=all_headers)
        assert answer.status_code == 415 and message in answer.text
        explicit_v1 = {**all_headers, **WRITE_HEADERS}
        explicit_v1["Content-Type"] = "application/x-protobuf;proto=prometheus.WriteRequest"
        assert client.post("/api/v1/write", content=body, headers=explicit_v1).status_code == 503


def test_mangled_bodies_never_get_a_500(sqlite_store: Store) -> None:
    """Random bytes, truncations and bit flips of a valid body: always a 4xx or a retryable 503."""
    import random

    rng = random.Random(20261121)
    token = sqlite_store.registry.issue_token("00001")
    now_ms = int(time.time() * 1000)
    valid = encode_write_request(
        [({"__name__": f"m{i}", "ifAlias": "Cổng uplink", "i": str(i)}, [(now_ms, 1.5)])
         for i in range(30)]
    )  # fmt: skip
    bodies = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))) for _ in range(60)]
    bodies += [valid[: rng.randrange(1, len(valid))] for _ in range(60)]
    for _ in range(120):
        flipped = bytearray(valid)
        for _ in range(rng.randrange(1, 4)):
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
        bodies.append(bytes(flipped))
    dead = f"http://127.0.0.1:{free_port()}/api/v1/write"
    with _client(sqlite_store, dead) as client:
        statuses = {_post(client, token, body).status_code for body in bodies}
        assert client.get("/healthz").status_code == 200
    assert statuses <= {400, 413, 503}, statuses
    assert 400 in statuses


def test_database_down_is_503_not_500() -> None:
    """PostgreSQL unreachable: /readyz and writes say so with 503 (the sender retries)."""
    from collector.store import open_store

    url = f"postgresql://ictinfra@127.0.0.1:{free_port()}/gone"
    store = open_store(url, migrate=False)
    config = _config(url, f"http://127.0.0.1:{free_port()}/api/v1/write")
    body = _series(uuid.uuid4().hex, int(time.time() * 1000))
    with TestClient(build_app(config, store)) as client:
        assert client.get("/readyz").status_code == 503
        assert client.get("/healthz").status_code == 200
        answer = _post(client, "ictinfra_some_token", body)
        assert answer.status_code == 503 and "database unavailable" in answer.text
        inventory = client.post(
            "/api/v1/inventory", json={}, headers={"Authorization": "Bearer ictinfra_x"}
        )
        assert inventory.status_code == 503
    store.close()
