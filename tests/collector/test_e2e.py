"""The collector as real processes: the CLI, `serve` over TLS, real senders and receivers."""

from __future__ import annotations

import functools
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agent.wire.remote_write import WRITE_HEADERS, encode_write_request
from tests.collector.conftest import CASES
from tests.peers.collector import serve
from tests.peers.common import (
    collector_command,
    free_port,
    require_binary,
    stop,
    subprocess_env,
    wait_until,
)
from tests.peers.postgres import PostgresServer
from tests.peers.prometheus import PrometheusServer
from tests.peers.tls import TlsFiles, make_tls_files
from tests.peers.victoriametrics import VictoriaMetricsServer

pytestmark = pytest.mark.peer


@dataclass
class RunningCollector:
    config: Path
    url: str
    tls: TlsFiles
    process: subprocess.Popen[bytes]
    log: Path

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            collector_command(*args),
            check=False,
            env=subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(self.config)),
            capture_output=True,
            text=True,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"{args}: exit {result.returncode}: {result.stderr}")
        return result

    def token(self, site: str) -> str:
        return self.cli("sites", "token", site).stdout.strip().splitlines()[-1]

    def write(self, token: str, body: bytes) -> httpx.Response:
        headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
        return httpx.post(
            f"{self.url}/api/v1/write", content=body, headers=headers,
            verify=self.tls.context(), timeout=30,
        )  # fmt: skip


@pytest.fixture(scope="module")
def collector(
    tmp_path_factory: pytest.TempPathFactory,
    prometheus: PrometheusServer,
    victoriametrics: VictoriaMetricsServer,
) -> Iterator[RunningCollector]:
    root = tmp_path_factory.mktemp("collector")
    tls = make_tls_files(root / "tls")
    port = free_port()
    config = root / "collector.yml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\n"
        f"database_url: sqlite:///{root / 'collector.db'}\n"
        f"prometheus_url: {prometheus.url}\n"
        f"tls_cert_file: {tls.cert_file}\n"
        f"tls_key_file: {tls.key_file}\n"
        "forward:\n"
        f"  - url: {prometheus.write_url}\n    name: prometheus\n"
        f"  - url: {victoriametrics.write_url}\n    name: victoria\n"
        "log:\n  level: info\n",
        encoding="utf-8",
    )
    log = root / "collector.log"
    url = f"https://127.0.0.1:{port}"
    process = serve(config, url, "--init", log=log, verify=tls.context())
    running = RunningCollector(config, url, tls, process, log)
    running.cli("sites", "import", str(CASES / "sites_good" / "pre2025.csv"))
    yield running
    stop(process)


def test_cli_import_refuses_bad_rows_and_imports_nothing(
    collector: RunningCollector, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code,staff,offices\n"
        "77,Tỉnh Mới,province,,10,1\n"
        "770,Xã Mới,commune,77,mười,1\n",
        encoding="utf-8",
    )
    result = collector.cli("sites", "import", str(bad), check=False)
    assert result.returncode == 2
    assert "line 3: staff must be a whole number" in result.stderr
    assert "nothing imported" in result.stderr
    exported = collector.cli("sites", "export").stdout
    assert "Tỉnh Mới" not in exported and "Phường Phúc Xá" in exported


def test_cli_import_reports_parent_errors_with_the_row_errors(
    collector: RunningCollector, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code,staff,offices\n"
        "771,Xã Một,commune,001,mười,1\n"  # a bad row ...
        "7711,Thôn,village,771,1,1\n"  # ... is still a parent: no second error here
        "772,Xã Hai,commune,NOPE,1,1\n"
        "773,Xã Ba,commune,01,1,1\n"  # a parent already stored
        "774,Xã Bốn,district,775,1,1\n"
        "775,Xã Năm,commune,774,1,1\n",
        encoding="utf-8",
    )
    result = collector.cli("sites", "import", str(bad), check=False)
    assert result.returncode == 2
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  line")]
    assert problems == [
        "line 2: staff must be a whole number ≥ 0, not 'mười'",
        "line 4: parent_code 'NOPE' is not a unit",
        "line 6: '774' is its own ancestor (a cycle)",
        "line 7: '775' is its own ancestor (a cycle)",
    ], result.stderr
    assert "Xã Ba" not in collector.cli("sites", "export").stdout


def test_unit_mapping_imports_and_exports(collector: RunningCollector, tmp_path: Path) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text("old_code,new_code\n00001,00004\n001,00004\n", encoding="utf-8")
    assert "2 successor links added" in collector.cli("sites", "map", str(mapping)).stdout
    listed = collector.cli("sites", "successors").stdout.splitlines()
    assert listed[0] == "old_code,new_code" and {"00001,00004", "001,00004"} <= set(listed)
    mapping.write_text("old_code,new_code\n00001,NOPE\n", encoding="utf-8")
    bad = collector.cli("sites", "map", str(mapping), check=False)
    assert bad.returncode == 2 and "line 2: 'NOPE' is not a unit" in bad.stderr


def test_token_is_alone_on_the_last_line_and_never_listed(collector: RunningCollector) -> None:
    result = collector.cli("sites", "token", "00004")
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("ictinfra_") and " " not in token
    listing = collector.cli("sites", "tokens", "00004").stdout
    assert token not in listing and len(listing.splitlines()) >= 2
    missing = collector.cli("sites", "token", "NO-SUCH-SITE", check=False)
    assert missing.returncode == 1 and "no unit with code 'NO-SUCH-SITE'" in missing.stderr


def test_tls_write_relabels_to_the_token_site_in_both_receivers(
    collector: RunningCollector,
    prometheus: PrometheusServer,
    victoriametrics: VictoriaMetricsServer,
) -> None:
    token = collector.token("00001")
    test_id = uuid.uuid4().hex
    now_ms = int(time.time() * 1000)
    body = encode_write_request(
        [({"__name__": "ictinfra_e2e_test", "test": test_id, "site": "06655"}, [(now_ms, 1.0)])]
    )
    answer = collector.write(token, body)
    assert answer.status_code == 204, answer.text
    [(labels, _)] = prometheus.samples(f'ictinfra_e2e_test{{test="{test_id}"}}')
    assert (labels["site"], labels["district"], labels["province"]) == ("00001", "001", "01")
    [in_vm] = victoriametrics.export(f'ictinfra_e2e_test{{test="{test_id}"}}')
    assert in_vm["metric"]["site"] == "00001"
    assert token not in collector.log.read_text()

    collector.cli("sites", "revoke", "00001")
    answer = collector.write(token, body)
    assert answer.status_code == 401
    metrics = httpx.get(f"{collector.url}/metrics", verify=collector.tls.context()).text
    assert 'ictinfra_collector_http_requests_total{code="401",endpoint="write"}' in metrics
    assert token not in collector.log.read_text()


def test_plain_http_to_the_tls_port_is_refused(collector: RunningCollector) -> None:
    with pytest.raises(httpx.HTTPError):
        httpx.get(collector.url.replace("https", "http") + "/healthz", timeout=5)
    assert collector.process.poll() is None


def test_prometheus_in_agent_mode_can_remote_write_through_the_collector(
    collector: RunningCollector, prometheus: PrometheusServer, tmp_path: Path
) -> None:
    """A standard sender: Prometheus --enable-feature=agent scraping, remote_writing to us."""
    binary = require_binary("prometheus")
    token = collector.token("06655")
    job = f"agent-{uuid.uuid4().hex[:8]}"
    (tmp_path / "token").write_text(token, encoding="utf-8")
    config = tmp_path / "agent.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n"
        f"scrape_configs:\n  - job_name: {job}\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{prometheus.port}']\n"
        "        labels: {site: '00001', province: '01'}\n"
        f"remote_write:\n  - url: {collector.url}/api/v1/write\n"
        f"    authorization:\n      credentials_file: {tmp_path / 'token'}\n"
        f"    tls_config:\n      ca_file: {collector.tls.ca_file}\n"
        "    queue_config:\n      batch_send_deadline: 1s\n      min_backoff: 100ms\n",
        encoding="utf-8",
    )
    port = free_port()
    with (tmp_path / "agent.log").open("wb") as log:
        agent = subprocess.Popen(
            [binary, "--enable-feature=agent", f"--config.file={config}",
             f"--storage.agent.path={tmp_path / 'wal'}", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: bool(prometheus.query(f'up{{job="{job}"}}')), 90, "agent-mode samples")
        [series] = prometheus.query(f'up{{job="{job}"}}')
        assert (series["metric"]["site"], series["metric"]["province"]) == ("06655", "22")
        assert series["metric"]["district"] == "193"
        assert prometheus.query(f'up{{job="{job}",site="00001"}}') == []
    finally:
        stop(agent)  # senders before receivers


def test_vmagent_can_remote_write_through_the_collector(
    collector: RunningCollector, prometheus: PrometheusServer, tmp_path: Path
) -> None:
    """Another standard sender: vmagent scraping Prometheus, remote_writing to us over TLS."""
    binary = require_binary("vmagent")
    token = collector.token("00004")
    job = f"vmagent-{uuid.uuid4().hex[:8]}"
    scrape = tmp_path / "scrape.yml"
    scrape.write_text(
        f"global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: {job}\n"
        f"    static_configs:\n      - targets: ['127.0.0.1:{prometheus.port}']\n",
        encoding="utf-8",
    )
    with (tmp_path / "vmagent.log").open("wb") as log:
        agent = subprocess.Popen(
            [binary, f"-promscrape.config={scrape}",
             f"-remoteWrite.url={collector.url}/api/v1/write",
             f"-remoteWrite.bearerToken={token}", f"-remoteWrite.tlsCAFile={collector.tls.ca_file}",
             f"-remoteWrite.tmpDataPath={tmp_path / 'queue'}", "-remoteWrite.flushInterval=1s",
             f"-httpListenAddr=127.0.0.1:{free_port()}", "-loggerLevel=ERROR"],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until(lambda: bool(prometheus.query(f'up{{job="{job}"}}')), 90, "vmagent samples")
        [series] = prometheus.query(f'up{{job="{job}"}}')
        assert (series["metric"]["site"], series["metric"]["district"]) == ("00004", "001")
    finally:
        stop(agent)


def test_inventory_over_tls_keeps_history(collector: RunningCollector) -> None:
    token = collector.token("06655")
    url = f"{collector.url}/api/v1/inventory"
    headers = {"Authorization": f"Bearer {token}"}
    snapshot = {
        "agent": {"version": "0.1.0", "hostname": "ubnd-hong-gai"},
        "collected_at": time.time() - 60,
        "devices": [{"device": "sw1", "address": "127.0.0.1:1161", "reachable": True,
                     "entities": [{"index": 1, "entity_class": "chassis", "serial": "S1"}]}],
    }  # fmt: skip
    with httpx.Client(verify=collector.tls.context(), headers=headers, timeout=30) as client:
        first = client.post(url, json=snapshot)
        assert first.status_code == 200, first.text
        assert first.json()["appeared"] == 1
        snapshot["collected_at"] = time.time()
        snapshot["devices"] = []
        second = client.post(url, json=snapshot)
        assert second.json()["vanished"] == 1
        bad = client.post(url, json={"agent": {"version": "x"}, "collected_at": "yesterday"})
        assert bad.status_code == 400
        assert "agent.hostname: Field required" in bad.text
        assert "collected_at" in bad.text
        metrics = client.get(f"{collector.url}/metrics").text
    assert 'ictinfra_collector_inventory_device_events_total{event="vanished"} 1.0' in metrics
    assert 'ictinfra_collector_site_last_seen_timestamp_seconds{site="06655"}' in metrics


def test_two_replicas_on_one_postgresql_start_together_and_share_tokens(
    postgres: PostgresServer, prometheus: PrometheusServer, tmp_path: Path
) -> None:
    """Both replicas migrate the same empty database at once; a token works on either."""
    database_url = postgres.database_url()
    replicas: list[tuple[subprocess.Popen[bytes], str]] = []
    config = tmp_path / "collector.yml"
    try:
        for index in range(2):
            port = free_port()
            config_i = tmp_path / f"replica{index}.yml"
            config_i.write_text(
                f"listen: 127.0.0.1:{port}\ndatabase_url: {database_url}\n"
                f"forward:\n  - url: {prometheus.write_url}\n",
                encoding="utf-8",
            )
            config = config_i
            with (tmp_path / f"replica{index}.log").open("wb") as log:
                process = subprocess.Popen(
                    collector_command("serve", "--init", "--config", str(config_i)),
                    env=subprocess_env(), stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            replicas.append((process, f"http://127.0.0.1:{port}"))
        for process, url in replicas:
            wait_until(functools.partial(_ready, url, process), 60, f"replica {url}")
        sites = str(CASES / "sites_good" / "post2025.csv")
        _cli(config, "sites", "import", sites)
        token = _cli(config, "sites", "token", "06655").strip().splitlines()[-1]
        test_id = uuid.uuid4().hex
        now_ms = int(time.time() * 1000)
        for index, (_, url) in enumerate(replicas):
            body = encode_write_request(
                [({"__name__": "ictinfra_replica_test", "test": test_id, "replica": str(index)},
                  [(now_ms, 1.0)])]
            )  # fmt: skip
            headers = {**WRITE_HEADERS, "Authorization": f"Bearer {token}"}
            answer = httpx.post(f"{url}/api/v1/write", content=body, headers=headers, timeout=30)
            assert answer.status_code == 204, answer.text
        stored = prometheus.series(f'ictinfra_replica_test{{test="{test_id}"}}')
        assert sorted((s["replica"], s["site"], s["province"]) for s in stored) == [
            ("0", "06655", "22"), ("1", "06655", "22"),
        ]  # fmt: skip
    finally:
        for process, _ in replicas:
            stop(process)


def _cli(config: Path, *args: str) -> str:
    return subprocess.run(
        collector_command(*args, "--config", str(config)),
        env=subprocess_env(), check=True, capture_output=True, text=True, timeout=60,
    ).stdout  # fmt: skip


def _ready(url: str, process: subprocess.Popen[bytes]) -> bool:
    assert process.poll() is None, f"replica {url} exited"
    try:
        return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
