"""The ranking's recording rules: generated from the methodology, valid, and computing per site
and day what the ranking reads (promtool's unit tests in deploy/prometheus/tests/ranking.yml)."""

from __future__ import annotations

import pytest

from collector.ranking.methodology import load_methodology
from collector.ranking.rules import TARGET, main, recording_rules
from tests.peers.promtool import run_promtool


def test_the_committed_rules_are_what_the_methodology_generates() -> None:
    assert main(["--check"]) == 0


def test_every_recorded_query_has_a_rule_and_the_clock_comes_first() -> None:
    rules = load_methodology().rules
    daily = recording_rules(rules)["groups"][0]  # type: ignore[index]
    records = [rule["record"] for rule in daily["rules"]]
    assert records[0] == rules.recorded_clock
    assert set(records[1:]) == {query.recorded for _name, query in rules.queries}


@pytest.mark.peer
def test_promtool_checks_and_unit_tests_pass() -> None:
    checked = run_promtool("check", "rules", str(TARGET))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run_promtool("test", "rules", "deploy/prometheus/tests/ranking.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_promql_parser_reads_what_prometheus_2_42_runs() -> None:
    """The load-time check and promtool (2.42) agree: every rule expression, with its subqueries,
    `offset`, `bool` and `present_over_time`, parses with promql-parser too."""
    import promql_parser

    for group in recording_rules(load_methodology().rules)["groups"]:  # type: ignore[attr-defined]
        for rule in group["rules"]:
            promql_parser.parse(rule["expr"])
