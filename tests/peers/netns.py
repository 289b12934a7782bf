"""A LAN in network namespaces: a bridge, hosts on veth pairs, and an `agent` namespace.

Layout for a LAN with prefix P (all names unique per LAN, so parallel runs never collide):

    P-lan     holds the bridge `br0`; every host's peer veth (`p1`, `p2`, ..., `pagent`) is a port
    P-agent   the agent's namespace: `eth0` with the LAN's last usable address (e.g. .254/24)
    P-<name>  one namespace per host: `eth0` with its address and MAC (default names h1, h2, ...)

Addresses are 10.x and exist only inside these namespaces: traffic never leaves them. The
first usable address (.1) is left free for a gateway a test may add (`add_host("gw", ip=...)`).

Use from tests:

    def test_x(make_lan):            # session fixture: a factory; every LAN is torn down at the end
        lan = make_lan(hosts=20)     # or make_lan(subnet="10.60.0.0/22")
        host = lan.hosts["h1"]
        lan.exec(lan.agent.ns, ["ip", "neigh"])
        lan.netem(host, delay="50ms", loss="10%")
        lan.remove_host("h1")

`netns_lan` is one shared session LAN (10.77.0.0/24, no hosts) for tests that only add hosts of
their own and don't count the others. Needs root (CAP_SYS_ADMIN + CAP_NET_ADMIN) and iproute2.
"""

from __future__ import annotations

import atexit
import functools
import ipaddress
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.config.types import parse_duration
from tests.peers.common import peer_unavailable, require_binary, require_root

DEFAULT_SUBNET = "10.77.0.0/24"
BRIDGE = "br0"
COMMAND_TIMEOUT = 30.0
RELAY_SCRIPT = Path(__file__).with_name("netem_relay.py")


class NetnsError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Host:
    """One namespace on the LAN: its namespace name, address, MAC and bridge port."""

    name: str
    ns: str
    ip: str
    mac: str
    port: str  # the peer veth's name inside the lan namespace
    iface: str = "eth0"


def unique_prefix() -> str:
    """Short (netns names are files; interface names stay inside their namespaces) and unique."""
    return f"ict{os.getpid() % 100000}{secrets.token_hex(2)}"


def _run(args: Sequence[str], timeout: float = COMMAND_TIMEOUT, check: bool = True,
         input: str | None = None) -> subprocess.CompletedProcess[str]:  # fmt: skip
    result = subprocess.run(
        list(args), capture_output=True, text=True, timeout=timeout, input=input, check=False
    )
    if check and result.returncode != 0:
        raise NetnsError(f"{' '.join(args)!r} exited {result.returncode}: {result.stderr.strip()}")
    return result


def locally_administered_mac(index: int) -> str:
    """02:1c:... - unicast, locally administered, so it never claims a real vendor's OUI."""
    raw = (0x021C_0000_0000 | index).to_bytes(6, "big")
    return ":".join(f"{b:02x}" for b in raw)


class NamespaceLan:
    """A bridged LAN of network namespaces. Every method runs `ip`/`tc`; errors raise NetnsError."""

    def __init__(self, prefix: str | None = None, subnet: str = DEFAULT_SUBNET) -> None:
        self.prefix = prefix or unique_prefix()
        self.network = ipaddress.IPv4Network(subnet)
        self.lan_ns = f"{self.prefix}-lan"
        self.hosts: dict[str, Host] = {}
        self._namespaces: list[str] = []
        self._processes: list[subprocess.Popen[Any]] = []
        self._relays: dict[str, tuple[subprocess.Popen[Any], str]] = {}
        self._port_counter = 0
        self._host_counter = 0
        self._used_ips: set[str] = set()
        usable = list(self.network.hosts())
        self._last_usable = usable[-1]
        self.agent: Host
        try:
            self._create_bridge()
            self.agent = self._attach("agent", str(self._last_usable), None, port="pagent")
        except BaseException:
            self.teardown()
            raise

    # -- building ---------------------------------------------------------------------------

    def _new_namespace(self, ns: str) -> None:
        _run(["ip", "netns", "add", ns])
        self._namespaces.append(ns)
        # Quiet namespaces: no IPv6 chatter (DAD, router solicitations) on the wire.
        self.exec(ns, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                       "net.ipv6.conf.default.disable_ipv6=1"], check=False)  # fmt: skip
        _run(["ip", "-n", ns, "link", "set", "lo", "up"])

    def _create_bridge(self) -> None:
        self._new_namespace(self.lan_ns)
        _run(["ip", "-n", self.lan_ns, "link", "add", BRIDGE, "type", "bridge",
              "stp_state", "0", "forward_delay", "0"])  # fmt: skip
        _run(["ip", "-n", self.lan_ns, "link", "set", BRIDGE, "up"])

    def _next_ip(self) -> str:
        """The lowest free address, keeping the first usable one (a gateway's) and the last
        (the agent's) out of the automatic pool."""
        first = self.network.network_address + 1
        for address in self.network.hosts():
            if address in (first, self._last_usable) and self.network.num_addresses > 4:
                continue
            if str(address) not in self._used_ips:
                return str(address)
        raise NetnsError(f"no free address left in {self.network}")

    def _attach(self, name: str, ip: str | None, mac: str | None, port: str | None = None) -> Host:
        if name in self.hosts or (name == "agent" and hasattr(self, "agent")):
            raise NetnsError(f"host {name!r} exists on this LAN")
        ip = ip or self._next_ip()
        if ipaddress.IPv4Address(ip) not in self.network:
            raise NetnsError(f"{ip} is not in {self.network}")
        if ip in self._used_ips:
            raise NetnsError(f"{ip} is taken on this LAN")
        self._port_counter += 1
        mac = (mac or locally_administered_mac(self._port_counter)).lower()
        port = port or f"p{self._port_counter}"
        ns = f"{self.prefix}-{name}"
        self._new_namespace(ns)
        _run(["ip", "link", "add", "eth0", "address", mac, "netns", ns, "type", "veth",
              "peer", "name", port, "netns", self.lan_ns])  # fmt: skip
        _run(["ip", "-n", self.lan_ns, "link", "set", port, "master", BRIDGE, "up"])
        cidr = f"{ip}/{self.network.prefixlen}"
        _run(["ip", "-n", ns, "addr", "add", cidr, "dev", "eth0"])
        _run(["ip", "-n", ns, "link", "set", "eth0", "up"])
        self._used_ips.add(ip)
        return Host(name, ns, ip, mac, port)

    def add_host(
        self, name: str | None = None, ip: str | None = None, mac: str | None = None
    ) -> Host:
        """A new namespace on the bridge; address and MAC are chosen when not given."""
        if name is None:
            self._host_counter += 1
            name = f"h{self._host_counter}"
        host = self._attach(name, ip, mac)
        self.hosts[name] = host
        return host

    def add_hosts(self, count: int) -> list[Host]:
        return [self.add_host() for _ in range(count)]

    def remove_host(self, host: Host | str) -> None:
        """Unplug and delete a host. The veth goes first: namespace deletion is asynchronous
        in the kernel and a half-deleted namespace may still answer ARP for a moment."""
        host = self._host(host)
        self._clear_netem(host)
        _run(["ip", "-n", self.lan_ns, "link", "del", host.port], check=False)
        _run(["ip", "netns", "del", host.ns], check=False)
        self._namespaces.remove(host.ns)
        self._used_ips.discard(host.ip)
        del self.hosts[host.name]

    def _host(self, host: Host | str) -> Host:
        if isinstance(host, Host):
            return host
        if host == "agent":
            return self.agent
        return self.hosts[host]

    # -- running things inside ---------------------------------------------------------------

    @staticmethod
    def command(ns: str, cmd: Sequence[str]) -> list[str]:
        """The argv that runs `cmd` inside namespace `ns` (for subprocess calls of your own)."""
        return ["ip", "netns", "exec", ns, *cmd]

    def exec(self, ns: str, cmd: Sequence[str], check: bool = True,
             timeout: float = COMMAND_TIMEOUT, input: str | None = None,
             ) -> subprocess.CompletedProcess[str]:  # fmt: skip
        """Run `cmd` in `ns` and wait; output captured as text."""
        return _run(self.command(ns, cmd), timeout=timeout, check=check, input=input)

    def popen(self, ns: str, cmd: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Start `cmd` in `ns` in the background; it is stopped at teardown if still running."""
        process = subprocess.Popen(self.command(ns, cmd), **kwargs)
        self._processes.append(process)
        return process

    def netem(self, host: Host | str, delay: str | None = None, loss: str | None = None,
              jitter: str | None = None) -> None:  # fmt: skip
        """Impair the host's egress (its replies), e.g. delay="50ms", jitter="5ms", loss="10%".

        `tc qdisc netem` on the host's eth0 where the kernel has sch_netem; otherwise (this
        machine's kernel has none) a userspace relay between the host's bridge port and the
        bridge does the same. Called with no impairment it removes either."""
        host = self._host(host)
        self._clear_netem(host)
        if delay is None and loss is None:
            return
        if netem_qdisc_available():
            args = ["tc", "qdisc", "replace", "dev", host.iface, "root", "netem"]
            args += ["delay", delay or "0ms"] + ([jitter] if jitter else [])
            args += ["loss", loss] if loss else []
            self.exec(host.ns, args)
            return
        self._start_relay(host, delay, jitter, loss)

    def _clear_netem(self, host: Host) -> None:
        self.exec(host.ns, ["tc", "qdisc", "del", "dev", host.iface, "root"], check=False)
        relay = self._relays.pop(host.name, None)
        if relay is None:
            return
        process, bridge_side = relay
        _terminate(process)
        _run(["ip", "-n", self.lan_ns, "link", "del", bridge_side], check=False)
        _run(["ip", "-n", self.lan_ns, "link", "set", host.port, "master", BRIDGE, "up"])

    def _start_relay(self, host: Host, delay: str | None, jitter: str | None,
                     loss: str | None) -> None:  # fmt: skip
        suffix = host.port[1:]
        bridge_side, relay_side = f"q{suffix}", f"r{suffix}"
        lan = ["ip", "-n", self.lan_ns, "link"]
        _run([*lan, "set", host.port, "nomaster"])
        _run([*lan, "add", bridge_side, "type", "veth", "peer", "name", relay_side])
        _run([*lan, "set", bridge_side, "master", BRIDGE, "up"])
        _run([*lan, "set", relay_side, "up"])
        cmd = [sys.executable, str(RELAY_SCRIPT), "--a", host.port, "--b", relay_side,
               "--delay", str(_seconds(delay)), "--jitter", str(_seconds(jitter)),
               "--loss", str(_fraction(loss))]  # fmt: skip
        process = self.popen(self.lan_ns, cmd, stdout=subprocess.PIPE, text=True)
        self._relays[host.name] = (process, bridge_side)
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise NetnsError(f"netem relay for {host.name} did not start")

    # -- teardown ----------------------------------------------------------------------------

    def _stop_processes(self) -> None:
        for process in self._processes:
            _terminate(process)
        self._processes.clear()
        self._relays.clear()

    def teardown(self) -> None:
        """Stop background processes, delete every namespace this LAN made. Idempotent."""
        self._stop_processes()
        for ns in reversed(self._namespaces):
            _run(["ip", "netns", "del", ns], check=False)
        self._namespaces.clear()
        self.hosts.clear()

    def __enter__(self) -> NamespaceLan:
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()


def _terminate(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def _seconds(duration: str | None) -> float:
    return parse_duration(duration) if duration else 0.0


def _fraction(percent: str | None) -> float:
    if not percent:
        return 0.0
    value = float(percent.strip().removesuffix("%"))
    if not 0 <= value <= 100:
        raise NetnsError(f"loss {percent!r} is not 0-100%")
    return value / 100


@functools.cache
def netem_qdisc_available() -> bool:
    """Whether the kernel has sch_netem (some VM kernels are built without it)."""
    ns = f"{unique_prefix()}-qd"
    _run(["ip", "netns", "add", ns])
    try:
        _run(["ip", "-n", ns, "link", "set", "lo", "up"])
        probe = _run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo", "root",
                      "netem", "delay", "1ms"], check=False)  # fmt: skip
        return probe.returncode == 0
    finally:
        _run(["ip", "netns", "del", ns], check=False)


def namespaces_usable() -> str | None:
    """None if this machine can make namespaces; otherwise why not."""
    probe = f"{unique_prefix()}-probe"
    result = _run(["ip", "netns", "add", probe], check=False)
    if result.returncode != 0:
        return f"cannot create a network namespace: {result.stderr.strip()}"
    _run(["ip", "netns", "del", probe], check=False)
    return None


LanFactory = Callable[..., NamespaceLan]


@pytest.fixture(scope="session")
def make_lan() -> Iterator[LanFactory]:
    """A factory: `make_lan(hosts=N, subnet=...)` -> a new NamespaceLan with its own prefix."""
    require_root()
    require_binary("ip")
    require_binary("tc")
    if (reason := namespaces_usable()) is not None:
        peer_unavailable(reason)
    lans: list[NamespaceLan] = []

    def factory(hosts: int = 0, subnet: str = DEFAULT_SUBNET) -> NamespaceLan:
        lan = NamespaceLan(subnet=subnet)
        lans.append(lan)
        atexit.register(lan.teardown)  # also when the session is killed by an exception
        lan.add_hosts(hosts)
        return lan

    yield factory
    for lan in lans:
        lan.teardown()


@pytest.fixture(scope="session")
def netns_lan(make_lan: LanFactory) -> NamespaceLan:
    """One shared LAN for the session (no hosts at start)."""
    return make_lan()
