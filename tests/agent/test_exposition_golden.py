"""The Prometheus text writer against committed golden files, checked by real promtool.

A case is tests/cases/exposition/NAME.json (families as collectors would produce them, in
order) and NAME.prom (the exact expected exposition). Regenerate after a deliberate change with
`UPDATE_GOLDEN=1 python3 -m pytest tests/agent/test_exposition_golden.py` and review the diff.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from agent.exposition import merge_families, render, render_chunks
from agent.model import MetricFamily
from tests.peers.promtool import assert_promtool_accepts, check_metrics

CASES = Path(__file__).resolve().parents[1] / "cases" / "exposition"


def load_families(path: Path) -> list[MetricFamily]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        MetricFamily(
            f["name"],
            f["help"],
            f["type"],
            tuple(f["labels"]),
            [(tuple(values), value) for values, value in f["samples"]],
        )
        for f in data["families"]
    ]


@pytest.mark.parametrize("case", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_rendering_equals_golden_and_promtool_accepts_it(case: Path) -> None:
    text = render(load_families(case))
    golden = case.with_suffix(".prom")
    if os.environ.get("UPDATE_GOLDEN"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
    assert_promtool_accepts(text)


@pytest.mark.parametrize("case", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_the_streamed_exposition_is_the_same_text_one_metric_a_chunk(case: Path) -> None:
    families = load_families(case)
    chunks = list(render_chunks(families))
    assert b"".join(chunks).decode() == render(families)
    assert all(chunk.startswith(b"# HELP ") and chunk.count(b"# TYPE ") == 1 for chunk in chunks)
    assert len(chunks) == len({f.name for f in families if f.samples})


def test_merging_copies_only_what_it_joins() -> None:
    one = MetricFamily("ictinfra_a", "a", "gauge", ("x",), [(("1",), 1)])
    two = [MetricFamily("ictinfra_b", "b", "gauge", ("x",), [((v,), 2)]) for v in "23"]
    merged = merge_families([one, *two])
    assert merged[0] is one  # alone under its name: the collector's own family
    assert merged[1].samples == [(("2",), 2), (("3",), 2)]
    assert two[0].samples == [(("2",), 2)]  # the parts are left as they were


def test_counter64_beyond_float_precision_stays_exact() -> None:
    text = render(load_families(CASES / "edge_cases.json"))
    assert 'ifName="Gi0/1"} 18446744073709551615\n' in text
    assert 'ifName="Gi0/2"} 9007199254740993\n' in text  # 2^53 + 1: a float would print ...992


def test_one_family_from_two_collectors_is_one_block() -> None:
    text = render(load_families(CASES / "edge_cases.json"))
    assert text.count("# TYPE ifHCInOctets counter") == 1
    block = text[text.index("# TYPE ifHCInOctets") :].split("# HELP", 1)[0]
    assert 'device="core-switch"' in block and 'device="border-router"' in block


def test_family_that_disagrees_on_type_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = MetricFamily("ictinfra_x", "x", "gauge", ("a",), [(("1",), 1)])
    clash = MetricFamily("ictinfra_x", "x", "counter", ("a",), [(("2",), 2)])
    with caplog.at_level(logging.ERROR):
        text = render([first, clash])
    assert 'ictinfra_x{a="1"} 1\n' in text and 'a="2"' not in text
    assert "ictinfra_x" in caplog.text


def test_promtool_helper_fails_on_parse_errors_and_other_lints() -> None:
    broken = check_metrics('ictinfra_x{a="1} 1\n')
    assert broken.returncode == 1
    snake_counter_without_total = "# HELP ictinfra_y y\n# TYPE ictinfra_y counter\nictinfra_y 1\n"
    linted = check_metrics(snake_counter_without_total)
    assert linted.returncode == 3 and linted.rejected
    with pytest.raises(pytest.fail.Exception):
        assert_promtool_accepts(snake_counter_without_total)
