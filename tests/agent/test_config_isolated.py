"""`run` validates its config in a child process: the same config, the same problems."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from agent.config import load_config
from agent.config.isolated import load_config_isolated
from agent.errors import ConfigError

SITE = """\
listen: 127.0.0.1:9999
snmp:
  interval: 30s
  targets:
    - {name: sw1, address: "10.0.0.2:1161", community: s3cret-community}
    - name: core
      address: 10.0.0.1
      version: 3
      user: ops
      auth_protocol: sha-256
      auth_key: authsecret99
      priv_protocol: aes
      priv_key: privsecret99
lan:
  cidrs: [10.0.0.0/24@eth1]
push:
  url: https://collector.example/
  token_file: /etc/ictinfra/token
  queue_max_bytes: 64MiB
"""


def test_the_child_gives_the_same_config(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(SITE)
    isolated = load_config_isolated(path)
    assert isolated == load_config(path)
    target = isolated.snmp.targets[1]
    assert target.auth_key is not None and target.auth_key.reveal() == "authsecret99"
    assert target.security_level == "authPriv" and target.auth_protocol == "SHA256"
    assert isolated.push is not None and isolated.push.queue_max_bytes == 64 * 2**20


def test_the_child_reports_every_problem_as_in_process(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(SITE.replace("interval: 30s", "intervall: 30s").replace("aes\n", "rot13\n"))
    with pytest.raises(ConfigError) as in_process:
        load_config(path)
    with pytest.raises(ConfigError) as isolated:
        load_config_isolated(path)
    assert isolated.value.problems == in_process.value.problems
    assert any("snmp.intervall: unknown key; did you mean" in p for p in isolated.value.problems)
    assert "privsecret99" not in str(isolated.value)


def test_a_child_that_cannot_run_falls_back_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text(SITE)
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with caplog.at_level(logging.WARNING, logger="agent.config.isolated"):
        config = load_config_isolated(path)
    assert config == load_config(path)
    assert "exited with 1; validating the config in this process" in caplog.text


def test_the_childs_answer_holds_no_pydantic_object(tmp_path: Path) -> None:
    """Unpickling the answer must not import pydantic: checked in a fresh interpreter."""
    path = tmp_path / "agent.yaml"
    path.write_text(SITE)
    probe = (
        "import sys; from agent.config.isolated import load_config_isolated;"
        f" c = load_config_isolated({str(path)!r}); assert c.snmp.targets;"
        " print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip() == "[]", done.stdout
