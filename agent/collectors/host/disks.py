"""Whole disks from /sys/block: model, serial, size and whether it spins (an HDD ages fastest)."""

from __future__ import annotations

import re
from pathlib import Path

from agent.collectors.host.files import list_dir, read_int, read_text, read_value
from agent.model import Collection
from agent.wire.inventory import DiskInfo

# Not physical disks: loop and RAM devices, device-mapper and md volumes, optical and floppy.
VIRTUAL_BLOCK = re.compile(r"^(loop|ram|zram|dm-|md|sr|fd|nbd)\d*")
SECTOR = 512  # /sys/block/*/size counts 512-byte sectors whatever the disk's own sector size


def udev_serial(rootfs: Path, dev: str | None) -> str | None:
    """ID_SERIAL_SHORT from udev's database (world-readable, where SATA serials show up)."""
    if not dev:
        return None
    text = read_text(rootfs / f"run/udev/data/b{dev}") or ""
    for line in text.splitlines():
        if line.startswith("E:ID_SERIAL_SHORT="):
            return line.split("=", 1)[1].strip() or None
    return None


def read_disks(sys_root: Path, rootfs: Path) -> list[DiskInfo]:
    disks = []
    for name in list_dir(sys_root / "block"):
        if VIRTUAL_BLOCK.match(name):
            continue
        block = sys_root / "block" / name
        sectors = read_int(block / "size")
        rotational = read_int(block / "queue/rotational")
        serial = (
            read_value(block / "device/serial")
            or read_value(block / "serial")
            or udev_serial(rootfs, read_value(block / "dev"))
        )
        disks.append(
            DiskInfo(
                device=name,
                model=read_value(block / "device/model") or None,
                vendor=read_value(block / "device/vendor") or None,
                serial=serial or None,
                size_bytes=sectors * SECTOR if sectors is not None else None,
                rotational=bool(rotational) if rotational is not None else None,
            )
        )
    return disks


def add_disks(out: Collection, disks: list[DiskInfo]) -> None:
    size = out.family(
        "ictinfra_host_disk_size_bytes", "Size of a whole disk in bytes.", labels=("device",)
    )
    rotational = out.family(
        "ictinfra_host_disk_rotational",
        "1 for a spinning disk (HDD), 0 for solid state, per /sys/block/*/queue/rotational.",
        labels=("device",),
    )
    for disk in disks:
        if disk.size_bytes is not None:
            size.add((disk.device,), disk.size_bytes)
        if disk.rotational is not None:
            rotational.add((disk.device,), int(disk.rotational))
