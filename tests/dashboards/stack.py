"""A real stack for the dashboards' queries: Prometheus (scraping the collector's /metrics),
`ictinfra-collector serve`, and two real agents pushing through it, one per hierarchy:

- site `00001-ubnd` (an office) below commune 00001, district 001, province 01 (before 2025);
- site `06655` (a commune) directly below province 22 (since 2025).

Each agent runs every collector: host, SNMP against snmpsim's recorded Cisco 3560 and H3C switch,
an ARP sweep of a one-host LAN in a namespace the test makes (veth from the root namespace),
ICMP probes of loopback (as gateway and WAN target), interface rates, LAN facts and a 1 MB speed
test against the collector. Prometheus is started only after the
first pushes failed, so the collector has forward errors to show; a wrong token gives it a
rejection. Traffic stays on loopback and in the namespace.

The collector's own series need their inputs too: an asset register dates the LAN host (a PC
bought 4.5 years ago: obsolete within 12 months) for the obsolete list, which the collector
recomputes every 5 s; and once both sites are in Prometheus, one ranking is run, as the demo does
(deploy/demo/clock.py: its 1-minute-step methodology over the minute that just ended), so that
`ictinfra_ranking_*` are on the collector's /metrics.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from collector.obsolete.engine import add_months
from deploy.demo.clock import STEP, demo_methodology, period_text
from tests.peers.common import (
    agent_command,
    collector_command,
    free_port,
    require_binary,
    require_root,
    stop,
    subprocess_env,
    wait_until,
)
from tests.peers.prometheus import PrometheusServer
from tests.peers.snmpsim import Snmpsim

SITES_CSV = """code,name,level,parent_code,staff,offices
01,Thành phố Hà Nội,province,,1200,40
001,Quận Ba Đình,district,01,300,12
00001,Phường Phúc Xá,commune,001,25,1
00001-ubnd,UBND phường Phúc Xá,office,00001,25,1
22,Tỉnh Quảng Ninh,province,,900,30
06655,Phường Hồng Gai,commune,22,45,1
"""
OLD_SITE, NEW_SITE = "00001-ubnd", "06655"
LAN_SUBNET, LAN_OURS, LAN_HOST = "10.79.0.0/29", "10.79.0.6/29", "10.79.0.1/29"
LAN_HOST_MAC = "02:1c:de:79:00:01"


@dataclass
class Stack:
    prometheus: PrometheusServer
    collector_url: str
    instance: str = field(default_factory=socket.gethostname)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what the ranking run said, if it failed
    closing: threading.Event = field(default_factory=threading.Event)


class VethLan:
    """One namespace with one host, joined to the root namespace by a veth pair."""

    def __init__(self, name: str) -> None:
        require_root()
        self.ns, self.link = f"{name}-h1", f"{name}0"
        ip = require_binary("ip")
        for args in (
            ["netns", "add", self.ns],
            [
                "link",
                "add",
                self.link,
                "type",
                "veth",
                "peer",
                "name",
                "eth0",
                "address",
                LAN_HOST_MAC,
                "netns",
                self.ns,
            ],
            ["addr", "add", LAN_OURS, "dev", self.link],
            ["link", "set", self.link, "up"],
            ["-n", self.ns, "addr", "add", LAN_HOST, "dev", "eth0"],
            ["-n", self.ns, "link", "set", "eth0", "up"],
        ):
            subprocess.run([ip, *args], check=True, capture_output=True, timeout=30)

    def close(self) -> None:
        ip = require_binary("ip")
        subprocess.run([ip, "link", "del", self.link], capture_output=True, timeout=30, check=False)
        subprocess.run([ip, "netns", "del", self.ns], capture_output=True, timeout=30, check=False)


def _collector(root: Path, prometheus: PrometheusServer) -> tuple[str, dict[str, str], Path]:
    port = free_port()
    config = root / "collector.yml"
    settings = {
        "listen": f"127.0.0.1:{port}",
        "database_url": f"sqlite:///{root / 'collector.db'}",
        "prometheus_url": prometheus.url,
        "forward": [{"url": prometheus.write_url, "name": "prometheus"}],
        "log": {"format": "text"},
        "obsolete": {"metrics_interval": "5s"},
    }
    config.write_text(yaml.safe_dump(settings), encoding="utf-8")
    (root / "sites.csv").write_text(SITES_CSV, encoding="utf-8")
    (root / "assets.csv").write_text(_assets_csv(), encoding="utf-8")
    env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(config))
    for command in (("sites", "import", "--init", str(root / "sites.csv")),
                    ("assets", "import", str(root / "assets.csv"))):  # fmt: skip
        subprocess.run(collector_command(*command), env=env, check=True, capture_output=True,
                       timeout=60)  # fmt: skip
    return f"http://127.0.0.1:{port}", env, config


def _assets_csv() -> str:
    """The LAN host as a PC bought 54 months ago: 6 months left of its 5-year life."""
    bought = add_months(dt.date.today(), -54).isoformat()
    return (
        "site_code,class,serial,mac,vendor,model,purchase_date\n"
        f"{NEW_SITE},pc,,{LAN_HOST_MAC},Dell,OptiPlex 7090,{bought}\n"
    )


def _rank_once(stack: Stack, root: Path, env: dict[str, str], timeout: float = 150) -> None:
    """When both sites are in Prometheus: rank the minute that ends at the next step boundary."""
    deadline = time.monotonic() + timeout
    query = "count by (site) (ictinfra_agent_build_info)"
    while len(stack.prometheus.query(query) if stack.prometheus.ready() else []) < 2:
        if time.monotonic() > deadline:
            stack.problems.append(f"no build_info from both sites after {timeout:.0f}s")
            return
        if stack.closing.wait(1):
            return
    end = (time.time() // STEP + 1) * STEP
    if stack.closing.wait(max(0.0, end + 2 - time.time())):
        return
    done = subprocess.run(
        collector_command("rank", "--period", period_text(end - STEP, end), "--format", "json",
                          "--methodology", str(demo_methodology(root))),
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        stack.problems.append(f"rank exited {done.returncode}: {done.stderr[-2000:]}")


def _ranking(stack: Stack, root: Path, env: dict[str, str]) -> None:
    try:
        _rank_once(stack, root, env)
    except Exception as exc:  # reported by the test that waits for the ranking metrics
        stack.problems.append(f"ranking run failed: {exc!r}")


def _token(env: dict[str, str], site: str) -> str:
    done = subprocess.run(collector_command("sites", "token", site), env=env, check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    return done.stdout.strip().splitlines()[-1]


def _agent_config(root: Path, url: str, token: str, extra: str) -> Path:
    (root / "token").write_text(token + "\n", encoding="utf-8")
    config = root / "agent.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{free_port()}\n"
        "log: {format: text}\n"
        "host: {enabled: true, interval: 2s}\n"
        "probes:\n  enabled: true\n  interval: 3s\n  count: 3\n  spacing: 20ms\n  timeout: 500ms\n"
        "  dns_timeout: 500ms\n"
        "  gateway: {enabled: true, address: 127.0.0.1}\n"
        "  wan: [{name: tsl-province, address: 127.0.0.1}]\n"
        f"push:\n  url: {url}\n  token_file: {root / 'token'}\n  queue_path: {root / 'queue'}\n"
        "  interval: 1s\n  backoff_min: 200ms\n  backoff_max: 1s\n" + extra,
        encoding="utf-8",
    )
    return config


def _full_agent_extra(root: Path, snmpsim: Snmpsim, lan: VethLan) -> str:
    return (
        "snmp:\n  interval: 10s\n  targets:\n"  # a walk must fit in 80 % of it, under load
        f"    - {{name: core-switch, address: '{snmpsim.address}', community: cisco-c3560}}\n"
        f"    - {{name: access-switch, address: '{snmpsim.address}', community: h3c-mfg-date}}\n"
        f"lan: {{enabled: true, interval: 10s, cidrs: ['{LAN_SUBNET}@{lan.link}'], timeout: 300ms,"
        " state_file: null}\n"
        "bandwidth:\n  enabled: true\n  interval: 5s\n"
        f"  speedtest: {{enabled: true, bytes: 1MB, min_interval: 1h,"
        f" state_file: '{root / 'speedtest.json'}'}}\n"
        "  lan_facts: {enabled: true, interval: 10s}\n"
    )


def start_stack(root: Path, snmpsim: Snmpsim) -> Iterator[Stack]:
    prometheus = PrometheusServer(root / "prometheus")
    url, env, _ = _collector(root, prometheus)
    prometheus.config_file.write_text(
        "global:\n  scrape_interval: 1s\n"
        "storage:\n  tsdb:\n    out_of_order_time_window: 2d\n"
        "scrape_configs:\n  - job_name: ictinfra-collector\n"
        f"    static_configs: [{{targets: ['{url.removeprefix('http://')}']}}]\n",
        encoding="utf-8",
    )
    lan = VethLan(f"dash{free_port() % 1000}")
    stack = Stack(prometheus, url)
    log = (root / "collector.log").open("wb")
    collector = subprocess.Popen(collector_command("serve"), env=env, stdout=log,
                                 stderr=subprocess.STDOUT)  # fmt: skip
    stack.processes.append(collector)
    try:
        wait_until(lambda: _up(f"{url}/healthz"), 60, "collector")
        for site in (OLD_SITE, NEW_SITE):
            home = root / site
            home.mkdir()
            extra = _full_agent_extra(home, snmpsim, lan)
            config = _agent_config(home, url, _token(env, site), extra)
            with (home / "agent.log").open("wb") as agent_log:
                stack.processes.append(subprocess.Popen(
                    agent_command("run", "--config", str(config)), env=subprocess_env(),
                    stdout=agent_log, stderr=subprocess.STDOUT))  # fmt: skip
        wait_until(lambda: "kind=\"network\"" in httpx.get(f"{url}/metrics").text, 60,
                   "a failed forward (Prometheus not started yet)")  # fmt: skip
        httpx.post(f"{url}/api/v1/write", content=b"x", headers={"Authorization": "Bearer nope"})
        prometheus.start()
        ranking = threading.Thread(target=_ranking, args=(stack, root, env), daemon=True)
        ranking.start()
        yield stack
        stack.closing.set()
        ranking.join(timeout=300)
    finally:
        for process in reversed(stack.processes):  # senders before their receivers
            stop(process)
        prometheus.close()
        lan.close()
        log.close()


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
