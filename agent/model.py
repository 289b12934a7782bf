"""What collectors produce: metric families (for /metrics and remote_write) and inventory."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, overload

MetricType = Literal["gauge", "counter", "untyped"]
LabelValues = tuple[str, ...]
Sample = tuple[LabelValues, float | int]


class Samples(Sequence[Sample]):
    """A family's (label values, value) pairs, kept as two parallel columns: the label tuples
    (each interface's shared by all its metrics) and the values, in an int64 array while every
    value is an int that fits (SNMP's counters and gauges), else a list (floats, Counter64
    values past 2**63 - 1: kept exact). A 20-switch site holds ~28,000 samples: 16 bytes each
    here, against ~110 for a tuple and an int object per sample, and no objects left scattered
    over the heap by every cycle. Iterating makes each pair as it is read."""

    __slots__ = ("labels", "values")

    def __init__(self, pairs: Iterable[Sample] = ()) -> None:
        self.labels: list[LabelValues] = []
        self.values: array[int] | list[float | int] = array("q")
        self.extend(pairs)

    def append(self, pair: Sample) -> None:
        labels, value = pair
        values = self.values
        if type(value) is int and isinstance(values, array):  # not bool: it renders as 1.0
            try:
                values.append(value)
            except OverflowError:
                self.values = values = [*values, value]
        else:
            if isinstance(values, array):
                self.values = values = list(values)
            values.append(value)
        self.labels.append(labels)

    def extend(self, pairs: Iterable[Sample]) -> None:
        if not isinstance(pairs, Samples):
            for pair in pairs:
                self.append(pair)
            return
        if isinstance(self.values, array) and isinstance(pairs.values, array):
            self.values.extend(pairs.values)
        else:
            self.values = [*self.values, *pairs.values]
        self.labels.extend(pairs.labels)

    def __iter__(self) -> Iterator[Sample]:
        return zip(self.labels, self.values, strict=True)

    def __len__(self) -> int:
        return len(self.labels)

    @overload
    def __getitem__(self, index: int) -> Sample: ...
    @overload
    def __getitem__(self, index: slice) -> list[Sample]: ...
    def __getitem__(self, index: int | slice) -> Sample | list[Sample]:
        if isinstance(index, slice):
            return list(zip(self.labels[index], self.values[index], strict=True))
        return self.labels[index], self.values[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Samples | list | tuple):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable, like a list

    def __repr__(self) -> str:
        return f"Samples({list(self)!r})"


@dataclass(slots=True)
class MetricFamily:
    """One metric name, its label names, and samples as (label values, value).

    Values are int where the source is an integer (SNMP counters stay exact in the text
    exposition), float otherwise. `samples` may be given as any iterable of pairs.
    """

    name: str
    help: str
    type: MetricType = "gauge"
    label_names: tuple[str, ...] = ()
    samples: Samples = field(default_factory=Samples)

    def __post_init__(self) -> None:
        if not isinstance(self.samples, Samples):
            self.samples = Samples(self.samples)

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
