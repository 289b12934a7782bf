"""Read the agent's Prometheus text output back (our own writer's simple subset)."""

from __future__ import annotations

import re

from tests.peers.promtool import assert_promtool_accepts

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    samples: Samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = _SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        samples[(name, frozenset(_LABEL.findall(labels or "")))] = float(value)
    return samples


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def promtool_accepts(text: str) -> None:
    """`promtool check metrics` parses the whole output and lints only what the contract allows
    (see tests/peers/promtool.py); missing promtool fails in CI like any peer."""
    assert_promtool_accepts(text, extra_allowed=UPLINK_CAMELCASE)


# the uplink metrics keep snmp_exporter's camelCase `ifIndex`/`ifName` labels on purpose: they
# join with `ifHCInOctets` and friends
UPLINK_CAMELCASE = [
    (
        r"ictinfra_(lan_switch_)?uplink_\w+",
        r"label names should be written in 'snake_case' not 'camelCase'",
    )
]
