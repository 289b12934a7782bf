"""deploy/prometheus/: promtool accepts the config, every rule test passes, the alerts use the
metric names the agent and collector really export, and a real Prometheus started with
prometheus.default's flags and this config receives remote writes, keeps 400 days, accepts
out-of-order samples and loads every alert."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request
from tests.peers.common import REPO, free_port, require_binary, stop, wait_until

PROMETHEUS = REPO / "deploy" / "prometheus"
RULES = sorted((PROMETHEUS / "rules").glob("*.yml"))
RULE_TESTS = sorted((PROMETHEUS / "tests").glob("*.yml"))
#: Metrics other branches export that the alerts may name before they are merged.
EXPORTED_ELSEWHERE = {"ictinfra_device_obsolete"}
ALERTS_WANTED = {
    "IctinfraSiteSilent", "IctinfraDeviceDown", "IctinfraUplinkSaturated", "IctinfraPacketLoss",
    "IctinfraAgentQueueNearlyFull", "IctinfraObsoleteEquipment",
}  # fmt: skip


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("promtool"), *args],
        capture_output=True, text=True, timeout=120, check=False, cwd=PROMETHEUS,
    )  # fmt: skip


def rules_of(path: Path) -> list[dict[str, Any]]:
    groups = yaml.safe_load(path.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def all_alerts() -> dict[str, str]:
    return {r["alert"]: r["expr"] for path in RULES for r in rules_of(path) if "alert" in r}


@pytest.mark.peer
def test_promtool_accepts_the_config_and_its_rule_files() -> None:
    done = promtool("check", "config", "prometheus.yml")
    assert done.returncode == 0, done.stdout + done.stderr
    for path in RULES:
        assert f"Checking {path.relative_to(PROMETHEUS)}" in done.stdout


@pytest.mark.peer
@pytest.mark.parametrize("rule_test", RULE_TESTS, ids=lambda p: p.name)
def test_rule_unit_tests_pass(rule_test: Path) -> None:
    done = promtool("test", "rules", str(rule_test))
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_rule_file_has_a_unit_test() -> None:
    tested = set()
    for rule_test in RULE_TESTS:
        spec = yaml.safe_load(rule_test.read_text(encoding="utf-8"))
        tested |= {(rule_test.parent / f).resolve() for f in spec["rule_files"]}
    assert {p.resolve() for p in RULES} <= tested


def test_the_alerts_asked_for_exist() -> None:
    assert set(all_alerts()) >= ALERTS_WANTED


def test_alerts_name_only_metrics_the_code_exports() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8")
        for d in ("agent", "collector")
        for p in (REPO / d).rglob("*.py")
    )
    used = {m for expr in all_alerts().values() for m in re.findall(r"\bictinfra_\w+", expr)}
    # prometheus-client names a counter without its _total in the source
    missing = sorted(m for m in used - EXPORTED_ELSEWHERE if m.removesuffix("_total") not in source)
    assert not missing, f"alerts use metrics nobody exports: {missing}"


def test_prometheus_scrapes_the_collector_where_the_example_config_listens() -> None:
    prometheus = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    collector = yaml.safe_load((REPO / "deploy" / "collector.example.yaml").read_text("utf-8"))
    job = next(j for j in prometheus["scrape_configs"] if j["job_name"] == "ictinfra-collector")
    assert job["static_configs"][0]["targets"] == [collector["listen"]]
    tls = "tls_cert_file" in collector
    assert job.get("scheme", "http") == ("https" if tls else "http")


def default_args(port: int, data: Path, config: Path) -> list[str]:
    """prometheus.default's ARGS, with this test's listen address, data dir and config."""
    text = (PROMETHEUS / "prometheus.default").read_text(encoding="utf-8")
    match = re.search(r'^ARGS="(.*)"$', text, re.M)
    assert match, "prometheus.default has no ARGS= line"
    args = [a for a in shlex.split(match.group(1)) if not a.startswith("--web.listen-address")]
    return [*args, f"--web.listen-address=127.0.0.1:{port}",
            f"--storage.tsdb.path={data}", f"--config.file={config}"]  # fmt: skip


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("deployed-prometheus")
    shutil.copytree(PROMETHEUS, root / "etc", ignore=shutil.ignore_patterns("tests"))
    port = free_port()
    argv = [
        require_binary("prometheus"),
        *default_args(port, root / "data", root / "etc" / "prometheus.yml"),
    ]
    log = (root / "prometheus.log").open("wb")
    process = subprocess.Popen(argv, stdout=log, stderr=log)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)

    def ready() -> bool:
        assert process.poll() is None, (root / "prometheus.log").read_text()
        try:
            return client.get("/-/ready").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(ready, 60, "prometheus with deploy/prometheus")
        yield client
    finally:
        client.close()
        stop(process)
        log.close()


def api(client: httpx.Client, path: str, **params: Any) -> Any:
    answer = client.get(path, params=params)
    answer.raise_for_status()
    return answer.json()["data"]


def days(duration: str) -> float:
    units = {"d": 1.0, "w": 7.0, "y": 365.0, "h": 1 / 24}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)([dwyh])", duration))


@pytest.mark.peer
def test_deployed_prometheus_keeps_a_year_and_loads_every_alert(deployed: httpx.Client) -> None:
    flags = api(deployed, "/api/v1/status/flags")
    assert days(flags["storage.tsdb.retention.time"]) >= 400
    assert flags["web.enable-remote-write-receiver"] == "true"
    loaded = {r["name"] for g in api(deployed, "/api/v1/rules")["groups"] for r in g["rules"]}
    assert set(all_alerts()) <= loaded
    config = yaml.safe_load(api(deployed, "/api/v1/status/config")["yaml"])
    assert config["storage"]["tsdb"]["out_of_order_time_window"] == "3d"


@pytest.mark.peer
def test_deployed_prometheus_takes_a_late_backlog_by_remote_write(deployed: httpx.Client) -> None:
    now_ms = int(time.time() * 1000)
    labels = {"__name__": "ictinfra_deploy_test", "site": "00001"}
    for at in (now_ms, now_ms - 2 * 86400 * 1000):  # then a sample two days old: an outage's
        body = encode_write_request([(labels, [(at, 1.0)])])
        answer = deployed.post("/api/v1/write", content=body, headers=dict(WRITE_HEADERS))
        assert answer.status_code == 204, answer.text
    older = encode_write_request([(labels, [(now_ms - 4 * 86400 * 1000, 1.0)])])
    refused = deployed.post("/api/v1/write", content=older, headers=dict(WRITE_HEADERS))
    assert refused.status_code >= 400  # beyond the 3d window
    stored = api(deployed, "/api/v1/query", query="count_over_time(ictinfra_deploy_test[3d])")
    assert stored["result"][0]["value"][1] == "2"
