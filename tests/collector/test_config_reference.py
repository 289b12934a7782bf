"""docs/config-reference.md is generated from the config models and kept fresh (`--check`)."""

from __future__ import annotations

from pathlib import Path

from collector import config_reference


def test_committed_reference_is_fresh() -> None:
    assert config_reference.main(["--check"]) == 0, (
        "docs/config-reference.md is stale: run `python -m collector.config_reference`"
    )


def test_check_fails_on_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "config-reference.md"
    text, _ = config_reference.render()
    stale.write_text(text.replace("| `interval` |", "| `intervall` |", 1), encoding="utf-8")
    assert config_reference.main(["--check", "--out", str(stale)]) == 1
    assert config_reference.main(["--check", "--out", str(tmp_path / "absent.md")]) == 1
    assert config_reference.main(["--out", str(stale)]) == 0
    assert config_reference.main(["--check", "--out", str(stale)]) == 0


def test_every_key_is_described_and_secrets_are_hidden() -> None:
    text, missing = config_reference.render()
    assert missing == []
    assert "| `community` | secret | `<secret>` | v1/v2c community |" in text
    assert "| `snmp_communities` | list of secret | `[<secret>]` |" in text
    secret_rows = [line for line in text.splitlines() if "secret |" in line or "secret or" in line]
    assert len(secret_rows) >= 8
    assert not [line for line in secret_rows if "public" in line or "change-me" in line]


def test_types_and_defaults_read_as_yaml() -> None:
    text, _ = config_reference.render()
    assert "| `queue_max_bytes` | size | `512MiB` |" in text
    assert "| `max_sample_age` | duration | `3d` |" in text
    assert "| `url` | string | *required* | the collector's base URL" in text
    assert "| `version` | 1 \\| 2c \\| 3 | `2c` |" in text
    assert "(#agent-snmp-targets)" in text and '<a id="agent-snmp-targets"></a>' in text
