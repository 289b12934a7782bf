"""Hostile inventory JSON gets a 4xx naming what is wrong, on SQLite and a real PostgreSQL, and
the agent's history goes on afterwards (a snapshot dated 2099 must not freeze it)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from collector.app import build_app
from collector.config import CollectorConfig
from collector.store import Store
from tests.collector.conftest import load_sites
from tests.collector.inventories import small_inventory

NOW = time.time()


def _with(path: str, raw: str) -> bytes:
    """The small inventory with the value at `path` (dotted) replaced by raw JSON text."""
    doc: Any = small_inventory("hostile", NOW - 60)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    node = doc
    for part in parents:
        node = node[part]
    node[last] = "@RAW@"
    return json.dumps(doc).replace('"@RAW@"', raw, 1).encode()


def _duplicate(key: str) -> bytes:
    text = json.dumps(small_inventory("hostile", NOW - 60))
    return text.replace(f'"{key}":', f'"{key}": "first", "{key}":', 1).encode()


def _many(name: str, count: int) -> bytes:
    doc = small_inventory("hostile", NOW - 60)
    doc[name] = doc[name] * count
    return json.dumps(doc).encode()


CASES: dict[str, tuple[bytes, int, str]] = {
    "deep nesting": (_with("host.cpu", "[" * 100_000 + "]" * 100_000), 400, "objects and arrays"),
    "deep objects": (_with("devices.0.extra", '{"a":' * 5000 + "1" + "}" * 5000), 400, "arrays in"),
    "deep, padded": (
        _with("host.cpu", "[" * 5000 + json.dumps("p" * 99_000) + "]" * 5000),
        400,
        "nested too deeply",
    ),
    "dense containers": (_with("devices", "[" + "{}," * 100_000 + "{}]"), 400, "at most one per"),
    "huge integer": (_with("host.memory_bytes", "9" * 5000), 400, "more than 20 digits"),
    "integer over 64 bits": (_with("host.memory_bytes", str(2**65)), 400, "does not fit 64 bits"),
    "float overflow": (_with("collected_at", "1e400"), 400, "out of range"),
    "NaN": (_with("collected_at", "NaN"), 400, "NaN is not a JSON number"),
    "Infinity": (_with("host.cpu.max_mhz", "Infinity"), 400, "Infinity is not a JSON number"),
    "-Infinity": (_with("devices.0.extra.load", "-Infinity"), 400, "-Infinity"),
    "lone surrogate": (_with("devices.0.vendor", '"\\ud800"'), 400, "devices.0.vendor: a lone"),
    "lone low surrogate key": (_with("devices.0.extra", '{"\\udc00": 1}'), 400, "lone surrogate"),
    "surrogate bytes": (
        _with("devices.0.vendor", '"@S@"').replace(b"@S@", b"\xed\xa0\x80"),
        400,
        "not UTF-8",
    ),
    "not UTF-8": (b'{"agent": "\xff"}', 400, "not UTF-8"),
    "duplicate keys": (_duplicate("collected_at"), 400, "'collected_at' appears twice"),
    "collected_at in 2099": (_with("collected_at", "4102444800"), 400, "max_future_skew"),
    "collected_at of 0": (_with("collected_at", "0"), 400, "max_inventory_age"),
    "collected_at negative": (_with("collected_at", "-1e300"), 400, "max_inventory_age"),
    "too many devices": (_many("devices", 11), 413, "limits.max_inventory_devices"),
    "too many LAN hosts": (_many("lan_hosts", 6), 413, "limits.max_inventory_lan_hosts"),
    "vendor too long": (_with("devices.0.vendor", json.dumps("v" * 300)), 400, "vendor"),
    "NUL in a serial": (_with("host.dmi.product_serial", '"PC\\u0000"'), 400, "NUL"),
    "agent name too long": (_with("agent.hostname", json.dumps("h" * 256)), 400, "agent.hostname"),
    "not an object": (b"[1, 2, 3]", 400, "(top level)"),
    "devices not a list": (_with("devices", '{"a": 1}'), 400, "devices"),
    "an unknown key": (
        _with("host.cpu", '{"model": "x", "bogus": 1}'),
        400,
        "host.cpu.bogus: Extra inputs are not permitted",
    ),
    "too many open ports": (
        _with("lan_hosts.0.open_ports", json.dumps(list(range(1, 66)))),
        400,
        "lan_hosts.0.open_ports: List should have at most 64 items",
    ),
    "virtualization too long": (
        _with("host.virtualization", json.dumps("v" * 33)),
        400,
        "host.virtualization: String should have at most 32 characters",
    ),
    "a wrong type deep down": (_with("devices.0.entities.0.index", '"one"'), 400, "entities.0"),
    "truncated": (json.dumps(small_inventory()).encode()[:-7], 400, "not JSON"),
}


@pytest.fixture
def client(store: Store) -> Iterator[tuple[TestClient, dict[str, str]]]:
    load_sites(store, "pre2025.csv")
    config = CollectorConfig.model_validate(
        {
            "database_url": str(store.engine.url),
            "limits": {"max_inventory_devices": 10, "max_inventory_lan_hosts": 5},
        }
    )
    auth = {"Authorization": f"Bearer {store.registry.issue_token('00001')}"}
    with TestClient(build_app(config, store)) as test_client:
        yield test_client, auth


def test_every_hostile_inventory_gets_a_4xx_naming_it(
    client: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    test_client, auth = client
    wrong = {}
    for name, (body, status, words) in CASES.items():
        answer = test_client.post("/api/v1/inventory", content=body, headers=auth)
        if answer.status_code != status or words not in answer.text:
            wrong[name] = (answer.status_code, answer.text[:200])
    assert wrong == {}
    assert store.inventory.snapshot_count("00001") == 0  # nothing of them was stored


def test_a_snapshot_from_the_future_does_not_freeze_history(
    client: tuple[TestClient, dict[str, str]], store: Store
) -> None:
    test_client, auth = client
    future = small_inventory("clock-wrong", time.time() + 80 * 365 * 86400)
    answer = test_client.post("/api/v1/inventory", content=json.dumps(future), headers=auth)
    assert answer.status_code == 400 and "max_future_skew" in answer.text
    for serial in ("FOC1", "FOC2"):
        snapshot = small_inventory("clock-wrong", time.time())
        snapshot["devices"][0]["entities"][0]["serial"] = serial
        answer = test_client.post("/api/v1/inventory", content=json.dumps(snapshot), headers=auth)
        assert answer.status_code == 200 and answer.json()["history_applied"], answer.text
    assert answer.json()["changed"] == 1  # the new serial is news: history moves on
