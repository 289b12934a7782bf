"""The host collector over recorded /proc, /sys and /etc trees: one test per case folder.

A case is tests/cases/host/<name>/ holding proc/, sys/, etc/ (and run/udev/data/) as recorded
(record.sh), statvfs.json with each mount's statvfs() answer, and expected.yaml:
  host:          HostConfig overrides (optional)
  samples:       'name{labels}': value that must appear
  label_values:  {family: {label: [every value it takes]}}
  absent:        families that must have no sample
  inventory:     a subset of the host inventory that must match
Adding a case is adding a folder.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from agent.collectors.host.collector import HostCollector, HostSources
from agent.config.host import HostConfig
from agent.exposition import render
from agent.validation import validate
from agent.wire.inventory import HostInventory, to_dict
from tests.agent.host_support import parse_text, recorded_usage, sample_key

CASES = Path(__file__).resolve().parents[1] / "cases" / "host"
CASE_DIRS = sorted(p for p in CASES.iterdir() if (p / "expected.yaml").is_file())


def collector_for(case: Path, hang: threading.Event, **overrides: Any) -> HostCollector:
    expected = yaml.safe_load((case / "expected.yaml").read_text())
    config = validate(HostConfig, {**expected.get("host", {}), **overrides})
    sources = HostSources(
        proc_root=case / "proc",
        sys_root=case / "sys",
        rootfs=case,
        usage=recorded_usage(case, hang),
        addresses=dict,
        portable=False,
    )
    return HostCollector(config, sources)


def assert_subset(expected: Any, actual: Any, where: str = "inventory") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r} is not a mapping"
        for key, value in expected.items():
            assert key in actual, f"{where}.{key} missing"
            assert_subset(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), (
            f"{where}: {actual!r} has not {len(expected)} items"
        )
        for i, (e, a) in enumerate(zip(expected, actual, strict=True)):
            assert_subset(e, a, f"{where}[{i}]")
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


@pytest.fixture
def hang() -> Any:
    event = threading.Event()
    yield event
    event.set()  # lets the recorded "hung" statvfs threads finish


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_recorded_case(case: Path, hang: threading.Event) -> None:
    expected = yaml.safe_load((case / "expected.yaml").read_text())
    collection = asyncio.run(collector_for(case, hang).collect())
    families = parse_text(render(collection.families))  # through the real exposition

    for key, value in (expected.get("samples") or {}).items():
        name, labels = sample_key(key)
        assert name in families, f"{case.name}: no {name} at all"
        assert labels in families[name], (
            f"{case.name}: {key} missing; {name} has {sorted(families[name])}"
        )
        assert families[name][labels] == value, f"{case.name}: {key} = {families[name][labels]}"
    for name, labels in (expected.get("label_values") or {}).items():
        for label, values in labels.items():
            seen = {dict(pairs)[label] for pairs in families.get(name, {})}
            assert seen == set(values), f"{case.name}: {name} {label} values {sorted(seen)}"
    for name in expected.get("absent") or []:
        assert name not in families, f"{case.name}: {name} should be absent"

    assert collection.inventory is not None
    host = to_dict(validate(HostInventory, collection.inventory["host"]))
    assert_subset(expected.get("inventory") or {}, host)


def test_slow_facts_are_read_on_inventory_cycles_only(
    hang: threading.Event, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agent.collectors.host.collector as module

    now = [1000.0]
    collector = collector_for(CASES / "dell-optiplex-7010", hang, inventory_interval="1h")
    collector._clock = lambda: now[0]
    assert collector.collect_now().inventory is not None
    reads: list[Path] = []
    real = module.read_facts

    def counting(sources: HostSources) -> Any:
        reads.append(sources.proc_root)
        return real(sources)

    monkeypatch.setattr(module, "read_facts", counting)
    now[0] += 15
    second = collector.collect_now()
    assert second.inventory is None and reads == []
    assert any(f.name == "node_dmi_info" and f.samples for f in second.families)  # cached
    now[0] += 3600
    assert collector.collect_now().inventory is not None and len(reads) == 1


# Which node_exporter collector produces a family we share (checked only if it succeeded there).
NODE_COLLECTOR_OF = (
    ("node_cpu_", "cpu"),
    ("node_memory_", "meminfo"),
    ("node_dmi_", "dmi"),
    ("node_network_info", "netclass"),
    ("node_network_up", "netclass"),
    ("node_network_speed_bytes", "netclass"),
    ("node_network_", "netdev"),
    ("node_os_", "os"),
    ("node_boot_time_seconds", "stat"),
    ("node_pressure_", "pressure"),
    ("node_load", "loadavg"),
)


def node_collector_of(name: str) -> str | None:
    return next((c for prefix, c in NODE_COLLECTOR_OF if name.startswith(prefix)), None)


# Trees node_exporter itself cannot read (a case says so and why in its expected.yaml).
NODE_CASES = [
    p
    for p in CASE_DIRS
    if yaml.safe_load((p / "expected.yaml").read_text()).get("node_exporter_compare") is not False
]


@pytest.mark.peer
@pytest.mark.parametrize("case", NODE_CASES, ids=[p.name for p in NODE_CASES])
def test_node_exporter_reads_the_recorded_tree_the_same(case: Path, hang: threading.Event) -> None:
    """The real node_exporter pointed at the same recorded tree gives the same samples for
    every family both produce from it (filesystems and uname come from syscalls there)."""
    from tests.peers.node_exporter import scrape_node_exporter_on_tree

    theirs = parse_text(scrape_node_exporter_on_tree(case))
    ok = {dict(k)["collector"] for k, v in theirs["node_scrape_collector_success"].items() if v}
    ours = parse_text(render(asyncio.run(collector_for(case, hang).collect()).families))
    compared = 0
    for name, samples in ours.items():
        collector = node_collector_of(name)
        if collector is None or collector not in ok:
            continue
        if name == "node_cpu_frequency_max_hertz":  # cpufreq wants files we do not record
            continue
        assert name in theirs, f"{case.name}: node_exporter has no {name}"
        assert samples == theirs[name], f"{case.name}: {name} differs from node_exporter"
        compared += 1
    for name, samples in theirs.items():  # and nothing of theirs we should have is missing
        collector = node_collector_of(name)
        wanted = ("node_cpu_seconds", "node_memory_", "node_dmi", "node_pressure_", "node_load")
        if collector in ok and name.startswith(wanted):
            assert name in ours or not samples, f"{case.name}: we lack {name}"
    assert compared >= 3, f"{case.name}: only {compared} families compared"
