"""Read the agent's Prometheus text output back (our own writer's simple subset)."""

from __future__ import annotations

import re
import shutil
import subprocess

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


def _name(line: str) -> str:
    """The metric a line of the text format is about."""
    if line.startswith("#"):
        parts = line.split(" ")
        return parts[2] if len(parts) > 2 else ""
    return re.split(r"[{ ]", line, maxsplit=1)[0]


def promtool_accepts(text: str) -> None:
    """`promtool check metrics` finds no problem in our own (`ictinfra_`) families, when
    promtool exists. Other collectors keep node_exporter's / snmp_exporter's contract names;
    ours use snmp_exporter's camelCase `ifIndex`/`ifName` labels on purpose (they join with
    `ifHCInOctets` and friends), so that one complaint is expected."""
    promtool = shutil.which("promtool")
    if promtool is None:
        return
    ours = "".join(line + "\n" for line in text.splitlines() if _name(line).startswith("ictinfra_"))
    result = subprocess.run([promtool, "check", "metrics"], input=ours,
                            capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    problems = [
        line for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and "label names should be written in 'snake_case'" not in line
    ]  # fmt: skip
    assert not problems, problems
