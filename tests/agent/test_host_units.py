"""Unit tests of the host collector's parts: stuck mounts, BIOS dates, DMI permissions,
mount filtering, the psutil backend, and the config section."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from agent.collectors.host import dmi, filesystems
from agent.collectors.host.collector import HostCollector, HostSources
from agent.config import load_config
from agent.config.host import HostConfig
from agent.errors import ConfigError
from agent.model import Collection
from agent.validation import validate
from agent.wire.inventory import HostInventory
from tests.peers.common import wait_until

CASES = Path(__file__).resolve().parents[1] / "cases" / "host"
FAST = filesystems.Usage(100, 50, 40, 10, 5)


class HungMount:
    """statvfs() that blocks for one path until released, and counts calls."""

    def __init__(self, hung_path: str) -> None:
        self.hung_path = hung_path
        self.release = threading.Event()
        self.calls: list[str] = []

    def __call__(self, path: str) -> filesystems.Usage:
        self.calls.append(path)
        if path == self.hung_path:
            self.release.wait()
        return FAST


def mounts(*points: str) -> list[filesystems.Mount]:
    return [filesystems.Mount(f"/dev/x{i}", p, "ext4") for i, p in enumerate(points)]


def test_a_hung_mount_is_bounded_then_skipped_until_it_answers() -> None:
    usage = HungMount("/srv/nfs")
    # Bounds a loaded machine meets: the hang lasts until released, and the second cycle is
    # asserted shorter than the probe's timeout, which it would wait out if it waited at all.
    probe = filesystems.FilesystemProbe(usage, timeout=5)
    try:
        started = time.monotonic()
        first = probe.measure(mounts("/", "/srv/nfs", "/home"))
        assert time.monotonic() - started < 20  # the timeout, not the hang, bounds the cycle
        assert [r.stuck for r in first] == [False, True, False]
        assert first[0].usage == FAST and first[1].usage is None
        assert probe.stuck == ["/srv/nfs"]

        started = time.monotonic()
        second = probe.measure(mounts("/", "/srv/nfs", "/home"))
        assert time.monotonic() - started < 2.5  # no wait at all for a known-stuck mount
        assert second[1].stuck and usage.calls.count("/srv/nfs") == 1  # not called again

        usage.release.set()
        pending = probe._stuck["/srv/nfs"]  # the hung statvfs, returning once released
        wait_until(pending.done.is_set, 30, "the released statvfs to return")
        third = probe.measure(mounts("/", "/srv/nfs", "/home"))
        assert not third[1].stuck and third[1].usage == FAST
        assert usage.calls.count("/srv/nfs") == 2 and probe.stuck == []
    finally:
        usage.release.set()


def test_the_collector_reports_a_hung_mount_and_keeps_its_cycle_short() -> None:
    usage = HungMount(str(CASES / "debian12-vm") + "/")
    config = HostConfig(filesystem_timeout=0.2)
    sources = HostSources(
        proc_root=CASES / "debian12-vm/proc",
        sys_root=CASES / "debian12-vm/sys",
        rootfs=CASES / "debian12-vm",
        usage=usage,
        addresses=dict,
        portable=False,
    )
    collector = HostCollector(config, sources)
    try:
        for _ in range(3):
            started = time.monotonic()
            collection = asyncio.run(collector.collect())
            assert time.monotonic() - started < 20  # the hang lasts until the test ends
            errors = family(collection, "node_filesystem_device_error")
            assert errors == {("/dev/vda", "ext4", "/"): 1}
            assert family(collection, "ictinfra_host_filesystem_stuck")[("/dev/vda", "ext4", "/")]
        assert len(usage.calls) == 1
    finally:
        usage.release.set()


def family(collection: Collection, name: str) -> dict[tuple[str, ...], float]:
    (found,) = [f for f in collection.families if f.name == name]
    return dict(found.samples)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/28/2012", date(2012, 5, 28)),
        ("5/8/2012", date(2012, 5, 8)),
        ("11/09/99", date(1999, 11, 9)),
        ("03/14/08", date(2008, 3, 14)),
        (" 12/01/2019\n", date(2019, 12, 1)),
        ("00/00/0000", None),
        ("13/45/2011", None),
        ("02/30/2012", None),
        ("2012-05-28", None),
        ("Not Specified", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_bios_date(text: str | None, expected: date | None) -> None:
    assert dmi.parse_bios_date(text) == expected


def test_unreadable_serials_are_left_out_like_node_exporter(tmp_path: Path) -> None:
    base = tmp_path / "class/dmi/id"
    base.mkdir(parents=True)
    for name, value in {
        "bios_date": "03/07/2013",
        "sys_vendor": "HP",
        "product_name": "HP Compaq 6300 Pro SFF",
        "product_serial": "CZC1234567",
        "product_uuid": "x",
    }.items():
        (base / name).write_text(value + "\n")

    def read(path: Path) -> str | None:
        if path.name in ("product_serial", "product_uuid"):
            raise PermissionError(13, "Permission denied", str(path))
        return path.read_text().strip() if path.exists() else None

    values = dmi.read_dmi(tmp_path, read)
    out = Collection()
    dmi.add_dmi(out, values)
    (info,) = [f for f in out.families if f.name == "node_dmi_info"]
    assert info.label_names == ("bios_date", "product_name", "system_vendor")
    inventory = dmi.dmi_inventory(values)
    assert inventory.product_serial is None and inventory.bios_date == "2013-03-07"


def test_a_malformed_bios_date_gives_no_age_and_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    values = {"bios_date": "99/99/9999", "bios_vendor": "Award"}
    out = Collection()
    dmi.add_dmi(out, values)
    assert [f.name for f in out.families] == ["node_dmi_info"]
    assert dmi.dmi_inventory(values).bios_date is None
    assert len([r for r in caplog.records if "BIOS date" in r.getMessage()]) == 1


def test_mount_filter_defaults_and_overrides() -> None:
    default = filesystems.MountFilter.build()
    nfs = filesystems.Mount("srv:/x", "/srv/docs", "nfs4")
    assert not default.wanted(nfs)
    assert not default.wanted(filesystems.Mount("proc", "/proc", "proc"))
    assert not default.wanted(filesystems.Mount("/dev/sdb1", "/media/usb", "vfat"))
    assert default.wanted(filesystems.Mount("tmpfs", "/tmp", "tmpfs"))  # as node_exporter
    custom = filesystems.MountFilter.build(["tmpfs"], ["nfs4"], [r"^/srv/private($|/)"])
    assert custom.wanted(nfs)
    assert not custom.wanted(filesystems.Mount("tmpfs", "/tmp", "tmpfs"))
    assert not custom.wanted(filesystems.Mount("/dev/sda5", "/srv/private", "ext4"))


def test_parse_mounts_unescapes_and_deduplicates() -> None:
    text = (
        "/dev/sda1 / ext4 rw 0 0\n"
        "/dev/sda2 /srv/my\\040files ext4 ro,noatime 0 0\n"
        "/dev/sda1 / ext4 rw 0 0\n"
        "short line\n"
    )
    parsed = filesystems.parse_mounts(text)
    assert [m.mountpoint for m in parsed] == ["/", "/srv/my files"]
    assert parsed[1].readonly and not parsed[0].readonly


def test_the_psutil_backend_runs_here_too() -> None:
    """What Windows and macOS run; on Linux it must give the same names for what it has."""
    collector = HostCollector(HostConfig(), HostSources(portable=True))
    collection = asyncio.run(collector.collect())
    names = {f.name for f in collection.families if f.samples}
    for name in (
        "node_cpu_seconds_total",
        "node_memory_MemTotal_bytes",
        "node_filesystem_size_bytes",
        "node_network_up",
        "node_boot_time_seconds",
        "node_uname_info",
    ):
        assert name in names
    assert collection.inventory is not None
    host = validate(HostInventory, collection.inventory["host"])
    assert host.memory_bytes and host.cpu.cores_logical
    again = asyncio.run(collector.collect())
    assert again.inventory is None  # inventory_interval holds there too


def test_bad_host_config_is_named_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("host:\n  enabled: true\n  mount_points_exclude: ['^/(srv']\n  bogus: 1\n")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    problems = "\n".join(info.value.problems)
    assert (
        "line 3: host.mount_points_exclude" in problems and "not a regular expression" in problems
    )
    assert "line 4: host.bogus: unknown key" in problems


def test_a_failing_source_costs_only_its_own_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    from agent.collectors.host import network

    def broken(sys_root: Path) -> list[network.NetClass]:
        raise RuntimeError("driver returned nonsense")

    monkeypatch.setattr(network, "read_net_class", broken)
    case = CASES / "debian12-vm"
    sources = HostSources(case / "proc", case / "sys", case, fast_usage, dict, portable=False)
    collection = HostCollector(HostConfig(), sources).collect_now()
    success = family(collection, "ictinfra_host_source_success")
    assert success[("netclass",)] == 0 and success[("cpu",)] == 1 and success[("netdev",)] == 1
    assert family(collection, "node_cpu_seconds_total")
    assert collection.inventory is not None and collection.inventory["host"]["nics"] == []


def fast_usage(path: str) -> filesystems.Usage:
    return FAST


def test_off_linux_the_collector_imports_and_degrades_to_psutil() -> None:
    """What Windows sees, as far as it can be faked here: sys.platform says win32 when the
    host modules load; the collector picks psutil, no /proc, and DMI from a registry that is
    not there comes out empty instead of raising."""
    code = (
        # third-party modules read sys.platform on import: load them for the real platform
        "import sys, asyncio, psutil, agent.registry, agent.config.host, agent.wire.inventory\n"
        "sys.platform = 'win32'\n"
        "from agent.collectors.host.collector import HostCollector, HostSources\n"
        "from agent.collectors.host import portable\n"
        "from agent.config.host import HostConfig\n"
        "sources = HostSources.from_config(HostConfig())\n"
        "assert sources.portable and sources.usage is portable.psutil_usage\n"
        "c = HostCollector(HostConfig(), sources).collect_now()\n"
        "names = {f.name for f in c.families if f.samples}\n"
        "assert 'node_cpu_seconds_total' in names and 'node_dmi_info' not in names, names\n"
        "print(c.inventory['host']['os']['system'])\n"
    )
    import subprocess
    import sys

    from tests.peers.common import subprocess_env

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Linux"  # platform.uname() is still the real one
