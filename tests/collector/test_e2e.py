"""The collector as real processes: the CLI, `serve` over TLS, real senders and receivers."""

from __future__ import annotations

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
from tests.peers.common import (
    collector_command,
    free_port,
    require_binary,
    stop,
    subprocess_env,
    wait_until,
)
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
    with log.open("wb") as out:
        process = subprocess.Popen(
            collector_command("serve", "--config", str(config)),
            env=subprocess_env(), stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    running = RunningCollector(config, f"https://127.0.0.1:{port}", tls, process, log)

    def healthy() -> bool:
        assert process.poll() is None, log.read_text()
        try:
            answer = httpx.get(f"{running.url}/healthz", verify=tls.context(), timeout=1)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    wait_until(healthy, 60, "collector")
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
