import subprocess
from pathlib import Path

import pytest

from agent.config import AgentConfig, load_config
from agent.config.types import Secret, parse_byte_size, parse_duration
from agent.errors import ConfigError
from tests.peers.common import REPO, agent_command, subprocess_env

BAD = """\
snmp:
  interval: 60s
  targets:
    - name: core
      address: 127.0.0.1:1161
      community: hunter2-community
      bogus: 1
    - name: core
      address: 127.0.0.1:1162
host:
  interval: fast
push:
  url: ftp://collector
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agent.yaml"
    path.write_text(text)
    return path


def test_every_bad_key_is_named_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, BAD))
    problems = info.value.problems
    assert "line 7: snmp.targets[0].bogus: unknown key" in problems
    assert any(p.startswith("line 11: host.interval:") and "fast" in p for p in problems)
    assert any(p.startswith("line 13: push.url:") for p in problems)
    assert any(p.startswith("line 12: push.token_file: required") for p in problems)


def test_duplicate_target_names_rejected(tmp_path: Path) -> None:
    text = BAD.replace("      bogus: 1\n", "").replace("interval: fast", "interval: 5s")
    text = text.replace("push:\n  url: ftp://collector\n", "")
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert any("two targets are named 'core'" in p for p in info.value.problems)


def test_v3_needs_complete_credentials(tmp_path: Path) -> None:
    target = "{name: a, address: h, version: 3, user: u, priv_protocol: AES, priv_key: 12345678}"
    text = f"snmp:\n  targets:\n    - {target}\n"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert any("needs authentication" in p for p in info.value.problems)


def test_secrets_never_print(tmp_path: Path) -> None:
    text = (
        "snmp:\n  targets:\n    - name: a\n      address: h\n      version: 3\n      user: ops\n"
        "      auth_protocol: sha256\n      auth_key: authsecret99\n"
        "      priv_protocol: aes256\n      priv_key: privsecret99\n"
        "    - {name: b, address: h, community: commsecret99}\n"
    )
    config = load_config(write(tmp_path, text))
    from pydantic import TypeAdapter

    dumped = TypeAdapter(AgentConfig).dump_json(config).decode()
    shown = repr(config) + str(config) + dumped
    for secret in ("authsecret99", "privsecret99", "commsecret99"):
        assert secret not in shown
    assert "<secret>" in shown
    target = config.snmp.targets[0]
    assert target.auth_key is not None and target.auth_key.reveal() == "authsecret99"
    assert target.auth_protocol == "SHA256" and target.security_level == "authPriv"


def test_wrong_typed_secret_does_not_echo_value(tmp_path: Path) -> None:
    target = "{name: a, address: h, version: 3, user: u, auth_protocol: SHA, auth_key: short}"
    text = f"snmp:\n  targets:\n    - {target}\n"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    assert "short" not in str(info.value)
    assert any("at least 8 characters" in p for p in info.value.problems)


@pytest.mark.parametrize(
    ("text", "seconds"), [("15s", 15), ("1m30s", 90), ("500ms", 0.5), ("1h", 3600), (60, 60)]
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "10", "5x", "-1s", "0s", "1s2"])
def test_bad_durations(text: str) -> None:
    if text == "10":
        assert parse_duration(10) == 10
        return
    with pytest.raises(ValueError):
        parse_duration(text)


def test_byte_sizes() -> None:
    assert parse_byte_size("512MiB") == 512 * 2**20
    assert parse_byte_size("1GB") == 10**9
    with pytest.raises(ValueError):
        parse_byte_size("12 parsecs")


def test_secret_equality_and_repr() -> None:
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")
    assert f"{Secret('a')}" == "<secret>"


def test_invalid_yaml_reports_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, "snmp:\n  targets: [\n    - oops: : :\n"))
    assert info.value.problems[0].startswith("line ")


def _yaml_problem(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    [problem] = info.value.problems
    return problem


@pytest.mark.parametrize(
    ("text", "opened", "opener", "gave_up"),
    [
        ("host:\n  mounts: [/, /var\nsnmp:\n  interval: 60s\n", 2, "`[` at column 11", 3),
        ("log: {level: info\nsnmp:\n  interval: 60s\n", 1, "`{` at column 6", 2),
        ('log:\n  level: "info\nsnmp:\n  interval: 60s\n', 2, "quote at column 10", 5),
    ],
)
def test_an_unclosed_bracket_or_quote_is_reported_where_it_opened(
    tmp_path: Path, text: str, opened: int, opener: str, gave_up: int
) -> None:
    problem = _yaml_problem(tmp_path, text)
    assert problem.startswith(f"line {opened}: not valid YAML: the {opener} is not closed (")
    assert f"(line {gave_up}: " in problem


def test_a_yaml_error_never_quotes_the_line(tmp_path: Path) -> None:
    problem = _yaml_problem(tmp_path, 'snmp:\n  community: "hunter2-community\n')
    assert problem.startswith("line 2: ") and "hunter2" not in problem


def test_a_yaml_error_on_one_line_names_that_line_only(tmp_path: Path) -> None:
    assert _yaml_problem(tmp_path, "log:\n  level: info: json\n") == (
        "line 2: not valid YAML: mapping values are not allowed here"
    )


def test_example_config_is_valid() -> None:
    load_config(REPO / "deploy" / "agent.example.yaml")


def test_check_config_cli(tmp_path: Path) -> None:
    ok = subprocess.run(
        agent_command("check-config", str(REPO / "deploy" / "agent.example.yaml")),
        capture_output=True, text=True, env=subprocess_env(), check=False,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        agent_command("check-config", str(write(tmp_path, BAD))),
        capture_output=True, text=True, env=subprocess_env(), check=False,
    )  # fmt: skip
    assert bad.returncode == 2
    assert "line 7: snmp.targets[0].bogus: unknown key" in bad.stderr
    assert "hunter2-community" not in bad.stderr + bad.stdout
