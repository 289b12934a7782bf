"""The LAN's hosts over time: first and last seen, kept in memory and in a small JSON file.

A host is an (interface, IP, MAC) triple: a new MAC on a known IP is a new host. Hosts missing
from the latest sweep stay (with their last_seen) until `forget_after` passes.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from agent.collectors.lan.job import FoundHost

log = logging.getLogger(__name__)

FORGET_AFTER = 30 * 86400.0
STATE_VERSION = 1

HostKey = tuple[str, str, str]  # interface, ip, mac


@dataclass(slots=True)
class KnownHost:
    ip: str
    mac: str
    interface: str
    vendor: str | None
    first_seen: float
    last_seen: float
    snmp_sys_object_id: str | None = None
    open_ports: list[int] | None = None  # the latest port fingerprint; None: not probed

    @property
    def key(self) -> HostKey:
        return self.interface, self.ip, self.mac


class HostTable:
    def __init__(self, state_file: str | None, forget_after: float = FORGET_AFTER) -> None:
        self._path = Path(state_file) if state_file else None
        self._forget_after = forget_after
        self._hosts: dict[HostKey, KnownHost] = {}
        self._save_failed = False
        self._load()

    def hosts(self) -> list[KnownHost]:
        return sorted(self._hosts.values(), key=lambda h: (h.interface, _ip_key(h.ip), h.mac))

    def update(self, found: list[FoundHost], swept: set[str], now: float) -> list[KnownHost]:
        """Merge one sweep; returns the hosts it saw. `swept` names the interfaces whose sweep
        succeeded: a failed sweep forgets nobody."""
        seen: list[KnownHost] = []
        for item in found:
            key = (item.interface, item.ip, item.mac)
            host = self._hosts.get(key)
            if host is None:
                host = KnownHost(item.ip, item.mac, item.interface, item.vendor, now, now)
                self._hosts[key] = host
            host.last_seen = now
            host.vendor = item.vendor
            host.snmp_sys_object_id = item.snmp_sys_object_id
            host.open_ports = item.open_ports
            seen.append(host)
        for key, host in list(self._hosts.items()):
            if host.interface in swept and now - host.last_seen > self._forget_after:
                del self._hosts[key]
        self._save()
        return seen

    def _load(self) -> None:
        if self._path is None or not self._path.exists():
            return
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
            for entry in data.get("hosts", []):
                host = KnownHost(**entry)
                self._hosts[host.key] = host
        except (OSError, ValueError, TypeError) as exc:
            log.warning("LAN host state %s unreadable (%s); starting empty", self._path, exc)
            self._hosts.clear()

    def _save(self) -> None:
        if self._path is None:
            return
        body = {"version": STATE_VERSION, "hosts": [asdict(h) for h in self.hosts()]}
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=".lan_hosts.")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(body, out)
            os.replace(tmp, self._path)
        except OSError as exc:
            if not self._save_failed:  # say it once; the table still works in memory
                log.warning("cannot write LAN host state %s: %s", self._path, exc)
            self._save_failed = True


def _ip_key(ip: str) -> tuple[int, ...]:
    return tuple(int(part) for part in ip.split("."))
