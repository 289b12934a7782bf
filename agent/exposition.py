"""Prometheus text exposition (format 0.0.4) of metric families.

Written here rather than through prometheus_client's generate_latest because that one forces a
`_total` suffix onto the TYPE line of every counter, which breaks snmp_exporter's names
(`ifHCInOctets` is a counter without `_total`) that dashboards and the contract rely on, and it
prints Counter64 values as floats. Families of the same name from several collectors (one per SNMP
device, say) are merged into one block, as the format requires.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator

from agent.model import MetricFamily

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape_label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n")


def format_value(value: float | int) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def merge_families(families: Iterable[MetricFamily]) -> list[MetricFamily]:
    """One family per name; a later family that disagrees on type or labels is dropped, logged."""
    merged = []
    for group in group_families(families):
        if len(group) == 1:
            merged.append(group[0])
            continue
        first = group[0]
        family = MetricFamily(first.name, first.help, first.type, first.label_names)
        for part in group:
            family.samples.extend(part.samples)
        merged.append(family)
    return merged


def group_families(families: Iterable[MetricFamily]) -> list[list[MetricFamily]]:
    """The families of each name, in order of first appearance, without copying their samples;
    a later family that disagrees with the first on type or labels is dropped, logged."""
    groups: dict[str, list[MetricFamily]] = {}
    for family in families:
        group = groups.get(family.name)
        if group is None:
            groups[family.name] = [family]
        elif (group[0].type, group[0].label_names) == (family.type, family.label_names):
            group.append(family)
        else:
            log.error("metric %s reported with different type or labels; dropped", family.name)
    return list(groups.values())


LabelCache = dict[tuple[tuple[str, ...], tuple[str, ...]], str]


def _label_text(names: tuple[str, ...], values: tuple[str, ...]) -> str:
    pairs = (f'{n}="{_escape_label(v)}"' for n, v in zip(names, values, strict=True))
    return "{" + ",".join(pairs) + "}"


def _block(group: list[MetricFamily], label_text: LabelCache) -> str:
    """One metric's HELP, TYPE and sample lines ("" when it has no samples)."""
    first = group[0]
    if not any(family.samples for family in group):
        return ""
    name, names = first.name, first.label_names
    out = [f"# HELP {name} {_escape_help(first.help)}\n# TYPE {name} {first.type}\n"]
    for family in group:
        if not names:
            out.extend(f"{name} {format_value(value)}\n" for _, value in family.samples)
            continue
        for values, value in family.samples:
            labels = label_text.get(key := (names, values))
            if labels is None:
                labels = label_text[key] = _label_text(names, values)
            out.append(f"{name}{labels} {format_value(value)}\n")
    return "".join(out)


def render_chunks(families: Iterable[MetricFamily]) -> Iterator[bytes]:
    """The exposition as one UTF-8 chunk per metric, made as it is consumed: the whole body never
    exists at once (a 20-device site's is 3.4 MB), only the largest metric's block."""
    # one interface's labels recur in every IF-MIB column: build and escape each set once
    label_text: LabelCache = {}
    for group in group_families(families):
        block = _block(group, label_text)
        if block:
            yield block.encode()


def render(families: Iterable[MetricFamily]) -> str:
    label_text: LabelCache = {}
    return "".join(_block(group, label_text) for group in group_families(families))
