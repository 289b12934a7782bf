"""Filesystem sizes from statvfs(), with node_exporter's defaults for which mounts count.

A hung mount (a dead NFS server, a wedged FUSE daemon) blocks statvfs() in the kernel, and no
Python code can interrupt it. So each call runs in its own daemon thread (a daemon never delays
the agent's exit), the cycle waits at most `timeout` for all of them together, and a mount whose
call is still pending is "stuck": skipped on later cycles, reported as
node_filesystem_device_error 1, until that one pending call returns. At most one thread per
stuck mount is ever blocked — as node_exporter's stuckMounts does with goroutines.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from agent.collectors.host.files import read_text
from agent.model import Collection
from agent.wire.inventory import FilesystemInfo

log = logging.getLogger(__name__)

# node_exporter 1.5's defaults (--collector.filesystem.mount-points-exclude / fs-types-exclude).
NODE_MOUNT_POINTS_EXCLUDE = (
    r"^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)"
)
NODE_FS_TYPES_EXCLUDE = frozenset({
    "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
    "devtmpfs", "fusectl", "hugetlbfs", "iso9660", "mqueue", "nsfs", "overlay", "proc", "procfs",
    "pstore", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs", "tracefs",
})  # fmt: skip
# Ours on top: network filesystems measure someone else's disk, and are what hangs.
NETWORK_FS_TYPES = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "ceph", "glusterfs", "lustre", "9p",
    "davfs", "fuse.sshfs", "fuse.s3fs", "fuse.rclone", "fuse.glusterfs",
})  # fmt: skip
LABELS = ("device", "fstype", "mountpoint")


@dataclass(frozen=True, slots=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str
    options: tuple[str, ...] = ()

    @property
    def labels(self) -> tuple[str, str, str]:
        return (self.device, self.fstype, self.mountpoint)

    @property
    def readonly(self) -> bool:
        return "ro" in self.options


@dataclass(frozen=True, slots=True)
class Usage:
    size: int
    free: int
    avail: int
    files: int | None = None  # None where the platform has no inode counts (Windows)
    files_free: int | None = None


@dataclass(frozen=True, slots=True)
class FsResult:
    mount: Mount
    usage: Usage | None  # None: device error (statvfs failed, or the mount is stuck)
    stuck: bool = False


UsageFn = Callable[[str], Usage]


def statvfs_usage(path: str) -> Usage:
    st = os.statvfs(path)
    return Usage(
        size=st.f_blocks * st.f_frsize,
        free=st.f_bfree * st.f_frsize,
        avail=st.f_bavail * st.f_frsize,
        files=st.f_files,
        files_free=st.f_ffree,
    )


def _unescape(field: str) -> str:
    # fstab(5) octal escapes for space, tab, newline and backslash.
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def parse_mounts(text: str) -> list[Mount]:
    """/proc/mounts lines -> mounts, first of each (device, mountpoint, fstype) only."""
    mounts: list[Mount] = []
    seen: set[tuple[str, str, str]] = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        options = tuple(fields[3].split(",")) if len(fields) > 3 else ()
        mount = Mount(_unescape(fields[0]), _unescape(fields[1]), fields[2], options)
        if mount.labels not in seen:
            seen.add(mount.labels)
            mounts.append(mount)
    return mounts


def read_mounts(proc_root: Path) -> list[Mount]:
    # PID 1's view, as node_exporter: the agent may run in a private mount namespace.
    text = read_text(proc_root / "1/mounts") or read_text(proc_root / "mounts") or ""
    return parse_mounts(text)


@dataclass(frozen=True, slots=True)
class MountFilter:
    fs_types_exclude: frozenset[str]
    mount_points_exclude: tuple[re.Pattern[str], ...]

    @classmethod
    def build(
        cls,
        types_exclude: Iterable[str] = (),
        types_include: Iterable[str] = (),
        mount_points_exclude: Iterable[str] = (),
    ) -> MountFilter:
        types = (NODE_FS_TYPES_EXCLUDE | NETWORK_FS_TYPES | set(types_exclude)) - set(types_include)
        patterns = (NODE_MOUNT_POINTS_EXCLUDE, *mount_points_exclude)
        return cls(frozenset(types), tuple(re.compile(p) for p in patterns))

    def wanted(self, mount: Mount) -> bool:
        if mount.fstype in self.fs_types_exclude:
            return False
        return not any(p.match(mount.mountpoint) for p in self.mount_points_exclude)


class _Call:
    """One statvfs() in a daemon thread; `done` is set when it returns or raises."""

    def __init__(self, usage: UsageFn, path: str) -> None:
        self.done = threading.Event()
        self.result: Usage | None = None
        self.error: BaseException | None = None
        self._usage, self._path = usage, path
        threading.Thread(target=self._run, name=f"statvfs {path}", daemon=True).start()

    def _run(self) -> None:
        try:
            self.result = self._usage(self._path)
        except BaseException as exc:  # reported by the caller, never lost in the thread
            self.error = exc
        finally:
            self.done.set()


class FilesystemProbe:
    """Measures mounts with a shared deadline and remembers which ones are stuck."""

    def __init__(self, usage: UsageFn, timeout: float, rootfs: str = "/") -> None:
        self._usage = usage
        self._timeout = timeout
        self._rootfs = rootfs
        self._stuck: dict[str, _Call] = {}

    @property
    def stuck(self) -> list[str]:
        return sorted(self._stuck)

    def _path(self, mountpoint: str) -> str:
        if self._rootfs in ("", "/"):
            return mountpoint
        return os.path.join(self._rootfs, mountpoint.lstrip("/"))

    def measure(self, mounts: list[Mount]) -> list[FsResult]:
        self._release_answered()
        calls = {
            m.mountpoint: _Call(self._usage, self._path(m.mountpoint))
            for m in mounts
            if m.mountpoint not in self._stuck
        }
        deadline = time.monotonic() + self._timeout
        return [self._result(m, calls.get(m.mountpoint), deadline) for m in mounts]

    def _release_answered(self) -> None:
        for mountpoint, call in list(self._stuck.items()):
            if call.done.is_set():
                log.info("filesystem %s answers again; measuring it again", mountpoint)
                del self._stuck[mountpoint]

    def _result(self, mount: Mount, call: _Call | None, deadline: float) -> FsResult:
        if call is None:
            return FsResult(mount, None, stuck=True)
        if not call.done.wait(max(0.0, deadline - time.monotonic())):
            log.warning(
                "statvfs(%s) did not answer within %.1fs; skipping this mount until it does",
                mount.mountpoint,
                self._timeout,
            )
            self._stuck[mount.mountpoint] = call
            return FsResult(mount, None, stuck=True)
        if call.error is not None:
            log.debug("statvfs(%s) failed: %s", mount.mountpoint, call.error)
        return FsResult(mount, call.result)


def add_filesystems(out: Collection, results: list[FsResult]) -> None:
    error = out.family(
        "node_filesystem_device_error",
        "Whether an error occurred while getting statistics for the given device.",
        labels=LABELS,
    )
    readonly = out.family("node_filesystem_readonly", "Filesystem read-only status.", labels=LABELS)
    size = out.family("node_filesystem_size_bytes", "Filesystem size in bytes.", labels=LABELS)
    free = out.family(
        "node_filesystem_free_bytes", "Filesystem free space in bytes.", labels=LABELS
    )
    avail = out.family(
        "node_filesystem_avail_bytes",
        "Filesystem space available to non-root users in bytes.",
        labels=LABELS,
    )
    files = out.family("node_filesystem_files", "Filesystem total file nodes.", labels=LABELS)
    files_free = out.family(
        "node_filesystem_files_free", "Filesystem total free file nodes.", labels=LABELS
    )
    stuck = out.family(
        "ictinfra_host_filesystem_stuck",
        "1 while statvfs() of this mount has not answered within filesystem_timeout.",
        labels=LABELS,
    )
    for r in results:
        labels = r.mount.labels
        error.add(labels, 0 if r.usage else 1)
        readonly.add(labels, 1 if r.mount.readonly else 0)
        stuck.add(labels, 1 if r.stuck else 0)
        if r.usage is None:
            continue
        size.add(labels, r.usage.size)
        free.add(labels, r.usage.free)
        avail.add(labels, r.usage.avail)
        if r.usage.files is not None and r.usage.files_free is not None:
            files.add(labels, r.usage.files)
            files_free.add(labels, r.usage.files_free)


def filesystem_inventory(results: Iterable[FsResult]) -> list[FilesystemInfo]:
    """The inventory's view of the mounted filesystems (size unknown for a stuck mount)."""
    return [
        FilesystemInfo(
            mountpoint=r.mount.mountpoint,
            device=r.mount.device,
            fstype=r.mount.fstype,
            size_bytes=r.usage.size if r.usage else None,
            avail_bytes=r.usage.avail if r.usage else None,
        )
        for r in results
    ]
