"""Kernel identity (uname), boot time and the system clock (node_exporter's uname, stat and time
collectors): uptime is node_time_seconds - node_boot_time_seconds."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from agent.collectors.host.files import read_value
from agent.model import Collection

UNAME_LABELS = ("domainname", "machine", "nodename", "release", "sysname", "version")


@dataclass(frozen=True, slots=True)
class Uname:
    sysname: str
    nodename: str
    release: str
    version: str
    machine: str
    domainname: str

    def label_values(self) -> tuple[str, ...]:
        return tuple(getattr(self, label) for label in UNAME_LABELS)


def read_uname(proc_root: Path) -> Uname:
    """From /proc/sys/kernel (so a recorded tree can stand in), filled in from uname(2)."""
    kernel = proc_root / "sys/kernel"
    live = os.uname() if hasattr(os, "uname") else None

    def pick(file: str, fallback: str) -> str:
        value = read_value(kernel / file)
        if value is not None:
            return value
        return getattr(live, fallback, "") if live is not None else ""

    return Uname(
        sysname=pick("ostype", "sysname"),
        nodename=pick("hostname", "nodename"),
        release=pick("osrelease", "release"),
        version=pick("version", "version"),
        machine=pick("arch", "machine"),
        domainname=read_value(kernel / "domainname") or "(none)",
    )


def add_uname(out: Collection, uname: Uname) -> None:
    out.family(
        "node_uname_info",
        "Labeled system information as provided by the uname system call.",
        "gauge",
        UNAME_LABELS,
    ).add(uname.label_values(), 1)


def add_boot_time(out: Collection, boot_time: float | None) -> None:
    if boot_time is not None:
        out.family("node_boot_time_seconds", "Node boot time, in unixtime.").add((), boot_time)


def add_time(out: Collection, now: float) -> None:
    out.family("node_time_seconds", "System time in seconds since epoch (1970).").add((), now)
