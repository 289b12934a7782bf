"""deploy/alertmanager/alertmanager.yml: amtool accepts it, routes each kind of alert where its
comments say, and names only alerts that the rules define."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.deploy.test_prometheus import all_alerts
from tests.peers.common import REPO, require_binary

CONFIG = REPO / "deploy" / "alertmanager" / "alertmanager.yml"

pytestmark = pytest.mark.peer


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("amtool", "Debian prometheus-alertmanager; deploy/setup.sh"), *args],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_amtool_accepts_the_config() -> None:
    done = amtool("check-config", str(CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=IctinfraObsoleteEquipment", "province=01"], "asset-report"),
        (["alertname=IctinfraDeviceDown", "province=01", "site=00001"], "province-01"),
        (["alertname=IctinfraSiteSilent", "province=79", "site=26734"], "province-79"),
        (["alertname=IctinfraDeviceDown", "province=48", "site=20194"], "centre-noc"),
        (["alertname=IctinfraCollectorReceiverFailing", "province=01"], "centre-noc"),
    ],
)
def test_routes(labels: list[str], receiver: str) -> None:
    done = amtool("config", "routes", "test", f"--config.file={CONFIG}", *labels)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.split() == [receiver]


def test_names_only_alerts_that_exist() -> None:
    text = CONFIG.read_text(encoding="utf-8")
    named = set(re.findall(r"\bIctinfra[A-Za-z]+\b", text))
    defined = set(all_alerts())
    prefixes = {n for n in named if any(a.startswith(n) and a != n for a in defined)}  # X.*
    assert named - prefixes <= defined, sorted(named - prefixes - defined)
