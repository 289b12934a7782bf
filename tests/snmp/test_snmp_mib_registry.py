"""The MIB registry: one file per MIB, found by the registry, duplicates refused."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import cast, get_args

import pytest

from agent.collectors.snmp import SnmpClient, poller
from agent.collectors.snmp.decode import Value
from agent.collectors.snmp.mib import DuplicateMibError, Mib, ordered, registry
from agent.collectors.snmp.mibs import entity, hostres, ifmib, printer, system
from agent.collectors.snmp.session import Response
from agent.config.snmp import Module, SnmpConfig, SnmpTarget
from agent.validation import validate


def test_the_agent_mibs_in_poll_order() -> None:
    assert [m.name for m in registry()] == [
        "system",
        "if_mib",
        "entity",
        "host_resources",
        "printer",
    ]
    # the columns in the order the poller always walked them (4 per GETBULK)
    walked = [c for m in registry() for c in m.columns]
    assert walked == [
        *ifmib.WALK_COLUMNS,
        *entity.WALK_COLUMNS,
        *hostres.WALK_COLUMNS,
        *printer.WALK_COLUMNS,
    ]
    assert [s for m in registry() for s in m.scalars] == [
        *system.SCALARS,
        ifmib.IF_NUMBER,
        *hostres.SCALARS,
    ]


def test_every_mib_is_a_config_module() -> None:
    """A target's `modules:` chooses MIBs by these names ("bridge" is read by the bandwidth
    and LAN-facts collectors through the Walker, not by the poller)."""
    names = {m.name for m in registry()}
    assert names <= set(get_args(Module))
    assert set(get_args(Module)) - names == {"bridge"}


def test_two_mibs_with_one_name_are_refused() -> None:
    with pytest.raises(DuplicateMibError, match="'if_mib'"):
        ordered([ifmib.MIB, Mib("if_mib", order=99)])


def test_adding_a_mib_is_adding_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site_mibs"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ups.py").write_text(
        "from agent.collectors.snmp.mib import Mib\n"
        'MIB = Mib("ups", order=5, columns=("1.3.6.1.2.1.33.1.2.4",))\n'
    )
    (package / "helpers.py").write_text("X = 1\n")  # a module without MIB is no MIB
    (package / "early.py").write_text(
        'from agent.collectors.snmp.mib import Mib\nMIB = Mib("early", order=1)\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert [m.name for m in registry("site_mibs")] == ["early", "ups"]
    finally:
        for name in [n for n in sys.modules if n.startswith("site_mibs")]:
            del sys.modules[name]


class OneDevice:
    """A device with the system group, ifNumber and one interface (a fake for the poller)."""

    version = "2c"

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def get(self, oids: Sequence[str]) -> Response:
        self.asked += oids
        values: dict[str, Value] = {system.SYS_UPTIME: 4200, ifmib.IF_NUMBER: 1}
        return Response([(oid, values.get(oid)) for oid in oids])

    async def next(self, oids: Sequence[str]) -> Response:
        return await self.bulk(oids, 1)

    async def bulk(self, oids: Sequence[str], max_repetitions: int) -> Response:
        self.asked += oids
        return Response([(f"{oid}.1", 7) if oid.count(".") < 11 else (oid, None) for oid in oids])


class FakeClient:
    def __init__(self, session: OneDevice) -> None:
        self._session = session

    async def session(self, target: SnmpTarget) -> OneDevice:
        return self._session


@pytest.mark.parametrize(
    ("modules", "names"),
    [
        (("system",), ["sysUpTime", "ifNumber"]),  # the liveness GET's scalars, always
        (("system", "if_mib"), ["sysUpTime", "ifNumber", "ifIndex", "ifType_info", "ifMtu"]),
    ],
)
def test_the_poller_walks_what_the_modules_choose(
    modules: tuple[str, ...], names: list[str]
) -> None:
    device = OneDevice()
    target = validate(SnmpTarget, {"name": "sw", "address": "192.0.2.1", "modules": modules})
    state = poller.new_state(SnmpConfig(), target)
    client = cast(SnmpClient, FakeClient(device))
    result = asyncio.run(poller.poll_device(client, target, state, inventory=False, deadline=5))
    assert result.up, result.error
    assert [f.name for f in result.families][: len(names)] == names
    walked = {oid for oid in device.asked if oid not in system.SCALARS}
    assert bool(walked & set(ifmib.WALK_COLUMNS)) is ("if_mib" in modules)
    assert not walked & set(entity.WALK_COLUMNS)  # inventory polls only
