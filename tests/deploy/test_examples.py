"""The example configs in deploy/: agent.local.yaml touches nothing but loopback, and the
collector's example is plain HTTP on loopback until the TLS lines its comments describe are
uncommented, which then work with certificates from deploy/make-collector-cert.sh."""

from __future__ import annotations

import ipaddress
import ssl
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from agent.config import load_config as load_agent_config
from collector.config import load_config as load_collector_config
from tests.peers.collector import serve
from tests.peers.common import REPO, free_port, stop

DEPLOY = REPO / "deploy"


def is_loopback(host: str) -> bool:
    host = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    return host == "localhost" or ipaddress.ip_address(host.strip("[]")).is_loopback


def test_the_local_agent_config_only_touches_loopback() -> None:
    config = load_agent_config(DEPLOY / "agent.local.yaml")
    assert is_loopback(config.listen)
    assert not config.lan.enabled
    assert not config.probes.gateway.enabled
    probes = [*config.probes.wan, *config.probes.internet, *config.probes.services]
    assert probes, "it probes something (loopback) so the probe metrics show"
    for target in probes:
        host = urlsplit(target.address).hostname if "://" in target.address else target.address
        assert host is not None and is_loopback(host), target.address
    assert all(is_loopback(t.address) for t in config.snmp.targets)
    assert config.push is None or is_loopback(urlsplit(config.push.url).netloc)


def test_the_collector_example_is_plain_http_on_loopback() -> None:
    config = load_collector_config(DEPLOY / "collector.example.yaml")
    assert is_loopback(config.listen)
    assert config.tls_cert_file is None and config.tls_key_file is None


def uncommented_tls(certs: Path, port: int, database: Path) -> str:
    """The example as its comments say to turn TLS on, with this test's paths and port."""
    text = (DEPLOY / "collector.example.yaml").read_text(encoding="utf-8")
    for key in ("tls_cert_file: /etc/ictinfra/tls/", "tls_key_file: /etc/ictinfra/tls/"):
        assert f"# {key}" in text
        text = text.replace(f"# {key}", key.replace("/etc/ictinfra/tls/", f"{certs}/"))
    text = text.replace("listen: 127.0.0.1:9581", f"listen: 127.0.0.1:{port}")
    return text.replace("sqlite:////var/lib/ictinfra/collector.db", f"sqlite:///{database}")


@pytest.mark.peer
def test_the_documented_tls_setup_serves_https(tmp_path: Path) -> None:
    certs = tmp_path / "tls"
    subprocess.run(
        [str(DEPLOY / "make-collector-cert.sh"), str(certs), "localhost", "127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    assert (certs / "collector-key.pem").stat().st_mode & 0o077 == 0  # the key is private
    port = free_port()
    config = tmp_path / "collector.yaml"
    config.write_text(uncommented_tls(certs, port, tmp_path / "c.db"), encoding="utf-8")
    trust = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    process = serve(config, f"https://127.0.0.1:{port}", "--init", verify=trust)
    try:
        with pytest.raises(httpx.HTTPError):  # and only TLS
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    finally:
        stop(process)
