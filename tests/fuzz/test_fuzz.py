"""Seeded, bounded fuzzing (seconds): mutated remote_write bodies and inventories against the
collector's API (forwarding to a real Prometheus), mutated SNMP responses into the agent's lean
decoder. 0 crashes, 0 5xx. The long campaign is bench/fuzz_campaign.py (docs/hostile-input.md).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from agent.collectors.snmp.lean import LeanTransport
from collector.app import build_app
from collector.config import CollectorConfig
from collector.store import Store, open_store
from tests.collector.conftest import load_sites
from tests.fuzz.mutators import mutate_inventory, mutate_snmp, mutate_write, now_ms
from tests.peers.prometheus import PrometheusServer

SEED = 20261201
WRITES, INVENTORIES, DATAGRAMS = 400, 400, 5000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'c.db'}", init=True)
    load_sites(opened, "pre2025.csv")
    yield opened
    opened.close()


def _client(store: Store, prometheus: PrometheusServer) -> TestClient:
    config = CollectorConfig.model_validate(
        {"database_url": str(store.engine.url), "forward": [{"url": prometheus.write_url}]}
    )
    return TestClient(build_app(config, store))


def _outage(status: int, text: str) -> bool:
    """A 503 because the receiver could not be reached at all: the one 5xx that is right."""
    names = ("ConnectError", "ConnectTimeout", "ReadTimeout", "PoolTimeout", "RemoteProtocolError")
    return status == 503 and "receiver unavailable" in text and any(n in text for n in names)


def _post_all(client: TestClient, cases: Iterator[tuple[str, bytes, dict[str, str]]]) -> list[str]:
    """Every case posted; the 5xx that are not a receiver's outage, described."""
    bad = []
    for index, (path, body, headers) in enumerate(cases):
        answer = client.post(path, content=body, headers=headers)
        if answer.status_code >= 500 and not _outage(answer.status_code, answer.text):
            bad.append(f"#{index} {path} {answer.status_code}: {answer.text[:300]}")
    return bad


@pytest.mark.peer
def test_fuzzed_inventories_get_no_5xx(store: Store, prometheus: PrometheusServer) -> None:
    rng = random.Random(SEED)
    auth = {"Authorization": f"Bearer {store.registry.issue_token('00001')}"}
    cases = (
        ("/api/v1/inventory", mutate_inventory(rng, time.time()), auth) for _ in range(INVENTORIES)
    )
    with _client(store, prometheus) as client:
        bad = _post_all(client, cases)
    assert bad == [], f"{len(bad)} 5xx (seed {SEED}):\n" + "\n".join(bad[:10])


@pytest.mark.peer
def test_fuzzed_remote_writes_get_no_5xx(store: Store, prometheus: PrometheusServer) -> None:
    rng = random.Random(SEED)
    auth = {"Authorization": f"Bearer {store.registry.issue_token('00001')}"}
    mutated = (mutate_write(rng, now_ms()) for _ in range(WRITES))
    cases = (("/api/v1/write", case.body, {**case.headers, **auth}) for case in mutated)
    with _client(store, prometheus) as client:
        bad = _post_all(client, cases)
    assert bad == [], f"{len(bad)} 5xx (seed {SEED}):\n" + "\n".join(bad[:10])


def test_fuzzed_snmp_datagrams_never_escape_the_decoder() -> None:
    rng = random.Random(SEED)
    transport = LeanTransport()
    crashes: list[str] = []
    for index in range(DATAGRAMS):
        datagram = mutate_snmp(rng)
        try:
            transport.datagram_received(datagram, ("127.0.0.1", 161))
        except Exception as exc:
            crashes.append(f"#{index} {type(exc).__name__}: {str(exc)[:200]}")
    assert crashes == [], f"{len(crashes)} crashes (seed {SEED}):\n" + "\n".join(crashes[:10])
