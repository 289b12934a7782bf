"""What collectors produce: metric families (for /metrics and remote_write) and inventory."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

MetricType = Literal["gauge", "counter", "untyped"]
LabelValues = tuple[str, ...]


@dataclass(slots=True)
class MetricFamily:
    """One metric name, its label names, and samples as (label values, value).

    Values are int where the source is an integer (SNMP counters stay exact in the text
    exposition), float otherwise.
    """

    name: str
    help: str
    type: MetricType = "gauge"
    label_names: tuple[str, ...] = ()
    samples: list[tuple[LabelValues, float | int]] = field(default_factory=list)

    def add(self, label_values: Iterable[str], value: float | int) -> None:
        values = tuple(label_values)
        if len(values) != len(self.label_names):
            raise ValueError(f"{self.name}: {len(values)} label values for {self.label_names}")
        self.samples.append((values, value))


@dataclass(slots=True)
class Collection:
    """The result of one collect(): metric families, and inventory facts if this run took any."""

    families: list[MetricFamily] = field(default_factory=list)
    inventory: dict[str, Any] | None = None

    def family(
        self, name: str, help: str, type: MetricType = "gauge", labels: tuple[str, ...] = ()
    ) -> MetricFamily:
        family = MetricFamily(name, help, type, labels)
        self.families.append(family)
        return family
