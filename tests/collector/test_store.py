"""The store on SQLite and on a real PostgreSQL: registry, tokens, migrations, inventory history."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from agent.wire.inventory import Inventory
from collector.sites_csv import CsvError, parse_sites_csv
from collector.store import Store, open_store
from collector.store.db import upgrade
from collector.store.schema import metadata
from collector.wire import inventory as validate_inventory
from tests.collector.conftest import CASES, load_sites

BAD_TREES = sorted((CASES / "sites_bad_tree").glob("*.csv"))


def test_migrations_match_the_schema_and_rerun_cleanly(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    upgrade(store.engine)  # a second start-up finds nothing to do
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert diff == []
    assert version == _head()


def _head() -> str | None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from collector.store.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    opened = open_store(f"sqlite:///{tmp_path / 'sub' / 'c.db'}", init=True)
    with opened.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    opened.close()


def test_three_level_hierarchy_gives_ancestor_labels(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    identity = store.registry.authenticate(store.registry.issue_token("00001"))
    assert identity is not None
    assert identity.labels == (("district", "001"), ("province", "01"), ("site", "00001"))
    assert {"site", "province", "district", "commune"} <= identity.reserved


def test_a_new_level_is_reserved_at_once_in_every_process(store: Store, database_url: str) -> None:
    """Another process (`sites import`, another replica) adds a level: the very next request
    here already drops a sender's label of that name."""
    load_sites(store, "pre2025.csv")
    token = store.registry.issue_token("00001")
    before = store.registry.authenticate(token)
    assert before is not None and "ward" not in before.reserved
    other = open_store(database_url)
    try:
        rows = "code,name,level,parent_code,staff,offices\nW1,Khu phố 1,ward,00004,3,1\n"
        other.registry.import_units(parse_sites_csv(rows), "ward.csv")
    finally:
        other.close()
    after = store.registry.authenticate(token)
    assert after is not None and "ward" in after.reserved


def test_reorganised_two_level_hierarchy_and_successors(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    load_sites(store, "post2025.csv")  # the same codes move under the province directly
    identity = store.registry.authenticate(store.registry.issue_token("00004"))
    assert identity is not None
    assert identity.labels == (("province", "01"), ("site", "00004"))
    unit = store.registry.unit("00004")
    assert unit is not None and unit.name == "Phường Ba Đình" and unit.staff == 60
    pairs = [(2, "00001", "00004"), (3, "001", "00004")]
    assert store.registry.import_successors(pairs, "map.csv") == 2
    assert store.registry.import_successors(pairs, "map.csv") == 0  # idempotent
    assert store.registry.successors() == [("00001", "00004"), ("001", "00004")]
    with pytest.raises(CsvError, match="line 2: 'nope' is not a unit"):
        store.registry.import_successors([(2, "nope", "00004")], "map.csv")


def test_export_round_trips_names_with_diacritics(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    exported = store.registry.export_units()
    assert len(exported) == 7
    assert exported.index(next(u for u in exported if u.code == "01")) < exported.index(
        next(u for u in exported if u.code == "00001")
    )  # parents first, so the export imports back
    assert {u.name for u in exported} >= {"Phường Phúc Xá", "Tỉnh Quảng Ninh"}


@pytest.mark.parametrize("path", BAD_TREES, ids=[p.stem for p in BAD_TREES])
def test_bad_tree_imports_nothing(store: Store, path: Path) -> None:
    expected = path.with_suffix(".expected").read_text(encoding="utf-8").strip()
    rows = parse_sites_csv(path.read_text(encoding="utf-8"))
    with pytest.raises(CsvError) as caught:
        store.registry.import_units(rows, path.name)
    assert any(expected in p for p in caught.value.problems), caught.value.problems
    assert store.registry.count_units() == 0


def test_tokens_are_stored_as_hashes_and_can_be_revoked_and_rotated(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    first = store.registry.issue_token("00001")
    second = store.registry.issue_token("00001")  # a second agent at the same site
    with store.engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT token_hash FROM tokens"))]
    assert first not in stored and second not in stored
    assert all(len(h) == 64 for h in stored)
    assert store.registry.authenticate(first) is not None
    assert store.registry.authenticate("ictinfra_wrong") is None
    rotated = store.registry.issue_token("00001", revoke_others=True)
    assert store.registry.authenticate(first) is None
    assert store.registry.authenticate(second) is None
    assert store.registry.authenticate(rotated) is not None
    assert store.registry.revoke("00001") == 1
    assert store.registry.authenticate(rotated) is None
    infos = store.registry.list_tokens("00001")
    assert len(infos) == 3 and all(info.revoked_at for info in infos)
    assert infos[0].last_used_at is not None


def _set_last_used(store: Store, at: float) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE tokens SET last_used_at = :at"), {"at": at})


def _last_used(store: Store, site: str) -> float | None:
    [info] = store.registry.list_tokens(site)
    return info.last_used_at


def test_last_use_is_written_once_per_interval_by_all_replicas(
    store: Store, database_url: str
) -> None:
    """A replica skips the write when any replica wrote the token's last use within the
    interval (the value is read with the token itself), and writes it once it is older; a
    revocation on one replica is still refused at once on the other."""
    from collector.store.registry import LAST_USED_EVERY

    load_sites(store, "pre2025.csv")
    token = store.registry.issue_token("00001")
    assert store.registry.authenticate(token) is not None
    assert _last_used(store, "00001") is not None  # the first use is written
    fresh = time.time() - LAST_USED_EVERY / 2
    _set_last_used(store, fresh)
    other = open_store(database_url)  # another replica: has written nothing itself
    try:
        assert other.registry.authenticate(token) is not None
        assert store.registry.authenticate(token) is not None
        assert _last_used(store, "00001") == fresh  # still fresh: neither replica wrote it
        _set_last_used(store, time.time() - LAST_USED_EVERY - 1)
        before = time.time()
        assert other.registry.authenticate(token) is not None
        written = _last_used(store, "00001")
        assert written is not None and written >= before
        assert store.registry.revoke("00001") == 1
        assert other.registry.authenticate(token) is None
    finally:
        other.close()


def test_a_reader_token_last_use_is_kept_fresh_the_same_way(store: Store) -> None:
    from collector.store.registry import LAST_USED_EVERY

    load_sites(store, "pre2025.csv")
    token = store.registry.issue_token("01", scope="reader")
    assert store.registry.token_scope(token) == ("reader", "01")
    assert _last_used(store, "01") is not None
    fresh = time.time() - LAST_USED_EVERY / 2
    _set_last_used(store, fresh)
    assert store.registry.token_scope(token) == ("reader", "01")
    assert _last_used(store, "01") == fresh
    _set_last_used(store, time.time() - LAST_USED_EVERY - 1)
    before = time.time()
    assert store.registry.token_scope(token) == ("reader", "01")
    written = _last_used(store, "01")
    assert written is not None and written >= before


def test_token_for_unknown_site_is_refused(store: Store) -> None:
    from collector.store.registry import UnknownSiteError

    with pytest.raises(UnknownSiteError, match="no unit with code 'X'"):
        store.registry.issue_token("X")


def _inventory(at: float, devices: list[dict[str, object]], bios: str = "1.0") -> Inventory:
    return validate_inventory(
        {
            "agent": {"version": "0.1.0", "hostname": "may-chu-xa"},
            "collected_at": at,
            "host": {
                "hostname": "may-chu-xa",
                "os": {"system": "Linux"},
                "dmi": {"product_serial": "PC-1", "bios_version": bios, "sys_vendor": "Dell"},
            },
            "devices": devices,
        }
    )


def _switch(serial: str, firmware: str, reachable: bool = True) -> dict[str, object]:
    entities = [
        {"index": 1, "entity_class": "chassis", "serial": serial, "software_rev": firmware,
         "model": "WS-C2960"}
    ] if reachable else []  # fmt: skip
    return {"device": "core-switch", "address": "10.0.0.1", "reachable": reachable,
            "vendor": "Cisco", "entities": entities}  # fmt: skip


def test_inventory_history_appeared_changed_vanished(store: Store) -> None:
    load_sites(store, "pre2025.csv")
    inventory = store.inventory
    t0 = time.time() - 3600
    first = inventory.record("00001", _inventory(t0, [_switch("FOC1", "15.0")]))
    assert (first.appeared, first.changed, first.vanished) == (2, 0, 0)
    same = inventory.record("00001", _inventory(t0 + 60, [_switch("FOC1", "15.0")]))
    assert (same.appeared, same.changed, same.vanished) == (0, 0, 0)
    down = inventory.record("00001", _inventory(t0 + 120, [_switch("", "", reachable=False)]))
    assert (down.changed, down.vanished) == (0, 0)  # unreachable: facts unknown, not changed
    new_fw = inventory.record("00001", _inventory(t0 + 180, [_switch("FOC1", "15.2")], "1.1"))
    assert new_fw.changed == 2  # switch firmware and host BIOS
    gone = inventory.record("00001", _inventory(t0 + 240, [], "1.1"))
    assert gone.vanished == 1
    back = inventory.record("00001", _inventory(t0 + 300, [_switch("FOC2", "15.2")], "1.1"))
    assert (back.appeared, back.changed) == (1, 1)  # reappeared with a new serial
    stale = inventory.record("00001", _inventory(t0 + 10, []))  # a replayed old snapshot
    assert not stale.history_applied and stale.vanished == 0

    events = [
        (e["device_key"], e["event"], e["field"], e["old_value"], e["new_value"])
        for e in inventory.history("00001")
    ]
    assert events == [
        ("snmp:core-switch", "appeared", None, None, None),
        ("host:may-chu-xa", "appeared", None, None, None),
        ("snmp:core-switch", "changed", "firmware", "15.0", "15.2"),
        ("host:may-chu-xa", "changed", "firmware", "1.0", "1.1"),
        ("snmp:core-switch", "vanished", None, None, None),
        ("snmp:core-switch", "reappeared", None, None, None),
        ("snmp:core-switch", "changed", "serial", "FOC1", "FOC2"),
    ]
    assert inventory.snapshot_count("00001") == 7
    switch = next(d for d in inventory.devices("00001") if d["device_key"] == "snmp:core-switch")
    assert (switch["serial"], switch["vanished_at"], switch["model"]) == ("FOC2", None, "WS-C2960")


def test_postgres_tables_exist(store: Store) -> None:
    assert {"units", "tokens", "inventory_snapshots", "devices", "device_events"} <= set(
        inspect(store.engine).get_table_names()
    )
