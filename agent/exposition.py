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
from collections.abc import Iterable

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
    merged: dict[str, MetricFamily] = {}
    for family in families:
        first = merged.get(family.name)
        if first is None:
            merged[family.name] = MetricFamily(
                family.name, family.help, family.type, family.label_names, list(family.samples)
            )
        elif (first.type, first.label_names) == (family.type, family.label_names):
            first.samples.extend(family.samples)
        else:
            log.error("metric %s reported with different type or labels; dropped", family.name)
    return list(merged.values())


def render(families: Iterable[MetricFamily]) -> str:
    out: list[str] = []
    # one interface's labels recur in every IF-MIB column: build and escape each set once
    label_text: dict[tuple[tuple[str, ...], tuple[str, ...]], str] = {}
    for family in merge_families(families):
        if not family.samples:
            continue
        out.append(f"# HELP {family.name} {_escape_help(family.help)}\n")
        out.append(f"# TYPE {family.name} {family.type}\n")
        names = family.label_names
        for values, value in family.samples:
            if names:
                key = (names, values)
                labels = label_text.get(key)
                if labels is None:
                    labels = label_text[key] = (
                        "{"
                        + ",".join(
                            f'{n}="{_escape_label(v)}"' for n, v in zip(names, values, strict=True)
                        )
                        + "}"
                    )
                out.append(f"{family.name}{labels} {format_value(value)}\n")
            else:
                out.append(f"{family.name} {format_value(value)}\n")
    return "".join(out)
