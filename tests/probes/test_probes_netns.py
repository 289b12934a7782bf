"""Probes on a real namespace LAN: netem-imposed delay and loss come back in the metrics, a dead
target costs only its own timeout, ICMP degrades to ping sockets or TCP without privilege."""

from __future__ import annotations

import contextlib
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.common import agent_command, stop, subprocess_env
from tests.peers.netns import LanFactory, NamespaceLan
from tests.probes.metrics import Samples, parse, promtool_accepts, value

pytestmark = [pytest.mark.netns, pytest.mark.peer]

SUBNET = "10.81.0.0/24"
COUNT, SPACING, TIMEOUT = 200, 0.01, 1.0
DELAY, LOSS = 0.060, 0.20
# A loaded machine only ever adds delay (the relay and the agent queue behind other work), never
# removes it: the lower bound is exact, the upper one leaves room for load.
RTT_RANGE = (DELAY * 0.8, DELAY + 0.25)
LOSS_RANGE = (LOSS - 0.10, LOSS + 0.20)  # the relay of a loaded machine may drop more, never fewer
# The whole burst: the last send at (COUNT - 1) x SPACING, then at most TIMEOUT for its reply.
BURST = (COUNT - 1) * SPACING + TIMEOUT

CONFIG = f"""\
probes:
  enabled: true
  interval: 60s
  count: {COUNT}
  spacing: {SPACING}s
  timeout: {TIMEOUT}s
  dns_timeout: 5s  # resolving localhost is instant; a loaded machine may queue the thread
  gateway: {{tcp_port: 9}}
  wan:
    - {{name: slow-icmp, address: "$slow"}}
    - {{name: slow-tcp, address: "$slow:7"}}
    - {{name: dead-icmp, address: "$dead"}}
    - {{name: dead-tcp, address: "$dead:80"}}
  internet:
    - {{name: loopback-name, address: "localhost:9", count: 5}}
  services:
    - {{name: web, address: "http://$web:8080/", count: 3}}
    - {{name: web-tls, address: "https://$web:8443/", tls_verify: false}}
    - {{name: web-untrusted, address: "https://$web:8443/"}}
"""
SMALL = """\
probes:
  enabled: true
  interval: 30s
  count: 5
  spacing: 10ms
  timeout: 1s
  gateway: {enabled: false}
  wan:
    - {name: gw-icmp, address: "$gw"}
"""


@pytest.fixture(scope="module")
def lan(make_lan: LanFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NamespaceLan]:
    lan = make_lan(subnet=SUBNET)
    gw = lan.add_host("gw", ip="10.81.0.1")
    lan.add_host("slow")
    lan.add_host("dead")
    web = lan.add_host("web")
    lan.exec(lan.agent.ns, ["ip", "route", "add", "default", "via", gw.ip])
    server = lan.popen(
        web.ns, [sys.executable, "-m", "http.server", "8080", "--bind", web.ip],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    cert = self_signed(web.ip, tmp_path_factory.mktemp("tls"))
    tls = lan.popen(web.ns, [sys.executable, "-c", HTTPS, web.ip, *cert],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    for port in (8080, 8443):
        lan.exec(web.ns, [sys.executable, "-c", WAIT_PORT.format(ip=web.ip, port=port)])
    lan.netem("slow", delay=f"{int(DELAY * 1000)}ms", loss=f"{int(LOSS * 100)}%")
    lan.netem("dead", loss="100%")
    yield lan
    stop(server)
    stop(tls)


HTTPS = (
    "import http.server, ssl, sys\n"
    "server = http.server.HTTPServer((sys.argv[1], 8443), http.server.SimpleHTTPRequestHandler)\n"
    "context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n"
    "context.load_cert_chain(sys.argv[2], sys.argv[3])\n"
    "server.socket = context.wrap_socket(server.socket, server_side=True)\n"
    "server.serve_forever()\n"
)


def self_signed(ip: str, folder: Path) -> tuple[str, str]:
    """A throwaway certificate for `ip` (cert file, key file)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ip)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip))]),
                       critical=False)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))  # fmt: skip
    return str(folder / "cert.pem"), str(folder / "key.pem")


WAIT_PORT = (
    "import socket, time\n"
    "for _ in range(100):\n"
    "    try:\n"
    "        socket.create_connection(('{ip}', {port}), 0.2).close(); break\n"
    "    except OSError:\n"
    "        time.sleep(0.05)\n"
)


def run_once(
    lan: NamespaceLan, config: Path, privileges: list[str] | None = None
) -> tuple[Samples, str]:
    command = lan.command(lan.agent.ns, [*(privileges or []), *agent_command(
        "once", "--config", str(config))])  # fmt: skip
    result = subprocess.run(
        command, capture_output=True, text=True, env=subprocess_env(), timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    promtool_accepts(result.stdout)
    return parse(result.stdout), result.stderr


def write(tmp_path: Path, text: str, lan: NamespaceLan) -> Path:
    hosts = {name: host.ip for name, host in lan.hosts.items()}
    path = tmp_path / "agent.yaml"
    path.write_text(string.Template(text).substitute(hosts))
    return path


def _within_netem(samples: Samples) -> bool:
    rtts = [value(samples, "ictinfra_probe_rtt_seconds", target=t, kind="wan")
            for t in ("slow-icmp", "slow-tcp")]  # fmt: skip
    losses = [value(samples, "ictinfra_probe_loss_ratio", target=t, kind="wan")
              for t in ("slow-icmp", "slow-tcp")]  # fmt: skip
    return all(r is not None and RTT_RANGE[0] <= r <= RTT_RANGE[1] for r in rtts) and all(
        x is not None and LOSS_RANGE[0] <= x <= LOSS_RANGE[1] for x in losses
    )


def _renice_netem_relays(lan: NamespaceLan) -> None:
    """Without sch_netem the delay comes from a userspace relay; on a loaded 2-core machine it
    must not queue behind everyone else, or it adds its own delay to netem's."""
    import psutil

    ports = {host.port for host in lan.hosts.values()}
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if any("netem_relay" in part for part in cmdline) and ports & set(cmdline):
            with contextlib.suppress(psutil.Error):
                process.nice(-10)


@pytest.fixture(scope="module")
def burst(lan: NamespaceLan, tmp_path_factory: pytest.TempPathFactory) -> tuple[Samples, float]:
    config = write(tmp_path_factory.mktemp("probes"), CONFIG, lan)
    _renice_netem_relays(lan)
    for _ in range(2):  # one retry: a moment of machine load is not the probe's error
        started = time.monotonic()
        samples, _ = run_once(lan, config)
        elapsed = time.monotonic() - started
        if _within_netem(samples):
            break
    return samples, elapsed


@pytest.mark.parametrize("target", ["slow-icmp", "slow-tcp"])
def test_delay_and_loss_match_netem(burst: tuple[Samples, float], target: str) -> None:
    samples, _ = burst
    labels = {"target": target, "kind": "wan"}
    assert value(samples, "ictinfra_probe_up", **labels) == 1
    assert value(samples, "ictinfra_probe_packets_sent_total", **labels) == COUNT
    rtt = value(samples, "ictinfra_probe_rtt_seconds", **labels)
    assert rtt is not None and RTT_RANGE[0] <= rtt <= RTT_RANGE[1], rtt
    loss = value(samples, "ictinfra_probe_loss_ratio", **labels)
    assert loss is not None and LOSS_RANGE[0] <= loss <= LOSS_RANGE[1], loss
    jitter = value(samples, "ictinfra_probe_jitter_seconds", **labels)
    assert jitter is not None and jitter >= 0, jitter


def test_dead_target_costs_only_its_timeout(burst: tuple[Samples, float]) -> None:
    samples, _ = burst
    for target in ("dead-icmp", "dead-tcp"):
        labels = {"target": target, "kind": "wan"}
        assert value(samples, "ictinfra_probe_up", **labels) == 0
        assert value(samples, "ictinfra_probe_loss_ratio", **labels) == 1.0
        assert value(samples, "ictinfra_probe_rtt_seconds", **labels) is None
        duration = value(samples, "ictinfra_probe_duration_seconds", **labels)
        assert duration is not None and duration <= BURST * 1.5, duration  # 2 bursts: serial
    for target in ("slow-icmp", "slow-tcp"):
        duration = value(samples, "ictinfra_probe_duration_seconds", target=target, kind="wan")
        assert duration is not None and duration <= BURST * 1.5, duration  # 2 bursts: serial
    # everything ran side by side: the collector took one burst, not one per target
    whole = value(samples, "ictinfra_collector_duration_seconds", collector="probes")
    assert whole is not None and whole <= BURST * 1.8, whole  # serial: 4 x BURST


def test_gateway_from_the_routing_table_http_service_and_dns(burst: tuple[Samples, float]) -> None:
    samples, _ = burst
    assert value(samples, "ictinfra_probe_gateway_found") == 1
    assert value(samples, "ictinfra_probe_up", target="gateway", kind="gateway") == 1
    assert value(samples, "ictinfra_lan_gateway_reachable_ratio") == 1.0
    info = [k for k in samples if k[0] == "ictinfra_probe_target_info"]
    assert any(("address", "10.81.0.1") in labels for _, labels in info)
    web = {"target": "web", "kind": "service"}
    assert value(samples, "ictinfra_probe_up", **web) == 1
    assert value(samples, "ictinfra_probe_http_status_code", **web) == 200
    assert (value(samples, "ictinfra_probe_http_response_seconds", **web) or 0) > 0
    tls = {"target": "web-tls", "kind": "service"}
    assert value(samples, "ictinfra_probe_up", **tls) == 1
    assert value(samples, "ictinfra_probe_http_status_code", **tls) == 200
    # a certificate nobody vouches for: the service does not count as up
    untrusted = {"target": "web-untrusted", "kind": "service"}
    assert value(samples, "ictinfra_probe_up", **untrusted) == 0
    assert value(samples, "ictinfra_probe_http_status_code", **untrusted) is None
    named = {"target": "loopback-name", "kind": "internet"}
    assert value(samples, "ictinfra_probe_dns_success", **named) == 1
    dns_seconds = value(samples, "ictinfra_probe_dns_seconds", **named)
    assert dns_seconds is not None and dns_seconds >= 0, dns_seconds
    assert value(samples, "ictinfra_probe_up", **named) == 1  # a refused connection answers


# A real unprivileged user (nobody): no CAP_NET_RAW. dac_read_search only lets it read the
# Python under /root and the test's config, as the LAN tests do.
NO_CAPS = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]  # fmt: skip


def _ping_group_range(lan: NamespaceLan, value: str) -> None:
    lan.exec(lan.agent.ns, ["sysctl", "-qw", f"net.ipv4.ping_group_range={value}"])


@pytest.mark.parametrize(
    ("group_range", "mode", "method"),
    [("1 0", "unavailable", "tcp"), ("0 2147483647", "dgram", "icmp")],
)
def test_without_privilege_icmp_degrades(
    lan: NamespaceLan, tmp_path: Path, group_range: str, mode: str, method: str
) -> None:
    config = write(tmp_path, SMALL, lan)
    _ping_group_range(lan, group_range)
    try:
        samples, log = run_once(lan, config, NO_CAPS)
    finally:
        _ping_group_range(lan, "1 0")
    assert value(samples, "ictinfra_probe_icmp_info", mode=mode) == 1
    assert value(samples, "ictinfra_probe_up", target="gw-icmp", kind="wan") == 1
    info = [labels for name, labels in samples if name == "ictinfra_probe_target_info"]
    assert any(("target", "gw-icmp") in s and ("method", method) in s for s in info)
    warned = [line for line in log.splitlines() if "ICMP is not allowed" in line]
    assert len(warned) == (1 if mode == "unavailable" else 0)
    if warned:
        assert "ping_group_range" in warned[0] and "CAP_NET_RAW" in warned[0]
