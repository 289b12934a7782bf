"""deploy/ansible/roles/ictinfra_agent, run for real with `ansible-playbook --connection=local`
against this machine, as root, into a temporary prefix (never /opt or /etc): the first run
installs an agent that answers /metrics and pushes to a real collector with its site token; the
second run changes nothing and leaves one service; a changed variable restarts it.

There is no systemd PID 1 here, so the role runs with `ictinfra_service_manager: supervised`; the
systemd variant's unit is rendered by the role's template and checked by `systemd-analyze
verify`, but never started (docs/deploy.md says what is and is not proven)."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.peers.collector import serve
from tests.peers.common import (
    REPO,
    collector_command,
    free_port,
    require_binary,
    require_root,
    stop,
    subprocess_env,
    wait_until,
)
from tests.peers.prometheus import PrometheusServer

pytestmark = [pytest.mark.peer, pytest.mark.timeout(1200)]

ROLE = REPO / "deploy" / "ansible" / "roles" / "ictinfra_agent"
SITES = REPO / "tests" / "collector" / "cases" / "sites_good" / "pre2025.csv"
SITE = "00001"
SYSTEM_PYTHON = "/usr/bin/python3"  # Debian's, as on a site server (python3-venv)


@dataclass
class Deployment:
    root: Path
    vars: dict[str, Any]
    token: str
    collector_url: str
    outputs: list[str] = field(default_factory=list)

    @property
    def prefix(self) -> Path:
        return Path(self.vars["ictinfra_prefix"])

    def play(self, **overrides: Any) -> tuple[int, str]:
        """One ansible-playbook run; (changed count from the recap, output)."""
        extra = self.root / "vars.json"
        extra.write_text(json.dumps({**self.vars, **overrides}), encoding="utf-8")
        done = subprocess.run(
            [require_binary("ansible-playbook"), "-i", "localhost,", "-e", f"@{extra}",
             str(self.root / "play.yml")],
            capture_output=True, text=True, timeout=900, check=False, cwd=self.root,
            env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0"},
        )  # fmt: skip
        output = done.stdout + done.stderr
        self.outputs.append(output)
        assert done.returncode == 0, output
        recap = re.search(r"localhost\s*:.*\bchanged=(\d+)", output)
        assert recap, output
        return int(recap.group(1)), output

    def supervisors(self) -> list[psutil.Process]:
        script = str(self.prefix / "bin" / "ictinfra-agent-supervise")
        return [p for p in psutil.process_iter(["cmdline"]) if script in (p.info["cmdline"] or [])]

    def agent_pid(self) -> int:
        (supervisor,) = self.supervisors()
        pidfile = Path(self.vars["ictinfra_run_dir"]) / "ictinfra-agent.pid"
        assert int(pidfile.read_text()) == supervisor.pid
        (agent,) = supervisor.children()
        return agent.pid

    def metrics(self) -> str:
        url = f"http://{self.vars['ictinfra_listen']}/metrics"
        answer = httpx.get(url, timeout=10)
        assert answer.status_code == 200
        return answer.text


def build_wheelhouse(into: Path) -> Path:
    """What an administrator makes once on the controller: the agent and its dependencies.
    Built from a copy of the packages (as deploy/compose/Dockerfile copies them), so that no
    stale build/ directory of the checkout leaks into the wheel and the checkout stays clean."""
    source = into.with_name("source")
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("agent", "collector", "dashboards"):
        shutil.copytree(
            REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    subprocess.run(
        [require_binary("pip"), "wheel", "-q", f"{source}[agent]", "-w", str(into)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return into


@pytest.fixture(scope="module")
def collector(
    tmp_path_factory: pytest.TempPathFactory, prometheus: PrometheusServer
) -> Iterator[tuple[str, str]]:
    """A real collector (SQLite, plain HTTP on loopback) with the site registered; (url, token)."""
    root = tmp_path_factory.mktemp("ansible-collector")
    port = free_port()
    config = root / "collector.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\ndatabase_url: sqlite:///{root / 'c.db'}\n"
        f"forward:\n  - url: {prometheus.write_url}\n    name: prometheus\n",
        encoding="utf-8",
    )
    env = subprocess_env(ICTINFRA_COLLECTOR_CONFIG=str(config))

    def cli(*args: str) -> str:
        done = subprocess.run(
            collector_command(*args), env=env, check=True, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        return done.stdout

    cli("sites", "import", "--init", str(SITES))
    token = cli("sites", "token", SITE)
    url = f"http://127.0.0.1:{port}"
    process = serve(config, url)
    yield url, token.strip().splitlines()[-1]
    stop(process)


@pytest.fixture(scope="module")
def deployment(collector: tuple[str, str]) -> Iterator[Deployment]:
    require_root()
    for tool in ("ansible-playbook", "start-stop-daemon", "setpriv"):
        require_binary(tool)
    # Not pytest's tmp_path: the service user must be able to reach the prefix (0755 all down).
    root = Path(tempfile.mkdtemp(prefix="ictinfra-ansible-"))
    root.chmod(0o755)
    fake = root / "root"  # stands for / on a site server
    url, token = collector
    variables = {
        "ansible_python_interpreter": SYSTEM_PYTHON,
        "ictinfra_prefix": str(fake / "opt" / "ictinfra"),
        "ictinfra_config_dir": str(fake / "etc" / "ictinfra"),
        "ictinfra_state_dir": str(fake / "var" / "lib" / "ictinfra"),
        "ictinfra_run_dir": str(fake / "run" / "ictinfra"),
        "ictinfra_user": "nobody",  # an existing account: the test adds no user to /etc/passwd
        "ictinfra_group": "nogroup",
        "ictinfra_manage_user": False,
        "ictinfra_service_manager": "supervised",
        "ictinfra_wheelhouse": str(build_wheelhouse(root / "wheelhouse")),
        "ictinfra_listen": f"127.0.0.1:{free_port()}",
        "ictinfra_lan_enabled": False,  # nothing beyond loopback
        "ictinfra_probe_gateway": False,
        "ictinfra_probe_internet": [{"name": "loopback", "address": "127.0.0.1"}],
        "ictinfra_push_url": url,
        "ictinfra_site_token": token,
    }
    (root / "play.yml").write_text(
        f"- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        f"  roles:\n    - role: {ROLE}\n",
        encoding="utf-8",
    )
    deployed = Deployment(root, variables, token, url)
    try:
        yield deployed
    finally:
        pidfile = Path(variables["ictinfra_run_dir"]) / "ictinfra-agent.pid"
        subprocess.run(
            ["start-stop-daemon", "--stop", "--quiet", "--oknodo", "--retry", "TERM/15/KILL/5",
             "--pidfile", str(pidfile)],
            check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root)


def test_first_run_installs_an_agent_that_answers_and_pushes(
    deployment: Deployment, prometheus: PrometheusServer
) -> None:
    changed, _ = deployment.play()
    assert changed > 0
    assert "ictinfra_agent_build_info" in deployment.metrics()
    token_file = Path(deployment.vars["ictinfra_config_dir"]) / "token"
    info = token_file.stat()
    assert info.st_uid == pwd.getpwnam("nobody").pw_uid and stat.S_IMODE(info.st_mode) == 0o600
    config = Path(deployment.vars["ictinfra_config_dir"]) / "agent.yaml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o640
    # as the unit: the service user, CAP_NET_RAW (bit 13) and nothing else, no new privileges
    status = Path(f"/proc/{deployment.agent_pid()}/status").read_text()
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert int(fields["Uid"].split()[0]) == pwd.getpwnam("nobody").pw_uid
    assert int(fields["CapEff"], 16) == int(fields["CapBnd"], 16) == 1 << 13
    assert fields["NoNewPrivs"].strip() == "1"
    # enrolled: the collector took the agent's samples under its site and forwarded them
    for name in (
        "ictinfra_collector_success",
        "node_boot_time_seconds",
        "ictinfra_agent_build_info",
        "ictinfra_push_queue_max_bytes",
    ):
        query = f'{name}{{site="{SITE}", job="ictinfra-agent"}}'
        try:
            wait_until(lambda q=query: bool(prometheus.query(q)), 180, "the agent's samples")
        except TimeoutError:
            log = Path(deployment.vars["ictinfra_state_dir"]) / "agent.log"
            pytest.fail(f"no {query} in Prometheus; the agent's log:\n{log.read_text()[-3000:]}")


def test_second_run_changes_nothing_and_leaves_one_service(deployment: Deployment) -> None:
    before = deployment.agent_pid()
    changed, _ = deployment.play()
    assert changed == 0
    assert deployment.agent_pid() == before  # the same single process, not restarted
    assert "ictinfra_agent_build_info" in deployment.metrics()


def test_a_changed_variable_restarts_the_agent_once(deployment: Deployment) -> None:
    before = deployment.agent_pid()
    changed, _ = deployment.play(ictinfra_log_level="debug")
    assert changed > 0
    after = deployment.agent_pid()  # still exactly one supervisor with one agent
    assert after != before
    config = (Path(deployment.vars["ictinfra_config_dir"]) / "agent.yaml").read_text()
    assert "level: debug" in config
    assert "ictinfra_agent_build_info" in deployment.metrics()


def test_the_token_never_appears_in_ansible_output(deployment: Deployment) -> None:
    assert deployment.outputs, "runs first"
    for output in deployment.outputs:
        assert deployment.token not in output


def test_the_systemd_variant_renders_a_unit_that_verifies(tmp_path: Path) -> None:
    """The role's unit template with moved paths (ExecStart must exist for verify)."""
    prefix = tmp_path / "opt" / "ictinfra"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "ictinfra-agent").symlink_to(sys.executable)
    unit = tmp_path / "ictinfra-agent.service"
    variables = {
        "role_path": str(ROLE), "ictinfra_prefix": str(prefix),
        "ictinfra_config_dir": str(tmp_path / "etc"), "ictinfra_state_dir": str(tmp_path / "var"),
        "ictinfra_user": "ictinfra", "ictinfra_group": "ictinfra",
    }  # fmt: skip
    done = subprocess.run(
        [require_binary("ansible"), "localhost", "-c", "local", "-i", "localhost,",
         "-m", "ansible.builtin.template",
         "-a", f"src={ROLE / 'templates' / 'ictinfra-agent.service.j2'} dest={unit}",
         "-e", json.dumps({**variables, "ansible_python_interpreter": SYSTEM_PYTHON})],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    text = unit.read_text()
    assert f"ExecStart={prefix}/bin/ictinfra-agent run --config {tmp_path}/etc/agent.yaml" in text
    assert f"\nReadWritePaths={tmp_path}/var\n" in text
    verified = subprocess.run(
        [require_binary("systemd-analyze"), "verify", "--man=no", str(unit)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr


def test_a_push_url_without_a_token_stops_before_anything_is_installed(tmp_path: Path) -> None:
    require_root()
    play = tmp_path / "play.yml"
    play.write_text(
        f"- hosts: localhost\n  connection: local\n  gather_facts: false\n"
        f"  roles:\n    - role: {ROLE}\n",
        encoding="utf-8",
    )
    variables = {
        "ansible_python_interpreter": SYSTEM_PYTHON,
        "ictinfra_prefix": str(tmp_path / "opt"), "ictinfra_config_dir": str(tmp_path / "etc"),
        "ictinfra_state_dir": str(tmp_path / "var"), "ictinfra_manage_user": False,
        "ictinfra_service_manager": "supervised", "ictinfra_push_url": "https://c.example:9581",
    }  # fmt: skip
    done = subprocess.run(
        [require_binary("ansible-playbook"), "-i", "localhost,", "-e", json.dumps(variables),
         str(play)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert "ictinfra_push_url needs" in done.stdout and "ictinfra_site_token" in done.stdout
    assert not (tmp_path / "opt").exists() and not (tmp_path / "etc").exists()


def test_the_site_playbook_and_example_inventory_parse() -> None:
    ansible = REPO / "deploy" / "ansible"
    done = subprocess.run(
        [require_binary("ansible-playbook"), "--syntax-check", "-i",
         str(ansible / "inventory.example.ini"), str(ansible / "site.yml")],
        capture_output=True, text=True, timeout=300, check=False, cwd=ansible,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
