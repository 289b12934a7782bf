"""Child process for test_host_hung_mount: a real hung mount, in a private mount namespace.

Run as `unshare -m --propagation private -p -f --mount-proc python3 host_hung_fuse.py DIR`
(root): mounts a FUSE filesystem on DIR whose daemon (this process) never answers, so every
statvfs() on it blocks in the kernel exactly like a dead NFS server's. Runs the host collector
three times — twice while hung, once after the "daemon" has gone (the fd closed) — and prints
what it saw as JSON. The mount is visible only inside this namespace; nothing else can trip on it.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys
import time
from typing import Any

from agent.collectors.host.collector import HostCollector
from agent.config.host import HostConfig

MNT_DETACH = 2


def mount_hung_fuse(target: str) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/dev/fuse", os.O_RDWR)
    options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
    if libc.mount(b"hungfs", target.encode(), b"fuse.hungfs", 0, options) != 0:
        raise OSError(ctypes.get_errno(), "mount fuse", target)
    return fd


def cycle(collector: HostCollector, target: str) -> dict[str, Any]:
    started = time.monotonic()
    collection = collector.collect_now()
    seconds = time.monotonic() - started
    seen: dict[str, Any] = {"seconds": seconds}
    for family in collection.families:
        for labels, value in family.samples:
            values = dict(zip(family.label_names, labels, strict=True))
            if values.get("mountpoint") == target:
                seen[family.name] = value
            if values.get("mountpoint") == "/" and family.name == "node_filesystem_size_bytes":
                seen["root_size"] = value
    return seen


def main() -> None:
    target = sys.argv[1]
    os.makedirs(target, exist_ok=True)
    fd = mount_hung_fuse(target)
    libc = ctypes.CDLL(None, use_errno=True)
    try:
        collector = HostCollector(HostConfig(filesystem_timeout=0.5, inventory_interval=3600))
        hung = [cycle(collector, target), cycle(collector, target)]
        os.close(fd)  # the daemon dies: the pending statvfs() returns ENOTCONN
        fd = -1
        time.sleep(0.2)
        after = cycle(collector, target)
    finally:
        if fd >= 0:
            os.close(fd)
        libc.umount2(target.encode(), MNT_DETACH)
    print(json.dumps({"hung": hung, "after": after}))


if __name__ == "__main__":
    main()
