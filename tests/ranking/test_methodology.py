"""The methodology file: the shipped default as RANKING.md specifies it; bad files rejected at
load, naming the key and its line, before any query runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.errors import ConfigError
from collector.ranking.methodology import load_methodology, parse_methodology
from tests.peers.common import REPO, collector_command, subprocess_env

DEFAULT = REPO / "collector" / "ranking" / "data" / "ictinfra-default-2026.yaml"


def test_the_default_is_ranking_md() -> None:
    loaded = load_methodology()
    rules = loaded.rules
    assert (rules.id, rules.timezone, rules.step, rules.coverage_floor) == (
        "ictinfra-default-2026", "Asia/Ho_Chi_Minh", 300.0, 0.7,
    )  # fmt: skip
    points = {ident: ind.max_points for ident, ind in rules.indicators.items()}
    assert points == {
        "computers_per_staff": 20, "computers_online": 20, "bandwidth_per_staff": 40,
        "wan_connected": 50, "lan_standard": 30, "equipment_in_life": 30, "server_capacity": 10,
    }  # fmt: skip
    assert rules.total_points == 200
    assert rules.indicators["lan_standard"].name.vi == "Mạng LAN đạt chuẩn kỹ thuật"
    assert rules.indicators["server_capacity"].when_denominator_zero == "full_points"
    assert rules.indicators["bandwidth_per_staff"].score == "relative_to_best"
    assert len(loaded.sha256) == 64 and loaded.text == DEFAULT.read_text(encoding="utf-8")


def _edited(old: str, new: str) -> str:
    text = DEFAULT.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    return text.replace(old, new)


def _problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_methodology(text, "next.yaml")
    return caught.value.problems


def _line(old: str) -> int:
    return DEFAULT.read_text(encoding="utf-8").split(old)[0].count("\n") + 1


def test_a_typo_d_key_is_named_with_its_line() -> None:
    problems = _problems(_edited("    max_points: 40\n", "    max_point: 40\n"))
    line = _line("    max_points: 40\n")
    assert (
        f"line {line}: indicators.bandwidth_per_staff.max_point: unknown key;"
        " did you mean `max_points`?" in problems
    )
    assert (
        f"line {line - 4}: indicators.bandwidth_per_staff.max_points: required key is missing"
        in problems
    )


def test_a_missing_denominator_is_named_with_its_line() -> None:
    old = "    numerator: offices_wan_available\n    denominator: offices\n"
    problems = _problems(_edited(old, "    numerator: offices_wan_available\n"))
    assert problems == [
        f"line {_line('  wan_connected:')}: indicators.wan_connected.denominator:"
        " required key is missing"
    ]


def test_a_promql_syntax_error_is_named_with_its_line_and_the_parser_s_reason() -> None:
    old = "    raw: max by (site, instance) (ictinfra_lan_managed_switches)\n"
    problems = _problems(_edited(old, old.replace("(ictinfra", "(ictinfra{", 1)))
    assert len(problems) == 1
    assert problems[0].startswith(
        f"line {_line(old)}: queries.lan_managed_switches.raw: PromQL does not parse:"
    )


def test_an_unknown_term_and_a_bad_time_zone_are_refused() -> None:
    text = _edited("    numerator: devices_in_life\n", "    numerator: devices_in_lief\n")
    text = text.replace("timezone: Asia/Ho_Chi_Minh", "timezone: Asia/Hanoi_City")
    problems = _problems(text)
    assert any("indicators.equipment_in_life.numerator: Input should be" in p for p in problems)
    assert any("timezone: unknown time zone 'Asia/Hanoi_City'" in p for p in problems)


def test_rank_refuses_a_bad_methodology_with_exit_2_before_any_query(tmp_path: Path) -> None:
    import subprocess

    bad = tmp_path / "bad.yaml"
    bad.write_text(_edited("coverage_floor: 0.70\n", "coverage_flor: 0.70\n"), encoding="utf-8")
    config = tmp_path / "collector.yml"
    # nothing listens on port 9: a query would fail differently (exit 4)
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'c.db'}\nprometheus_url: http://127.0.0.1:9\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        collector_command("rank", "--config", str(config), "--period", "2026",
                          "--methodology", str(bad)),
        env=subprocess_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    line = _line("coverage_floor: 0.70")
    assert f"line {line}: coverage_flor: unknown key; did you mean `coverage_floor`?" in done.stderr
