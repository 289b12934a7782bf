"""`ictinfra-agent run` as a real process: /metrics over TLS + basic auth, SIGHUP, SIGTERM."""

from __future__ import annotations

import base64
import http.client
import json
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import bcrypt
import pytest

from tests.peers.common import agent_command, free_port, stop, subprocess_env, wait_until
from tests.peers.promtool import assert_promtool_accepts
from tests.peers.tls import self_signed

PASSWORD = "scrape-me-please"
HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
AUTH = {"Authorization": "Basic " + base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode()}


def get(
    port: int, context: ssl.SSLContext | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    conn: http.client.HTTPConnection = (
        http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=context)
        if context
        else http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    )
    try:
        conn.request("GET", "/metrics", headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def answers(port: int, context: ssl.SSLContext | None = None) -> bool:
    try:
        return get(port, context, AUTH)[0] == 200
    except OSError:
        return False


class Agent:
    def __init__(self, tmp_path: Path) -> None:
        self.config = tmp_path / "agent.yaml"
        self.log = tmp_path / "agent.log"
        self.process: subprocess.Popen[bytes] | None = None

    def write(self, text: str) -> None:
        self.config.write_text(text)

    def start(self, **env: str) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                agent_command("run", "--config", str(self.config)),
                env=subprocess_env(**env),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        return self.process

    def logs(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def signal(self, sig: int) -> None:
        assert self.process is not None
        self.process.send_signal(sig)


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[Agent]:
    agent = Agent(tmp_path)
    yield agent
    if agent.process is not None:
        stop(agent.process)


def test_run_serves_reloads_and_stops(agent: Agent, tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    tls_port, plain_port = free_port(), free_port()
    good = f"""\
listen: 127.0.0.1:{tls_port}
web:
  tls_cert_file: {cert}
  tls_key_file: {key}
  basic_auth_users:
    prometheus: {HASH}
host:
  enabled: true
  interval: 2s
"""
    agent.write(good)
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # plays systemd's NOTIFY_SOCKET
    systemd.bind(str(tmp_path / "notify"))
    systemd.settimeout(30)
    process = agent.start(NOTIFY_SOCKET=str(tmp_path / "notify"))
    client = ssl.create_default_context(cafile=str(cert))
    wait_until(lambda: answers(tls_port, client) or process.poll() is not None, 30, "agent")
    assert process.poll() is None, agent.log.read_text()
    assert systemd.recv(4096).startswith(b"READY=1\n")

    status, body = get(tls_port, client, AUTH)
    assert status == 200
    assert 'ictinfra_agent_build_info{version="' in body
    assert "process_resident_memory_bytes " in body
    assert_promtool_accepts(body)
    assert get(tls_port, client)[0] == 401

    # A broken config: logged with the bad key and its line; the old one keeps serving.
    agent.write(good.replace("  interval: 2s\n", "  interval: 2s\n  colour: blue\n"))
    agent.signal(signal.SIGHUP)
    wait_until(
        lambda: any("line 10: host.colour: unknown key" in str(e.get("msg")) for e in agent.logs()),
        20,
        "the rejected reload's log line",
    )
    status, body = get(tls_port, client, AUTH)
    assert status == 200 and "ictinfra_agent_config_last_reload_successful 0" in body
    assert systemd.recv(4096).startswith(b"RELOADING=1\nMONOTONIC_USEC=")
    assert systemd.recv(4096) == b"READY=1\nSTATUS=reload rejected"

    # A valid, changed config: a new port, plain HTTP, no auth.
    agent.write(f"listen: 127.0.0.1:{plain_port}\nhost:\n  enabled: false\n")
    agent.signal(signal.SIGHUP)
    wait_until(lambda: answers(plain_port), 20, "the reloaded agent on its new port")
    status, body = get(plain_port)
    assert status == 200 and "ictinfra_agent_config_last_reload_successful 1" in body
    assert not answers(tls_port, client)
    # Both configs were validated in a child: pydantic (~15 MiB) never entered this process.
    mapped = Path(f"/proc/{process.pid}/maps").read_text()
    assert (
        "pydantic_core" not in mapped
        and "validating the config in this" not in agent.log.read_text()
    )

    started = time.monotonic()
    agent.signal(signal.SIGTERM)
    assert process.wait(10) == 0
    assert time.monotonic() - started < 5.0
    notes = [systemd.recv(4096) for _ in range(3)]
    assert notes[1:] == [b"READY=1\nSTATUS=config reloaded", b"STOPPING=1"]
    systemd.close()
    logs = agent.logs()  # every line is JSON
    assert logs[-1]["msg"] == "stopped"
    assert PASSWORD not in agent.log.read_text()


def test_run_with_an_invalid_config_exits_2_naming_the_key(agent: Agent) -> None:
    agent.write("listen: 127.0.0.1:1\nweb:\n  basic_auth_users:\n    admin: plaintext\n")
    process = agent.start()
    assert process.wait(30) == 2
    text = agent.log.read_text()
    assert "line 4: web.basic_auth_users" in text and "bcrypt" in text
    assert "plaintext" not in text
