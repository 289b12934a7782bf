"""Starting the demo's processes: Prometheus, the collector, snmpsim and one agent per commune.

Each runs detached (its own session, its log under the state dir) and keeps running after the
demo command returns, until `deploy/demo/run.sh stop`.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import yaml

from deploy.demo import province
from deploy.demo.processes import (
    find_binary,
    free_port,
    port_free,
    snmp_answers,
    snmpsim_command,
    wait_until,
)
from deploy.demo.state import REPO, State


class DemoError(Exception):
    """Something the demo needs is missing or did not start; the message says what."""


_children: dict[str, subprocess.Popen[bytes]] = {}  # started by this run


def port(state: State, name: str, kind: int = socket.SOCK_STREAM) -> int:
    """The port `name` had on the last run if it is still free, else a new free one."""
    known = state.ports.get(name)
    if known is None or not port_free(known, kind):
        state.ports[name] = free_port(kind)
    return state.ports[name]


def spawn(state: State, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
    log = state.root / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    _children[name] = process
    state.pids[name] = process.pid
    state.save()


def exited(state: State, name: str) -> bool:
    """Raises when the process `name` has exited (its log's tail in the message)."""
    if _children[name].poll() is None:
        return False
    log = state.root / "logs" / f"{name}.log"
    tail = log.read_text(errors="replace").strip().splitlines()[-5:]
    raise DemoError(f"{name} exited: " + "\n  ".join([str(log), *tail]))


def binary(name: str, hint: str) -> str:
    found = find_binary(name)
    if found is None:
        raise DemoError(f"{name} is not installed ({hint})")
    return found


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def start_prometheus(state: State) -> str:
    web, collector = port(state, "prometheus"), port(state, "collector")
    config = yaml.safe_load((REPO / "deploy/prometheus/prometheus.yml").read_text())
    config["rule_files"] = [str(REPO / "deploy/prometheus/rules/*.yml")]
    config.pop("alerting", None)  # no Alertmanager in the demo
    targets = {"prometheus": f"127.0.0.1:{web}", "ictinfra-collector": f"127.0.0.1:{collector}"}
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": [targets[job["job_name"]]]}]
    path = state.root / "prometheus" / "prometheus.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    spawn(
        state,
        "prometheus",
        [
            binary("prometheus", "deploy/setup.sh --demo installs it"),
            f"--config.file={path}",
            f"--storage.tsdb.path={path.parent / 'data'}",
            f"--web.listen-address=127.0.0.1:{web}",
            "--web.enable-remote-write-receiver",
            "--storage.tsdb.retention.time=400d",
            "--log.level=warn",
        ],
    )
    url = f"http://127.0.0.1:{web}"
    wait_until(
        lambda: exited(state, "prometheus") or _ready(f"{url}/-/ready"), 90, f"Prometheus on {url}"
    )
    return url


def collector_cli(state: State, *args: str, stdin: str | None = None) -> str:
    config = state.root / "collector" / "collector.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "collector", *args, "--config", str(config)],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise DemoError(f"ictinfra-collector {' '.join(args)} failed:\n{done.stderr.strip()}")
    return done.stdout


def prepare_collector(state: State, prometheus: str) -> None:
    """Config, registry and asset register (both imports replace what a previous run left)."""
    home = state.root / "collector"
    home.mkdir(parents=True, exist_ok=True)
    settings = {
        "listen": f"127.0.0.1:{port(state, 'collector')}",
        "database_url": f"sqlite:///{home / 'collector.db'}",
        "prometheus_url": prometheus,
        "forward": [{"url": f"{prometheus}/api/v1/write", "name": "prometheus"}],
        "log": {"format": "text", "level": "info"},
    }
    (home / "collector.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    (home / "sites.csv").write_text(province.sites_csv(), encoding="utf-8")
    (home / "assets.csv").write_text(province.assets_csv(), encoding="utf-8")
    collector_cli(state, "sites", "import", "--init", str(home / "sites.csv"))
    collector_cli(state, "assets", "import", str(home / "assets.csv"))
    collector_cli(state, "accounts", "add", WEB_USER, province.PROVINCE[0],
                  stdin=web_password(state) + "\n")  # fmt: skip


WEB_USER = "demo-province"


def web_password(state: State) -> str:
    """The demo's web account password: made on the first run, kept in the state dir (0600)."""
    path = state.root / "web-password"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(12) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def start_collector(state: State) -> str:
    config = state.root / "collector" / "collector.yaml"
    spawn(
        state,
        "collector",
        [sys.executable, "-m", "collector", "serve", "--init", "--config", str(config)],
    )
    url = f"http://127.0.0.1:{state.ports['collector']}"
    wait_until(
        lambda: exited(state, "collector") or _ready(f"{url}/healthz"),
        90,
        f"the collector on {url}",
    )
    return url


def start_snmpsim(state: State) -> str:
    home = state.root / "snmpsim"
    data, cache = home / "data", home / "cache"
    data.mkdir(parents=True, exist_ok=True)
    cache.mkdir(exist_ok=True)
    for case in province.recordings():
        shutil.copy(province.RECORDINGS / case / "recording.snmprec", data / f"{case}.snmprec")
    udp = port(state, "snmpsim", socket.SOCK_DGRAM)
    found = binary("snmpsim-command-responder", "deploy/setup.sh --demo installs snmpsim")
    spawn(
        state,
        "snmpsim",
        snmpsim_command(found, data, cache, udp),
        env=dict(os.environ, SNMPSIM_ALLOW_ROOT="true"),
    )
    first = province.recordings()[0]
    wait_until(lambda: exited(state, "snmpsim") or snmp_answers(udp, first), 120, "snmpsim")
    return f"127.0.0.1:{udp}"


def start_agent(
    state: State, commune: province.Commune, snmp: str, collector: str, lan: dict[str, object]
) -> None:
    home = state.root / "agents" / commune.code
    home.mkdir(parents=True, exist_ok=True)
    token = collector_cli(state, "sites", "token", commune.code, "--rotate").strip().splitlines()
    (home / "token").write_text(token[-1] + "\n", encoding="utf-8")
    (home / "token").chmod(0o600)
    listen = f"127.0.0.1:{port(state, f'agent-{commune.code}')}"
    config = home / "agent.yaml"
    config.write_text(
        province.agent_config(
            commune, home, snmp=snmp, collector=collector, listen=listen, lan=lan
        ),
        encoding="utf-8",
    )
    spawn(
        state,
        f"agent-{commune.code}",
        [sys.executable, "-m", "agent", "run", "--config", str(config)],
    )


def agent_log(state: State, code: str) -> Path:
    return state.root / "logs" / f"agent-{code}.log"
