"""The collector's config: contract keys, defaults, strict errors with lines, env var, secrets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.errors import ConfigError
from collector.config import CONFIG_ENV, load_config
from tests.peers.common import REPO, collector_command, free_port, subprocess_env

GOOD = """\
listen: 127.0.0.1:9581
database_url: sqlite:////var/lib/ictinfra/collector.db
prometheus_url: http://127.0.0.1:9090
forward:
  - url: http://127.0.0.1:9090/api/v1/write
  - url: https://mimir.example/api/v1/push
    name: mimir
    headers: {X-Scope-OrgID: tenant-secret}
    basic_auth: {username: ictinfra, password: hunter2-password}
    timeout: 10s
limits:
  max_body_bytes: 4MiB
  max_sample_age: 5d
"""

BAD = """\
listen: 127.0.0.1:9581
forward:
  - url: ftp://nope
  - url: http://127.0.0.1:9090/api/v1/write
    bearer_token: hunter2-token
    basic_auth: {username: u, password: p}
limits:
  max_series_per_request: 0
  max_sample_age: soon
  colour: red
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "collector.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_contract_keys_and_defaults(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD))
    assert config.listen == "127.0.0.1:9581"
    assert [t.receiver for t in config.forward] == ["127.0.0.1:9090", "mimir"]
    mimir = config.forward[1]
    assert mimir.headers["X-Scope-OrgID"].reveal() == "tenant-secret"
    assert "hunter2" not in repr(config) and "tenant-secret" not in repr(config)
    assert config.limits.max_body_bytes == 4 * 2**20
    assert config.limits.max_sample_age == 5 * 86400
    assert config.limits.max_future_skew == 600


def test_every_bad_key_is_named_with_its_line_and_no_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_write(tmp_path, BAD))
    problems = caught.value.problems
    text = "\n".join(problems)
    assert any(p.startswith("line 3: forward[0].url:") for p in problems), text
    assert any(p.startswith("line 4: forward[1]:") and "not both" in p for p in problems), text
    assert any(p.startswith("line 8: limits.max_series_per_request:") for p in problems), text
    assert any(p.startswith("line 9: limits.max_sample_age:") for p in problems), text
    assert "line 10: limits.colour: unknown key" in problems
    assert "hunter2" not in text


def test_config_from_environment_when_no_flag(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD)
    result = subprocess.run(
        collector_command("sites", "export"),
        env=subprocess_env(**{CONFIG_ENV: str(path)}),
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
    )  # fmt: skip
    assert result.returncode == 2
    assert "line 10: limits.colour: unknown key" in result.stderr
    no_config = subprocess.run(
        collector_command("serve"), env={**subprocess_env(), CONFIG_ENV: ""},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert no_config.returncode == 2 and CONFIG_ENV in no_config.stderr


def test_unreachable_database_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    path = _write(tmp_path, f"database_url: postgresql://u:hunter2@127.0.0.1:{free_port()}/x\n")
    result = subprocess.run(
        collector_command("sites", "export", "--config", str(path)), env=subprocess_env(),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 3
    assert "database unavailable: connection failed" in result.stderr
    assert "hunter2" not in result.stderr


def test_credentials_in_a_forward_url_never_name_the_receiver() -> None:
    from collector.config import ForwardTarget

    target = ForwardTarget.model_validate({"url": "https://ops:s3cret@mimir.example:443/push"})
    assert target.receiver == "mimir.example:443"
