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
WRITES, INVENTORIES, DATAGRAMS = 300, 300, 20_000


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'c.db'}")
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


@pytest.mark.peer
def test_fuzzed_http_inputs_get_no_5xx(store: Store, prometheus: PrometheusServer) -> None:
    rng = random.Random(SEED)
    token = store.registry.issue_token("00001")
    auth = {"Authorization": f"Bearer {token}"}
    bad: list[str] = []
    with _client(store, prometheus) as client:
        for index in range(WRITES + INVENTORIES):
            if index % 2 and index // 2 < INVENTORIES:
                body, headers, path = mutate_inventory(rng, time.time()), {}, "/api/v1/inventory"
            else:
                case = mutate_write(rng, now_ms())
                body, headers, path = case.body, case.headers, "/api/v1/write"
            answer = client.post(path, content=body, headers={**headers, **auth})
            if answer.status_code >= 500 and not _outage(answer.status_code, answer.text):
                bad.append(f"#{index} {path} {answer.status_code}: {answer.text[:300]}")
    assert bad == [], f"{len(bad)} 5xx (seed {SEED}):\n" + "\n".join(bad[:10])


def test_fuzzed_snmp_datagrams_never_escape_the_decoder() -> None:
    rng = random.Random(SEED)
    transport = LeanTransport()
    crashes: list[str] = []
    for index in range(DATAGRAMS):
        datagram = mutate_snmp(rng)
        try:
            transport.datagram_received(datagram, ("127.0.0.1", 161))
        except Exception as exc:  # noqa: BLE001 - any escape is the finding
            crashes.append(f"#{index} {type(exc).__name__}: {str(exc)[:200]}")
    assert crashes == [], f"{len(crashes)} crashes (seed {SEED}):\n" + "\n".join(crashes[:10])
