"""Reader tokens in-process (Starlette TestClient, SQLite store): a reader reads its unit and what
is below it, never writes; a site's write token never reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from agent.wire.remote_write import WRITE_HEADERS, compress, encode_write_request
from collector.app import build_app
from collector.config import CollectorConfig
from collector.readers import issue_reader_token
from collector.store import Store, open_store
from tests.collector.conftest import load_sites


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'c.db'}", init=True)
    load_sites(opened, "pre2025.csv")
    now = time.time()
    for site, host in (("00001", "ubnd-phuc-xa"), ("06655", "ubnd-hong-gai")):
        opened.inventory.record(site, _inventory(host, now))
    yield opened
    opened.close()


def _inventory(host: str, at: float) -> Any:
    from collector.wire import inventory as validate_inventory

    return validate_inventory(
        {"agent": {"version": "0.1.0", "hostname": host}, "collected_at": at,
         "lan_hosts": [{"ip": "10.0.0.9", "mac": "00:80:77:00:00:09", "vendor": "Brother",
                        "first_seen": at, "last_seen": at, "present": True}]}
    )  # fmt: skip


@pytest.fixture
def client(store: Store) -> Iterator[TestClient]:
    config = CollectorConfig.model_validate({"database_url": str(store.engine.url), "forward": []})
    with TestClient(build_app(config, store)) as running:
        yield running


def _get(client: TestClient, token: str | None, site: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"site": site} if site else {}
    return client.get("/api/v1/devices", params=params, headers=headers)


def test_a_province_reader_reads_its_province_only(store: Store, client: TestClient) -> None:
    token = issue_reader_token(store, "01")
    everything = _get(client, token)
    assert everything.status_code == 200, everything.text
    assert {d["site"] for d in everything.json()["devices"]} == {"00001"}
    one = _get(client, token, "00001")
    [printer] = one.json()["devices"]
    assert (printer["class"], printer["device"]) == ("printer", "00:80:77:00:00:09")
    assert [e["event"] for e in printer["history"]] == ["appeared"]
    district = _get(client, token, "001")  # a unit below the reader's: itself and below
    assert [d["site"] for d in district.json()["devices"]] == ["00001"]
    other = _get(client, token, "06655")
    assert other.status_code == 403 and "06655" in other.text
    assert _get(client, token, "bad code!").status_code == 400


def test_a_commune_reader_cannot_read_its_province(store: Store, client: TestClient) -> None:
    token = issue_reader_token(store, "00001")
    assert _get(client, token, "01").status_code == 403
    assert _get(client, token, "00001").status_code == 200


def test_a_site_token_never_reads(store: Store, client: TestClient) -> None:
    answer = _get(client, store.registry.issue_token("00001"), "00001")
    assert answer.status_code == 403
    assert "write token cannot read" in answer.text


def test_a_reader_token_never_writes(store: Store, client: TestClient) -> None:
    token = issue_reader_token(store, "01")
    headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
    body = compress(encode_write_request([({"__name__": "x"}, [(int(time.time() * 1000), 1.0)])]))
    write = client.post("/api/v1/write", content=body, headers=headers)
    assert write.status_code == 403, write.text
    inventory = client.post(
        "/api/v1/inventory", json={"agent": {"version": "1", "hostname": "h"},
                                    "collected_at": time.time()},
        headers={"Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert inventory.status_code == 403 and "reader token cannot write" in inventory.text
    assert store.inventory.snapshot_count("01") == 0


def test_missing_unknown_and_revoked_tokens_are_401(store: Store, client: TestClient) -> None:
    assert _get(client, None).status_code == 401
    assert _get(client, "ictinfra_nope").status_code == 401
    old = issue_reader_token(store, "01")
    new = issue_reader_token(store, "01", rotate=True)
    assert _get(client, old).status_code == 401
    assert _get(client, new).status_code == 200
    site_token = store.registry.issue_token("01")
    assert _get(client, new).status_code == 200  # a site token of the unit leaves readers alone
    store.registry.issue_token("01", revoke_others=True)  # rotating site tokens too
    assert _get(client, new).status_code == 200
    assert store.registry.authenticate(site_token) is None
    scopes = [(i.scope, i.revoked_at is None) for i in store.registry.list_tokens("01")]
    assert scopes == [("reader", False), ("reader", True), ("site", False), ("site", True)]
