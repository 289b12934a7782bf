"""Every recorded device in tests/cases/snmp/, polled by `ictinfra-agent once` through snmpsim:
each interface's counters/status/speed and each entity's serial/model/mfg date must equal the
recording (expected.json, made from the recording by tests/cases/snmp/extract.py)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.peers.common import REPO, agent_command, subprocess_env
from tests.peers.promtool import assert_promtool_accepts
from tests.peers.snmpsim import Snmpsim
from tests.peers.udp_relay import Relay, start_relay
from tests.snmp.promtext import Sample, by_device, parse_samples, value_of

CASES = sorted(p.parent for p in (REPO / "tests" / "cases" / "snmp").glob("*/case.yaml"))
# One snmpsim process answers for every recorded device, one request at a time (~10 ms of CPU
# each, ~450 requests a cycle: 4-5 CPU-s). On a loaded machine a cycle takes minutes, and its
# queue holds a request of every device at once: with 3 s timeouts it was sent requests again
# that it was about to answer, each re-send added to its work, and the devices missed the cycle's
# budget (90 % of the 60 s interval). The limits here wait for the answers; they test no timing.
REQUEST_TIMEOUT = "15s"
INTERVAL = "600s"
POLL_TIMEOUT = "500s"
IF_COLUMNS = ("ifHCInOctets", "ifOperStatus", "ifHighSpeed", "ifInOctets")

pytestmark = pytest.mark.peer


@dataclass(frozen=True)
class AgentRun:
    samples: list[Sample]
    text: str
    inventory: dict[str, Any]
    log: str


def case_spec(case: Path) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((case / "case.yaml").read_text())
    return spec


def device_name(case: Path) -> str:
    """Not the community (the case's name): logs redact every config secret, so a device named
    like its community would read `SNMP device <secret>` in them."""
    return case.name.upper()


def case_name(case: Path) -> str:
    """The case's own name as the device label, for tests that read no log."""
    return case.name


def agent_config(
    snmpsim: Snmpsim, relays: list[Relay], name_of: Callable[[Path], str] = device_name
) -> dict[str, Any]:
    targets = []
    for case in CASES:
        spec = case_spec(case)
        address = snmpsim.address
        if spec.get("v1_only"):
            relay = start_relay((snmpsim.host, snmpsim.port), v1_only=True)
            relays.append(relay)
            address = relay.address
        targets.append(
            {
                "name": name_of(case),
                "address": address,
                "community": case.name,
                "version": str(spec.get("version", "2c")),
                "timeout": REQUEST_TIMEOUT,
                "retries": 2,
            }
        )
    return {
        "snmp": {"targets": targets, "interval": INTERVAL, "poll_timeout": POLL_TIMEOUT},
        "host": {"enabled": False},
    }


def run_once(config: Path, fmt: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        agent_command("once", "--config", str(config), "--format", fmt),
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )


@pytest.fixture(scope="module")
def agent_run(
    snmpsim: Snmpsim, relays: list[Relay], tmp_path_factory: pytest.TempPathFactory
) -> AgentRun:
    config = tmp_path_factory.mktemp("agent") / "agent.yaml"
    config.write_text(yaml.safe_dump(agent_config(snmpsim, relays)))
    metrics = run_once(config, "prometheus")
    inventory = run_once(config, "json")
    return AgentRun(
        parse_samples(metrics.stdout), metrics.stdout, json.loads(inventory.stdout), metrics.stderr
    )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_recorded_device(case: Path, agent_run: AgentRun) -> None:
    expected = json.loads((case / "expected.json").read_text())
    device = device_name(case)
    samples = agent_run.samples
    assert value_of(samples, "ictinfra_snmp_up", device=device) == 1
    assert value_of(samples, "sysUpTime", device=device) == expected["sysUpTime"]
    for column in IF_COLUMNS:
        got = by_device(samples, column, device, "ifIndex")
        want = {
            index: row[column] for index, row in expected["interfaces"].items() if column in row
        }
        assert got == want, f"{device} {column}"
    assert set(by_device(samples, "ifOperStatus", device, "ifIndex")) == set(expected["interfaces"])
    check_inventory(device, expected, agent_run)
    check_printer(device, expected, samples)
    check_host_resources(device, expected, samples)


def check_inventory(device: str, expected: dict[str, Any], agent_run: AgentRun) -> None:
    records = [d for d in agent_run.inventory["devices"] if d["device"] == device]
    assert len(records) == 1
    record = records[0]
    assert record["reachable"] is True
    assert record["sys_object_id"] == expected["sysObjectID"]
    assert record["vendor"], f"{device}: no vendor for {expected['sysObjectID']}"
    entities = {str(e["index"]): e for e in record["entities"]}
    assert set(entities) == set(expected["entities"])
    for index, want in expected["entities"].items():
        got = entities[index]
        # The inventory trims the padding some devices put around text.
        assert got["serial"] == (want["serial"].strip() or None), f"{device} entity {index} serial"
        assert got["model"] == (want["model"].strip() or None), f"{device} entity {index} model"
        if want.get("mfg_date") == "unknown":
            assert (got["mfg_date"], got["mfg_date_status"]) == (None, "unknown")
        elif "mfg_date" in want:
            assert (got["mfg_date"], got["mfg_date_status"]) == (want["mfg_date"], "ok")
    lines = [
        line
        for line in agent_run.log.splitlines()
        if f"SNMP device {device}:" in line and "entPhysicalMfgDate" in line
    ]
    assert len(lines) == (1 if expected["unknown_mfg_dates"] else 0), lines


def check_printer(device: str, expected: dict[str, Any], samples: list[Sample]) -> None:
    got = by_device(samples, "ictinfra_snmp_printer_marker_marks_total", device, "marker")
    assert got == expected["printer_marker_life_count"]
    levels = by_device(samples, "ictinfra_snmp_printer_supply_level", device, "supply")
    assert levels == expected["printer_supply_level"]


def check_host_resources(device: str, expected: dict[str, Any], samples: list[Sample]) -> None:
    storage = by_device(samples, "ictinfra_snmp_hr_storage_size_bytes", device, "index")
    assert storage == expected["hr_storage_size_bytes"]
    load = by_device(samples, "ictinfra_snmp_hr_processor_load_ratio", device, "index")
    want = expected["hr_processor_load_percent"]
    assert set(load) == set(want)
    for index, percent in want.items():
        if percent is None:  # simulated by snmpsim's `numeric` variation: any valid load
            assert 0 <= load[index] <= 1
        else:
            assert load[index] == percent / 100


def test_real_dates_come_through(agent_run: AgentRun) -> None:
    """The h3c recording has real manufacturing dates: at least one must be reported as a date."""
    record = next(d for d in agent_run.inventory["devices"] if d["device"] == "H3C-MFG-DATE")
    assert any(e["mfg_date_status"] == "ok" and e["mfg_date"] for e in record["entities"])


def test_output_passes_promtool(agent_run: AgentRun) -> None:
    # snmp_exporter's names (ifHCInOctets, camelCase labels) fail promtool's naming lint, as
    # snmp_exporter's own output does; they are the contract and the only lint allowed
    assert_promtool_accepts(agent_run.text)


def test_no_secret_in_output(agent_run: AgentRun) -> None:
    for case in CASES:  # the communities are the cases' names here: none is ever logged
        assert case.name not in agent_run.log
