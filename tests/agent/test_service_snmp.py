"""`ictinfra-agent run` with the real host and SNMP collectors against snmpsim: one scrape of
everything passes promtool, a dead device does not hold the others back, SIGTERM is prompt."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.peers.common import agent_command, free_port, stop, subprocess_env, wait_until
from tests.peers.promtool import assert_promtool_accepts
from tests.peers.snmpsim import Snmpsim


def scrape(port: int) -> str | None:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/metrics")
        body = conn.getresponse().read().decode()
        conn.close()
        return body
    except OSError:
        return None


def test_service_with_host_and_snmp_collectors(snmpsim: Snmpsim, tmp_path: Path) -> None:
    port, dead = free_port(), free_port(socket.SOCK_DGRAM)  # nothing answers on `dead`
    config = tmp_path / "agent.yaml"
    config.write_text(
        f"""\
listen: 127.0.0.1:{port}
host:
  interval: 5s
snmp:
  interval: 5s
  targets:
    - name: cisco
      address: {snmpsim.address}
      community: cisco-c3560
    - name: dead
      address: 127.0.0.1:{dead}
      community: public
      timeout: 500ms
      retries: 0
"""
    )
    log = tmp_path / "agent.log"
    with log.open("wb") as err:
        process = subprocess.Popen(
            agent_command("run", "--config", str(config)), env=subprocess_env(), stderr=err
        )
    try:

        def polled() -> bool:
            body = scrape(port)
            return body is not None and 'collector="snmp"' in body and "ifHCInOctets{" in body

        wait_until(lambda: polled() or process.poll() is not None, 60, "the first SNMP poll")
        assert process.poll() is None, log.read_text()
        body = scrape(port)
        assert body is not None
        assert 'ictinfra_collector_success{collector="snmp"} 1' in body
        assert 'ictinfra_collector_success{collector="host"} 1' in body
        assert 'device="cisco"' in body and "node_cpu_seconds_total{" in body
        assert body.count("# TYPE ifHCInOctets ") == 1
        assert_promtool_accepts(body)

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(10) == 0
        assert time.monotonic() - started < 5.0
    finally:
        stop(process)
    assert "cisco-c3560" not in log.read_text()  # the community never shows in the logs
