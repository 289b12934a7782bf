"""A real Prometheus scrapes `ictinfra-agent run` over TLS with basic auth: the target is up,
its scrape has no error, and the series land with their exact values."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import bcrypt

from tests.peers.common import (
    agent_command,
    free_port,
    require_binary,
    stop,
    subprocess_env,
    tcp_open,
    wait_until,
)
from tests.peers.tls import self_signed

PASSWORD = "prometheus-scrapes-me"


def api(port: int, path: str, **params: str) -> Any:
    query = urllib.parse.urlencode(params)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}?{query}", timeout=10) as answer:
        return json.load(answer)["data"]


def test_prometheus_scrapes_the_agent_over_tls_with_basic_auth(tmp_path: Path) -> None:
    prometheus = require_binary("prometheus")
    cert, key = self_signed(tmp_path)
    agent_port, prom_port = free_port(), free_port()
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    (tmp_path / "agent.yaml").write_text(
        f"listen: 127.0.0.1:{agent_port}\n"
        f"web:\n  tls_cert_file: {cert}\n  tls_key_file: {key}\n"
        f"  basic_auth_users:\n    prometheus: {hashed}\n"
        "host:\n  interval: 1s\n"
    )
    (tmp_path / "password").write_text(PASSWORD)
    (tmp_path / "prometheus.yml").write_text(
        f"""\
global: {{scrape_interval: 1s, scrape_timeout: 1s}}
scrape_configs:
  - job_name: agent
    scheme: https
    tls_config: {{ca_file: {cert}}}
    basic_auth: {{username: prometheus, password_file: {tmp_path / "password"}}}
    static_configs: [{{targets: ["127.0.0.1:{agent_port}"]}}]
  - job_name: agent-without-auth
    scheme: https
    tls_config: {{ca_file: {cert}}}
    static_configs: [{{targets: ["127.0.0.1:{agent_port}"]}}]
"""
    )
    agent = subprocess.Popen(
        agent_command("run", "--config", str(tmp_path / "agent.yaml")),
        env=subprocess_env(),
        stderr=(tmp_path / "agent.log").open("wb"),
    )
    server = subprocess.Popen(
        [
            prometheus,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("wb"),
    )
    try:
        wait_until(lambda: tcp_open(prom_port) and tcp_open(agent_port), 60, "agent, prometheus")

        def scraped() -> bool:
            targets = api(prom_port, "/api/v1/targets")["activeTargets"]
            return all(t["health"] != "unknown" for t in targets) and any(
                t["labels"]["job"] == "agent" and t["health"] == "up" for t in targets
            )

        wait_until(scraped, 60, "a scrape of the agent")
        active = api(prom_port, "/api/v1/targets")["activeTargets"]
        targets = {t["labels"]["job"]: t for t in active}
        assert targets["agent"]["lastError"] == ""
        assert "401" in targets["agent-without-auth"]["lastError"]

        def value(promql: str) -> list[Any]:
            result: list[Any] = api(prom_port, "/api/v1/query", query=promql)["result"]
            return result

        wait_until(lambda: bool(value('ictinfra_collector_success{collector="host"}')), 30, "host")
        success = value('ictinfra_collector_success{job="agent",collector="host"}')
        assert success[0]["value"][1] == "1"
        assert value('ictinfra_agent_build_info{job="agent"}')[0]["metric"]["version"]
        assert float(value('process_resident_memory_bytes{job="agent"}')[0]["value"][1]) > 1e6
        assert value('node_memory_MemTotal_bytes{job="agent"}')
    finally:
        stop(server)
        stop(agent)
    assert PASSWORD not in (tmp_path / "agent.log").read_text()
